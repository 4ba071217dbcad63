/**
 * Public option, fault, stats and record types of `@slipstream/sim`.
 * @module
 */
import type { Chunking } from './chunking.ts';
import type { ModelProfile } from './models.ts';

/** Names of the faults the sim can inject. */
export type FaultName =
  | 'overloaded'
  | 'api_error'
  | 'rate_limit'
  | 'midstream_error'
  | 'truncate'
  | 'slow_headers'
  | 'stall'
  | 'drop';

/** Every fault name, in documentation order. */
export const FAULT_NAMES: readonly FaultName[] = [
  'overloaded',
  'api_error',
  'rate_limit',
  'midstream_error',
  'truncate',
  'slow_headers',
  'stall',
  'drop',
];

/**
 * A fault to inject.
 *
 * With neither `count` nor `rate`, the fault hits the next matching request once.
 * With `rate` only, it hits that share of matching requests until `reset()`.
 * With both, it hits that share until it has fired `count` times.
 */
export interface FaultSpec {
  fault: FaultName;
  /**
   * Output tokens before the fault fires (`midstream_error`, `truncate`, `stall`, `drop`; default 8),
   * milliseconds of header delay for `slow_headers` (default 1000), or the `retry-after-ms` of an
   * injected `rate_limit` (default 1000).
   */
  after?: number;
  /** How many requests to hit. */
  count?: number;
  /** Share of matching requests to hit, 0..1 (seeded, so a run is repeatable). */
  rate?: number;
  /** Only hit requests served at this speed. */
  speed?: 'fast' | 'standard';
}

/** Options of {@link createSim}. Every field is optional; see the README for defaults. */
export interface SimOptions {
  /** Time to first content delta in ms, the same for both speeds (fast mode does not change TTFT). @defaultValue 350 */
  ttftMs?: number;
  /** Standard output tokens per second; 0 means as fast as possible. @defaultValue 50 */
  standardOtps?: number;
  /** Fast rate = standardOtps × fastMultiplier. @defaultValue 2.5 */
  fastMultiplier?: number;
  /** Relative, seeded jitter on TTFT and on each delta's time (it never drifts the average rate). @defaultValue 0.1 */
  jitter?: number;
  /** Fast input tokens per minute (continuously replenishing bucket). @defaultValue 1_000_000 */
  fastInputTpm?: number;
  /** Fast output tokens per minute (continuously replenishing bucket, charged as tokens are emitted). @defaultValue 200_000 */
  fastOutputTpm?: number;
  /** Seed of text, token counts, ids and fault shares. @defaultValue 1 */
  seed?: number;
  /** Model profiles. @defaultValue DEFAULT_MODEL_PROFILES */
  models?: ModelProfile[];
  /** Largest accepted request body; larger gives 413 `request_too_large`. @defaultValue 32 MB */
  maxBodyBytes?: number;
  /** Faults applied by configuration (restored by `reset()`). */
  faults?: FaultSpec[];
  /** Epoch-ms clock used for rate-limit buckets, reset headers, prompt-cache TTLs and the request log. */
  clock?: { now(): number };
  /**
   * Prefill rate: uncached input tokens (`input_tokens` + `cache_creation_input_tokens`) processed per
   * second before the first token, so TTFT = `ttftMs` + uncached ÷ rate. 0 = instant. A model profile's
   * own `prefillTokensPerSecond` wins. @defaultValue 10_000
   */
  prefillTokensPerSecond?: number;
  /**
   * How output is cut into deltas: `api` looks like the real API (text deltas of 1–8 tokens, thinking and
   * tool input chunked their own way, occasional bursts); `token` sends one token per delta. A request
   * can override it with the header `x-sim-chunking: api|token`. @defaultValue 'api'
   */
  chunking?: Chunking;
}

/** Counters served at `GET /_sim/stats`. */
export interface SimStats {
  requests: { total: number; byStatus: Record<string, number> };
  activeStreams: number;
  completedStreams: number;
  abortedStreams: number;
  tokensEmitted: number;
  /** Per aborted stream: tokens written after the sim noticed the disconnect (should be 0). */
  tokensAfterDisconnect: number[];
}

/** How a stream ended. */
export type StreamEnd = 'complete' | 'client_abort' | 'fault';

/** One generated reply (streaming or not), with ground-truth timing. */
export interface SimStreamRecord {
  /** The message id (`msg_…`). */
  id: string;
  requestId: string;
  model: string;
  speed: 'fast' | 'standard';
  /** Epoch ms (sub-ms) when the request arrived. */
  startedAt: number;
  endedAt?: number;
  end?: StreamEnd;
  outputTokens: number;
  /** `usage.input_tokens`: the uncached tail after the last cache breakpoint. */
  inputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** Planned time to first token in ms (before jitter): `ttftMs` + uncached input ÷ prefill rate. */
  ttftMs: number;
  /** Epoch ms (sub-ms) of each token-carrying delta written (signature deltas excluded). */
  deltaTimes: number[];
  /** Tokens in each delta, parallel to `deltaTimes`. */
  deltaTokens: number[];
  disconnectedAt?: number;
}

/** One entry of the request log (`GET /_sim/requests`). */
export interface SimRequestLogEntry {
  /** The `request-id` sent back. */
  id: string;
  /** Epoch ms of arrival. */
  at: number;
  method: string;
  path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text if it did not parse, or a note if it was too large. */
  body: unknown;
}
