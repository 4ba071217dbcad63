/**
 * Options of {@link createChatHandler}: public types with TSDoc, and the defaults they are merged with.
 *
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Context } from 'hono';
import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_REQUEST_LIMITS, type Cost, type ErrorKind, type ModelCapability, type ModelPrice, type Speed, type SpeedPolicy, type ToolChoice, type Usage } from '@slipstream/core';
import type { FallbackStore } from './fallback-store.ts';
import type { SpendLimits } from './spend.ts';
import type { CalibrationTable } from './calibration.ts';
import type { StateStore } from './state/store.ts';
import type { ResumeOptions } from './resume.ts';
import type { Tool } from './tools.ts';

/** Runtime bindings as Hono hands them over (`c.env`): Worker bindings, or nothing on Node/Vercel. */
export type EnvBindings = Record<string, unknown> | undefined;

/** Where a string setting comes from: a literal, or a function of the runtime bindings. */
export type FromEnv = string | ((env: EnvBindings) => string | undefined);

/** An edge-authored system prompt, optionally cached with `cache_control`. */
export interface SystemPromptOption {
  text: string;
  /** `true` or `'5m'` → `{type:'ephemeral'}`; `'1h'` → `{type:'ephemeral', ttl:'1h'}`. Default: not cached. */
  cache?: boolean | '5m' | '1h';
}

/** What the edge reports to {@link ChatHandlerOptions.onError}. Never holds a key, a header or message text. */
export interface EdgeLogEvent {
  kind: ErrorKind;
  message: string;
  status?: number;
  /** Upstream `request-id`, when there was one. */
  requestId?: string;
  /**
   * `request`: refused before streaming; `upstream`: an upstream attempt failed; `stream`: the reply ended
   * in error; `store`: the shared state store became unreachable (`recovered: false`; the edge serves
   * from this isolate's memory) or answers again (`recovered: true`). Each store event is sent once per
   * outage.
   */
  phase: 'request' | 'upstream' | 'stream' | 'store';
  attempt?: number;
  speed?: Speed;
  /** Whether the edge recovered (retry or fallback) after this event. */
  recovered?: boolean;
}

/** What {@link ChatHandlerOptions.authorize} answers: allow (`true` or `{ userId }`), refuse (`false`), or a response of its own. */
export type AuthorizeVerdict = boolean | Response | { userId: string };

/** Result of the per-client {@link ChatHandlerOptions.rateLimit} hook: `{ retryAfterMs }` refuses with 429. */
export type RateLimitDecision = undefined | null | false | { retryAfterMs: number };

