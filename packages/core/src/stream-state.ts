/**
 * The client stream's state: its shape, the typed actions that change it, and the pure reducer.
 *
 * Text, thinking and metrics are not in the reducer's state on purpose: appending a delta must not copy
 * anything proportional to the reply, so the store keeps them in append-only accumulators and joins
 * them into the snapshot once per notification.
 *
 * @module
 */
import type { Metric, StreamMetrics } from './metrics.ts';
import type {
  ChatRequest,
  Cost,
  EdgeTimings,
  FinishReason,
  JsonValue,
  PendingToolCall,
  StepTimings,
  ToolExecution,
  ErrorEvent,
  FallbackEvent,
  ProtocolEvent,
  RateLimitEvent,
  ToolResultEvent,
  Speed,
  SpeedPolicy,
  StopReason,
  Usage,
} from './protocol.ts';

/**
 * Where a tool call of a reply stands:
 * - `input-streaming`: its input JSON is arriving (`input` holds what parses so far);
 * - `input-available`: the input is complete; a server tool is about to run;
 * - `running`: the edge is running it (server tools);
 * - `awaiting-approval`: the reply ended waiting for the user to approve or deny it;
 * - `awaiting-client`: the reply ended waiting for the client to run it and send its result;
 * - `output-available` / `output-error`: its result arrived (`output` or `error`);
 * - `cancelled`: the reply stopped (user stop, error) before the call finished.
 */
export type ToolCallState =
  | 'input-streaming'
  | 'input-available'
  | 'running'
  | 'awaiting-approval'
  | 'awaiting-client'
  | 'output-available'
  | 'output-error'
  | 'cancelled';

/** Fields every part of a reply has: which step and upstream content block it came from. */
interface ReplyPartBase {
  /** 0-based step (upstream request) of the reply. */
  step: number;
  /** Upstream content-block index within the step. */
  index: number;
}

/** Visible text of a reply. */
export interface ReplyTextPart extends ReplyPartBase {
  type: 'text';
  text: string;
}

/** Thinking of a reply; `signature` arrives when the block ends (send it back in later turns). */
export interface ReplyThinkingPart extends ReplyPartBase {
  type: 'thinking';
  thinking: string;
  signature: string | null;
  /** Redacted thinking: `thinking` is empty and `signature` holds the opaque data. */
  redacted: boolean;
  /** The thinking block's own live rate and times (same definitions as the reply's). */
  metrics: PartMetrics;
}

/** A tool call of a reply and, once known, its result. */
export interface ReplyToolCallPart extends ReplyPartBase {
  type: 'tool_call';
  toolCallId: string;
  name: string;
  /** The raw input JSON text received so far. */
  inputText: string;
  /**
   * The input parsed tolerantly from `inputText` while it streams (never throws on a prefix; `undefined`
   * until anything parses), then the edge's parsed `input` once the call is complete.
   */
  input: JsonValue | undefined;
  state: ToolCallState;
  execution: ToolExecution | null;
  needsApproval: boolean;
  output?: JsonValue;
  error?: string;
  /** How long the tool ran, from its `tool_result`. */
  durationMs?: number;
  /** The input's own live rate and times. */
  metrics: PartMetrics;
}

/** One ordered part of a reply. */
export type ReplyPart = ReplyTextPart | ReplyThinkingPart | ReplyToolCallPart;

/** Timing and rate of one streamed part, on the store's clock (arrival times). */
export interface PartMetrics {
  firstDeltaAt: number | null;
  lastDeltaAt: number | null;
  /** Live estimate while the part streams, exact when the step's usage allows it; else the estimate. */
  liveOtps: Metric;
}

