/**
 * The Slipstream browser ⇄ edge protocol, version 2.
 *
 * The browser POSTs a {@link ChatRequest} as JSON, with the request header {@link PROTOCOL_HEADER}: `2`.
 * The edge answers `200 text/event-stream` with the response header {@link PROTOCOL_HEADER}: `2`, and a
 * sequence of named SSE events, each `event: <name>` plus one `data:` line of JSON whose shape is given
 * by {@link ProtocolEventMap}. Comments (`: hb`) are heartbeats and carry nothing. A request refused
 * before streaming gets a 4xx/5xx JSON {@link ErrorBody} instead. A client and an edge that speak
 * different versions refuse each other with an error naming both versions (never garbage).
 *
 * Messages are ordered {@link MessagePart}s (text, thinking, tool calls and results, images,
 * documents); a plain string is shorthand for one text part. One reply may span several upstream
 * requests (**steps**): the edge runs server tools between them (the agent loop).
 *
 * Event order for one reply:
 * ```
 * (tool_result)*                                               ← approved calls of the previous reply
 * (ratelimit | fallback)*  start
 *   step:  step_start  ratelimit?  (thinking | thinking_signature | text
 *                                   | tool_call_start tool_input_delta* tool_call | ratelimit)*
 *          step_finish  (tool_result)*  (ratelimit | fallback)*  ← repeated for each step
 * usage  done                                                  ← or: error (then the stream ends)
 * ```
 * `fallback` comes before the `step_start` of the attempt it leads to; a refused attempt's `ratelimit`
 * (a fast 429 mid-loop) comes before its `fallback`. After `error` or `done` nothing
 * follows. Every content event carries the `step` it belongs to and upstream's content-block `index`
 * within that step, so (step, index) identifies one part of the reply.
 *
 * Sending a multi-step reply back as history: each step becomes an `assistant` turn (its thinking,
 * text and tool calls), followed by a `user` turn with the results of that step's tool calls.
 *
 * Timestamps named `t` are milliseconds since the edge received the request (the edge's own clock), so a
 * client can tell upstream pacing from network jitter. Client-side metrics are stamped on arrival.
 *
 * **Resumable replies.** When the edge keeps replies (a state store is configured), `start` carries a
 * `replyId` and every event carries an SSE `id:` line: its sequence number in the reply, `1` for the
 * first event, consecutive over every event of the reply (heartbeat comments have none). A client that
 * loses its connection sends `GET {path}/{replyId}` ({@link resumePath}) with the
 * {@link LAST_EVENT_ID_HEADER} header set to the last id it fully received (`0` for none), to any
 * isolate or process, and gets `200 text/event-stream` with exactly the events after that id (with
 * their original ids and `t`) and then the live ones, ending with `done` or `error`. An unknown,
 * expired or detached reply answers `404` with an {@link ErrorBody} of kind `not_found`. While no client
 * is attached the upstream reply keeps running for the edge's detach time, then is aborted.
 * `POST {path}/{replyId}/stop` ({@link stopPath}) stops it at once from any isolate: a client must send
 * it on an explicit Stop, because for a resumable reply a closed connection only starts the detach time.
 * A stopped reply's log (and every stream still attached to it) ends with an `error` of kind `aborted`.
 * An `error` the resume endpoint makes itself, not part of the reply's log (its producer stopped
 * writing: kind `network`, retryable; the log expired while tailing: `not_found`), carries no `id:`.
 *
 * @module
 */

/**
 * The protocol version this package speaks. Travels in the {@link PROTOCOL_HEADER} request and response
 * headers.
 */
export const PROTOCOL_VERSION = 2 as const;
/** Request and response header carrying {@link PROTOCOL_VERSION}. */
export const PROTOCOL_HEADER = 'x-slipstream-protocol';
/** Request header of a resume: the SSE id of the last event the client fully received (`0` for none). */
export const LAST_EVENT_ID_HEADER = 'last-event-id';

/** The URL path resuming reply `replyId` of the chat endpoint at `path` (`/api/chat` → `/api/chat/{replyId}`). */
export function resumePath(path: string, replyId: string): string {
  return `${path.replace(/\/+$/, '')}/${encodeURIComponent(replyId)}`;
}

