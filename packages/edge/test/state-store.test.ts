/**
 * The state store contract, run against every adapter on real engines: memory, Redis (a real
 * `redis-server`), and the local-fallback wrapper's outage and recovery behaviour.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../src/state/memory.ts';
import { createRedisStore } from '../src/state/redis.ts';
import { withLocalFallback, type StoreHealthEvent } from '../src/state/resilient.ts';
import type { StateStore } from '../src/state/store.ts';
import { sleep } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

let redis: RunningRedis;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
});
afterAll(async () => {
  await client?.close().catch(() => {});
  await redis?.stop();
});

const adapters: [string, () => StateStore][] = [
  ['memory', () => createMemoryStore()],
  ['redis', () => createRedisStore({ client, prefix: `t${Math.random().toString(36).slice(2)}:` })],
];

describe.each(adapters)('%s store', (_name, make) => {
  it('merges fields, keeps the larger keep-max value whatever the order, and expires', async () => {
    const store = make();
    expect(await store.get('k')).toBeUndefined();
    await store.merge('k', { standardUntil: 2_000, reason: 'rate_limited' }, { ttlMs: 300, keepMax: ['standardUntil'] });
    await store.merge('k', { standardUntil: 1_000, fastOutputRemaining: 7 }, { ttlMs: 300, keepMax: ['standardUntil'] });
    expect(await store.get('k')).toEqual({ standardUntil: 2_000, reason: 'rate_limited', fastOutputRemaining: 7 });
    await store.merge('k', { standardUntil: 3_000 }, { ttlMs: 300, keepMax: ['standardUntil'] });
    expect((await store.get('k'))?.['standardUntil']).toBe(3_000);
    await sleep(450);
    expect(await store.get('k')).toBeUndefined();
  });

  it('reserves atomically: 50 concurrent reservations against room for 10 → exactly 10', async () => {
    const store = make();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.reserve('spend', 100, 1_000, 60_000)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(Math.max(...results.map((r) => r.used))).toBe(1_000);
    const refused = results.find((r) => !r.ok)!;
    expect(refused.resetAt).toBeGreaterThan(Date.now() + 50_000);
    // Settling gives back what was not spent, never below zero.
    expect(await store.adjust('spend', -250)).toBe(750);
    expect(await store.adjust('spend', -5_000)).toBe(0);
    expect(await store.adjust('unknown', 5)).toBe(0);
  });
});

describe('withLocalFallback', () => {
  /** A store that hangs (like an unreachable Redis) while `broken` is set. */
  function flaky(inner: StateStore) {
    const state = { broken: false, calls: 0 };
    const hang = () => new Promise<never>(() => {});
    const store: StateStore = {
      kind: 'flaky',
      get: (k) => (state.calls++, state.broken ? hang() : inner.get(k)),
      merge: (k, f, o) => (state.calls++, state.broken ? hang() : inner.merge(k, f, o)),
      reserve: (k, a, l, w) => (state.calls++, state.broken ? hang() : inner.reserve(k, a, l, w)),
      adjust: (k, d) => (state.calls++, state.broken ? hang() : inner.adjust(k, d)),
    };
    return { store, state };
  }

  it('serves from local memory within the timeout, says so once, and writes back what it learned on recovery', async () => {
    const shared = createMemoryStore();
    const { store, state } = flaky(shared);
    const events: StoreHealthEvent[] = [];
    const resilient = withLocalFallback(store, { timeoutMs: 50, retryMs: 100, onHealth: (e) => events.push(e) });

    await resilient.merge('k', { standardUntil: 5 }, { ttlMs: 60_000, keepMax: ['standardUntil'] });
    state.broken = true;
    const started = Date.now();
    expect(await resilient.get('k')).toEqual({ standardUntil: 5 }); // the local mirror
    expect(Date.now() - started).toBeLessThan(1_000);
    await resilient.merge('k', { standardUntil: 9 }, { ttlMs: 60_000, keepMax: ['standardUntil'] });
    for (let i = 0; i < 5; i++) await resilient.get('k');
    expect(events.map((e) => e.state)).toEqual(['unavailable']);
    expect(events[0]!.message).toMatch(/flaky store unavailable/);
    // While degraded the shared store is probed at most once per retryMs.
    const callsWhileDown = state.calls;
    await resilient.get('k');
    expect(state.calls - callsWhileDown).toBeLessThanOrEqual(1);

    state.broken = false;
    await sleep(120);
    expect(await resilient.get('k')).toMatchObject({ standardUntil: 5 }); // the shared store answers again
    expect(events.map((e) => e.state)).toEqual(['unavailable', 'recovered']);
    await sleep(20);
    expect((await shared.get('k'))?.['standardUntil']).toBe(9); // what was learned meanwhile was written back
  });
});