/** One step (upstream request) of a reply, with its own numbers. */
export interface ReplyStep {
  step: number;
  messageId: string;
  model: string;
  requestedSpeed: Speed;
  /** From `step_finish` (upstream `usage.speed`); `null` while streaming. */
  servedSpeed: Speed | null;
  stopReason: StopReason | null;
  /** This step's usage; `null` until `step_finish`. */
  usage: Usage | null;
  cost: Cost | null;
  /** The edge's timings of the step; `null` until `step_finish`. */
  edge: StepTimings | null;
  /**
   * Client-side metrics of the step, same definitions as the reply's. TTFT: for step 0, request sent →
   * first content delta; for a later step, the arrival of the previous step's last event (its
   * `step_finish`, or its last `tool_result`: the moment the edge could send this step's request) → the
   * step's first content delta. That counts upstream's wait before `message_start`, which the
   * `step_start` arrival would hide, and leaves out tool execution. Text, thinking and tool-input deltas
   * all count as output.
   */
  metrics: StepMetrics;
  /** `streaming` until `step_finish`; `done` after; `aborted`/`error` if the reply ended inside it. */
  status: 'streaming' | 'done' | 'aborted' | 'error';
  /**
   * The last `ratelimit` event with the fast budget (`anthropic-fast-*`) read for this step's attempts:
   * its own request's headers, or a refused attempt's before it (a fast 429 that moved the step to
   * standard). Absent when none came. The step's own output is not in it (headers come before the
   * reply); `replyFastSpend` from this module's package reads the two together.
   */
  fastRateLimit?: RateLimitEvent;
}

/** A step's own TTFT and rates. */
export interface StepMetrics {
  ttftMs: number | null;
  otps: Metric;
  effectiveOtps: Metric;
  liveOtps: Metric;
  outputTokens: Metric;
}

/** `idle → submitted (fetch sent) → streaming (first event) → done | error | aborted`. */
export type StreamStatus = 'idle' | 'submitted' | 'streaming' | 'done' | 'error' | 'aborted';

/**
 * The connection of a resumable reply was lost and the store is reconnecting (`GET {path}/{replyId}`
 * with `last-event-id`). The reply's `status` stays what it was (`streaming`, or `submitted` before
 * its first event); text and parts are kept, and what the edge sent meanwhile arrives on reconnection.
 */
export interface ReconnectingState {
  /** 1-based attempt being waited for or made. */
  attempt: number;
  /** Attempts allowed before the reply fails with a `network` error. */
  maxAttempts: number;
  /** Store-clock time the connection was lost. */
  since: number;
  /** Store-clock time of the next attempt; `null` while an attempt is in flight. */
  nextAttemptAt: number | null;
}

/** One immutable snapshot of a {@link FastStream}. */
export interface FastStreamState {
  status: StreamStatus;
  /** Visible text received so far, all steps joined; kept on error and abort. */
  text: string;
  /** Thinking text received so far, all steps joined. */
  thinking: string;
  /** Every part of the reply in order (text, thinking, tool calls with their results); kept on error and abort. */
  parts: readonly ReplyPart[];
  /** The reply's steps (one per upstream request that started streaming), with per-step metrics. */
  steps: readonly ReplyStep[];
  /** Why the reply ended (from `done`); `null` before. */
  finishReason: FinishReason | null;
  /** Tool calls the reply ended waiting for (client tools, approvals); empty otherwise. */
  pendingToolCalls: readonly PendingToolCall[];
  /**
   * Results of tool calls made in an earlier reply (`tool_result` with step -1: calls the user approved,
   * run by the edge before this reply's first step), in arrival order. Attach them to the earlier
   * reply's parts (the conversation store does).
   */
  earlierToolResults: readonly ToolResultEvent[];
  /** The (validated) request last started. */
  request: ChatRequest | null;
  /** The speed policy in force: the request's (default `auto`), then the edge's from `start`. */
  policy: SpeedPolicy | null;
  /** Speed asked of upstream on the attempt now streaming (from `start`). */
  requestedSpeed: Speed | null;
  /** Speed actually served, from upstream `usage.speed` (via `usage`/`done`); never from the request. */
  servedSpeed: Speed | null;
  model: string | null;
  messageId: string | null;
  /** Upstream attempts the edge made for this reply (from `start`); 0 before it. */
  attempt: number;
  /** The edge's id for resuming and stopping this reply (from `start`); `null` when it is not resumable. */
  replyId: string | null;
  /** Set while the connection of a resumable reply is lost and being re-established; else `null`. */
  reconnecting: ReconnectingState | null;
  /** The last `fallback` event of this reply. */
  fallback: FallbackEvent | null;
  /** The last `ratelimit` event of this reply. */
  rateLimit: RateLimitEvent | null;
  /**
   * Clock time (ms, the store's clock) from which retrying at the requested speed is expected to work:
   * arrival time + `retryAfterMs` of the error, else of the fallback, else of the rate-limit event, else
   * of the HTTP `retry-after` header of a refused request. See {@link retryAfterRemainingMs}.
   */
  retryAt: number | null;
  usage: Usage | null;
  cost: Cost | null;
  stopReason: StopReason | null;
  /** The typed error when `status` is `error`. `null` after a user `stop()`. */
  error: ErrorEvent | null;
  /** The edge's own timings, from `done`. */
  edge: EdgeTimings | null;
  /**
   * The reply's totals: TTFT is request sent → first content delta; output tokens count every step
   * (text, thinking and tool input). Over several steps, headline OTPS is Σ(step tokens − 1) ÷ Σ(step
   * last delta − step first delta) and effective OTPS Σ step tokens ÷ Σ(step last delta − step start),
   * so time between steps (tools running) counts against neither; the live figure is the rolling window
   * over all deltas.
   */
  metrics: StreamMetrics;
}

