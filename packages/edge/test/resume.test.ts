/**
 * Resumable replies with the in-memory reply log, in process against the sim: drop and resume, stop
 * from anywhere, the detach time, the caps and TTLs, users, and 100 concurrent replies with random
 * disconnects.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from 'redis';
import { createMemoryStore, type StateStore } from '../src/index.ts';
import { createRedisStore } from '../src/state/redis.ts';
import { afterAbort, startRig, user, waitFor, type Rig } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';
import { postChat, resumeChat, stopChat, textOf, type WireEvent } from './resume-helpers.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const rigs: Rig[] = [];
async function rig(edgeOptions: Parameters<typeof startRig>[1] = {}): Promise<Rig> {
  const r = await startRig({}, { resume: true, ...edgeOptions });
  rigs.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(rigs.map((r) => r.close()));
});

const texts = (n: number) => (e: WireEvent, all: WireEvent[]) => e.event === 'text' && all.filter((x) => x.event === 'text').length >= n;
const ids = (events: WireEvent[]) => events.map((e) => e.id);
const streams = (r: Rig) => r.sim.sim.streams();

describe('resumable replies (memory log)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig();
  });
  afterEach(() => r.sim.sim.reset());

  it('a reply dropped mid-way resumes with exactly the missing events: identical text, one upstream request', async () => {
    const body = { messages: user('Tell me about rivers [[sim:tokens=300]]') };
    const reference = await postChat(r.chatUrl, body);
    expect(reference.events.at(-1)?.event).toBe('done');
    r.sim.sim.reset();

    const first = await postChat(r.chatUrl, body, texts(20));
    expect(first.dropped).toBe(true);
    expect(first.replyId).toMatch(/^[0-9a-f-]{36}$/);
    // Every event has its seq, from 1, consecutive.
    expect(ids(first.events)).toEqual(first.events.map((_, i) => i + 1));
    const resumed = await resumeChat(r.chatUrl, first.replyId!, first.lastId);
    expect(resumed.status).toBe(200);
    expect(resumed.events[0]?.id).toBe(first.lastId + 1);
    expect(ids(resumed.events)).toEqual(resumed.events.map((_, i) => first.lastId + 1 + i));
    expect(resumed.events.at(-1)?.event).toBe('done');
    expect(textOf(first.events) + textOf(resumed.events)).toBe(textOf(reference.events));
    expect(r.sim.sim.requests()).toHaveLength(1);
    expect(streams(r)[0]?.end).toBe('complete');

    // After the end, within the TTL, the whole reply replays from 0 with its original ids and `t`.
    const again = await resumeChat(r.chatUrl, first.replyId!, 0);
    expect(again.events.map((e) => [e.id, e.event, e.data['t']])).toEqual([...first.events, ...resumed.events].map((e) => [e.id, e.event, e.data['t']]));
    // A client that already had everything gets the final event once more (same id), not an error.
    const lastId = resumed.events.at(-1)!.id!;
    const nothingNew = await resumeChat(r.chatUrl, first.replyId!, lastId);
    expect(nothingNew.events.map((e) => [e.id, e.event])).toEqual([[lastId, 'done']]);
    expect(r.sim.sim.requests()).toHaveLength(1);
  });

  it('a resume can attach before the drop point is even logged, and a second drop resumes again', async () => {
    const body = { messages: user('Two drops [[sim:tokens=400]]') };
    const reference = await postChat(r.chatUrl, body);
    r.sim.sim.reset();
    const a = await postChat(r.chatUrl, body, texts(5));
    const b = await resumeChat(r.chatUrl, a.replyId!, a.lastId, texts(10));
    expect(b.dropped).toBe(true);
    const c = await resumeChat(r.chatUrl, a.replyId!, b.lastId);
    expect(c.events.at(-1)?.event).toBe('done');
    expect(textOf(a.events) + textOf(b.events) + textOf(c.events)).toBe(textOf(reference.events));
    expect(r.sim.sim.requests()).toHaveLength(1);
  });

  it('POST …/stop aborts the upstream at once and ends every reader with error `aborted`', async () => {
    let replyId = '';
    let stopAt = 0;
    let stopping: ReturnType<typeof stopChat> | undefined;
    let second: ReturnType<typeof resumeChat> | undefined;
    const textCount = (all: WireEvent[]) => all.filter((x) => x.event === 'text').length;
    const first = await postChat(r.chatUrl, { messages: user('Long [[sim:tokens=3000]]') }, (e, all) => {
      if (e.event === 'start') replyId = String(e.data['replyId']);
      // A second reader attaches (as another tab or isolate would) before the stop.
      if (second === undefined && textCount(all) >= 5) second = resumeChat(r.chatUrl, replyId, e.id!);
      if (stopping === undefined && textCount(all) >= 20) {
        stopAt = Date.now();
        stopping = stopChat(r.chatUrl, replyId);
      }
      return false;
    });
    expect((await stopping)?.body).toEqual({ stopped: true });
    for (const events of [first.events, (await second)!.events]) {
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { kind: 'aborted', retryable: false } });
    }
    const record = streams(r)[0]!;
    await waitFor(() => streams(r)[0]?.end !== undefined);
    expect(streams(r)[0]?.end).toBe('client_abort');
    expect(record.outputTokens).toBeLessThan(3000);
    expect(afterAbort(streams(r)[0]!, stopAt).tokenMs).toBeLessThan(500);
    // Stopping again: it is over, not unknown.
    expect(await stopChat(r.chatUrl, replyId)).toEqual({ status: 200, body: { stopped: false } });
    expect(r.sim.sim.requests()).toHaveLength(1);
  });

  it('unknown or malformed reply ids and bad Last-Event-ID answer 4xx JSON, never 5xx', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'short', '..%2F..', 'x'.repeat(300)]) {
      const res = await resumeChat(r.chatUrl, id, 0);
      expect(res.status).toBe(404);
      expect(res.body?.error.kind).toBe('not_found');
      const stop = await stopChat(r.chatUrl, id);
      expect(stop.status).toBe(404);
      expect(stop.body.error?.kind).toBe('not_found');
    }
    const done = await postChat(r.chatUrl, { messages: user('tiny [[sim:tokens=3]]') });
    const bad = await fetch(`${r.chatUrl}/${done.replyId}`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('last-event-id');
    expect((await fetch(`${r.chatUrl}/${done.replyId}`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${r.chatUrl}/${done.replyId}/stop`)).status).toBe(405);
  });
});

describe('detach time', () => {
  it('no client for detachMs: the upstream is aborted (the sim sees it) and a later resume or stop is 404; a resumer keeps it alive', async () => {
    const r = await rig({ resume: { detachMs: 400 } });
    // Kept alive: dropped at once, resumed after 150 ms, read to the end (longer than the detach time).
    const reference = await postChat(r.chatUrl, { messages: user('Kept [[sim:tokens=1500]]') });
    r.sim.sim.reset();
    const a = await postChat(r.chatUrl, { messages: user('Kept [[sim:tokens=1500]]') }, texts(1));
    await new Promise((res) => setTimeout(res, 150));
    const b = await resumeChat(r.chatUrl, a.replyId!, a.lastId);
    expect(b.events.at(-1)?.event).toBe('done');
    expect(textOf(a.events) + textOf(b.events)).toBe(textOf(reference.events));
    r.sim.sim.reset();

    // Abandoned: dropped and never resumed.
    const droppedAt = Date.now();
    const c = await postChat(r.chatUrl, { messages: user('Abandoned [[sim:tokens=5000]]') }, texts(1));
    await waitFor(() => streams(r)[0]?.end !== undefined, 10_000);
    const record = streams(r)[0]!;
    expect(record.end).toBe('client_abort');
    // It ran on while detached (tokens after the drop), and was aborted only after the detach time.
    expect(record.disconnectedAt! - droppedAt).toBeGreaterThanOrEqual(400);
    expect(record.outputTokens).toBeGreaterThan(50);
    expect(record.outputTokens).toBeLessThan(5000);
    const late = await resumeChat(r.chatUrl, c.replyId!, c.lastId);
    expect(late.status).toBe(404);
    expect(late.body?.error.message).toMatch(/no client was attached/);
    expect((await stopChat(r.chatUrl, c.replyId!)).status).toBe(404);
  });
});

describe('bounds', () => {
  it('past maxEvents the reply streams on to its own client, but a resume is 404 saying why, and a drop aborts at once', async () => {
    const r = await rig({ resume: { maxEvents: 30 } });
    const whole = await postChat(r.chatUrl, { messages: user('Capped [[sim:tokens=400]]') });
    expect(whole.events.at(-1)?.event).toBe('done');
    expect(whole.events.length).toBeGreaterThan(30);
    const res = await resumeChat(r.chatUrl, whole.replyId!, 0);
    expect(res.status).toBe(404);
    expect(res.body?.error.message).toMatch(/more than 30 events/);
    r.sim.sim.reset();
    const dropAt = Date.now();
    await postChat(r.chatUrl, { messages: user('Capped drop [[sim:tokens=4000]]') }, texts(40));
    await waitFor(() => streams(r)[0]?.end !== undefined, 5_000);
    expect(streams(r)[0]?.end).toBe('client_abort');
    expect(afterAbort(streams(r)[0]!, dropAt + 0).tokens).toBeLessThan(1000);
  });

  it('past maxBytes, the same', async () => {
    const r = await rig({ resume: { maxBytes: 3_000 } });
    const whole = await postChat(r.chatUrl, { messages: user('Bytes [[sim:tokens=400]]') });
    expect(whole.events.at(-1)?.event).toBe('done');
    const res = await resumeChat(r.chatUrl, whole.replyId!, 0);
    expect(res.status).toBe(404);
    expect(res.body?.error.message).toMatch(/more than 3000 bytes/);
  });

  it('the log expires ttlMs after the end', async () => {
    const r = await rig({ resume: { ttlMs: 300 } });
    const whole = await postChat(r.chatUrl, { messages: user('Short-lived [[sim:tokens=20]]') });
    const soon = await resumeChat(r.chatUrl, whole.replyId!, 0);
    expect(textOf(soon.events)).toBe(textOf(whole.events));
    await new Promise((res) => setTimeout(res, 450));
    expect((await resumeChat(r.chatUrl, whole.replyId!, 0)).status).toBe(404);
  });
});

describe('a store failing mid-reply', () => {
  it('the reply completes for its own client; afterwards a resume is a prompt 404 saying its log missed events', async () => {
    const inner = createMemoryStore();
    const log = inner.replies!;
    const state = { broken: false };
    const store: StateStore = {
      ...inner,
      replies: { ...log, pollMs: log.pollMs, append: (id, batch) => (state.broken ? Promise.reject(new Error('connection lost')) : log.append(id, batch)) },
    };
    const r = await rig({ store, storeTimeoutMs: 200 });
    const body = { messages: user('Through an outage [[sim:tokens=2000]]') };
    const reference = await postChat(r.chatUrl, body);
    const count = (all: WireEvent[]) => all.filter((x) => x.event === 'text').length;
    const run = await postChat(r.chatUrl, body, (_e, all) => {
      if (count(all) === 50) state.broken = true;
      if (count(all) === 100) state.broken = false;
      return false;
    });
    expect(run.events.at(-1)?.event).toBe('done');
    expect(textOf(run.events)).toBe(textOf(reference.events));
    const res = await resumeChat(r.chatUrl, run.replyId!, 10);
    expect(res.status).toBe(404);
    expect(res.body?.error.message).toMatch(/missed events/);
    expect(r.logs).toContainEqual(expect.objectContaining({ phase: 'store', recovered: false }));
  });
});

describe('a producer that died', () => {
  it('a resume replays what was logged, then ends with a retryable network error (no id) once the producer is silent for 10 s', async () => {
    // The store's clock runs 11 s behind the edge's: what "another process" wrote looks 11 s old.
    const store = createMemoryStore({ now: () => Date.now() - 11_000 });
    const r = await rig({ store });
    const log = store.replies!;
    const id = '9b0c6f1e-0000-4000-8000-00000000dead';
    await log.open(id, { lifetimeMs: 60_000 });
    const frames = [1, 2].map((seq) => ({ seq, frame: `event: text\nid: ${seq}\ndata: {"delta":"part ${seq} ","step":0,"index":0,"t":${seq}}\n\n` }));
    await log.append(id, { events: frames, ttlMs: 60_000 });
    const started = Date.now();
    const res = await resumeChat(r.chatUrl, id, 0);
    expect(res.status).toBe(200);
    expect(res.events.map((e) => [e.id, e.event])).toEqual([
      [1, 'text'],
      [2, 'text'],
      [undefined, 'error'],
    ]);
    expect(res.events[2]?.data).toMatchObject({ kind: 'network', retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('users, CORS and the off switch', () => {
  it('a reply bound to a user resumes and stops only for that user', async () => {
    const r = await rig({ authorize: (c) => ({ userId: c.req.header('x-user') ?? 'nobody' }), cors: ['https://app.example'] });
    const a = await postChat(r.chatUrl, { messages: user('Mine [[sim:tokens=600]]') }, texts(3), { 'x-user': 'ann' });
    const other = await resumeChat(r.chatUrl, a.replyId!, a.lastId, undefined, { 'x-user': 'bob' });
    expect(other.status).toBe(404);
    expect((await stopChat(r.chatUrl, a.replyId!, { 'x-user': 'bob' })).status).toBe(404);
    const mine = await resumeChat(r.chatUrl, a.replyId!, a.lastId, undefined, { 'x-user': 'ann' });
    expect(mine.events.at(-1)?.event).toBe('done');
    const preflight = await fetch(`${r.chatUrl}/${a.replyId}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
    });
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/GET/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/last-event-id/);
  });

  it('bad resume limits are refused at construction, naming the field', async () => {
    const { createChatHandler } = await import('../src/index.ts');
    expect(() => createChatHandler({ resume: { detachMs: 0 } })).toThrow(/resume\.detachMs/);
    expect(() => createChatHandler({ resume: { maxEvents: Number.NaN } })).toThrow(/resume\.maxEvents/);
  });

  it('without resume: no replyId, no ids, GET is 404 (abort on close: abort.test.ts)', async () => {
    const r = await startRig();
    rigs.push(r);
    const whole = await postChat(r.chatUrl, { messages: user('Plain [[sim:tokens=10]]') });
    expect(whole.replyId).toBeUndefined();
    expect(whole.events.every((e) => e.id === undefined)).toBe(true);
    const res = await fetch(`${r.chatUrl}/00000000-0000-4000-8000-000000000000`);
    expect(res.status).toBe(404);
  });
});

describe('100 concurrent resumable replies with random disconnects', () => {
  let redis: RunningRedis | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  afterAll(async () => {
    await client?.close().catch(() => {});
    await redis?.stop();
  });
  const stores: [string, () => Promise<Parameters<typeof startRig>[1]>][] = [
    ['memory', async () => ({ resume: true })],
    [
      'redis',
      async () => {
        redis = await startRedis();
        client = createClient({ url: redis.url, disableOfflineQueue: true });
        client.on('error', () => {});
        await client.connect();
        return { store: createRedisStore({ client }), storeTimeoutMs: 5_000 };
      },
    ],
  ];
  it.each(stores)('%s log: lose and duplicate no character, with one upstream request each', async (_name, options) => {
    const r = await startRig({}, await options());
    rigs.push(r);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const bodies = Array.from({ length: 100 }, (_, i) => ({ messages: user(`Reply ${i} [[sim:tokens=${100 + Math.floor(rand() * 200)}]]`) }));
    const plans = bodies.map(() => ({ drops: Math.floor(rand() * 3), at: 1 + Math.floor(rand() * 15), pauseMs: Math.floor(rand() * 150) }));
    const references = await Promise.all(bodies.map((b) => postChat(r.chatUrl, b)));
    r.sim.sim.reset();
    const results = await Promise.all(
      bodies.map(async (body, i) => {
        const plan = plans[i]!;
        const first = await postChat(r.chatUrl, body, plan.drops > 0 ? texts(plan.at) : undefined);
        let text = textOf(first.events);
        let last = first.lastId;
        let events = first.events;
        for (let d = 1; events.at(-1)?.event !== 'done' && d <= 5; d++) {
          await new Promise((res) => setTimeout(res, plan.pauseMs));
          const next = await resumeChat(r.chatUrl, first.replyId!, last, d < plan.drops ? texts(plan.at) : undefined);
          expect(next.status).toBe(200);
          if (next.events[0] !== undefined) expect(next.events[0].id).toBe(last + 1);
          text += textOf(next.events);
          last = next.lastId;
          events = next.events;
        }
        return text;
      }),
    );
    let lost = 0;
    let duplicated = 0;
    results.forEach((text, i) => {
      const want = textOf(references[i]!.events);
      if (text !== want) {
        lost += Math.max(0, want.length - text.length);
        duplicated += Math.max(0, text.length - want.length);
        if (text.length === want.length) lost += 1; // same length, different text: count it
      }
    });
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(results.filter((t, i) => t === textOf(references[i]!.events))).toHaveLength(100);
    expect(plans.filter((p) => p.drops > 0).length).toBeGreaterThan(40);
    expect(r.sim.sim.requests()).toHaveLength(100);
  });
});
