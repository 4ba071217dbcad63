/**
 * What a step that ends early does to its spend reservation, on the memory store and on a real Redis:
 * released whole when upstream never answered 200 (429, 529, 500, no connection, stopped first), the
 * fast allowance given back the moment a fast attempt is refused under `auto`, settled to the real
 * input plus all of `max_tokens` once `message_start` was seen, and kept whole after a 200 with no
 * `message_start` (it may have been billed).
 */
import Anthropic from '@anthropic-ai/sdk';
import { cost, readProtocolStream, type ProtocolEvent, type Speed, type Usage } from '@slipstream/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashKey } from '../src/fallback-store.ts';
import { estimateInputTokens, spendMeter, worstCaseUsage } from '../src/spend.ts';
import { createMemoryStore } from '../src/state/memory.ts';
import { createRedisStore } from '../src/state/redis.ts';
import type { StateStore } from '../src/state/store.ts';
import { chat, collect, FAKE_KEY, post, startRig, user, waitFor, type Rig } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const MODEL = 'claude-opus-4-8';
const MAX_TOKENS = 200;
const WINDOW_MS = 60_000;

let redis: RunningRedis;
let client: ReturnType<typeof createClient>;
let rigs: Rig[] = [];
let keyHash: string;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
  keyHash = await hashKey(FAKE_KEY);
});
afterEach(async () => {
  await Promise.all(rigs.map((r) => r.close()));
  rigs = [];
});
afterAll(async () => {
  await client?.close().catch(() => {});
  await redis?.stop();
});

