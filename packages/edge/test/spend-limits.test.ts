/**
 * Spend limits on a real Redis: reservations are atomic (no overspend under a burst), settle to the
 * real cost, and a spent fast allowance moves `auto` to standard and refuses `fast` with a typed 429.
 */
import { cost } from '@slipstream/core';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisStore } from '../src/state/redis.ts';
import { worstCaseUsage } from '../src/spend.ts';
import { defineTool } from '../src/tools.ts';
import type { StateStore } from '../src/state/store.ts';
import { chat, collect, post, startRig, user, type Rig } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let redis: RunningRedis;
let client: ReturnType<typeof createClient>;
let rigs: Rig[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
});
afterAll(async () => {
  await Promise.all(rigs.map((r) => r.close()));
  await client?.close().catch(() => {});
  await redis?.stop();
});

const MODEL = 'claude-opus-4-8';
const storeFor = (): StateStore => createRedisStore({ client, prefix: `spend${Math.random().toString(36).slice(2)}:` });
/** The spend counter of the anonymous user, in micro-dollars (keys are `spend:<key hash>:<user>:total`). */
async function counter(store: StateStore, suffix: 'total' | 'fast'): Promise<number> {
  // The key hash is the SHA-256 of the rig's fake key; find it through the one counter written.
  const keys = (await client.keys('spend*:spend:*')) as string[];
  const mine = keys.filter((k) => k.endsWith(`:${suffix}`));
  const values = await Promise.all(mine.map((k) => client.get(k)));
  void store;
  return values.reduce((sum, v) => sum + Number(v ?? 0), 0);
}

describe('spend limits (Redis)', () => {
  it('50 concurrent requests against a budget that allows 10: exactly 10 served, no overspend, the rest a typed 429', async () => {
    await client.flushAll();
    const store = storeFor();
    const prompt = 'burst [[sim:tokens=40]]';
    const maxTokens = 40;
    const chars = JSON.stringify(user(prompt)).length;
    const worst = cost(worstCaseUsage(maxTokens, Math.ceil(chars / 3)), MODEL, 'standard')!.totalUsd;
    // A generous store timeout: this checks atomicity under a burst, not an outage (a busy CI machine can
    // take longer than the default to answer, and an outage degrades limits to per-isolate counting).
    const rig = await startRig({ ttftMs: 1_500, standardOtps: 200 }, { store, storeTimeoutMs: 10_000, spendLimits: { usdPerWindow: worst * 10.5, windowMs: 60_000 } });
    rigs.push(rig);
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await post(rig.chatUrl, { messages: user(prompt), speed: 'standard', max_tokens: maxTokens });
        if (res.status !== 200) return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error: { kind: string; code?: string; message: string } } };
        const events = await collect(res);
        const done = events.find((e) => e.event === 'done');
        return { status: 200, costUsd: done?.event === 'done' ? done.data.cost!.totalUsd : Number.NaN };
      }),
    );
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(served).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) {
      expect(r.body?.error).toMatchObject({ kind: 'rate_limited', code: 'spend_limit', retryable: true });
      expect(r.body?.error.message).toMatch(/Spend limit reached/);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
    }
    // Only the served ten reached upstream, and the counter holds what they really cost (settled), within the budget.
    expect(rig.sim.sim.requests()).toHaveLength(10);
    const spent = await counter(store, 'total');
    expect(spent).toBe(served.reduce((sum, a) => sum + Math.ceil((a.costUsd ?? Number.NaN) * 1e6), 0));
    expect(spent).toBeLessThanOrEqual(Math.ceil(worst * 10.5 * 1e6));
  });

  it('a spent fast allowance: auto serves standard with fallback spend_limit; fast gets 429 fast_spend_limit', async () => {
    await client.flushAll();
    const store = storeFor();
    // max_tokens = the reply's length, so a reply costs close to its reserved worst case.
    const prompt = 'fast please [[sim:tokens=100]]';
    const worstFast = cost(worstCaseUsage(100, Math.ceil(JSON.stringify(user(prompt)).length / 3)), MODEL, 'fast')!.totalUsd;
    const rig = await startRig({}, { store, storeTimeoutMs: 10_000, spendLimits: { usdPerWindow: 100, fastUsdPerWindow: worstFast * 1.5, windowMs: 60_000 } });
    rigs.push(rig);
    const first = await chat(rig.chatUrl, { messages: user(prompt), max_tokens: 100 });
    expect(first.find('done')?.data.speed).toBe('fast');
    // Settled to the real cost: the fast counter holds what the reply cost, not the reservation.
    const doneCost = first.find('done')!.data.cost!.totalUsd;
    expect(await counter(store, 'fast')).toBe(Math.ceil(doneCost * 1e6));

    // Room for one more worst case? 1.5 × worst − real cost of the first < worst → no.
    const second = await chat(rig.chatUrl, { messages: user(prompt), max_tokens: 100 });
    if (Math.ceil(doneCost * 1e6) + Math.ceil(worstFast * 1e6) > Math.ceil(worstFast * 1.5 * 1e6)) {
      expect(second.find('fallback')?.data).toMatchObject({ reason: 'spend_limit', to: 'standard' });
      expect(second.find('done')?.data.speed).toBe('standard');
      const refused = await post(rig.chatUrl, { messages: user(prompt), max_tokens: 100, speed: 'fast' });
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { code?: string; message: string } };
      expect(body.error.code).toBe('fast_spend_limit');
      expect(body.error.message).toMatch(/Fast mode budget used up/);
    } else {
      throw new Error('test setup: the first reply cost too little to exhaust the allowance');
    }
  });

  it('a budget spent mid-loop ends the reply with a typed error after the steps it paid for, never a step more', async () => {
    await client.flushAll();
    const store = storeFor();
    const tool = (name: string) =>
      defineTool({ name, description: `The ${name} tool.`, inputSchema: { type: 'object', properties: { query: { type: 'string' } } }, execute: async () => ({ ok: true }) });
    const prompt = 'Go [[sim:tools=search,search,search]]';
    const worstFirst = cost(worstCaseUsage(300, Math.ceil((JSON.stringify(user(prompt)).length + 400) / 3)), MODEL, 'standard')!.totalUsd;
    // Room for the first step's worst case, not for a second one on top of what the first really cost.
    const rig = await startRig({}, { store, storeTimeoutMs: 10_000, tools: [tool('search')], spendLimits: { usdPerWindow: worstFirst * 1.2 } });
    rigs.push(rig);
    const r = await chat(rig.chatUrl, { messages: user(prompt), speed: 'standard', max_tokens: 300 });
    expect(r.names).toContain('step_finish');
    expect(r.names).toContain('tool_result');
    expect(r.names.at(-1)).toBe('error');
    expect(r.find('error')?.data).toMatchObject({ kind: 'rate_limited', code: 'spend_limit', retryable: true });
    expect(rig.sim.sim.requests().filter((q) => q.path.endsWith('/v1/messages'))).toHaveLength(1);
  });
});
