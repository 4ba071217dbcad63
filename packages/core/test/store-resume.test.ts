import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyManager } from '../src/notify.ts';
import { RESUME_STORAGE_PREFIX, readResumableReply } from '../src/resume.ts';
import { resumeDelayMs } from '../src/reconnect.ts';
import { createFastStream, type FastStreamOptions } from '../src/store.ts';
import type { FastStreamState } from '../src/stream-state.ts';
import { fakeResumeEdge, memoryStorage } from './fake-resume-edge.ts';
import { doneEvent, fakeClock, settle, startEvent, usageOf } from './store-helpers.ts';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
// Tiny waits between attempts: the tests are about what happens, not how long.
const quick = { baseDelayMs: 1, maxDelayMs: 4 };

function setup(edge: ReturnType<typeof fakeResumeEdge>, options: FastStreamOptions = {}) {
  const clock = fakeClock(1000);
  const storage = memoryStorage();
  const stream = createFastStream({ fetch: edge.fetch, clock, notify: 'sync', calibration: false, resume: { ...quick, storage }, ...options });
  const seen: FastStreamState[] = [];
  stream.subscribe(() => seen.push(stream.getSnapshot()));
  return { stream, clock, storage, seen };
}

afterEach(() => {
  notifyManager.setNotifyFunction((cb) => cb());
  vi.restoreAllMocks();
});