/** The URL path stopping reply `replyId` from any isolate: `POST {path}/{replyId}/stop`. */
export function stopPath(path: string, replyId: string): string {
  return `${resumePath(path, replyId)}/stop`;
}

/** The JSON answer of `POST {path}/{replyId}/stop`. */
export interface StopResponse {
  /** `true` when the reply was running and is now being aborted; `false` when it had already ended. */
  stopped: boolean;
}

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

/** Visible text. */
export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * Extended thinking the model showed. Send it back unchanged (with its `signature`) in later turns of a
 * tool loop: Anthropic verifies the signature.
 */
export interface ThinkingPart {
  type: 'thinking';
  thinking: string;
  signature: string;
}

/** Thinking the model's safety systems encrypted; opaque, sent back unchanged. */
export interface RedactedThinkingPart {
  type: 'redacted_thinking';
  data: string;
}

/** A JSON value, as tool inputs and outputs carry them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The model called a tool (assistant turns only). */
export interface ToolCallPart {
  type: 'tool_call';
  /** Upstream's `tool_use` id (`toolu_…`). */
  toolCallId: string;
  name: string;
  /** The parsed input object. */
  input: { [key: string]: JsonValue };
}

/**
 * The answer to a tool call (user turns only, in the turn right after the assistant turn holding the
 * call). Exactly one of `output` and `error`: an `error` reaches the model as an `is_error` result.
 */
export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  output?: JsonValue;
  error?: string;
}

/**
 * The user's verdict on a server tool call that needed approval (user turns only, in place of its
 * result). Approved: the edge runs the tool, then continues the loop. Denied: the model is told so.
 */
export interface ToolApprovalPart {
  type: 'tool_approval';
  toolCallId: string;
  approved: boolean;
  /** Shown to the model when denied. */
  reason?: string;
}

/** Image media types Anthropic accepts. */
export type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/** An image, inline as base64 (user turns only). */
export interface ImagePart {
  type: 'image';
  mediaType: ImageMediaType;
  /** Base64, without a `data:` prefix. */
  data: string;
  /** Original file name, for display; not sent upstream. */
  name?: string;
}

/** Document media types Anthropic accepts. */
export type DocumentMediaType = 'application/pdf' | 'text/plain';

/** A document, inline (user turns only): a PDF as base64, or plain text as UTF-8 text. */
export interface DocumentPart {
  type: 'document';
  mediaType: DocumentMediaType;
  /** Base64 for `application/pdf`; the text itself for `text/plain`. */
  data: string;
  /** Shown to the model as the document's title, and in the UI. */
  name?: string;
}

/** One ordered piece of a message. */
export type MessagePart =
  | TextPart
  | ThinkingPart
  | RedactedThinkingPart
  | ToolCallPart
  | ToolResultPart
  | ToolApprovalPart
  | ImagePart
  | DocumentPart;

/** The `type` of a {@link MessagePart}. */
export type MessagePartType = MessagePart['type'];

/**
 * One turn of a conversation, in Anthropic's shape: `user` turns hold text, images, documents, tool
 * results and approvals; `assistant` turns hold text, thinking and tool calls. A string is shorthand for
 * one text part.
 */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string | MessagePart[];
}

/** How the model may use the edge's tools on every step (Anthropic's `tool_choice`). */
export type ToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

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
  /**
   * Overrides the edge's `toolChoice` for this reply (every step). Names must be tools the edge offers.
   */
  tool_choice?: ToolChoice;
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
  | 'overloaded'
  /** The user's fast-mode spend allowance for this window is used up (edge `spendLimits`). */
  | 'spend_limit';

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

/**
 * Chars-per-token the edge has measured for a model, so a brand-new client's live estimate starts
 * calibrated. Keys of `byClass` are content classes (`prose`, `code`, `table`, `cjk`, …).
 */
export interface TokenCalibration {
  model: string;
  /** Over all content, weighted by tokens. */
  charsPerToken: number;
  byClass?: { [contentClass: string]: number };
  /** Output tokens the figures were measured over. */
  sampleTokens: number;
  /**
   * Multipliers for core's content-aware token counter, per content class: real tokens ÷ counted
   * tokens. Only valid for the counting rules of `version` (core's `ESTIMATOR_VERSION`); a client with
   * other rules falls back to `byClass` / `charsPerToken`.
   */
  estimator?: EstimatorCalibration;
}

