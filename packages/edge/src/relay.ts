/**
 * Upstream SDK events → protocol events, for one connected attempt of one step. Nothing here retries:
 * after the 200, a failure is a typed `error` after whatever was already delivered.
 *
 * Besides relaying, it rebuilds the step's assistant turn (thinking with signatures, text, tool calls
 * with parsed inputs) so the loop can send it back upstream on the next step.
 *
 * @module
 */
import type { BetaContentBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type { ErrorEvent, JsonValue, RateLimitEvent, Speed, SpeedPolicy, StartEvent, StepTimings, StopReason, ToolExecution, Usage } from '@slipstream/core';
import { stepSample, type CalibrationTable } from './calibration.ts';
import { classifyUpstreamError, type UpstreamFailure } from './errors.ts';
import type { EventStream } from './event-stream.ts';
import type { OpenStream } from './upstream.ts';

/** A tool call the model made in a step, its input parsed. */
export interface StepToolCall {
  toolCallId: string;
  name: string;
  input: { [key: string]: JsonValue };
  index: number;
  execution: ToolExecution;
  needsApproval: boolean;
}

/** A finished step, as the loop needs it. */
export interface StepResult {
  messageId: string;
  model: string;
  stopReason: StopReason | null;
  usage: Usage;
  served: Speed | null;
  timings: StepTimings;
  /** The assistant turn to send back upstream. */
  content: BetaContentBlockParam[];
  /** Calls whose input parsed; a call cut by `max_tokens` is left out (its step does not continue). */
  toolCalls: StepToolCall[];
}

export interface RelayInput {
  open: OpenStream;
  out: EventStream;
  /** 0-based step of the reply. */
  step: number;
  /** Speed asked of upstream on this attempt. */
  speed: Speed;
  policy: SpeedPolicy;
  attempt: number;
  conversationId: string | undefined;
  t: () => number;
  /** When this attempt's request was sent (ms since the edge received the request). */
  sentT: number;
  idleTimeoutMs: number;
  /** This attempt's controller: aborted by the client, or here on idle timeout. */
  upstream: AbortController;
  /** Sent right after `step_start` (the connected attempt's rate-limit headers, on steps after the first). */
  ratelimit?: RateLimitEvent;
  /** Whether a tool runs at the edge or in the client, and whether this call waits for approval. */
  describeCall: (name: string, input: { [key: string]: JsonValue }) => Promise<{ execution: ToolExecution; needsApproval: boolean }>;
  fail: (error: ErrorEvent, failure?: UpstreamFailure) => void;
  /** Token calibrations per model: sent in `start`, refined by each finished step. */
  calibration?: CalibrationTable | undefined;
  /** The reply's id when it is resumable: sent in `start`. */
  replyId?: string | undefined;
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; json: string; input?: { [key: string]: JsonValue } };

/**
 * Relay one connected stream to the end of its message. Resolves with the step, or `undefined` when the
 * reply is over (an error was sent, or the client went away).
 */
export async function relayStep(input: RelayInput): Promise<StepResult | undefined> {
  const { open, out, t, step } = input;
  const usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  let served: Speed | null = null;
  let model = '';
  let messageId = '';
  let stopReason: StopReason | null = null;
  let firstDeltaT: number | null = null;
  let lastDeltaT: number | null = null;
  let sawStop = false;
  let stalled = false;
  const blocks = new Map<number, Block>();
  const toolCalls: StepToolCall[] = [];
  let idle: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => {
      stalled = true;
      input.upstream.abort(new Error('upstream idle timeout'));
    }, input.idleTimeoutMs);
  };
  const delta = () => {
    const now = t();
    if (firstDeltaT === null) firstDeltaT = now;
    lastDeltaT = now;
    return now;
  };

  let thrown: unknown;
  try {
    armIdle();
    for (;;) {
      const next = await open.events.next();
      if (next.done) break;
      armIdle();
      const event = next.value;
      switch (event.type) {
        case 'message_start': {
          const m = event.message;
          model = m.model;
          messageId = m.id;
          served = m.usage.speed === 'fast' || m.usage.speed === 'standard' ? m.usage.speed : null;
          usage.inputTokens = m.usage.input_tokens;
          usage.outputTokens = m.usage.output_tokens;
          usage.cacheReadInputTokens = m.usage.cache_read_input_tokens ?? 0;
          usage.cacheCreationInputTokens = m.usage.cache_creation_input_tokens ?? 0;
          if (step === 0) {
            const start: StartEvent = {
              protocol: 2,
              messageId: m.id,
              model: m.model,
              requestedSpeed: input.speed,
              policy: input.policy,
              attempt: input.attempt,
              t: t(),
            };
            if (input.conversationId !== undefined) start.conversationId = input.conversationId;
            if (input.replyId !== undefined) start.replyId = input.replyId;
            // A shared store's table may read it now (the first time per model in this isolate).
            const calibration = await input.calibration?.get(m.model);
            if (calibration !== undefined) start.calibration = calibration;
            out.send('start', start);
          }
          out.send('step_start', { step, messageId: m.id, model: m.model, requestedSpeed: input.speed, attempt: input.attempt, t: t() });
          if (input.ratelimit) out.send('ratelimit', input.ratelimit);
          break;
        }
        case 'content_block_start': {
          const b = event.content_block;
          if (b.type === 'text') blocks.set(event.index, { type: 'text', text: b.text });
          else if (b.type === 'thinking') blocks.set(event.index, { type: 'thinking', thinking: b.thinking, signature: b.signature });
          else if (b.type === 'redacted_thinking') {
            blocks.set(event.index, { type: 'redacted_thinking', data: b.data });
            out.send('thinking_signature', { step, index: event.index, signature: b.data, redacted: true, t: t() });
          } else if (b.type === 'tool_use') {
            blocks.set(event.index, { type: 'tool_use', id: b.id, name: b.name, json: '' });
            out.send('tool_call_start', { toolCallId: b.id, name: b.name, step, index: event.index, t: t() });
          }
          break;
        }
        case 'content_block_delta': {
          const d = event.delta;
          const block = blocks.get(event.index);
          if (d.type === 'text_delta') {
            if (block?.type === 'text') block.text += d.text;
            out.send('text', { delta: d.text, step, index: event.index, t: delta() });
          } else if (d.type === 'thinking_delta') {
            if (block?.type === 'thinking') block.thinking += d.thinking;
            out.send('thinking', { delta: d.thinking, step, index: event.index, t: delta() });
          } else if (d.type === 'signature_delta') {
            if (block?.type === 'thinking') block.signature = d.signature;
            out.send('thinking_signature', { step, index: event.index, signature: d.signature, t: t() });
          } else if (d.type === 'input_json_delta' && block?.type === 'tool_use') {
            block.json += d.partial_json;
            // The first fragment is "" (it carries no token); the rest are the input's output tokens.
            if (d.partial_json !== '') out.send('tool_input_delta', { toolCallId: block.id, delta: d.partial_json, step, index: event.index, t: delta() });
          }
          break;
        }
        case 'content_block_stop': {
          const block = blocks.get(event.index);
          if (block?.type !== 'tool_use') break;
          const parsed = parseInput(block.json);
          if (parsed === undefined) break; // cut by max_tokens: the step ends there
          block.input = parsed;
          const { execution, needsApproval } = await input.describeCall(block.name, parsed);
          const call: StepToolCall = { toolCallId: block.id, name: block.name, input: parsed, index: event.index, execution, needsApproval };
          toolCalls.push(call);
          const e = { toolCallId: block.id, name: block.name, input: parsed, step, index: event.index, execution, t: t() };
          out.send('tool_call', needsApproval ? { ...e, needsApproval } : e);
          break;
        }
        case 'message_delta': {
          const u = event.usage;
          usage.outputTokens = u.output_tokens;
          if (typeof u.input_tokens === 'number') usage.inputTokens = u.input_tokens;
          if (typeof u.cache_read_input_tokens === 'number') usage.cacheReadInputTokens = u.cache_read_input_tokens;
          if (typeof u.cache_creation_input_tokens === 'number') usage.cacheCreationInputTokens = u.cache_creation_input_tokens;
          if (event.delta.stop_reason !== undefined && event.delta.stop_reason !== null) stopReason = event.delta.stop_reason;
          break;
        }
        case 'message_stop':
          sawStop = true;
          break;
        default:
          break;
      }
    }
  } catch (err) {
    thrown = err;
  } finally {
    if (idle !== undefined) clearTimeout(idle);
    // Never leave an upstream request running behind us.
    if (!open.stream.ended) open.abort();
  }

  if (out.cancelled) return undefined;
  if (stalled) {
    input.fail({ kind: 'stalled', message: 'Upstream went silent for longer than the idle timeout.', status: 504, retryable: true });
    return undefined;
  }
  const failure = thrown ?? open.failure();
  if (failure !== undefined || !sawStop) {
    const classified = classifyUpstreamError(failure);
    input.fail(classified.error, classified);
    return undefined;
  }
  const sample = input.calibration === undefined ? undefined : stepSample(blocks.values(), usage.outputTokens);
  // Stored in the background: the reply does not wait for it.
  if (sample !== undefined) void input.calibration?.observe(model, sample);
  return {
    messageId,
    model,
    stopReason,
    usage,
    served,
    timings: { startT: input.sentT, firstDeltaT, lastDeltaT, endT: t() },
    content: assistantTurn(blocks),
    toolCalls,
  };
}

function parseInput(json: string): { [key: string]: JsonValue } | undefined {
  if (json.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { [key: string]: JsonValue }) : undefined;
  } catch {
    return undefined;
  }
}

/** The step's blocks in order, as upstream takes them back. Empty text blocks are refused upstream: left out. */
function assistantTurn(blocks: Map<number, Block>): BetaContentBlockParam[] {
  const out: BetaContentBlockParam[] = [];
  for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
    const b = blocks.get(index)!;
    if (b.type === 'text') {
      if (b.text.trim() !== '') out.push({ type: 'text', text: b.text });
    } else if (b.type === 'thinking') out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    else if (b.type === 'redacted_thinking') out.push({ type: 'redacted_thinking', data: b.data });
    else if (b.input !== undefined) out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input });
  }
  return out;
}
