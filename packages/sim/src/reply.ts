/**
 * The paced event sequence of one reply. A generator yields SSE frames at their ground-truth times;
 * the caller writes them (streaming) or collects them (non-streaming). Faults that fire after N
 * tokens live here too, because they are points in this sequence.
 * @module
 */
import type { CacheUsage } from './cache.ts';
import { chunkBlock, keepCharactersWhole, type Chunking } from './chunking.ts';
import type { ChosenFault } from './faults.ts';
import type { PlannedBlock, ReplyPlan } from './plan.ts';
import type { Rng } from './random.ts';
import { sseFrame } from './sse.ts';
import { monoNow, sleep, sleepUntil } from './time.ts';

/** Everything a reply needs. */
export interface ReplySetup {
  messageId: string;
  requestId: string;
  model: string;
  speed: 'fast' | 'standard';
  plan: ReplyPlan;
  /** `usage.input_tokens`: input after the last cache breakpoint (not read from or written to the cache). */
  inputTokens: number;
  cache: CacheUsage;
  /** Monotonic time (see `monoNow`) the request arrived; TTFT counts from here. */
  arrivedAt: number;
  ttftMs: number;
  /** Output tokens per second; 0 = unlimited. */
  otps: number;
  jitter: number;
  /** Jitter draws. */
  rng: Rng;
  /** Delta sizes: the profile, and its own seeded generator (so sizes do not depend on jitter). */
  chunking: Chunking;
  chunkRng: Rng;
  fault: ChosenFault | undefined;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** One chunk to write: an SSE frame and the output tokens it carries. */
export interface ReplyChunk {
  /** The SSE frame; `''` for tokens that carry no text (nothing is written for them). */
  frame: string;
  tokens: number;
}

/** How the generator finished. */
export type ReplyOutcome = 'complete' | 'aborted' | 'midstream_error' | 'truncate' | 'drop';

/** The message as the SDK expects it in `message_start` (spec 4.3). */
export function startMessage(s: ReplySetup): Record<string, unknown> {
  return {
    id: s.messageId,
    type: 'message',
    role: 'assistant',
    model: s.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: {
      input_tokens: s.inputTokens,
      cache_creation_input_tokens: s.cache.creation,
      cache_read_input_tokens: s.cache.read,
      cache_creation: { ephemeral_5m_input_tokens: s.cache.creation5m, ephemeral_1h_input_tokens: s.cache.creation1h },
      output_tokens: 1,
      service_tier: 'standard',
      inference_geo: 'not_available',
      speed: s.speed,
    },
  };
}

function blockStart(block: PlannedBlock): Record<string, unknown> {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'text':
      return { type: 'text', text: '' };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {} };
  }
}

function deltaOf(block: PlannedBlock, text: string): Record<string, unknown> {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking_delta', thinking: text };
    case 'text':
      return { type: 'text_delta', text };
    case 'tool_use':
      return { type: 'input_json_delta', partial_json: text };
  }
}

/** Yield a macrotask every so often when deltas are due faster than timers fire, so aborts and other requests get a turn. */
const UNLIMITED_YIELD_EVERY = 32;
const PING_EVERY_DELTAS = 64;

/**
 * Generate the reply's frames at their times. Returns how it finished.
 * Timing: delta j is due at `first + (tokensBefore_j − 1) / otps`, where `first` is the TTFT point,
 * plus a bounded seeded jitter that never accumulates, so the average rate is exact.
 */