/** Poll a counter (the edge settles after the client went away) until it reads `want` or 5 s pass; the last reading. */
async function settlesTo(read: () => Promise<number>, want: number): Promise<number> {
  let value = await read();
  for (let i = 0; i < 100 && value !== want; i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

const micros = (usage: Usage, speed: Speed) => Math.ceil(cost(usage, MODEL, speed)!.totalUsd * 1e6);
/** The worst case the edge reserves for a one-message request. */
const worstOf = (prompt: string) => worstCaseUsage(MAX_TOKENS, estimateInputTokens(user(prompt)));

const stores: { name: string; make: () => StateStore }[] = [
  { name: 'memory', make: () => createMemoryStore() },
  { name: 'redis', make: () => createRedisStore({ client, prefix: `rel${Math.random().toString(36).slice(2)}:` }) },
];

describe.each(stores)('spend reservations of failed steps ($name store)', ({ make }) => {
  /** A counter of the anonymous user, in micro-dollars, read without changing it. */
  const counter = async (store: StateStore, which: 'total' | 'fast') =>
    (await store.reserve(`spend:${keyHash}:anonymous:${which}`, 0, Number.MAX_SAFE_INTEGER, WINDOW_MS)).used;
  const rigWith = async (store: StateStore, simOptions: Parameters<typeof startRig>[0] = {}, edge: Parameters<typeof startRig>[1] = {}) => {
    const rig = await startRig(simOptions, {
      store,
      storeTimeoutMs: 10_000,
      upstreamRetries: 0,
      spendLimits: { usdPerWindow: 100, fastUsdPerWindow: 100, windowMs: WINDOW_MS },
      ...edge,
    });
    rigs.push(rig);
    return rig;
  };

  it.each(['overloaded', 'rate_limit', 'api_error'] as const)('an upstream %s before the stream gives the whole reservation back', async (fault) => {
    const store = make();
    const rig = await rigWith(store);
    rig.sim.sim.injectFaults({ fault, speed: 'standard' });
    const r = await chat(rig.chatUrl, { messages: user('hello there'), speed: 'standard', max_tokens: MAX_TOKENS });
    expect(r.names.at(-1)).toBe('error');
    expect(rig.sim.sim.requests().filter((q) => q.path.endsWith('/v1/messages'))).toHaveLength(1);
    expect(await counter(store, 'total')).toBe(0);
  });

  it('a network error before any response gives it back', async () => {
    const store = make();
    let calls = 0;
    const rig = await rigWith(store, {}, {
      createClient: ({ apiKey, baseURL }) =>
        new Anthropic({
          apiKey,
          baseURL: baseURL ?? null,
          maxRetries: 0,
          logLevel: 'off',
          fetch: async () => {
            calls += 1;
            throw new TypeError('fetch failed');
          },
        }),
    });
    const r = await chat(rig.chatUrl, { messages: user('hello there'), speed: 'standard', max_tokens: MAX_TOKENS });
    expect(r.find('error')?.data).toMatchObject({ kind: 'network' });
    expect(calls).toBe(1);
    expect(await counter(store, 'total')).toBe(0);
  });

  // `resume: false`: a resumable reply outlives its client (until stopped or detached), a plain one ends with it.
  it('a stop before upstream answered gives it back', async () => {
    const store = make();
    const rig = await rigWith(store, {}, { resume: false });
    rig.sim.sim.injectFaults({ fault: 'slow_headers', after: 20_000 });
    const controller = new AbortController();
    const res = await post(rig.chatUrl, { messages: user('hello there'), speed: 'standard', max_tokens: MAX_TOKENS }, { signal: controller.signal });
    expect(res.status).toBe(200);
    await waitFor(() => rig.sim.sim.requests().length === 1);
    expect(await counter(store, 'total')).toBe(micros(worstOf('hello there'), 'standard'));
    controller.abort();
    expect(await settlesTo(() => counter(store, 'total'), 0)).toBe(0);
  });

  it('a fast 429 under auto: the fast allowance is back before the fallback event; the standard step settles', async () => {
    const store = make();
    const prompt = 'fast please [[sim:tokens=30]]';
    // A slow first token, so the counters can be read while the standard attempt waits for it.
    const rig = await rigWith(store, { ttftMs: 600 });
    rig.sim.sim.injectFaults({ fault: 'rate_limit', speed: 'fast' });
    const res = await post(rig.chatUrl, { messages: user(prompt), max_tokens: MAX_TOKENS });
    const events: ProtocolEvent[] = [];
    let atFallback: { total: number; fast: number } | undefined;
    for await (const e of readProtocolStream(res.body!)) {
      events.push(e);
      if (e.event === 'fallback') atFallback = { total: await counter(store, 'total'), fast: await counter(store, 'fast') };
    }
    expect(events.find((e) => e.event === 'fallback')?.data).toMatchObject({ reason: 'rate_limited', to: 'standard' });
    // Nothing of the refused fast attempt is held any more: the total holds the standard worst case.
    expect(atFallback).toEqual({ total: micros(worstOf(prompt), 'standard'), fast: 0 });
    const done = events.find((e) => e.event === 'done');
    expect(done?.event === 'done' && done.data.speed).toBe('standard');
    const paid = done?.event === 'done' ? done.data.cost!.totalUsd : Number.NaN;
    expect(await counter(store, 'total')).toBe(Math.ceil(paid * 1e6));
    expect(await counter(store, 'fast')).toBe(0);
  });

  it('a fast 429 under auto, then a standard 529: nothing was billed, both counters are back to 0', async () => {
    const store = make();
    const rig = await rigWith(store);
    rig.sim.sim.injectFaults({ fault: 'rate_limit', speed: 'fast' });
    rig.sim.sim.injectFaults({ fault: 'overloaded', speed: 'standard' });
    const r = await chat(rig.chatUrl, { messages: user('fast please'), max_tokens: MAX_TOKENS });
    expect(r.find('fallback')?.data).toMatchObject({ reason: 'rate_limited' });
    expect(r.find('error')?.data).toMatchObject({ kind: 'overloaded' });
    expect(await counter(store, 'fast')).toBe(0);
    expect(await counter(store, 'total')).toBe(0);
  });

  it('a mid-stream error after message_start settles to the real input plus all of max_tokens', async () => {
    const store = make();
    const prompt = 'Tell me about caching in some detail please [[sim:tokens=60]]';
    const rig = await rigWith(store);
    rig.sim.sim.injectFaults({ fault: 'midstream_error', after: 5 });
    const r = await chat(rig.chatUrl, { messages: user(prompt), speed: 'standard', max_tokens: MAX_TOKENS });
    expect(r.names).toContain('text');
    expect(r.find('error')?.data).toMatchObject({ kind: 'overloaded' });
    const record = rig.sim.sim.streams()[0]!;
    const expected = micros(
      { inputTokens: record.inputTokens, cacheReadInputTokens: record.cacheReadInputTokens, cacheCreationInputTokens: record.cacheCreationInputTokens, outputTokens: MAX_TOKENS },
      'standard',
    );
    // The test can tell: the reservation priced the input high.
    expect(expected).toBeLessThan(micros(worstOf(prompt), 'standard'));
    expect(await counter(store, 'total')).toBe(expected);
  });

  it('a stop after message_start settles the same way (tokens may have been generated)', async () => {
    const store = make();
    const prompt = 'Tell me about caching in some detail please [[sim:tokens=60]]';
    const rig = await rigWith(store, {}, { resume: false });
    rig.sim.sim.injectFaults({ fault: 'stall', after: 5 });
    const controller = new AbortController();
    const res = await post(rig.chatUrl, { messages: user(prompt), speed: 'standard', max_tokens: MAX_TOKENS }, { signal: controller.signal });
    try {
      for await (const e of readProtocolStream(res.body!)) {
        if (e.event === 'text') {
          // Abort first: a reader cancelled by `break` alone leaves the connection open.
          controller.abort();
          break;
        }
      }
    } catch {
      // the aborted fetch rejects the reader
    }
    const record = () => rig.sim.sim.streams()[0]!;
    const expected = micros(
      { inputTokens: record().inputTokens, cacheReadInputTokens: record().cacheReadInputTokens, cacheCreationInputTokens: record().cacheCreationInputTokens, outputTokens: MAX_TOKENS },
      'standard',
    );
    expect(expected).toBeLessThan(micros(worstOf(prompt), 'standard'));
    expect(await settlesTo(() => counter(store, 'total'), expected)).toBe(expected);
  });

  it('a 200 without message_start keeps the whole reservation (upstream took the request)', async () => {
    const store = make();
    const rig = await rigWith(store, {}, {
      createClient: ({ apiKey, baseURL }) =>
        new Anthropic({
          apiKey,
          baseURL: baseURL ?? null,
          maxRetries: 0,
          logLevel: 'off',
          fetch: async () => new Response('', { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } }),
        }),
    });
    const r = await chat(rig.chatUrl, { messages: user('hello there'), speed: 'standard', max_tokens: MAX_TOKENS });
    expect(r.names.at(-1)).toBe('error');
    expect(await counter(store, 'total')).toBe(micros(worstOf('hello there'), 'standard'));
  });
});

describe('spend reservations without a shared store (the handler’s own memory)', () => {
  it('a 529 before the stream does not shrink the budget: the next request still fits', async () => {
    const prompt = 'hello there';
    // Room for one worst case, not two.
    const rig = await startRig({}, { upstreamRetries: 0, spendLimits: { usdPerWindow: (micros(worstOf(prompt), 'standard') * 1.5) / 1e6 } });
    rigs.push(rig);
    rig.sim.sim.injectFaults({ fault: 'overloaded', speed: 'standard' });
    const failed = await chat(rig.chatUrl, { messages: user(prompt), speed: 'standard', max_tokens: MAX_TOKENS });
    expect(failed.find('error')?.data).toMatchObject({ kind: 'overloaded' });
    const next = await post(rig.chatUrl, { messages: user(prompt), speed: 'standard', max_tokens: MAX_TOKENS });
    expect(next.status).toBe(200);
    expect((await collect(next)).at(-1)?.event).toBe('done');
  });

  it('a fast 429 then a standard 529 under auto: the next request is still served fast', async () => {
    const prompt = 'fast please';
    const fastWorst = micros(worstOf(prompt), 'fast');
    const rig = await startRig({}, { upstreamRetries: 0, spendLimits: { usdPerWindow: 100, fastUsdPerWindow: (fastWorst * 1.5) / 1e6 } });
    rigs.push(rig);
    rig.sim.sim.injectFaults({ fault: 'rate_limit', speed: 'fast' });
    rig.sim.sim.injectFaults({ fault: 'overloaded', speed: 'standard' });
    const failed = await chat(rig.chatUrl, { messages: user(prompt), max_tokens: MAX_TOKENS });
    expect(failed.find('error')?.data).toMatchObject({ kind: 'overloaded' });
    const next = await chat(rig.chatUrl, { messages: user(prompt), max_tokens: MAX_TOKENS, speed: 'fast' });
    expect(next.res.status).toBe(200);
    expect(next.find('done')?.data.speed).toBe('fast');
  });
});

describe('spendMeter release and downgrade', () => {
  it.each(stores)('$name: release gives back both counters; downgrade keeps only the standard worst case', async ({ make }) => {
    const store = make();
    const meter = spendMeter(store, { usdPerWindow: 10, fastUsdPerWindow: 5, windowMs: WINDOW_MS }, 'unit', (usage, speed) => cost(usage, MODEL, speed));
    const read = async (k: string) => (await store.reserve(`unit:${k}`, 0, Number.MAX_SAFE_INTEGER, WINDOW_MS)).used;
    const worst = worstCaseUsage(1_000, 500);
    const first = await meter.reserve('fast', worst);
    if (!first.ok) throw new Error('reserve refused');
    expect(await read('fast')).toBe(micros(worst, 'fast'));
    await meter.release(first.reservation);
    expect([await read('total'), await read('fast')]).toEqual([0, 0]);

    const second = await meter.reserve('fast', worst);
    if (!second.ok) throw new Error('reserve refused');
    const standard = await meter.downgrade(second.reservation);
    expect(standard).toMatchObject({ speed: 'standard', micros: micros(worst, 'standard') });
    expect([await read('total'), await read('fast')]).toEqual([micros(worst, 'standard'), 0]);
    await meter.release(standard);
    expect([await read('total'), await read('fast')]).toEqual([0, 0]);
  });
});
