/**
 * The Slipstream browser ⇄ edge protocol, version 1.
 *
 * The browser POSTs a {@link ChatRequest} as JSON. The edge answers `200 text/event-stream` with the
 * header {@link PROTOCOL_HEADER}: `1`, and a sequence of named SSE events, each `event: <name>` plus one
 * `data:` line of JSON whose shape is given by {@link ProtocolEventMap}. Comments (`: hb`) are
 * heartbeats and carry nothing. A request refused before streaming gets a 4xx/5xx JSON
 * {@link ErrorBody} instead.
 *
 * Event order for one reply:
 * ```
 * (ratelimit | fallback)*  start  ratelimit?  (thinking | text | ratelimit)*  usage  done
 *                                                                         └─ or: error (then the stream ends)
 * ```
 * `fallback` comes before the `start` of the attempt it leads to. After `error` or `done` nothing follows.
 *
 * Timestamps named `t` are milliseconds since the edge received the request (the edge's own clock), so a
 * client can tell upstream pacing from network jitter. Client-side metrics are stamped on arrival.
 *
 * @module
 */

/** The protocol version this package speaks. Travels in the {@link PROTOCOL_HEADER} response header. */
export const PROTOCOL_VERSION = 1 as const;
/** Response header carrying {@link PROTOCOL_VERSION}. */
export const PROTOCOL_HEADER = 'x-slipstream-protocol';

/** Speed asked of Anthropic for one upstream request. */
export type Speed = 'fast' | 'standard';
/**
 * The speed policy a client asks the edge for.
 * - `fast`: fast only; a fast rate limit becomes an `error` (after an optional short wait).
 * - `standard`: never ask for fast.
 * - `auto`: fast when it can be had, standard otherwise, with a `fallback` event saying why.
 */
export type SpeedPolicy = Speed | 'auto';
/** `output_config.effort`; stacks with fast mode. */
export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
/** Extended thinking, as Anthropic takes it. */
export type ThinkingConfig = { type: 'adaptive' } | { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };

/** One turn of a conversation. Text only in protocol v1. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The JSON body of `POST /api/chat`. */
export interface ChatRequest {
  /** Alternating user/assistant turns, starting and ending with `user`. */
  messages: ChatMessage[];
  /** Default `auto`. */
  speed?: SpeedPolicy;
  /** Must be one the edge allows; defaults to the edge's default model. */
  model?: string;
  system?: string;
  /** Capped by the edge. */
  max_tokens?: number;
  effort?: Effort;
  thinking?: ThinkingConfig;
  /** Stable per conversation; keys the edge's fallback memory so speed does not flip mid-conversation. */
  conversationId?: string;
}

/** Why the edge served standard when the client allowed fast. */
export type FallbackReason =
  /** Upstream answered 429 to the fast request. */
  | 'rate_limited'
  /** A recent fast 429 is remembered until its reset: no fast request was sent. */
  | 'remembered'
  /** The last seen fast output budget cannot cover this request. */
  | 'budget_low'
  /** The model has no fast mode. */
  | 'unsupported_model'
  /** Fast kept failing with 5xx/529 before the first token. */
  | 'overloaded';

/** One rate-limit dimension, parsed from `anthropic-{fast,ratelimit}-*-{limit,remaining,reset}`. */
export interface RateLimitWindow {
  limit: number | null;
  remaining: number | null;
  /** ISO 8601 / RFC 3339 instant, as sent upstream. */
  reset: string | null;
}

/** Rate-limit state seen on one upstream response. */
export interface RateLimitEvent {
  /** Which speed the upstream request that produced these headers asked for. */
  speed: Speed;
  /** `anthropic-fast-*` headers; absent when upstream sent none. */
  fast?: { input: RateLimitWindow; output: RateLimitWindow };
  /** `anthropic-ratelimit-*` headers. */
  standard?: { requests: RateLimitWindow; tokens: RateLimitWindow; input: RateLimitWindow; output: RateLimitWindow };
  /** From `retry-after-ms`, else `retry-after` (seconds), in ms; only on 429/529. */
  retryAfterMs?: number;
  t: number;
}

/** Sent once per reply when the upstream message starts. */
export interface StartEvent {
  protocol: typeof PROTOCOL_VERSION;
  /** Upstream message id (`msg_…`). */
  messageId: string;
  model: string;
  /** The speed asked of upstream on the attempt that is now streaming. */
  requestedSpeed: Speed;
  policy: SpeedPolicy;
  /** 1-based count of upstream requests made for this reply (retries and fallbacks included). */
  attempt: number;
  conversationId?: string;
  t: number;
}