export async function* replyFrames(s: ReplySetup): AsyncGenerator<ReplyChunk, ReplyOutcome> {
  const jitterAt = (base: number): number => base * (s.jitter * (s.rng.next() - 0.5));
  const firstAt = s.arrivedAt + s.ttftMs + jitterAt(s.ttftMs);
  const msPerToken = s.otps > 0 ? 1000 / s.otps : 0;
  let emitted = 0;
  let lastDue = 0;
  let deltaCount = 0;

  const faultDue = (): boolean =>
    s.fault !== undefined && s.fault.fault !== 'slow_headers' && s.fault.fault !== 'rate_limit' && emitted >= s.fault.after;

  yield { frame: sseFrame({ type: 'message_start', message: startMessage(s) }), tokens: 0 };

  for (const [index, block] of s.plan.blocks.entries()) {
    yield { frame: sseFrame({ type: 'content_block_start', index, content_block: blockStart(block) }), tokens: 0 };
    if (index === 0) yield { frame: sseFrame({ type: 'ping' }), tokens: 0 };
    if (block.type === 'tool_use') {
      // The API's first input_json_delta is often an empty fragment (spec 4.3).
      yield { frame: sseFrame({ type: 'content_block_delta', index, delta: deltaOf(block, '') }), tokens: 0 };
    }
    // The reply's first delta carries 1 token (so "tokens after the first" is exact); see chunking.ts.
    const sizes = keepCharactersWhole(chunkBlock(block.type, block.tokens.length, s.chunking, s.chunkRng, emitted === 0), block.tokens);
    let q = 0;
    for (let i = 0; i < block.tokens.length; ) {
      if (faultDue()) return yield* fireFault(s);
      const planned = sizes[q]!;
      let k = planned.size;
      // A delta never crosses a pending fault's token count: cut it there, the rest goes next.
      if (s.fault !== undefined && s.fault.after > emitted && k > s.fault.after - emitted) k = s.fault.after - emitted;
      const whole = k === planned.size;
      const held = planned.hold && whole;
      if (whole) q += 1;
      else planned.size -= k;
      const delta = block.tokens.slice(i, i + k);
      i += delta.length;
      // A held delta (a burst) goes out at the time the group's last one is due: late, never early.
      let upTo = delta.length;
      if (held) {
        for (let j = q; j < sizes.length; j++) {
          upTo += sizes[j]!.size;
          if (!sizes[j]!.hold) break;
        }
      }
      let due = emitted === 0 ? firstAt : firstAt + (emitted + upTo - 1) * msPerToken;
      if (emitted > 0 && !held) due += jitterAt(delta.length * msPerToken);
      due = Math.max(due, lastDue);
      lastDue = due;
      // Timers have ~1 ms resolution: sleep only when the delta is due later than that, otherwise
      // write now (the schedule is absolute, so nothing drifts) and yield a macrotask now and then.
      if (due - monoNow() > 1 || emitted === 0) {
        if (!(await sleepUntil(due, s.signal))) return 'aborted';
      } else if (deltaCount % UNLIMITED_YIELD_EVERY === 0) {
        if (!(await sleep(0, s.signal))) return 'aborted';
      }
      if (s.signal.aborted) return 'aborted';
      emitted += delta.length;
      // Tokens that only start a character the reply never finishes carry no text (a block cut inside
      // its only character, or a fault's cut): counted, never sent, as the API sends no empty delta.
      const text = delta.join('');
      yield { frame: text === '' ? '' : sseFrame({ type: 'content_block_delta', index, delta: deltaOf(block, text) }), tokens: delta.length };
      // Scatter a ping now and then, as the API may (clients must ignore them).
      if (++deltaCount % PING_EVERY_DELTAS === 0) yield { frame: sseFrame({ type: 'ping' }), tokens: 0 };
    }
    if (block.type === 'thinking') {
      yield { frame: sseFrame({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } }), tokens: 0 };
    }
    yield { frame: sseFrame({ type: 'content_block_stop', index }), tokens: 0 };
  }
  if (faultDue()) return yield* fireFault(s);
  yield {
    frame: sseFrame({
      type: 'message_delta',
      delta: { stop_reason: s.plan.stopReason, stop_sequence: null, stop_details: null },
      usage: {
        input_tokens: s.inputTokens,
        cache_creation_input_tokens: s.cache.creation,
        cache_read_input_tokens: s.cache.read,
        output_tokens: emitted,
      },
    }),
    tokens: 0,
  };
  yield { frame: sseFrame({ type: 'message_stop' }), tokens: 0 };
  return 'complete';
}

async function* fireFault(s: ReplySetup): AsyncGenerator<ReplyChunk, ReplyOutcome> {
  switch (s.fault?.fault) {
    case 'midstream_error':
      yield {
        frame: sseFrame({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: s.requestId }),
        tokens: 0,
      };
      return 'midstream_error';
    case 'stall':
      // Stop sending but keep the connection open until the client gives up.
      await new Promise<void>((resolve) => {
        if (s.signal.aborted) resolve();
        else s.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return 'aborted';
    case 'drop':
      return 'drop';
    default:
      return 'truncate';
  }
}
