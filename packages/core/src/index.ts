/**
 * `@slipstream/core`: the Slipstream browser ⇄ edge protocol (types, SSE encoder and decoder), the
 * framework-free client stream store, honest metrics, and model/pricing tables. The request validator
 * is its own subpath, `@slipstream/core/validate` (the edge's, and lazily the store's).
 * Zero run-time dependencies; runs in browsers, workerd, Deno, Bun and Node.
 *
 * Every export is listed by name on purpose.
 *
 * @module
 */

export {
  PROTOCOL_VERSION,
  PROTOCOL_HEADER,
  LAST_EVENT_ID_HEADER,
  resumePath,
  stopPath,
  type StopResponse,
  PROTOCOL_EVENT_NAMES,
  type Speed,
  type SpeedPolicy,
  type Effort,
  type ThinkingConfig,
  type TextPart,
  type ThinkingPart,
  type RedactedThinkingPart,
  type JsonValue,
  type ToolCallPart,
  type ToolResultPart,
  type ToolApprovalPart,
  type ImageMediaType,
  type ImagePart,
  type DocumentMediaType,
  type DocumentPart,
  type MessagePart,
  type MessagePartType,
  type ChatMessage,
  type ToolChoice,
  type ChatRequest,
  type FallbackReason,
  type RateLimitWindow,
  type RateLimitEvent,
  type TokenCalibration,
  type EstimatorCalibration,
  type StartEvent,
  type StepStartEvent,
  type StepTimings,
  type StepFinishEvent,
  type FallbackEvent,
  type TextEvent,
  type ThinkingEvent,
  type ThinkingSignatureEvent,
  type ToolExecution,
  type ToolCallStartEvent,
  type ToolInputDeltaEvent,
  type ToolCallEvent,
  type ToolResultEvent,
  type Usage,
  type UsageEvent,
  type ErrorKind,
  type ErrorEvent,
  type EdgeTimings,
  type Cost,
  type StopReason,
  type FinishReason,
  type PendingToolCall,
  type DoneEvent,
  type ProtocolEventMap,
  type ProtocolEventName,
  type ProtocolEvent,
  type ErrorBody,
  type AiSdkMessageMetadata,
} from './protocol.ts';

export {
  SSEParseError,
  type SSEParseErrorType,
  ProtocolStreamError,
  type ProtocolStreamErrorType,
} from './errors.ts';
export { encodeSSEMessage, encodeEvent, encodeComment, type SSEMessage } from './sse-encode.ts';
export {
  createSSEDecoder,
  type SSEEvent,
  type SSEDecoder,
  type SSEDecoderCallbacks,
  type SSEDecoderOptions,
} from './sse-decode.ts';
export { readProtocolStream, type ReadProtocolStreamOptions } from './read-protocol-stream.ts';
// `validateChatRequest` is the `@slipstream/core/validate` subpath, not this entry: re-exported here,
// esbuild's code splitting would load it with every client although the store only loads it lazily.
export {
  DEFAULT_REQUEST_LIMITS,
  ANTHROPIC_MAX_REQUEST_BYTES,
  DEFAULT_MAX_REQUEST_BYTES,
  formatBytes,
  type RequestLimits,
} from './limits.ts';
export type { ValidationResult } from './validate.ts';
// The attachment checks and media sniffing are the `@slipstream/core/attachments` subpath (the
// validator uses the sniffing too: exported here, esbuild would load it with every client). Types only.
export type {
  AttachmentKind,
  AttachmentLimits,
  AttachmentFile,
  AttachmentProblem,
  AttachmentRefusal,
  AttachmentAccepted,
  ImageSize,
} from './attachments-entry.ts';
export { parsePartialJson, type PartialJsonOptions } from './partial-json.ts';
export { replyToMessages } from './history.ts';
export { FAST_MODE_BETA, MODEL_CAPABILITIES, getModelCapability, type ModelCapability } from './models.ts';
export { PRICING, CACHE_MULTIPLIERS, cost, type ModelPrice, type CostOptions } from './pricing.ts';
export { systemClock, type Clock } from './clock.ts';
export {
  notifyManager,
  createNotifyManager,
  type NotifyManager,
  type NotifyFunction,
  type ScheduleFn,
  type TimeoutScheduleFn,
} from './notify.ts';
export { Subscribable, type Listener } from './subscribable.ts';
export {
  MetricsRecorder,
  DEFAULT_CHARS_PER_TOKEN,
  DEFAULT_LIVE_WINDOW,
  DEFAULT_LIVE_WINDOW_MS,
  ttftMs,
  headlineOtps,
  effectiveOtps,
  estimateTokens,
  percentile,
  gapStats,
  detectProxyBuffering,
  type Metric,
  type LiveMetric,
  type LiveState,
  type LiveWindowOptions,
  type GapStats,
  type StreamMetrics,
  type DeltaArrival,
  type ProxyBufferingOptions,
  type MetricsRecorderOptions,
} from './metrics.ts';
export {
  TokenCounter,
  CONTENT_CLASSES,
  ESTIMATOR_VERSION,
  estimateTextTokens,
  scaledTokens,
  zeroCounts,
  type ContentClass,
  type ClassCounts,
  type DeltaKind,
} from './token-estimator.ts';
export {
  calibrate,
  estimatorScale,
  readCalibration,
  betterCalibration,
  ReplyTokenEstimate,
  createMemoryCalibrationStorage,
  createWebCalibrationStorage,
  CALIBRATION_STORAGE_KEY,
  CALIBRATION_WEIGHT_CAP,
  MIN_CALIBRATION_TOKENS,
  MAX_CALIBRATION_RATIO,
  type CalibrationSample,
  type CalibrationStorage,
  type KeyValueStorage,
} from './calibration.ts';
export {
  retryAfterRemainingMs,
  type StreamStatus,
  type FastStreamState,
  type ReconnectingState,
  type ToolCallState,
  type ReplyTextPart,
  type ReplyThinkingPart,
  type ReplyToolCallPart,
  type ReplyPart,
  type PartMetrics,
  type ReplyStep,
  type StepMetrics,
} from './stream-state.ts';
export { isErrorBody, parseRetryAfter } from './http-error.ts';
export {
  readFastBudget,
  msUntilFastTokens,
  fastRetryIn,
  replyFastSpend,
  fastStepOutputTokens,
  type FastBudgetReading,
  type FastRetryWait,
  type ReplyFastSpend,
} from './fast-budget.ts';
export { createFastStream, type FastStream, type FastStreamOptions } from './store.ts';
export {
  RESUME_STORAGE_PREFIX,
  DEFAULT_RESUME_OPTIONS,
  readResumableReply,
  type ResumeOptions,
  type ResumableReply,
  type ResumeStorage,
} from './resume.ts';
export {
  createFastChat,
  toHistory,
  joinText,
  newId,
  type FastChat,
  type FastChatOptions,
  type FastChatState,
  type FastChatMessage,
  type FastChatMessageInit,
  type FastChatPart,
  type ChatReplyPart,
  type ChatToolCallPart,
  type ToolApproval,
  type ToolResultInput,
  type UserPart,
} from './chat-store.ts';
// Types only: the persistence code is the `@slipstream/core/persist` subpath.
export type { ChatPersistOptions, ThreadStore, ThreadRecord, ThreadSummary, ThreadListing, ThreadSave } from './persist/types.ts';
