/**
 * Reply metrics for the race, by the definitions in DESIGN.md (TTFT; headline OTPS after the first
 * token; effective OTPS over the whole request).
 * @module
 */

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
  const ttftMs = t.firstDeltaAt === null ? null : t.firstDeltaAt - t.sentAt;
  const span = t.firstDeltaAt === null || t.lastDeltaAt === null ? 0 : t.lastDeltaAt - t.firstDeltaAt;
  const otps = span > 0 && t.outputTokens > 1 ? ((t.outputTokens - 1) / span) * 1000 : null;
  const whole = t.lastDeltaAt === null ? 0 : t.lastDeltaAt - t.sentAt;
  const effectiveOtps = whole > 0 ? (t.outputTokens / whole) * 1000 : null;
  return { ttftMs, otps, effectiveOtps };
}
