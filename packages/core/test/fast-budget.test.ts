import { describe, expect, it } from 'vitest';
import { fastRetryIn, fastStepOutputTokens, msUntilFastTokens, readFastBudget, replyFastSpend } from '../src/fast-budget.ts';
import type { RateLimitEvent, Speed } from '../src/protocol.ts';
import type { ReplyStep } from '../src/stream-state.ts';

const t0 = Date.parse('2026-12-02T08:00:00Z');
const event = (remaining: number, resetMs: number): RateLimitEvent => ({
  speed: 'fast',
  fast: {
    input: { limit: 100_000, remaining: 100_000, reset: new Date(t0).toISOString() },
    output: { limit: 300, remaining, reset: new Date(t0 + resetMs).toISOString() },
  },
  t: 1,
});

describe('readFastBudget', () => {
  it('is unknown without fast headers, and the reported figure without spending or refill', () => {
    expect(readFastBudget(null)).toEqual({ limit: null, remaining: null, resetAt: null, estimate: false });
    expect(readFastBudget(event(120, 10_000), { now: t0 })).toEqual({ limit: 300, remaining: 120, resetAt: t0 + 10_000, estimate: false });
    // Past the reset the budget is full.
    expect(readFastBudget(event(120, 10_000), { now: t0 + 10_000 }).remaining).toBe(300);
  });
  it('counts a reply spent after its headers: 400 tokens on a full 300/min bucket', () => {
    const full = event(300, 0);
    // 100 below zero, full again 80 s after the headers.
    expect(readFastBudget(full, { spentTokens: 400, now: t0 + 3000 })).toEqual({ limit: 300, remaining: 0, resetAt: t0 + 80_000, estimate: true });
    expect(readFastBudget(full, { spentTokens: 400, now: t0 + 40_000 }).remaining).toBe(100);
    expect(readFastBudget(full, { spentTokens: 400, now: t0 + 80_000 }).remaining).toBe(300);
    expect(readFastBudget(full, { spentTokens: 50, now: t0 }).remaining).toBe(250);
  });
  it('with refill, a spent budget rises towards its reset; msUntilFastTokens says when a token is back', () => {
    // A 429's headers: 0 left (the bucket is 100 below zero), full in 80 s at 300/min.
    const spent = event(0, 80_000);
    expect(readFastBudget(spent, { now: t0 + 30_000 })).toMatchObject({ remaining: 0, estimate: false });
    const at = (ms: number) => readFastBudget(spent, { refill: true, now: t0 + ms });
    expect(at(0)).toMatchObject({ remaining: 0, estimate: false });
    expect(at(30_000)).toMatchObject({ remaining: 50, resetAt: t0 + 80_000, estimate: true });
    // One token back when the bucket is 299 below full: 80 s − 299 × 0.2 s = 20.2 s after the 429.
    expect(msUntilFastTokens(at(0), 1, t0)).toBe(20_200);
    expect(msUntilFastTokens(at(30_000), 1, t0 + 30_000)).toBe(0);
    expect(msUntilFastTokens(readFastBudget(null), 1, t0)).toBeNull();
  });
  it('never reads more than the headers said until refill adds to it (a reset rounded up reads low, not high)', () => {
    // 100 left, reset rounded up a second: the bucket model alone would say 95.
    expect(readFastBudget(event(100, 41_000), { refill: true, now: t0 })).toMatchObject({ remaining: 100, estimate: false });
  });
});