describe('createFastStream: resuming a lost connection', () => {
  it('reconnects with last-event-id after a body error, shows reconnecting, and loses or repeats no text', async () => {
    const edge = fakeResumeEdge();
    const { stream, seen } = setup(edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'one ', step: 0, index: 0, t: 10 });
    edge.emit('text', { delta: 'two ', step: 0, index: 0, t: 20 });
    await settle();
    expect(stream.getSnapshot().replyId).toBe(edge.replyId);
    edge.drop();
    // Produced while the client is away.
    edge.emit('text', { delta: 'three ', step: 0, index: 0, t: 30 });
    await settle(2);
    edge.emit('text', { delta: 'four', step: 0, index: 0, t: 40 });
    edge.emit('usage', { ...usageOf(4), speed: 'fast', t: 41 });
    edge.emit('done', doneEvent(4));
    await settle(2);

    const s = stream.getSnapshot();
    expect(s).toMatchObject({ status: 'done', text: 'one two three four', reconnecting: null, error: null });
    expect(s.parts).toEqual([{ type: 'text', step: 0, index: 0, text: 'one two three four' }]);
    const gets = edge.gets();
    expect(gets).toHaveLength(1);
    expect(gets[0]?.url).toBe(`/api/chat/${edge.replyId}`);
    expect(gets[0]?.headers['last-event-id']).toBe('3');
    expect(edge.headerOk(gets[0]!)).toBe(true);
    // While away the state said so, and the status never left `streaming`.
    const away = seen.filter((x) => x.reconnecting !== null);
    expect(away.length).toBeGreaterThan(0);
    expect(away[0]?.reconnecting).toMatchObject({ attempt: 1, maxAttempts: 9 });
    expect(new Set(away.map((x) => x.status))).toEqual(new Set(['streaming']));
  });

  it('drops events the edge sends again (id ≤ the last one received)', async () => {
    const edge = fakeResumeEdge({ overlap: 2 });
    const onDelta = vi.fn();
    const { stream } = setup(edge, { onDelta });
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    for (const [i, w] of ['a', 'b', 'c'].entries()) edge.emit('text', { delta: w, step: 0, index: 0, t: 10 + i });
    await settle();
    edge.cut(); // ends cleanly, but before done: also a loss
    edge.emit('text', { delta: 'd', step: 0, index: 0, t: 20 });
    edge.emit('done', doneEvent(4));
    await settle(2);
    expect(stream.getSnapshot()).toMatchObject({ status: 'done', text: 'abcd' });
    expect(onDelta.mock.calls.map((c) => c[0])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('retries failed attempts with growing waits, and gives up with a retryable network error keeping the text', async () => {
    const edge = fakeResumeEdge();
    const onError = vi.fn();
    const { stream, seen } = setup(edge, { onError, resume: { ...quick, attempts: 3, storage: false } });
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'kept', step: 0, index: 0, t: 10 });
    await settle();
    edge.failGets(new TypeError('Failed to fetch'), 503, new TypeError('Failed to fetch'));
    edge.drop();
    await settle(5);
    const s = stream.getSnapshot();
    expect(s.status).toBe('error');
    expect(s.error).toMatchObject({ kind: 'network', retryable: true });
    expect(s.error?.message).toMatch(/3 reconnection attempts failed/);
    expect(s.text).toBe('kept');
    expect(s.reconnecting).toBeNull();
    expect(edge.gets()).toHaveLength(3);
    expect(new Set(seen.flatMap((x) => (x.reconnecting ? [x.reconnecting.attempt] : [])))).toEqual(new Set([1, 2, 3]));
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('a failed attempt followed by a good one resumes; a resumed connection that delivers gets a fresh round', async () => {
    const edge = fakeResumeEdge();
    const { stream } = setup(edge, { resume: { ...quick, attempts: 2, storage: false } });
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'x', step: 0, index: 0, t: 10 });
    await settle();
    edge.failGets(new TypeError('offline'));
    edge.drop();
    edge.emit('text', { delta: 'y', step: 0, index: 0, t: 20 });
    await settle(5);
    expect(stream.getSnapshot().text).toBe('xy');
    // Second loss: two more attempts are allowed again.
    edge.failGets(502);
    edge.drop();
    edge.emit('text', { delta: 'z', step: 0, index: 0, t: 30 });
    edge.emit('done', doneEvent(3));
    await settle(5);
    expect(stream.getSnapshot()).toMatchObject({ status: 'done', text: 'xyz' });
    expect(edge.gets().map((c) => c.headers['last-event-id'])).toEqual(['2', '2', '3', '3']);
  });

  it('a reply the edge no longer has ends in a typed not_found error, text kept, retryable by sending again', async () => {
    const edge = fakeResumeEdge();
    const { stream } = setup(edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'partial', step: 0, index: 0, t: 10 });
    await settle();
    edge.forget();
    edge.drop();
    await settle(2);
    const s = stream.getSnapshot();
    expect(s).toMatchObject({ status: 'error', text: 'partial', reconnecting: null });
    expect(s.error).toMatchObject({ kind: 'not_found', status: 404, retryable: true });
    expect(edge.gets()).toHaveLength(1);
  });

  it('a non-resumable reply (no replyId, no ids) fails on a lost connection as before, without reconnecting', async () => {
    const edge = fakeResumeEdge({ resumable: false });
    const { stream } = setup(edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'hi', step: 0, index: 0, t: 10 });
    await settle();
    edge.drop();
    await settle(2);
    expect(stream.getSnapshot()).toMatchObject({ status: 'error', text: 'hi', replyId: null, error: { kind: 'network', retryable: true } });
    expect(edge.gets()).toHaveLength(0);
  });

  it('resume: false or { auto: false } turns reconnecting off', async () => {
    for (const resume of [false, { auto: false }] as const) {
      const edge = fakeResumeEdge();
      const { stream } = setup(edge, { resume });
      stream.start(hello);
      await settle();
      edge.emit('start', startEvent());
      await settle();
      edge.drop();
      await settle(2);
      expect(stream.getSnapshot().error?.kind).toBe('network');
      expect(edge.gets()).toHaveLength(0);
    }
  });

  it('a connection that goes silent (no bytes, no error: half open) is resumed after idleMs', async () => {
    const edge = fakeResumeEdge();
    const { stream } = setup(edge, { resume: { ...quick, idleMs: 40, storage: false } });
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'before ', step: 0, index: 0, t: 10 });
    await settle();
    edge.detach(); // the edge's writes no longer reach this connection, and nothing fails
    edge.emit('text', { delta: 'after', step: 0, index: 0, t: 20 });
    await new Promise((r) => setTimeout(r, 120));
    await settle(2);
    // This fake edge sends no heartbeats, so a resumed connection that stays quiet is resumed again.
    const asked = edge.gets().map((g) => g.headers['last-event-id']);
    expect(asked[0]).toBe('2');
    expect(new Set(asked.slice(1))).toEqual(new Set(['3']));
    expect(stream.getSnapshot().text).toBe('before after');
    edge.emit('done', doneEvent(2));
    await settle(2);
    expect(stream.getSnapshot()).toMatchObject({ status: 'done', text: 'before after' });
  });

  it('no watchdog for a reply that cannot be resumed: it waits (the edge sends stalled) as before', async () => {
    const edge = fakeResumeEdge({ resumable: false });
    const { stream } = setup(edge, { resume: { ...quick, idleMs: 20, storage: false } });
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    await new Promise((r) => setTimeout(r, 80));
    expect(stream.getSnapshot().status).toBe('streaming');
    expect(edge.gets()).toHaveLength(0);
    stream.stop();
  });

  it('events missing from a resumed stream are a protocol error, never silently lost text', async () => {
    const edge = fakeResumeEdge();
    const { stream } = setup(edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    await settle();
    edge.drop();
    edge.emit('text', { delta: 'lost', step: 0, index: 0, t: 10 });
    edge.emit('text', { delta: 'next', step: 0, index: 0, t: 11 });
    edge.log.splice(1, 1); // a broken edge loses event 2
    edge.emit('done', doneEvent(2));
    await settle(2);
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'protocol' });
    expect(stream.getSnapshot().error?.message).toMatch(/skipped events 2–2/);
  });

  it('the backoff doubles from baseDelayMs up to maxDelayMs, shortened by at most a quarter', () => {
    const o = { baseDelayMs: 250, maxDelayMs: 4000 };
    expect([1, 2, 3, 4, 5, 6, 9].map((a) => resumeDelayMs(a, o, () => 0))).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect(resumeDelayMs(3, o, () => 1)).toBe(750);
    // The defaults' nine attempts fit in the 25 s window, inside the edge's 30 s detach time.
    expect(Array.from({ length: 9 }, (_, i) => resumeDelayMs(i + 1, o, () => 0)).reduce((a, b) => a + b)).toBeLessThanOrEqual(25_000);
  });
});