/** See {@link TokenCalibration.estimator}. */
export interface EstimatorCalibration {
  version: number;
  /** Real tokens ÷ counted tokens, per content class. */
  scale: { [contentClass: string]: number };
  /** Output tokens each class's figures were measured over. */
  classTokens: { [contentClass: string]: number };
}

/** Sent once per reply when the first upstream message starts. */
export interface StartEvent {
  protocol: typeof PROTOCOL_VERSION;
  /** Upstream message id (`msg_…`) of the first step. */
  messageId: string;
  model: string;
  /** The speed asked of upstream on the attempt that is now streaming. */
  requestedSpeed: Speed;
  policy: SpeedPolicy;
  /** 1-based count of upstream requests made for this reply (retries and fallbacks included). */
  attempt: number;
  conversationId?: string;
  /** Identifies this reply for resuming (`GET {path}/{replyId}`) and stopping, when the edge keeps replies. */
  replyId?: string;
  /** The edge's measured chars-per-token for this model, when it has one. */
  calibration?: TokenCalibration;
  t: number;
}

/** One upstream request of the reply begins streaming (step 0 first). */
export interface StepStartEvent {
  /** 0-based step number within the reply. */
  step: number;
  messageId: string;
  model: string;
  /** Speed asked of upstream for this step. */
  requestedSpeed: Speed;
  /** 1-based count of upstream requests made for this reply so far. */
  attempt: number;
  t: number;
}

/** The edge's timings of one step, in ms since the edge received the request. */
export interface StepTimings {
  /** The step's upstream request was sent. */
  startT: number;
  /** First upstream content delta of the step. `null` if none. */
  firstDeltaT: number | null;
  lastDeltaT: number | null;
  /** The step's upstream message stopped. */
  endT: number;
}

