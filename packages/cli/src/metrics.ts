/**
 * Reply metrics for the race: core's own definitions (`ttftMs`, `headlineOtps`, `effectiveOtps` from
 * `@slipstream/core`), applied to the times this CLI stamps when bytes arrive.
 * @module
 */
import { effectiveOtps, headlineOtps, ttftMs } from '@slipstream/core';

export interface ReplyTiming {
  sentAt: number;
  firstDeltaAt: number | null;
  lastDeltaAt: number | null;
  outputTokens: number;
}

export interface ReplyMetrics {
  ttftMs: number | null;
  otps: number | null;
  effectiveOtps: number | null;
}

export function replyMetrics(t: ReplyTiming): ReplyMetrics {
  return {
    ttftMs: ttftMs(t.sentAt, t.firstDeltaAt),
    otps: headlineOtps(t.outputTokens, t.firstDeltaAt, t.lastDeltaAt),
    effectiveOtps: effectiveOtps(t.outputTokens, t.sentAt, t.lastDeltaAt),
  };
}