describe('createFastStream: stop of a resumable reply', () => {
  it('stop() aborts the fetch and sends POST …/stop with keepalive and the same headers', async () => {
    const edge = fakeResumeEdge();
    const { stream } = setup(edge, { headers: { authorization: 'Bearer t' } });
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'so far', step: 0, index: 0, t: 10 });
    await settle();
    stream.stop();
    await settle();
    const stop = edge.calls.find((c) => c.url.endsWith('/stop'));
    expect(stop).toMatchObject({ method: 'POST', url: `/api/chat/${edge.replyId}/stop`, keepalive: true });
    expect(stop?.headers.authorization).toBe('Bearer t');
    expect(edge.stopped).toBe(true);
    expect(stream.getSnapshot()).toMatchObject({ status: 'aborted', text: 'so far', error: null });
  });

  it('stop() while reconnecting ends the wait and stops at the edge; a failing stop request is swallowed', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const edge = fakeResumeEdge();
      const failing: typeof fetch = (input, init) => (init?.method === 'POST' && String(input).endsWith('/stop') ? Promise.reject(new TypeError('offline')) : edge.fetch(input, init));
      const { stream } = setup(edge, { fetch: failing, resume: { baseDelayMs: 60_000, maxDelayMs: 60_000, storage: false } });
      stream.start(hello);
      await settle();
      edge.emit('start', startEvent());
      await settle();
      edge.drop();
      await settle(2);
      // Waiting a minute before the first attempt.
      expect(stream.getSnapshot().reconnecting).toMatchObject({ attempt: 1, nextAttemptAt: expect.any(Number) });
      stream.stop();
      await settle(2);
      expect(stream.getSnapshot()).toMatchObject({ status: 'aborted', reconnecting: null });
      expect(edge.gets()).toHaveLength(0);
      expect(edge.stopped).toBe(false); // the stop request failed, quietly
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('a non-resumable reply sends no stop request; start() over a resumable reply in flight stops it', async () => {
    const plain = fakeResumeEdge({ resumable: false });
    const a = setup(plain);
    a.stream.start(hello);
    await settle();
    plain.emit('start', startEvent());
    await settle();
    a.stream.stop();
    expect(plain.calls.filter((c) => c.url.endsWith('/stop'))).toHaveLength(0);

    const edge = fakeResumeEdge();
    const b = setup(edge);
    b.stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    await settle();
    b.stream.start(hello);
    expect(edge.calls.filter((c) => c.url.endsWith('/stop'))).toHaveLength(1);
  });
});

/** Let a network read through (the fake body resolves reads in microtasks). */
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Deterministic 0…15 ms network jitter. */
const jitter = (i: number): number => (i * 7919) % 16;

/**
 * Streams a 300-token reply at 100 tokens/s (edge time), each event arriving 30 ms + jitter after the
 * edge stamped it. With `dropAt`, the connection is lost after that many deltas and comes back `awayMs`
 * later; what the edge produced meanwhile arrives as one replay.
 */
