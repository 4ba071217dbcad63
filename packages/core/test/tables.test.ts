import { describe, expect, it } from 'vitest';
import { FAST_MODE_BETA, MODEL_CAPABILITIES, getModelCapability } from '../src/models.ts';
import { CACHE_MULTIPLIERS, PRICING, cost } from '../src/pricing.ts';
import type { Usage } from '../src/protocol.ts';

const usage = (inputTokens: number, outputTokens: number, cacheReadInputTokens = 0, cacheCreationInputTokens = 0): Usage => ({
  inputTokens,
  outputTokens,
  cacheReadInputTokens,
  cacheCreationInputTokens,
});

describe('model capabilities', () => {
  it('holds the published facts', () => {
    expect(FAST_MODE_BETA).toBe('fast-mode-2026-02-01');
    expect(MODEL_CAPABILITIES['claude-opus-4-8']).toMatchObject({ fast: true, fastRequiresBeta: true, rejectsSamplingParams: true, maxOutputTokens: 128_000 });
    expect(MODEL_CAPABILITIES['claude-opus-4-6']).toMatchObject({ fast: true, fastRequiresBeta: true, rejectsSamplingParams: false, maxOutputTokens: 128_000 });
    expect(MODEL_CAPABILITIES['claude-sonnet-4-6']).toMatchObject({ fast: false, maxOutputTokens: 64_000 });
    expect(MODEL_CAPABILITIES['claude-haiku-4-5']).toMatchObject({ fast: false, maxOutputTokens: 64_000 });
    expect(Object.isFrozen(MODEL_CAPABILITIES)).toBe(true);
  });

  it('looks up overrides first, dated ids by alias, and nothing from the prototype', () => {
    const mine = { id: 'claude-opus-4-6', displayName: 'Mine', fast: false, fastRequiresBeta: false, rejectsSamplingParams: true, maxOutputTokens: 1 };
    expect(getModelCapability('claude-opus-4-6', { 'claude-opus-4-6': mine })).toBe(mine);
    expect(getModelCapability('claude-haiku-4-5-20251001')?.id).toBe('claude-haiku-4-5');
    expect(getModelCapability('claude-unknown')).toBeUndefined();
    expect(getModelCapability('constructor')).toBeUndefined();
    expect(getModelCapability('__proto__')).toBeUndefined();
  });
});

describe('cost', () => {
  it('prices standard Opus at $5 / $25 per MTok', () => {
    expect(PRICING['claude-opus-4-6']).toEqual({ inputPerMTok: 5, outputPerMTok: 25, fastMultiplier: 6 });
    const c = cost(usage(1_000_000, 1_000_000), 'claude-opus-4-6', 'standard');
    expect(c).toEqual({ inputUsd: 5, outputUsd: 25, cacheReadUsd: 0, cacheWriteUsd: 0, totalUsd: 30 });
  });

  it('prices fast Opus at 6x: $30 / $150 per MTok', () => {
    const c = cost(usage(2_000, 1_000), 'claude-opus-4-8', 'fast');
    // 2000 × $30/M = $0.06; 1000 × $150/M = $0.15
    expect(c?.inputUsd).toBeCloseTo(0.06, 12);
    expect(c?.outputUsd).toBeCloseTo(0.15, 12);
    expect(c?.totalUsd).toBeCloseTo(0.21, 12);
    expect(cost(usage(1_000_000, 1_000_000), 'claude-opus-4-6', 'fast')?.totalUsd).toBe(180);
  });

  it('applies cache multipliers on top of the fast or standard input rate', () => {
    expect(CACHE_MULTIPLIERS).toEqual({ write5m: 1.25, write1h: 2, read: 0.1 });
    // Fast Opus: input $30/M. 10k cache reads × $3/M = $0.03; 4k 5m writes × $37.5/M = $0.15.
    const fast = cost(usage(100, 0, 10_000, 4_000), 'claude-opus-4-6', 'fast');
    expect(fast?.cacheReadUsd).toBeCloseTo(0.03, 12);
    expect(fast?.cacheWriteUsd).toBeCloseTo(0.15, 12);
    expect(fast?.inputUsd).toBeCloseTo(0.003, 12);
    expect(fast?.totalUsd).toBeCloseTo(0.183, 12);
    // Standard Sonnet: input $3/M. 1M 1h writes × $6/M = $6; 1M reads × $0.30/M = $0.30.
    const sonnet = cost(usage(0, 0, 1_000_000, 1_000_000), 'claude-sonnet-4-6', 'standard', undefined, { cacheWriteTtl: '1h' });
    expect(sonnet?.cacheWriteUsd).toBeCloseTo(6, 12);
    expect(sonnet?.cacheReadUsd).toBeCloseTo(0.3, 12);
  });

  it('prices Sonnet 4.6 at $3 / $15 and Haiku 4.5 at $1 / $5', () => {
    expect(cost(usage(1_000_000, 1_000_000), 'claude-sonnet-4-6', 'standard')?.totalUsd).toBe(18);
    expect(cost(usage(1_000_000, 1_000_000), 'claude-haiku-4-5', null)?.totalUsd).toBe(6);
    // No fast multiplier on a model without fast mode.
    expect(cost(usage(1_000_000, 0), 'claude-haiku-4-5', 'fast')?.totalUsd).toBe(1);
  });

  it('rounds to 1e-10 USD so no float noise reaches the wire', () => {
    // 11 × $150/M is 0.0016499999999999998 and 7 × $5/M 0.000035000000000000004 in plain float arithmetic.
    expect(11 * (150 / 1_000_000)).not.toBe(0.00165);
    expect(cost(usage(0, 11), 'claude-opus-4-6', 'fast')?.outputUsd).toBe(0.00165);
    const c = cost(usage(7, 60, 3, 11), 'claude-opus-4-6', 'standard');
    expect(c).toEqual({ inputUsd: 0.000035, outputUsd: 0.0015, cacheReadUsd: 0.0000015, cacheWriteUsd: 0.00006875, totalUsd: 0.00160525 });
    expect(JSON.stringify(cost(usage(1, 1), 'claude-haiku-4-5', null))).toBe('{"inputUsd":0.000001,"outputUsd":0.000005,"cacheReadUsd":0,"cacheWriteUsd":0,"totalUsd":0.000006}');
  });

  it('treats an unreported speed as standard', () => {
    expect(cost(usage(1_000_000, 0), 'claude-opus-4-8', null)?.totalUsd).toBe(5);
  });

  it('returns null for an unknown model and honours an override table', () => {
    expect(cost(usage(1, 1), 'gpt-x', 'standard')).toBeNull();
    expect(cost(usage(1, 1), 'toString', 'standard')).toBeNull();
    const table = { 'my-model': { inputPerMTok: 2, outputPerMTok: 4, fastMultiplier: 2 } };
    expect(cost(usage(1_000_000, 1_000_000), 'my-model', 'fast', table)?.totalUsd).toBe(12);
    // The override wins over the built-in price; other models still resolve.
    expect(cost(usage(1_000_000, 0), 'claude-opus-4-6', 'standard', { 'claude-opus-4-6': { inputPerMTok: 1, outputPerMTok: 1 } })?.totalUsd).toBe(1);
    expect(cost(usage(1_000_000, 0), 'claude-haiku-4-5', 'standard', table)?.totalUsd).toBe(1);
  });
});