/** One step's upstream message finished. Tool results of the step follow it. */
export interface StepFinishEvent {
  step: number;
  stopReason: StopReason | null;
  /** This step's usage (not cumulative across steps). */
  usage: Usage;
  /** Served speed of this step, from upstream `usage.speed`. */
  speed: Speed | null;
  timings: StepTimings;
  cost: Cost | null;
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

/** A piece of visible text. `index` is the upstream content block index within `step`. */
export interface TextEvent {
  delta: string;
  step: number;
  index: number;
  t: number;
}

/** A piece of extended-thinking text. */
export interface ThinkingEvent {
  delta: string;
  step: number;
  index: number;
  t: number;
}

/**
 * A thinking block's signature (sent once, when the block ends), or a redacted thinking block's
 * opaque `data` (then `redacted` is true and nothing else of it streams).
 */
export interface ThinkingSignatureEvent {
  step: number;
  index: number;
  signature: string;
  redacted?: boolean;
  t: number;
}

/** Where a tool runs: at the edge (`server`, it has `execute`) or in the client (`client`). */
export type ToolExecution = 'server' | 'client';

/** The model began a tool call; its input streams next. */
export interface ToolCallStartEvent {
  toolCallId: string;
  name: string;
  step: number;
  index: number;
  t: number;
}

/** A piece of a tool call's input: partial JSON text, to be concatenated. */
export interface ToolInputDeltaEvent {
  toolCallId: string;
  delta: string;
  step: number;
  index: number;
  t: number;
}

/** A tool call is complete: its input is parsed. */
export interface ToolCallEvent {
  toolCallId: string;
  name: string;
  input: { [key: string]: JsonValue };
  step: number;
  index: number;
  execution: ToolExecution;
  /** The call waits for the user's approval before the edge runs it (the reply ends pending). */
  needsApproval?: boolean;
  t: number;
}

/**
 * A server tool finished (or was refused, timed out, or denied): exactly one of `output` and `error`.
 * Matched to its call by `toolCallId`.
 */
export interface ToolResultEvent {
  toolCallId: string;
  /**
   * The step of this reply whose call it answers; `-1` for a call made in an earlier reply (a call the
   * user approved, run at the start of this reply, before its first step).
   */
  step: number;
  output?: JsonValue;
  error?: string;
  /** Time the tool ran, in ms (0 when it never ran). */
  durationMs: number;
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
  /**
   * The user stopped the stream. Client-side; the edge sends it only to end a resumable reply stopped
   * through `POST {path}/{replyId}/stop` (to the streams still attached to it).
   */
  | 'aborted'
  /** Client-side: the edge's answer did not follow this protocol. */
  | 'protocol'
  /** A resume or stop named a reply the edge does not know: never existed, expired, or detached too long. */
  | 'not_found';

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
  /**
   * For `rate_limited` refusals by the edge's own spend limits: `spend_limit` (the user's budget for the
   * window is used up) or `fast_spend_limit` (its fast-mode allowance is; standard still works).
   */
  code?: 'spend_limit' | 'fast_spend_limit';
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

/**
 * Why a reply ended:
 * - `stop`: the model finished (its last `stopReason` says how: `end_turn`, `max_tokens`, …);
 * - `max_steps`: the edge's step cap ended the loop while the model still wanted tools;
 * - `tool_calls`: the reply waits for the client: client tools to run, or approvals to give
 *   ({@link DoneEvent.pendingToolCalls}); send their results or verdicts in the next request.
 */
export type FinishReason = 'stop' | 'max_steps' | 'tool_calls';

/** A tool call the reply ended waiting for. */
export interface PendingToolCall {
  toolCallId: string;
  name: string;
  /** `client`: run it and send a `tool_result`; `approval`: send a `tool_approval`. */
  awaiting: 'client' | 'approval';
}

/** The reply finished; the last event of a successful stream. */
export interface DoneEvent {
  /** The last step's `stop_reason`. */
  stopReason: StopReason | null;
  finishReason: FinishReason;
  pendingToolCalls?: PendingToolCall[];
  /** Totals over every step. */
  usage: Usage;
  /** Served speed of the last step, from upstream `usage.speed`. */
  speed: Speed | null;
  model: string;
  /** Steps streamed (upstream requests that reached `message_start`). */
  steps: number;
  timings: EdgeTimings;
  /** Total over every step. */
  cost: Cost | null;
  t: number;
}

/** Every event name and its payload. */
export interface ProtocolEventMap {
  start: StartEvent;
  ratelimit: RateLimitEvent;
  fallback: FallbackEvent;
  step_start: StepStartEvent;
  text: TextEvent;
  thinking: ThinkingEvent;
  thinking_signature: ThinkingSignatureEvent;
  tool_call_start: ToolCallStartEvent;
  tool_input_delta: ToolInputDeltaEvent;
  tool_call: ToolCallEvent;
  tool_result: ToolResultEvent;
  step_finish: StepFinishEvent;
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
  'step_start',
  'text',
  'thinking',
  'thinking_signature',
  'tool_call_start',
  'tool_input_delta',
  'tool_call',
  'tool_result',
  'step_finish',
  'usage',
  'error',
  'done',
];

/** JSON body of any non-200 answer from the edge. */
export interface ErrorBody {
  error: ErrorEvent;
}

/**
 * The fast-mode facts the edge's AI SDK bridge (`@slipstream/edge/ai-sdk`) writes on each assistant
 * message of the AI SDK's UI message stream (`message.metadata`), and `@slipstream/react`'s
 * `aiSdkFastFacts` reads. Fields arrive as they become known: the request's speed and policy at `start`,
 * `fallback` when it happens, `servedSpeed` with usage, and the measured figures at `finish`.
 */
export interface AiSdkMessageMetadata {
  /** The speed asked of upstream on the attempt that streamed. */
  requestedSpeed?: Speed;
  policy?: SpeedPolicy;
  model?: string;
  /** The speed upstream served (`usage.speed`); `null` when upstream did not say. */
  servedSpeed?: Speed | null;
  /** Why the reply was served at another speed than asked. */
  fallback?: { from: Speed; to: Speed; reason: FallbackReason; retryAfterMs?: number; until?: string };
  /** Edge-measured time to first token: request arrival at the edge → first upstream delta, in ms. */
  ttftMs?: number | null;
  /** Headline output tokens per second: tokens after the first ÷ (last delta − first delta), at the edge. */
  otps?: number | null;
  outputTokens?: number;
  cost?: Cost | null;
  /** Upstream requests made for this reply (retries and fallbacks included). */
  attempts?: number;
  /** When the reply ended in an error: what kind, and whether trying again may work. */
  error?: { kind: ErrorKind; retryable: boolean; retryAfterMs?: number };
}
