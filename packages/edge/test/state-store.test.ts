/**
 * The state store contract, run against every adapter on real engines: memory, Redis (a real
 * `redis-server`), Durable Objects (workerd through Miniflare, the namespace driven from here), and the
 * local-fallback wrapper's outage and recovery behaviour.
 */
import { Miniflare } from 'miniflare';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../src/state/memory.ts';
import { createRedisStore } from '../src/state/redis.ts';
import { withLocalFallback, type StoreHealthEvent } from '../src/state/resilient.ts';
import type { ReplyLog, StateStore } from '../src/state/store.ts';
import { sleep } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';
import { bundle } from './runtimes/build.ts';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

let redis: RunningRedis;
let client: ReturnType<typeof createClient>;
let mf: Miniflare;
let workerUrl: string;

beforeAll(async () => {
  mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    script: await bundle('state-do'),
    compatibilityDate: '2026-04-01',
    durableObjects: { SLIPSTREAM_STATE: 'SlipstreamState' },
  });
  workerUrl = (await mf.ready).href;
  redis = await startRedis();
  client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
});
afterAll(async () => {
  await client?.close().catch(() => {});
  await redis?.stop();
  await mf?.dispose();
});

const adapters: [string, () => StateStore][] = [
  ['memory', () => createMemoryStore()],
  ['redis', () => createRedisStore({ client, prefix: `t${Math.random().toString(36).slice(2)}:` })],
  ['durable-object', () => durableObjectStore(`t${Math.random().toString(36).slice(2)}:`)],
];

/**
 * The Durable Object adapter as it runs in a Worker (state-do.entry.ts): each call is one request to
 * that Worker, which makes it through `createDurableObjectStore` on a real namespace in workerd.
 */
function durableObjectStore(prefix: string): StateStore {
  // Typed by each member it stands in for; `null` (JSON's undefined) comes back as undefined.
  const call = async (target: 'store' | 'replies', method: string, ...args: unknown[]): Promise<never> => {
    const res = await fetch(workerUrl, { method: 'POST', body: JSON.stringify({ prefix, target, method, args }) });
    if (!res.ok) throw new Error(`worker answered ${res.status}: ${await res.text()}`);
    const { value } = (await res.json()) as { value: unknown };
    return (value ?? undefined) as never;
  };
  const replies: ReplyLog = {
    pollMs: 50,
    open: (...a) => call('replies', 'open', ...a),
    append: (...a) => call('replies', 'append', ...a),
    read: (...a) => call('replies', 'read', ...a),
    requestStop: (...a) => call('replies', 'requestStop', ...a),
    delete: (...a) => call('replies', 'delete', ...a),
  };
  return {
    kind: 'durable-object',
    replies,
    get: (...a) => call('store', 'get', ...a),
    merge: (...a) => call('store', 'merge', ...a),
    reserve: (...a) => call('store', 'reserve', ...a),
    adjust: (...a) => call('store', 'adjust', ...a),
  };
}

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

