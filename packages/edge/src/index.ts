/**
 * `@slipstream/edge`: the Hono chat handler for Claude fast mode: speed policy with sticky fallback,
 * the agent loop (server and client tools, approvals, one speed per loop), real abort, hardening, and
 * the Slipstream protocol v2 on the wire.
 *
 * @module
 */
export { createChatHandler, streamHeaders } from './handler.ts';
export type {
  AuthorizeVerdict,
  ChatHandlerOptions,
  EdgeLogEvent,
  EnvBindings,
  FromEnv,
  RateLimitDecision,
  SystemPromptOption,
} from './options.ts';
export { createMemoryFallbackStore, fallbackStoreFrom, hashKey, type FallbackMemory, type FallbackStore } from './fallback-store.ts';
export type {
  StateStore,
  StateDocument,
  StateValue,
  MergeOptions,
  Reservation,
  ReplyLog,
  ReplyMeta,
  ReplyStatus,
  ReplyLogEvent,
  ReplyLogLimit,
  ReplyAppend,
  ReplyReadOptions,
} from './state/store.ts';
export { createMemoryStore } from './state/memory.ts';
export { createMemoryReplyLog, type MemoryReplyLogOptions } from './state/memory-log.ts';
export { RESUME_DEFAULTS, PRODUCER_POLL_MS, PRODUCER_STALE_MS, type ResumeOptions } from './resume.ts';
export { withLocalFallback, type LocalFallbackOptions, type StoreHealthEvent } from './state/resilient.ts';
export {
  calibrationFromDocument,
  calibrationKey,
  calibrationToDocument,
  createMemoryCalibrationTable,
  createStoreCalibrationTable,
  stepSample,
  type CalibrationTable,
  type CountedBlock,
  type StoreCalibrationOptions,
} from './calibration.ts';
export { decideSpeed, type SpeedDecision } from './policy.ts';
export { parseRateLimitHeaders, parseRetryAfterMs } from './ratelimit-headers.ts';
export { classifyUpstreamError, type UpstreamFailure } from './errors.ts';
export {
  defineTool,
  TOOL_NAME_PATTERN,
  type ClientTool,
  type ServerTool,
  type Tool,
  type ToolCommon,
  type ToolContext,
  type ToolInput,
  type ToolInputSchema,
} from './tools.ts';
export type { SpendLimits } from './spend.ts';
