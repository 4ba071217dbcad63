import { describe, expect, it } from 'vitest';
import { msUntilFastTokens, readFastBudget } from '../src/fast-budget.ts';
import type { RateLimitEvent } from '../src/protocol.ts';

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