export interface ChatHandlerOptions {
  /** Anthropic API key. Default: the `ANTHROPIC_API_KEY` binding / environment variable. Never read from the request. */
  apiKey?: FromEnv;
  /** Upstream base URL (a sim, a gateway). Default: `ANTHROPIC_BASE_URL` if set, else the SDK's default. */
  baseURL?: FromEnv;
  /** Route path for the POST. @default '/api/chat' */
  path?: string;
  /** Models a client may ask for. @default all models known to core's table */
  allowedModels?: readonly string[];
  /** Model used when the request names none. @default 'claude-opus-4-8', or the first of `allowedModels` when that list lacks it */
  defaultModel?: string;
  /** Largest `max_tokens` a client may ask for; more is a 400. @default 8192 */
  maxTokensCap?: number;
  /**
   * `max_tokens` when the request gives none, plus the thinking budget when thinking is enabled (capped by
   * {@link maxTokensCap} and the model's limit; a budget that leaves no room is a 400). @default 4096
   */
  defaultMaxTokens?: number;
  /**
   * Largest request body in bytes, enforced while reading; more is a 413 naming the limit.
   *
   * The default, 30 MB (31,457,280 bytes), lets the per-attachment limits be what people hit: one PDF
   * at {@link maxDocumentBytes} (10 MB, 13.3 MB as base64) plus three images at {@link maxImageBytes}
   * (5 MB of base64 each) fit in one request. Its ceiling is Anthropic's own request limit (32 MB,
   * answered with a 413 before the API), less 2 MB for what the edge adds on the way up (its system
   * prompt, tool definitions, the agent loop's tool results). Every request of a conversation carries
   * all of its attachments again, so a long conversation with many files reaches this before any
   * single file does; the client (`useAttachments`) checks the same figure before sending.
   *
   * Memory: the body is held about three times over while it is parsed and re-sent (bytes, JSON,
   * the upstream request). On a runtime with a small memory cap (Workers: 128 MB per isolate) and
   * concurrent uploads, lower it together with the attachment limits.
   * @default 31457280
   */
  maxBodyBytes?: number;
  /**
   * Most characters of one image's base64. Anthropic's per-image limit is 5 MB of base64 (a file of
   * about 3.75 MB); more is a 400 naming the part (`messages[0].content[1].data`). @default 5242880
   */
  maxImageBytes?: number;
  /** Most decoded bytes of one PDF; more is a 400 naming the part. @default 10485760 (10 MB) */
  maxDocumentBytes?: number;
  /**
   * Most PDF pages over all PDFs of a request: Anthropic allows 100 on models with a 200k-token window
   * and 600 on the others; the default fits every model. @default 100
   */
  maxDocumentPages?: number;
  /** Most images and documents in one request, conversation history included. @default 20 */
  maxAttachments?: number;
  /** @default 100 */
  maxMessages?: number;
  /** @default 32000 */
  maxMessageChars?: number;
  /** @default 16000 */
  maxSystemChars?: number;
  /** @default 128 */
  maxConversationIdChars?: number;
  /** Policy when the request names none. @default 'auto' */
  defaultSpeedPolicy?: SpeedPolicy;
  /** Policy `fast`: on a fast 429 wait and retry once if `retry-after` ≤ this, else send an error. @default 2000 */
  fastWaitMaxMs?: number;
  /** Retries of 5xx / 529 / connection errors before the first token. @default 2 */
  upstreamRetries?: number;
  /** First backoff step when upstream sent no `retry-after`; doubles per retry, capped at 8 s. @default 500 */
  retryBaseMs?: number;
  /** Longest `retry-after` the edge will sleep on a 5xx/529 before giving up. @default 10000 */
  retryAfterMaxMs?: number;
  /** Upstream silent this long (no event at all) → abort it and send a `stalled` error. @default 60000 */
  idleTimeoutMs?: number;
  /** Send an SSE comment when nothing was written for this long. Also bounds how late a disconnect is noticed on runtimes that only report it on the next write (workerd behind a proxy, edge-runtime). @default 2500 */
  heartbeatMs?: number;
  /** How long a fast 429 is remembered when upstream gave no reset. @default 60000 */
  fallbackTtlMs?: number;
  /** Allowed browser origins. Unset: no CORS headers (same origin only). `'*'` allows any. */
  cors?: readonly string[] | '*';
  /**
   * Called before anything else. `false` → 401; a `Response` is sent as is; `{ userId }` allows the
   * request and names the user whose {@link spendLimits} it counts against.
   */
  authorize?: (c: Context) => AuthorizeVerdict | Promise<AuthorizeVerdict>;
  /**
   * Per-user budgets in USD per window and a separate fast-mode allowance, enforced atomically in
   * {@link store} (reserve the worst case before each upstream request, settle to the real cost after).
   * Over budget: 429 with `retry-after` and `code: 'spend_limit'`; a spent fast allowance under `auto`
   * serves standard (`fallback` reason `spend_limit`), under `fast` a 429 with `code: 'fast_spend_limit'`.
   * Users come from {@link authorize}'s `{ userId }`; without one, all requests share one budget.
   */
  spendLimits?: SpendLimits;
  /** Per-client rate limit. Return `{ retryAfterMs }` to refuse with 429 and `retry-after`. */
  rateLimit?: (c: Context) => RateLimitDecision | Promise<RateLimitDecision>;
  /** Edge-authored system prompt, sent before the client's. */
  system?: string | SystemPromptOption;
  /**
   * Whether a client may send its own `system` prompt (sent after the edge's). Off by default: a system
   * prompt is the product's, and a client that can replace it can talk the model out of its rules. When
   * off, a request carrying `system` is refused with a 400 naming the field (never silently dropped).
   * @default false
   */
  allowClientSystem?: boolean;
  /**
   * Where state that must outlive an isolate is kept: the fast-mode fallback memory (a fast 429 seen by
   * one isolate is known to all). `createRedisStore` (`@slipstream/edge/redis`) for servers,
   * `createDurableObjectStore` (`@slipstream/edge/durable-object`) for Workers; a function receives the
   * runtime bindings (`env`) on each request. An unreachable store never fails a reply: the edge falls
   * back to this isolate's memory (bounded by {@link storeTimeoutMs}) and reports it once through
   * {@link onError} with phase `store`. @default memory in this isolate
   */
  store?: StateStore | ((env: EnvBindings) => StateStore);
  /**
   * Resumable replies: `start` carries a `replyId`, every event an SSE `id:`, and a client that lost its
   * connection resumes with `GET {path}/{replyId}` and `Last-Event-ID` on any isolate; a closed
   * connection only starts the detach time (the upstream reply goes on meanwhile), and an explicit stop
   * is `POST {path}/{replyId}/stop`. On by default when {@link store} keeps a reply log
   * (`StateStore.replies`: memory and Redis do); `true` or an object turns it on with this isolate's
   * memory when there is no such store (one Node process); `false` turns it off (a closed connection
   * aborts upstream at once). An object sets the limits: see {@link ResumeOptions}.
   * @default on with a `store` that keeps replies, else off
   */
  resume?: boolean | ResumeOptions;
  /**
   * Longest wait for the shared {@link store} per operation before serving from local memory. Loopback
   * Redis answers in well under a millisecond; this bounds a slow or partitioned store, not a busy one.
   * @default 500
   */
  storeTimeoutMs?: number;
  /** Memory of fast rate limits across requests. Overrides {@link store} for the fallback memory. @default derived from `store` */
  fallbackStore?: FallbackStore;
  /** Error/log hook. Receives safe, key-free facts only. */
  onError?: (event: EdgeLogEvent) => void;
  /** Prices for the `done` event's cost: a table looked up before core's `PRICING`, or a function. */
  pricing?: Record<string, ModelPrice> | ((usage: Usage, model: string, speed: Speed | null) => Cost | null);
  /** Model capabilities looked up before core's table (e.g. a new model with fast mode). */
  models?: Record<string, ModelCapability>;
  /** Build the SDK client (tests, custom fetch). @default `new Anthropic({ apiKey, baseURL, maxRetries: 0, logLevel: 'off' })` (the SDK's logger would print raw upstream data) */
  createClient?: (init: { apiKey: string; baseURL: string | undefined }) => Anthropic;
  /** Clock in epoch ms (tests). @default Date.now */
  now?: () => number;
  /**
   * Tools offered to the model on every step. Server tools (with `execute`) run at the edge, between
   * steps of the agent loop; client tools (no `execute`) end the reply with their calls pending. Checked
   * at construction: a bad name, a duplicate or a non-object input schema throws a `TypeError`.
   */
  tools?: readonly Tool[];
  /**
   * `tool_choice` on every step; a request's `tool_choice` overrides it. A forced tool must be one of
   * `tools` (checked at construction). @default Anthropic's default, `{ type: 'auto' }`
   */
  toolChoice?: ToolChoice;
  /** Send `disable_parallel_tool_use: true` (at most one tool call per step). @default false */
  disableParallelToolUse?: boolean;
  /** Most upstream requests (steps) one reply may make; a loop cut here ends with `finishReason: 'max_steps'`. @default 8 */
  maxSteps?: number;
  /** Default timeout of a server tool's `execute` (a tool's own `timeoutMs` wins). @default 60000 */
  toolTimeoutMs?: number;
  /**
   * Place prompt-cache breakpoints that move forward with the loop (last tool definition, system prompt,
   * end of the previous step's prompt, end of the conversation: at most 4), so each step reads the
   * previous steps from cache. @default true when `tools` is non-empty, else false
   */
  cacheBreakpoints?: boolean;
  /**
   * Token calibrations per model, learned from every finished step's text and `usage.output_tokens` and
   * sent to clients in `start.calibration`, so a brand-new client's live tok/s is right from its first
   * reply. `false` sends none. @default a table in the shared `store` when there is one
   *   (`createStoreCalibrationTable`: a new isolate starts calibrated), else in this isolate's memory
   */
  calibration?: CalibrationTable | false;
}