/** A step of a reply: asked `requested`, served `served` (null while streaming), `tokens` of output. */
function step(n: number, requested: Speed, served: Speed | null, tokens: number, fastRateLimit?: RateLimitEvent): ReplyStep {
  const metric = (value: number | null) => ({ value, isEstimate: served === null });
  return {
    step: n,
    messageId: `msg_${n}`,
    model: 'claude-opus-4-8',
    requestedSpeed: requested,
    servedSpeed: served,
    stopReason: served === null ? null : 'tool_use',
    // Input tokens are large on purpose: they never count against the output budget.
    usage: served === null ? null : { inputTokens: 5000, outputTokens: tokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    cost: null,
    edge: null,
    metrics: { ttftMs: null, otps: metric(null), effectiveOtps: metric(null), liveOtps: metric(null), outputTokens: metric(tokens) },
    status: served === null ? 'streaming' : 'done',
    ...(fastRateLimit !== undefined ? { fastRateLimit } : {}),
  };
}

describe('replyFastSpend: only the steps served fast after the last fast headers draw on the fast bucket', () => {
  const h0 = event(300, 0);
  it('a loop moved to standard by a low budget: the fast step counts, the standard one does not', () => {
    // Step 0 fast (150 tokens: text, thinking and tool input alike) read h0; step 1 ran on standard.
    const steps = [step(0, 'fast', 'fast', 150, h0), step(1, 'standard', 'standard', 100)];
    expect(replyFastSpend(steps)).toEqual({ rateLimit: h0, spentTokens: 150 });
    // What the old recipe counted: the reply's total (250), or 0 because the last step was standard.
    expect(fastStepOutputTokens(steps[0]!) + fastStepOutputTokens(steps[1]!)).toBe(150);
    // The gauge then reads 300 − 150 = 150 left (not 50, nor 300).
    expect(readFastBudget(replyFastSpend(steps).rateLimit, { spentTokens: replyFastSpend(steps).spentTokens, now: t0 }).remaining).toBe(150);
  });
  it('a mid-loop fast 429: its headers are the newest reading, and the standard step after it spends nothing', () => {
    const h429: RateLimitEvent = { ...event(0, 20_000), retryAfterMs: 7000, t: 900 };
    const steps = [step(0, 'fast', 'fast', 150, h0), step(1, 'standard', 'standard', 100, h429)];
    expect(replyFastSpend(steps, h429)).toEqual({ rateLimit: h429, spentTokens: 0 });
    // Between the 429 and the standard step's start (no step read it yet): still the newest, nothing after it.
    expect(replyFastSpend(steps.slice(0, 1), h429)).toEqual({ rateLimit: h429, spentTokens: 0 });
    // The same figures after a round trip through storage (a reloaded thread).
    expect(replyFastSpend(steps, JSON.parse(JSON.stringify(h429)) as RateLimitEvent).spentTokens).toBe(0);
  });
  it('a loop served fast throughout: each step\'s headers already count the steps before it', () => {
    const h1 = event(150, 30_000);
    const streaming = [step(0, 'fast', 'fast', 150, h0), step(1, 'fast', null, 40, h1)];
    // Step 1 streams: its live estimate counts (it asked fast; fast never silently serves standard).
    expect(replyFastSpend(streaming, h1)).toEqual({ rateLimit: h1, spentTokens: 40 });
    expect(replyFastSpend([step(0, 'fast', 'fast', 150, h0), step(1, 'fast', 'fast', 100, h1)])).toEqual({ rateLimit: h1, spentTokens: 100 });
  });
  it('without fast headers of its own, every fast step counts (against headers the caller holds); a standard-only reply spends nothing', () => {
    expect(replyFastSpend([step(0, 'fast', 'fast', 120), step(1, 'fast', 'fast', 30)])).toEqual({ rateLimit: null, spentTokens: 150 });
    expect(replyFastSpend([step(0, 'standard', 'standard', 120)], { speed: 'standard', t: 1 })).toEqual({ rateLimit: null, spentTokens: 0 });
    expect(replyFastSpend([])).toEqual({ rateLimit: null, spentTokens: 0 });
  });
});

describe('fastRetryIn: an estimated wait is marked as one, a retry-after is exact', () => {
  it('after spending emptied the bucket: when it has a token back, as an estimate', () => {
    // 400 tokens on a full 300/min bucket: 100 below zero, a token back 20.2 s after the headers.
    const reading = readFastBudget(event(300, 0), { spentTokens: 400, refill: true, now: t0 + 3000 });
    expect(fastRetryIn(reading, null, t0 + 3000)).toEqual({ ms: 17_200, estimate: true });
    // A shorter retry-after (another dimension, a rounding) does not hide the later estimate; a longer one wins, exact.
    expect(fastRetryIn(reading, 5000, t0 + 3000)).toEqual({ ms: 17_200, estimate: true });
    expect(fastRetryIn(reading, 25_000, t0 + 3000)).toEqual({ ms: 25_000, estimate: false });
    // Once a token is back there is nothing to wait for.
    expect(fastRetryIn(readFastBudget(event(300, 0), { spentTokens: 400, refill: true, now: t0 + 21_000 }), null, t0 + 21_000)).toBeNull();
  });
  it('a 429\'s reported 0 left waits for its retry-after, unmarked; headers at 0 without one, for the bucket, marked', () => {
    const reading = readFastBudget({ ...event(0, 80_000), retryAfterMs: 20_000 }, { refill: true, now: t0 });
    // The bucket would say 20.2 s (the reset rounded to the second): the retry-after is the API's answer.
    expect(fastRetryIn(reading, 20_000, t0)).toEqual({ ms: 20_000, estimate: false });
    // The same 0 left with no retry-after (a 529's headers): when a token is back is modelled.
    expect(fastRetryIn(reading, null, t0)).toEqual({ ms: 20_200, estimate: true });
    expect(fastRetryIn(readFastBudget(null), 9000, t0)).toEqual({ ms: 9000, estimate: false });
    expect(fastRetryIn(readFastBudget(event(120, 10_000), { now: t0 }), null, t0)).toBeNull();
  });
});
