import Anthropic, { type RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/bucket.ts';
import type { RunningSim } from '../src/node.ts';
import { client, fastParams, sim } from './helpers.ts';

describe('TokenBucket', () => {
  it('replenishes continuously and reports the wait for n tokens', () => {
    let now = 1_000_000;
    const b = new TokenBucket(600, () => now); // 10 tokens per second
    b.take(600);
    expect(b.remaining()).toBe(0);
    now += 500;
    expect(b.remaining()).toBe(5);
    expect(b.msUntil(10)).toBeCloseTo(500, 6);
    b.take(20); // overdraw: charged as emitted
    expect(b.level()).toBeCloseTo(-15, 6);
    expect(b.msUntil(1)).toBeCloseTo(1600, 6);
    now += 61_500;
    expect(b.remaining()).toBe(600);
  });
});

describe('fast rate limits through the SDK', () => {
  let s: RunningSim;
  beforeAll(async () => {
    // 6000 output tokens/min = 100/s: one 200-token reply overdraws it for ~2 s.
    s = await sim({ fastOutputTpm: 150, fastInputTpm: 1_000_000 });
  });
  afterAll(() => s.close());

  it('charges output as emitted, then 429s with retry-after and fast headers at maxRetries 0; never downgrades', async () => {
    const c = client(s.url);
    const first = await c.beta.messages.stream(fastParams('[[sim:tokens=200]]')).finalMessage();
    expect(first.usage.output_tokens).toBe(200);

    const err = await c.beta.messages.stream(fastParams('hi')).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as RateLimitError;
    expect(e.status).toBe(429);
    expect(e.type).toBe('rate_limit_error');
    expect(e.requestID).toMatch(/^req_/u);
    const retryAfter = Number(e.headers?.get('retry-after'));
    const retryAfterMs = Number(e.headers?.get('retry-after-ms'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    // 50 tokens overdrawn + 1 at 150/min = 51 × 400 ms = 20.4 s.
    expect(retryAfterMs).toBeGreaterThan(15_000);
    expect(retryAfter).toBe(Math.ceil(retryAfterMs / 1000));
    expect(e.headers?.get('anthropic-fast-output-tokens-remaining')).toBe('0');
    expect(e.headers?.get('anthropic-fast-output-tokens-limit')).toBe('150');
    for (const k of ['input', 'output'].flatMap((d) => ['limit', 'remaining', 'reset'].map((f) => `anthropic-fast-${d}-tokens-${f}`))) {
      expect(e.headers?.get(k), k).not.toBeNull();
    }
    expect([...(e.headers?.keys() ?? [])].filter((k) => k.startsWith('anthropic-ratelimit-'))).toHaveLength(12);
    expect(s.sim.streams().every((r) => r.speed === 'fast')).toBe(true);

    // Standard requests are not limited by the fast bucket.
    const standard = await c.messages.create({ model: 'claude-opus-4-8', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(standard.usage.speed).toBe('standard');
  });

  it('the SDK retry succeeds after retry-after-ms once the bucket refills', async () => {
    // Freeze the sim's clock while a 3010-token reply overdraws a 3000/min bucket by exactly 10, then
    // let it run in real time: 11 tokens at 0.05/ms come back in 220 ms, whatever the machine load.
    const frozenAt = Date.now();
    let unfrozenAt: number | undefined;
    s.sim.configure({ fastOutputTpm: 3000, clock: { now: () => (unfrozenAt === undefined ? frozenAt : frozenAt + Date.now() - unfrozenAt) } });
    s.sim.reset();
    const c = client(s.url, { maxRetries: 2 });
    const big = await c.beta.messages.create(fastParams('[[sim:tokens=3010]]', { max_tokens: 4000 }));
    expect(big.usage.output_tokens).toBe(3010);
    unfrozenAt = Date.now();
    const t0 = performance.now();
    const msg = await c.beta.messages.stream(fastParams('hi')).finalMessage();
    const waited = performance.now() - t0;
    expect(msg.usage.speed).toBe('fast');
    expect(s.sim.stats().requests.byStatus['429']).toBe(1);
    const retries = s.sim.requests().slice(1).map((r) => r.headers['x-stainless-retry-count']);
    expect(retries).toEqual(['0', '1']);
    expect(waited).toBeGreaterThan(200);
    s.sim.configure({ clock: { now: () => Date.now() } });
  });

  it('an injected rate_limit fault is retried after retry-after-ms and then succeeds', async () => {
    s.sim.reset();
    s.sim.injectFaults({ fault: 'rate_limit', after: 50, count: 1 });
    const c = client(s.url, { maxRetries: 2 });
    const t0 = performance.now();
    const msg = await c.beta.messages.stream(fastParams('hi')).finalMessage();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(msg.usage.speed).toBe('fast');
    const log = s.sim.requests();
    expect(log.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
    expect(s.sim.stats().requests.byStatus).toEqual({ '200': 1, '429': 1 });
  });
});

describe('input dimension and standard headers', () => {
  let s: RunningSim;
  beforeAll(async () => {
    s = await sim({ fastInputTpm: 60 });
  });
  afterAll(() => s.close());

  it('a fast prompt larger than the input bucket gets 429 with input remaining 0', async () => {
    const err = await client(s.url)
      .beta.messages.create(fastParams('word '.repeat(100)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const headers = (err as RateLimitError).headers;
    expect(headers?.get('anthropic-fast-input-tokens-remaining')).toBe('0');
    expect(headers?.get('anthropic-fast-input-tokens-limit')).toBe('60');
    expect(Number(headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('standard remaining counters go down with simulated usage (frozen clock: no refill)', async () => {
    const { createSim } = await import('../src/index.ts');
    const frozen = createSim({ ttftMs: 0, standardOtps: 0, jitter: 0, clock: { now: () => 1_800_000_000_000 } });
    const send = async () => {
      const res = await frozen.fetch(
        new Request('http://sim.test/v1/messages', {
          method: 'POST',
          headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 500, messages: [{ role: 'user', content: '[[sim:tokens=300]]' }] }),
        }),
      );
      await res.text();
      return res.headers;
    };
    const first = await send();
    const second = await send();
    const n = (h: Headers, k: string) => Number(h.get(`anthropic-ratelimit-${k}-remaining`));
    expect(n(first, 'requests')).toBe(3999);
    expect(n(second, 'requests')).toBe(3998);
    expect(n(first, 'output-tokens')).toBe(400_000);
    expect(n(second, 'output-tokens')).toBe(400_000 - 300);
    expect(second.get('anthropic-ratelimit-output-tokens-reset')).toBe('2027-01-15T08:00:01Z');
    expect(first.get('anthropic-fast-input-tokens-limit')).toBeNull();
  });
});
