/**
 * Non-streaming replies: paced like a stream, answered as one JSON Message (spec 4.6).
 * @module
 */
import { errorBody } from './errors.ts';
import type { ReplyPlan } from './plan.ts';
import { startMessage, type ReplyChunk, type ReplyOutcome, type ReplySetup } from './reply.ts';
import type { StreamRun } from './stream-run.ts';

/** A tool call's input; one cut short by `max_tokens` is incomplete JSON, and then whatever parsed is `{}`. */
function parseInput(json: string): unknown {
  try {
    return JSON.parse(json || '{}') as unknown;
  } catch {
    return {};
  }
}

/** The full Message for a non-streaming reply (spec 4.6). */
function finalMessage(setup: ReplySetup, plan: ReplyPlan): Record<string, unknown> {
  const content = plan.blocks.map((block) => {
    const text = block.tokens.join('');
    if (block.type === 'thinking') return { type: 'thinking', thinking: text, signature: block.signature };
    if (block.type === 'tool_use') return { type: 'tool_use', id: block.id, name: block.name, input: parseInput(text) };
    return { type: 'text', text, citations: null };
  });
  const start = startMessage(setup);
  return {
    ...start,
    content,
    stop_reason: plan.stopReason,
    container: null,
    context_management: null,
    diagnostics: null,
    input_transformations: null,
    usage: { ...(start['usage'] as object), output_tokens: plan.outputTokens },
  };
}

/** Run a reply to its end and answer with JSON (or the fault's equivalent). */
export async function nonStreaming(
  run: StreamRun,
  frames: AsyncGenerator<ReplyChunk, ReplyOutcome>,
  setup: ReplySetup,
  plan: ReplyPlan,
  headers: Record<string, string>,
  resetSocket: () => void,
  cleanup: () => void,
): Promise<Response> {
  // Same pacing as a stream: a JSON reply arrives when the whole stream would have ended.
  let next = await frames.next();
  while (!next.done) {
    run.wrote(next.value.tokens);
    next = await frames.next();
  }
  cleanup();
  const outcome = next.value;
  const count = (status: number): void => run.core.state.countStatus(status);
  if (outcome === 'aborted') {
    run.finish('client_abort');
    count(499);
    return new Response(null, { status: 499 });
  }
  if (outcome !== 'complete') {
    run.finish('fault');
    if (outcome === 'midstream_error') {
      count(529);
      return new Response(errorBody('overloaded_error', 'Overloaded', setup.requestId), {
        status: 529,
        headers: { ...headers, 'content-type': 'application/json' },
      });
    }
    count(500);
    resetSocket();
    return new Response('', { status: 500, headers });
  }
  run.finish('complete');
  count(200);
  return new Response(JSON.stringify(finalMessage(setup, plan)), {
    status: 200,
    headers: { ...headers, 'content-type': 'application/json' },
  });
}