async function meteredReply(dropAt: number | null, awayMs = 1500) {
  const edge = fakeResumeEdge();
  const clock = fakeClock(1000);
  const stream = createFastStream({ fetch: edge.fetch, clock, notify: 'sync', calibration: false, resume: { ...quick, storage: false } });
  const series: number[] = [];
  stream.subscribe(() => {
    const s = stream.getSnapshot().metrics.liveOtps;
    if (s.state === 'live' && s.value !== null) series.push(s.value);
  });
  stream.start(hello);
  await settle();
  const arrive = (t: number, i: number): void => {
    clock.t = Math.max(clock.t, 1030 + t + jitter(i));
  };
  arrive(5, 0);
  edge.emit('start', startEvent({ t: 5 }));
  await settle();
  let backAt = Infinity;
  for (let i = 0; i < 300; i++) {
    const t = 100 + i * 10;
    if (i === dropAt) {
      edge.drop();
      backAt = clock.t + awayMs;
    }
    if (1030 + t >= backAt && backAt !== -1) {
      // The client is back: the reconnection replays everything logged so far, at once.
      clock.t = backAt;
      await settle(2);
      backAt = -1;
    }
    if (backAt === Infinity || backAt === -1) arrive(t, i + 1);
    edge.emit('text', { delta: 'word ', step: 0, index: 0, t });
    if (backAt === Infinity || backAt === -1) await tick();
  }
  const away = backAt !== Infinity && backAt !== -1;
  if (!away) arrive(3100, 700);
  edge.emit('usage', { ...usageOf(300), speed: 'fast', t: 3100 });
  edge.emit('done', doneEvent(300, { t: 3101 }));
  // Still away when the reply ended at the edge: all of its end arrives on reconnection.
  if (away) clock.t = backAt;
  await settle(2);
  const s = stream.getSnapshot();
  expect(s.status).toBe('done');
  expect(s.text).toBe('word '.repeat(300));
  return { metrics: s.metrics, series, gets: edge.gets().length };
}

describe('createFastStream: the meter across a lost connection', () => {
  it('a 1.5 s disconnect mid-reply: final OTPS within 3 % of the uninterrupted reply, TTFT unchanged, no replay spike', async () => {
    const whole = await meteredReply(null);
    const cut = await meteredReply(80);
    expect(cut.gets).toBe(1);
    expect(whole.metrics.otps.value).toBeCloseTo(100, -1);
    expect(Math.abs((cut.metrics.otps.value as number) / (whole.metrics.otps.value as number) - 1)).toBeLessThan(0.03);
    expect(Math.abs((cut.metrics.effectiveOtps.value as number) / (whole.metrics.effectiveOtps.value as number) - 1)).toBeLessThan(0.03);
    expect(cut.metrics.ttftMs).toBe(whole.metrics.ttftMs);
    // The replayed burst (about 150 tokens in one read) is not a rate: the live figure stays near 100/s.
    expect(Math.max(...cut.series)).toBeLessThan(Math.max(...whole.series) * 1.3);
    expect(cut.metrics.gaps.max).toBeLessThan(100);
  });

  it('a reply that ends while the client is away: OTPS and effective OTPS as if it had stayed', async () => {
    const whole = await meteredReply(null);
    const cut = await meteredReply(200, 3000);
    expect(cut.gets).toBe(1);
    expect(Math.abs((cut.metrics.otps.value as number) / (whole.metrics.otps.value as number) - 1)).toBeLessThan(0.03);
    expect(Math.abs((cut.metrics.effectiveOtps.value as number) / (whole.metrics.effectiveOtps.value as number) - 1)).toBeLessThan(0.03);
    expect(cut.metrics.ttftMs).toBe(whole.metrics.ttftMs);
  });

  it('a disconnect before the first delta leaves TTFT as the edge paced it', async () => {
    const whole = await meteredReply(null);
    const cut = await meteredReply(0, 1000);
    expect(Math.abs((cut.metrics.ttftMs as number) - (whole.metrics.ttftMs as number))).toBeLessThanOrEqual(16);
    expect(Math.abs((cut.metrics.otps.value as number) / (whole.metrics.otps.value as number) - 1)).toBeLessThan(0.03);
  });
});