/** The state minus the accumulated parts (text, thinking, parts, steps, earlier tool results, metrics). */
export type ControlState = Omit<FastStreamState, 'text' | 'thinking' | 'parts' | 'steps' | 'earlierToolResults' | 'metrics'>;

export interface StartAction {
  type: 'start';
  request: ChatRequest;
}
export interface EventAction {
  type: 'event';
  event: ProtocolEvent;
  /** Clock time the network read carrying the event arrived. */
  at: number;
  /** Cost to record on `done` when the edge sent none. */
  fallbackCost?: Cost | null;
}
export interface FailAction {
  type: 'fail';
  error: ErrorEvent;
  at: number;
}
export interface AbortAction {
  type: 'abort';
}
export interface ResetAction {
  type: 'reset';
}
/** A reply kept for resuming is picked up again (after a reload): `submitted` until its first event. */
export interface ResumeAction {
  type: 'resume';
  replyId: string;
  request: ChatRequest | null;
}
/** The connection was lost (`reconnecting` set) or is back (`null`). */
export interface ReconnectingAction {
  type: 'reconnecting';
  reconnecting: ReconnectingState | null;
}
export type Action = StartAction | EventAction | FailAction | AbortAction | ResetAction | ResumeAction | ReconnectingAction;

export const INITIAL_CONTROL_STATE: Readonly<ControlState> = Object.freeze({
  status: 'idle',
  request: null,
  policy: null,
  requestedSpeed: null,
  servedSpeed: null,
  model: null,
  messageId: null,
  attempt: 0,
  replyId: null,
  reconnecting: null,
  fallback: null,
  rateLimit: null,
  retryAt: null,
  usage: null,
  cost: null,
  stopReason: null,
  finishReason: null,
  pendingToolCalls: Object.freeze([]) as readonly PendingToolCall[],
  error: null,
  edge: null,
});

/** Whether a status is an end state. */
export function isTerminal(status: StreamStatus): boolean {
  return status === 'done' || status === 'error' || status === 'aborted';
}

/**
 * The pure reducer. Returns the same object when nothing changes (most text deltas), so the store can
 * skip work by identity.
 */