describe.each(adapters)('%s reply log', (_name, make) => {
  const log = () => make().replies!;
  const frame = (seq: number, text = `t${seq}`) => ({ seq, frame: `event: text\nid: ${seq}\ndata: {"delta":"${text}"}\n\n` });
  const frames = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => frame(from + i));

  it('appends in batches, reads after a seq (with a limit), and answers the meta on every append', async () => {
    const l = log();
    expect(l.pollMs).toBeLessThanOrEqual(50);
    expect(await l.read('nope-nope-nope-nope', 0)).toBeUndefined();
    expect(await l.append('nope-nope-nope-nope', { events: [frame(1)], ttlMs: 1_000 })).toBeUndefined();
    await l.open('reply-aaaaaaaaaaaa', { lifetimeMs: 60_000, userId: 'ann' });
    const meta = await l.append('reply-aaaaaaaaaaaa', { events: frames(1, 3), ttlMs: 60_000 });
    expect(meta).toMatchObject({ status: 'running', lastSeq: 3, stopRequested: false, userId: 'ann' });
    expect(meta!.producerAt).toBeGreaterThan(Date.now() - 5_000);
    await l.append('reply-aaaaaaaaaaaa', { events: [], ttlMs: 60_000 }); // a heartbeat
    await l.append('reply-aaaaaaaaaaaa', { events: frames(4, 10), ttlMs: 60_000 });
    const all = await l.read('reply-aaaaaaaaaaaa', 0);
    expect(all?.events).toEqual(frames(1, 10));
    expect((await l.read('reply-aaaaaaaaaaaa', 7))?.events).toEqual(frames(8, 10));
    expect((await l.read('reply-aaaaaaaaaaaa', 2, { limit: 3 }))?.events).toEqual(frames(3, 5));
    expect((await l.read('reply-aaaaaaaaaaaa', 10))?.events).toEqual([]);
    expect((await l.read('reply-aaaaaaaaaaaa', 99))?.events).toEqual([]);
    const metaOnly = await l.read('reply-aaaaaaaaaaaa', 0, { limit: 0 });
    expect(metaOnly?.events).toEqual([]);
    expect(metaOnly?.meta.lastSeq).toBe(10);
    // Non-ASCII text survives the round trip byte for byte.
    await l.append('reply-aaaaaaaaaaaa', { events: [frame(11, 'é 日本 🚀')], ttlMs: 60_000 });
    expect((await l.read('reply-aaaaaaaaaaaa', 10))?.events).toEqual([frame(11, 'é 日本 🚀')]);
  });

  it('takes a batch of 20,000 events in one append', async () => {
    const l = log();
    await l.open('reply-bbbbbbbbbbbb', { lifetimeMs: 60_000 });
    await l.append('reply-bbbbbbbbbbbb', { events: frames(1, 20_000), ttlMs: 60_000 });
    const tail = await l.read('reply-bbbbbbbbbbbb', 19_990);
    expect(tail?.events.map((e) => e.seq)).toEqual(frames(19_991, 20_000).map((e) => e.seq));
    expect(tail?.meta.lastSeq).toBe(20_000);
  });

  it('records readers, asks a running reply to stop, and ends: done keeps the log for its TTL, then forgets it', async () => {
    const l = log();
    await l.open('reply-cccccccccccc', { lifetimeMs: 60_000 });
    const before = (await l.read('reply-cccccccccccc', 0))!.meta.readerSeenAt;
    await sleep(15);
    const touched = (await l.read('reply-cccccccccccc', 0, { touchReader: true }))!.meta.readerSeenAt;
    expect(touched).toBeGreaterThan(before);
    expect((await l.requestStop('reply-cccccccccccc'))?.stopRequested).toBe(false); // the meta before the call
    expect((await l.append('reply-cccccccccccc', { events: [frame(1)], ttlMs: 60_000 }))?.stopRequested).toBe(true);
    const ended = await l.append('reply-cccccccccccc', { events: [frame(2)], status: 'done', ttlMs: 250 });
    expect(ended).toMatchObject({ status: 'done', lastSeq: 2 });
    // A later status never overwrites the end, and a stop of an ended reply sets nothing.
    await l.append('reply-cccccccccccc', { events: [], status: 'error', ttlMs: 250 });
    const stoppedLate = await l.requestStop('reply-cccccccccccc');
    expect(stoppedLate?.status).toBe('done');
    expect((await l.read('reply-cccccccccccc', 0))?.events).toHaveLength(2);
    await sleep(400);
    expect(await l.read('reply-cccccccccccc', 0)).toBeUndefined();
    expect(await l.requestStop('reply-cccccccccccc')).toBeUndefined();
  });

  it('a cap or a detach drops the events and keeps the meta; the lifetime bounds a running reply; delete forgets', async () => {
    const l = log();
    await l.open('reply-dddddddddddd', { lifetimeMs: 60_000 });
    await l.append('reply-dddddddddddd', { events: frames(1, 5), ttlMs: 60_000 });
    const capped = await l.append('reply-dddddddddddd', { events: [], truncate: 'max_events', ttlMs: 60_000 });
    expect(capped?.truncated).toBe('max_events');
    await l.append('reply-dddddddddddd', { events: frames(6, 7), ttlMs: 60_000 });
    const read = await l.read('reply-dddddddddddd', 0);
    expect(read?.events).toEqual([]);
    expect(read?.meta).toMatchObject({ truncated: 'max_events', lastSeq: 7 });

    await l.open('reply-eeeeeeeeeeee', { lifetimeMs: 60_000 });
    await l.append('reply-eeeeeeeeeeee', { events: frames(1, 5), ttlMs: 60_000 });
    expect((await l.append('reply-eeeeeeeeeeee', { events: [], status: 'detached', ttlMs: 60_000 }))?.status).toBe('detached');
    expect((await l.read('reply-eeeeeeeeeeee', 0))?.events).toEqual([]);

    await l.open('reply-ffffffffffff', { lifetimeMs: 200 });
    await sleep(300);
    expect(await l.append('reply-ffffffffffff', { events: [frame(1)], ttlMs: 60_000 })).toBeUndefined();

    await l.open('reply-gggggggggggg', { lifetimeMs: 60_000 });
    await l.delete('reply-gggggggggggg');
    expect(await l.read('reply-gggggggggggg', 0)).toBeUndefined();
  });
});

describe('durable-object reply log: the long poll', () => {
  const frame = (seq: number) => ({ seq, frame: `event: text\nid: ${seq}\ndata: {"delta":"t${seq}"}\n\n` });

  it('holds a read until the next append, answers at once when there is news, and after waitMs otherwise; a parked reader counts as attached', async () => {
    const l = durableObjectStore(`t${Math.random().toString(36).slice(2)}:`).replies!;
    await l.open('reply-hhhhhhhhhhhh', { lifetimeMs: 60_000 });
    const opened = (await l.read('reply-hhhhhhhhhhhh', 0, { limit: 0 }))!.meta.readerSeenAt;

    let started = Date.now();
    const held = l.read('reply-hhhhhhhhhhhh', 0, { waitMs: 5_000 });
    await sleep(400);
    const appended = await l.append('reply-hhhhhhhhhhhh', { events: [frame(1), frame(2)], ttlMs: 60_000 });
    const answer = await held;
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(answer?.events).toEqual([frame(1), frame(2)]);
    expect(appended!.readerSeenAt).toBeGreaterThan(opened);

    started = Date.now();
    expect((await l.read('reply-hhhhhhhhhhhh', 1, { waitMs: 5_000 }))?.events).toEqual([frame(2)]);
    expect(Date.now() - started).toBeLessThan(4_000);

    started = Date.now();
    const idle = l.read('reply-hhhhhhhhhhhh', 2, { waitMs: 300 });
    await sleep(50);
    await l.append('reply-hhhhhhhhhhhh', { events: [], ttlMs: 60_000 }); // a heartbeat is no news
    expect((await idle)?.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    // The end wakes a held reader too.
    const ending = l.read('reply-hhhhhhhhhhhh', 2, { waitMs: 5_000 });
    await sleep(100);
    await l.append('reply-hhhhhhhhhhhh', { events: [], status: 'error', ttlMs: 60_000 });
    expect((await ending)?.meta.status).toBe('error');
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
