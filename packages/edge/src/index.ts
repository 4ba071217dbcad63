/**
 * `@slipstream/edge`: the Hono chat handler for Claude fast mode: speed policy with sticky fallback,
 * real abort, hardening, and the Slipstream protocol v1 on the wire.
 *
 * @module
 */
export { createChatHandler, streamHeaders } from './handler.ts';
export type {
  ChatHandlerOptions,
  EdgeLogEvent,
  EnvBindings,
  FromEnv,
  RateLimitDecision,
  SystemPromptOption,
} from './options.ts';
export { createMemoryFallbackStore, hashKey, type FallbackMemory, type FallbackStore } from './fallback-store.ts';
export { decideSpeed, type SpeedDecision } from './policy.ts';
export { parseRateLimitHeaders, parseRetryAfterMs } from './ratelimit-headers.ts';
export { classifyUpstreamError, type UpstreamFailure } from './errors.ts';