export function reduce(state: ControlState, action: Action): ControlState {
  switch (action.type) {
    case 'reset':
      return INITIAL_CONTROL_STATE;
    case 'start':
      return {
        ...INITIAL_CONTROL_STATE,
        status: 'submitted',
        request: action.request,
        policy: action.request.speed ?? 'auto',
      };
    case 'resume':
      return {
        ...INITIAL_CONTROL_STATE,
        status: 'submitted',
        request: action.request,
        policy: action.request?.speed ?? null,
        replyId: action.replyId,
      };
    case 'reconnecting':
      if (isTerminal(state.status) || state.status === 'idle' || state.reconnecting === action.reconnecting) return state;
      return { ...state, reconnecting: action.reconnecting };
    case 'abort':
      return isTerminal(state.status) || state.status === 'idle' ? state : { ...state, status: 'aborted', reconnecting: null };
    case 'fail':
      if (isTerminal(state.status)) return state;
      return {
        ...state,
        status: 'error',
        reconnecting: null,
        error: action.error,
        retryAt: action.error.retryAfterMs !== undefined ? action.at + action.error.retryAfterMs : state.retryAt,
      };
    case 'event':
      if (isTerminal(state.status) || state.status === 'idle') return state;
      return reduceEvent(state.status === 'streaming' ? state : { ...state, status: 'streaming' }, action);
  }
}

function reduceEvent(state: ControlState, { event, at, fallbackCost }: EventAction): ControlState {
  switch (event.event) {
    case 'text':
    case 'thinking':
    case 'thinking_signature':
    case 'step_start':
    case 'step_finish':
    case 'tool_call_start':
    case 'tool_input_delta':
    case 'tool_call':
    case 'tool_result':
      return state;
    case 'start': {
      const d = event.data;
      const replyId = typeof d.replyId === 'string' && d.replyId !== '' ? d.replyId : state.replyId;
      return { ...state, messageId: d.messageId, model: d.model, requestedSpeed: d.requestedSpeed, policy: d.policy, attempt: d.attempt, replyId };
    }
    case 'ratelimit': {
      const d = event.data;
      // Never let a plain rate-limit snapshot erase a countdown set by a fallback or an error.
      const retryAt = d.retryAfterMs !== undefined ? at + d.retryAfterMs : state.retryAt;
      return { ...state, rateLimit: d, retryAt };
    }
    case 'fallback': {
      const d = event.data;
      return { ...state, fallback: d, retryAt: d.retryAfterMs !== undefined ? at + d.retryAfterMs : state.retryAt };
    }
    case 'usage': {
      const d = event.data;
      return { ...state, usage: toUsage(d), servedSpeed: d.speed ?? state.servedSpeed };
    }
    case 'error': {
      const d = event.data;
      return {
        ...state,
        status: 'error',
        reconnecting: null,
        error: d,
        retryAt: d.retryAfterMs !== undefined ? at + d.retryAfterMs : state.retryAt,
      };
    }
    case 'done': {
      const d = event.data;
      return {
        ...state,
        status: 'done',
        reconnecting: null,
        usage: toUsage(d.usage),
        servedSpeed: d.speed ?? state.servedSpeed,
        model: d.model,
        edge: d.timings,
        cost: d.cost ?? fallbackCost ?? null,
        stopReason: d.stopReason,
        finishReason: d.finishReason,
        pendingToolCalls: d.pendingToolCalls ?? INITIAL_CONTROL_STATE.pendingToolCalls,
      };
    }
  }
}

/** A clean {@link Usage} (the `usage` event also carries `speed` and `t`). */
function toUsage(u: Usage): Usage {
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cacheReadInputTokens: u.cacheReadInputTokens,
    cacheCreationInputTokens: u.cacheCreationInputTokens,
  };
}

/**
 * Milliseconds left until `state.retryAt`, never negative; `null` when there is no countdown.
 *
 * @param now - A reading of the same clock the store uses (`systemClock.now()` by default).
 * @example
 * const left = retryAfterRemainingMs(stream.getSnapshot(), systemClock.now());
 */
export function retryAfterRemainingMs(state: FastStreamState, now: number): number | null {
  return state.retryAt === null ? null : Math.max(0, state.retryAt - now);
}