/** The options after defaults, as the handler uses them. */
export type ResolvedOptions = Required<
  Omit<
    ChatHandlerOptions,
    'apiKey' | 'baseURL' | 'allowedModels' | 'cors' | 'authorize' | 'rateLimit' | 'system' | 'onError' | 'pricing' | 'models' | 'createClient' | 'fallbackStore' | 'store' | 'spendLimits' | 'tools' | 'toolChoice' | 'cacheBreakpoints' | 'calibration' | 'resume'
  >
> &
  Pick<
    ChatHandlerOptions,
    'apiKey' | 'baseURL' | 'allowedModels' | 'cors' | 'authorize' | 'rateLimit' | 'system' | 'onError' | 'pricing' | 'models' | 'createClient' | 'store' | 'spendLimits' | 'tools' | 'toolChoice' | 'cacheBreakpoints'
  > & {
    fallbackStore: FallbackStore;
    /** `undefined` when calibration is off. */
    calibration: CalibrationTable | undefined;
  };

export const DEFAULTS = {
  path: '/api/chat',
  defaultModel: 'claude-opus-4-8',
  maxTokensCap: 8192,
  defaultMaxTokens: 4096,
  // Anthropic's 32 MB request limit less 2 MB for what the edge adds upstream (see maxBodyBytes).
  maxBodyBytes: DEFAULT_MAX_REQUEST_BYTES,
  maxImageBytes: DEFAULT_REQUEST_LIMITS.maxImageBytes,
  maxDocumentBytes: DEFAULT_REQUEST_LIMITS.maxDocumentBytes,
  maxDocumentPages: DEFAULT_REQUEST_LIMITS.maxDocumentPages,
  maxAttachments: DEFAULT_REQUEST_LIMITS.maxAttachments,
  maxMessages: 100,
  maxMessageChars: 32_000,
  maxSystemChars: 16_000,
  maxConversationIdChars: 128,
  defaultSpeedPolicy: 'auto',
  fastWaitMaxMs: 2_000,
  upstreamRetries: 2,
  retryBaseMs: 500,
  retryAfterMaxMs: 10_000,
  idleTimeoutMs: 60_000,
  heartbeatMs: 2_500,
  fallbackTtlMs: 60_000,
  storeTimeoutMs: 500,
  allowClientSystem: false,
  now: () => Date.now(),
  disableParallelToolUse: false,
  maxSteps: 8,
  toolTimeoutMs: 60_000,
} satisfies Partial<ChatHandlerOptions>;
