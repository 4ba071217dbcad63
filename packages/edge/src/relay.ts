/**
 * Upstream SDK events → protocol events, for one connected attempt. Nothing here retries: after the
 * 200, a failure is a typed `error` after whatever text was already delivered.
 *
 * @module
 */
import { cost, type ErrorEvent, type Speed, type SpeedPolicy, type StartEvent, type StopReason, type Usage } from '@slipstream/core';
import { classifyUpstreamError, type UpstreamFailure } from './errors.ts';
import type { EventStream } from './event-stream.ts';
import type { ChatHandlerOptions } from './options.ts';
import type { OpenStream } from './upstream.ts';

export interface RelayInput {
  open: OpenStream;
  out: EventStream;
  /** Speed asked of upstream on this attempt. */
  speed: Speed;
  policy: SpeedPolicy;
  attempt: number;
  conversationId: string | undefined;
  t: () => number;
  idleTimeoutMs: number;
  /** This attempt's controller: aborted by the client, or here on idle timeout. */
  upstream: AbortController;
  pricing: ChatHandlerOptions['pricing'];
  fail: (error: ErrorEvent, failure?: UpstreamFailure) => void;
  now: () => number;
}

/** Relay one connected stream to its end. Resolves when the reply is over (done, error or abort). */
export async function relay(input: RelayInput): Promise<void> {
  const { open, out, t } = input;
  const usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  let served: Speed | null = null;
  let model = '';
  let stopReason: StopReason | null = null;
  let firstDeltaT: number | null = null;
  let lastDeltaT: number | null = null;
  let sawStop = false;
  let stepStartT = 0;
  let stalled = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => {
      stalled = true;
      input.upstream.abort(new Error('upstream idle timeout'));
    }, input.idleTimeoutMs);
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
          served = m.usage.speed === 'fast' || m.usage.speed === 'standard' ? m.usage.speed : null;
          usage.inputTokens = m.usage.input_tokens;
          usage.outputTokens = m.usage.output_tokens;
          usage.cacheReadInputTokens = m.usage.cache_read_input_tokens ?? 0;
          usage.cacheCreationInputTokens = m.usage.cache_creation_input_tokens ?? 0;
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
          out.send('start', start);
          stepStartT = t();
          out.send('step_start', { step: 0, messageId: m.id, model: m.model, requestedSpeed: input.speed, attempt: input.attempt, t: stepStartT });
          break;
        }
        case 'content_block_delta': {
          const d = event.delta;
          if (d.type === 'text_delta' || d.type === 'thinking_delta') {
            const now = t();
            if (firstDeltaT === null) firstDeltaT = now;
            lastDeltaT = now;
            if (d.type === 'text_delta') out.send('text', { delta: d.text, step: 0, index: event.index, t: now });
            else out.send('thinking', { delta: d.thinking, step: 0, index: event.index, t: now });
          }
          break;
        }
        case 'message_delta': {
          const u = event.usage;
          usage.outputTokens = u.output_tokens;
          if (typeof u.input_tokens === 'number') usage.inputTokens = u.input_tokens;
          if (typeof u.cache_read_input_tokens === 'number') usage.cacheReadInputTokens = u.cache_read_input_tokens;
          if (typeof u.cache_creation_input_tokens === 'number') usage.cacheCreationInputTokens = u.cache_creation_input_tokens;
          if (event.delta.stop_reason !== undefined) stopReason = event.delta.stop_reason;
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

  if (out.cancelled) return;
  if (stalled) {
    input.fail({ kind: 'stalled', message: 'Upstream went silent for longer than the idle timeout.', status: 504, retryable: true });
    return;
  }
  const failure = thrown ?? open.failure();
  if (failure !== undefined || !sawStop) {
    const classified = classifyUpstreamError(failure);
    input.fail(classified.error, classified);
    return;
  }
  const end = t();
  const pricing = input.pricing;
  const price = typeof pricing === 'function' ? pricing(usage, model, served) : cost(usage, model, served, pricing);
  out.send('step_finish', {
    step: 0,
    stopReason,
    usage: { ...usage },
    speed: served,
    timings: { startT: stepStartT, firstDeltaT, lastDeltaT, endT: end },
    cost: price,
    t: end,
  });
  out.send('usage', { ...usage, speed: served, t: end });
  out.send('done', {
    stopReason,
    finishReason: 'stop',
    steps: 1,
    usage,
    speed: served,
    model,
    timings: { firstDeltaT, lastDeltaT, totalT: end, attempts: input.attempt },
    cost: price,
    t: end,
  });
}