describe('createFastStream: resuming after a reload', () => {
  it('keeps { replyId, endpoint } in storage while streaming, clears it at done', async () => {
    const edge = fakeResumeEdge();
    const { stream, storage } = setup(edge, { endpoint: '/api/chat' });
    stream.start(hello);
    await settle();
    expect(storage.map.size).toBe(0);
    edge.emit('start', startEvent());
    await settle();
    const rec = readResumableReply(JSON.parse(storage.map.get(`${RESUME_STORAGE_PREFIX}/api/chat`) ?? 'null'));
    expect(rec).toMatchObject({ replyId: edge.replyId, endpoint: '/api/chat', request: hello });
    edge.emit('done', doneEvent(1));
    await settle();
    expect(storage.map.size).toBe(0);
  });

  it('clears the record on stop, on error and on reset; keeps it on destroy', async () => {
    for (const end of ['stop', 'error', 'reset', 'destroy'] as const) {
      const edge = fakeResumeEdge();
      const { stream, storage } = setup(edge);
      stream.start(hello);
      await settle();
      edge.emit('start', startEvent());
      await settle();
      expect(storage.map.size).toBe(1);
      if (end === 'error') edge.emit('error', { kind: 'upstream', message: 'x', retryable: true });
      else stream[end]();
      await settle();
      expect(storage.map.size, end).toBe(end === 'destroy' ? 1 : 0);
    }
  });

  it('a new store resumes the kept reply from id 0: whole text once, TTFT and OTPS from the edge times', async () => {
    let wall = 1_700_000_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => wall);
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const clockA = fakeClock(1000);
    const a = createFastStream({ fetch: edge.fetch, clock: clockA, notify: 'sync', calibration: false, resume: { ...quick, storage } });
    a.start(hello);
    await settle();
    // Request sent at wall W (store clock 1000); edge t=0 ≈ 10 ms later; events arrive 30 ms after their t.
    const at = (t: number): void => {
      clockA.t = 1030 + t;
      wall = 1_700_000_000_000 + 30 + t;
    };
    at(5);
    edge.emit('start', startEvent({ t: 5 }));
    await settle();
    for (let i = 0; i < 100; i++) {
      at(100 + i * 10);
      edge.emit('text', { delta: 'word ', step: 0, index: 0, t: 100 + i * 10 });
      await tick();
    }
    const before = a.getSnapshot();
    a.destroy(); // the page goes away; the edge goes on
    for (let i = 100; i < 200; i++) edge.emit('text', { delta: 'word ', step: 0, index: 0, t: 100 + i * 10 });
    edge.emit('done', doneEvent(200, { t: 2100 }));

    // The reloaded page: a new store clock, 2 s later on the wall clock.
    wall += 2000;
    const clockB = fakeClock(50);
    const b = createFastStream({ fetch: edge.fetch, clock: clockB, notify: 'sync', calibration: false, resume: { ...quick, storage } });
    expect(b.storedReply()?.replyId).toBe(edge.replyId);
    expect(b.resume()).toBe(true);
    expect(b.getSnapshot()).toMatchObject({ status: 'submitted', replyId: edge.replyId, request: hello });
    expect(b.resume()).toBe(false); // already in flight
    await settle(2);
    const s = b.getSnapshot();
    expect(edge.gets()[0]?.headers['last-event-id']).toBe('0');
    expect(s).toMatchObject({ status: 'done', text: 'word '.repeat(200), replyId: edge.replyId });
    // TTFT as on the first page (request → first delta), not "reload → first replayed byte".
    expect(before.metrics.ttftMs).toBe(130);
    expect(s.metrics.ttftMs).toBeCloseTo(130, 6);
    expect(s.metrics.otps.value).toBeCloseTo(199 / 1.99, 0);
    expect(storage.map.size).toBe(0);
  });

  it('resume() with nothing kept, with resume off, or without sessionStorage (server, workers) does nothing and never throws', () => {
    const edge = fakeResumeEdge();
    expect('sessionStorage' in globalThis).toBe(false);
    const plain = createFastStream({ fetch: edge.fetch });
    expect(plain.storedReply()).toBeUndefined();
    expect(plain.resume()).toBe(false);
    const off = createFastStream({ fetch: edge.fetch, resume: false });
    expect(off.resume()).toBe(false);
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }, removeItem: () => { throw new Error('denied'); } };
    const s = createFastStream({ fetch: edge.fetch, resume: { storage: broken } });
    expect(s.resume()).toBe(false);
    expect(edge.calls).toHaveLength(0);
  });

  it('a record older than maxAgeMs is dropped, not resumed', () => {
    const storage = memoryStorage();
    storage.setItem(`${RESUME_STORAGE_PREFIX}/api/chat`, JSON.stringify({ v: 1, replyId: 'r', endpoint: '/api/chat', savedAt: Date.now() - 60_000, sentAt: 0, offset: null }));
    const edge = fakeResumeEdge();
    const s = createFastStream({ fetch: edge.fetch, resume: { storage, maxAgeMs: 30_000 } });
    expect(s.resume()).toBe(false);
    expect(storage.map.size).toBe(0);
  });
});