/** The edge serves a different speed than the policy allowed; sent before the `start` of that attempt. */
export interface FallbackEvent {
  from: Speed;
  to: Speed;
  reason: FallbackReason;
  /** How long until fast is expected back, in ms, when known. */
  retryAfterMs?: number;
  /** ISO instant until which the edge will keep serving standard for this conversation/key. */
  until?: string;
  t: number;
}

/** A piece of visible text. `index` is the upstream content block index. */
export interface TextEvent {
  delta: string;
  index: number;
  t: number;
}

/** A piece of extended-thinking text. */
export interface ThinkingEvent {
  delta: string;
  index: number;
  t: number;
}

/** Token usage, cumulative, in Anthropic's own counts. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

/** Usage as reported upstream, with the speed actually served (`usage.speed`). */
export interface UsageEvent extends Usage {
  /** From upstream `usage.speed`, never from what was requested. `null` if upstream did not say. */
  speed: Speed | null;
  t: number;
}

/** Failure categories a client can act on. */
export type ErrorKind =
  /** 4xx from the edge's own validation. */
  | 'invalid_request'
  /** The `authorize` hook refused. */
  | 'unauthorized'
  | 'forbidden'
  /** Rate limited: upstream fast/standard 429, or the edge's per-client limit. */
  | 'rate_limited'
  /** Upstream 529 or overloaded_error. */
  | 'overloaded'
  /** Upstream 5xx or an unexpected upstream answer. */
  | 'upstream'
  /** Upstream sent nothing for longer than the idle timeout. */
  | 'stalled'
  /** Upstream timed out or could not be reached. */
  | 'network'
  /** The model cannot do what was asked (e.g. `speed: "fast"` on a standard-only model). */
  | 'unsupported'
  /** Client-side: the user stopped the stream. Never sent by the edge. */
  | 'aborted'
  /** Client-side: the edge's answer did not follow this protocol. */
  | 'protocol';

/** A typed, safe-to-show error. Never contains upstream bodies, headers or keys. */
export interface ErrorEvent {
  kind: ErrorKind;
  message: string;
  /** HTTP status that best describes the failure (upstream's, or the edge's own). */
  status?: number;
  /** Whether sending the same request again may succeed. */
  retryable: boolean;
  retryAfterMs?: number;
  /** Upstream `request-id`, safe to show and useful to report. */
  requestId?: string;
  /** For `invalid_request`: the request field at fault, as a path (`messages[2].content`). */
  field?: string;
  t?: number;
}

/** Timings measured at the edge for one reply, in ms since the edge received the request. */
export interface EdgeTimings {
  /** First upstream content delta received by the edge. `null` if none. */
  firstDeltaT: number | null;
  lastDeltaT: number | null;
  /** Total time the edge spent on the request. */
  totalT: number;
  /** Upstream requests made (retries and fallbacks included). */
  attempts: number;
}

/** Cost in US dollars, from the pricing table (overridable). */
export interface Cost {
  inputUsd: number;
  outputUsd: number;
  cacheReadUsd: number;
  cacheWriteUsd: number;
  totalUsd: number;
}

/** Why the model stopped, as upstream reports it (`stop_reason`); open to values added later. */
export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'
  | (string & {});

/** The reply finished; the last event of a successful stream. */
export interface DoneEvent {
  stopReason: StopReason | null;
  usage: Usage;
  /** Served speed, from upstream `usage.speed`. */
  speed: Speed | null;
  model: string;
  timings: EdgeTimings;
  cost: Cost | null;
  t: number;
}

/** Every event name and its payload. */
export interface ProtocolEventMap {
  start: StartEvent;
  ratelimit: RateLimitEvent;
  fallback: FallbackEvent;
  text: TextEvent;
  thinking: ThinkingEvent;
  usage: UsageEvent;
  error: ErrorEvent;
  done: DoneEvent;
}

/** The name of a protocol event (the SSE `event:` field). */
export type ProtocolEventName = keyof ProtocolEventMap;

/** A decoded protocol event, discriminated by `event`. */
export type ProtocolEvent = {
  [K in ProtocolEventName]: { event: K; data: ProtocolEventMap[K] };
}[ProtocolEventName];

/** The event names, in a fixed order, for validation. */
export const PROTOCOL_EVENT_NAMES: readonly ProtocolEventName[] = [
  'start',
  'ratelimit',
  'fallback',
  'text',
  'thinking',
  'usage',
  'error',
  'done',
];

/** JSON body of any non-200 answer from the edge. */
export interface ErrorBody {
  error: ErrorEvent;
}
