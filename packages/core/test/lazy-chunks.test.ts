// The stream store loads its rare-path code on demand: reconnect.ts (reconnecting a resumable reply) and
// problems.ts (the typed error of an unusable answer, malformed-event descriptions). Each test takes a
// fresh copy of the modules (vi.resetModules) with the chunk's module watched or made unloadable
// (vi.doMock), as on a page where the chunk has not been fetched yet.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FastStreamOptions } from '../src/store.ts';
import { fakeResumeEdge, memoryStorage } from './fake-resume-edge.ts';
import { controlledBody, doneEvent, fakeClock, mockFetch, settle, startEvent, usageOf } from './store-helpers.ts';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
const quick = { baseDelayMs: 1, maxDelayMs: 4 };
const RECONNECT = '../src/reconnect.ts';
const PROBLEMS = '../src/problems.ts';

/**
 * Fresh store modules; `path`'s module is loaded through a spy, and fails to load (a chunk the network
 * cannot deliver) while `offline()` says so.
 */
async function freshStore(watch: Record<string, { offline?: () => boolean }> = {}) {
  vi.resetModules();
  const loads: Record<string, number> = {};
  for (const [path, { offline }] of Object.entries(watch)) {
    loads[path] = 0;
    vi.doMock(path, async (importOriginal: () => Promise<unknown>) => {
      loads[path]!++;
      if (offline?.() === true) throw new TypeError('Failed to fetch dynamically imported module');
      return importOriginal();
    });
  }
  const { createFastStream } = await import('../src/store.ts');
  return { createFastStream, loads };
}

function resumable(createFastStream: (o: FastStreamOptions) => ReturnType<typeof import('../src/store.ts').createFastStream>, edge: ReturnType<typeof fakeResumeEdge>) {
  return createFastStream({ fetch: edge.fetch, clock: fakeClock(1000), notify: 'sync', calibration: false, resume: { ...quick, storage: memoryStorage() } });
}

afterEach(() => {
  vi.doUnmock(RECONNECT);
  vi.doUnmock(PROBLEMS);
  vi.resetModules();
});

describe('the stream store loads its rare-path code on demand', () => {
  it('a plain text reply loads neither the reconnection code nor the error descriptions', async () => {
    const { createFastStream, loads } = await freshStore({ [RECONNECT]: {}, [PROBLEMS]: {} });
    const edge = fakeResumeEdge({ resumable: false });
    const stream = resumable(createFastStream, edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'Hi there', step: 0, index: 0, t: 10 });
    edge.emit('usage', { ...usageOf(2), speed: 'fast', t: 11 });
    edge.emit('done', doneEvent(2));
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'done', text: 'Hi there' });
    expect(loads).toEqual({ [RECONNECT]: 0, [PROBLEMS]: 0 });
  });

  it('a resumable reply fetches the reconnection code when it starts, and only then', async () => {
    const { createFastStream, loads } = await freshStore({ [RECONNECT]: {} });
    const edge = fakeResumeEdge();
    const stream = resumable(createFastStream, edge);
    stream.start(hello);
    await settle();
    expect(loads[RECONNECT]).toBe(0);
    edge.emit('start', startEvent());
    await vi.waitFor(() => expect(loads[RECONNECT]).toBe(1));
    edge.emit('text', { delta: 'ok', step: 0, index: 0, t: 10 });
    edge.emit('done', doneEvent(1));
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'done', text: 'ok' });
    expect(loads[RECONNECT]).toBe(1);
  });

  it('a drop right after the reply starts still resumes when the network (and so the chunk) went away with it', async () => {
    let offline = false;
    const { createFastStream, loads } = await freshStore({ [RECONNECT]: { offline: () => offline } });
    const edge = fakeResumeEdge();
    const stream = resumable(createFastStream, edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'one ', step: 0, index: 0, t: 10 });
    // `start` asked for the chunk; the network goes away at once, before anything else happens.
    await vi.waitFor(() => expect(loads[RECONNECT]).toBe(1));
    offline = true;
    edge.drop();
    edge.emit('text', { delta: 'two', step: 0, index: 0, t: 20 });
    edge.emit('done', doneEvent(2));
    await vi.waitFor(() => expect(stream.getSnapshot().status).toBe('done'));
    expect(stream.getSnapshot()).toMatchObject({ text: 'one two', error: null });
    expect(edge.gets()).toHaveLength(1);
    expect(loads[RECONNECT]).toBe(1);
  });

  it('a reconnection chunk that cannot be fetched fails the reply as without resume, and is tried again for the next one', async () => {
    let offline = true;
    const { createFastStream, loads } = await freshStore({ [RECONNECT]: { offline: () => offline } });
    const edge = fakeResumeEdge();
    const stream = resumable(createFastStream, edge);
    stream.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'kept', step: 0, index: 0, t: 10 });
    await settle();
    edge.drop();
    await vi.waitFor(() => expect(stream.getSnapshot().status).toBe('error'));
    expect(stream.getSnapshot()).toMatchObject({ text: 'kept', error: { kind: 'network', retryable: true, message: expect.stringMatching(/^Connection lost/) } });
    expect(edge.gets()).toHaveLength(0);
    expect(loads[RECONNECT]).toBe(2); // the prefetch at start, and again at the drop

    offline = false;
    const next = fakeResumeEdge();
    const again = resumable(createFastStream, next);
    again.start(hello);
    await settle();
    next.emit('start', startEvent());
    await vi.waitFor(() => expect(loads[RECONNECT]).toBe(3));
    next.drop();
    next.emit('done', doneEvent(0));
    await vi.waitFor(() => expect(again.getSnapshot().status).toBe('done'));
  });

  it('a resume after a reload loads the reconnection code and replays the reply', async () => {
    const { createFastStream, loads } = await freshStore({ [RECONNECT]: {} });
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const options = { fetch: edge.fetch, clock: fakeClock(1000), notify: 'sync' as const, calibration: false as const, resume: { ...quick, auto: false, storage } };
    const a = createFastStream(options);
    a.start(hello);
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'before ', step: 0, index: 0, t: 10 });
    await settle();
    a.destroy();
    expect(loads[RECONNECT]).toBe(0); // auto off: nothing to prefetch for
    edge.emit('text', { delta: 'after', step: 0, index: 0, t: 20 });
    edge.emit('done', doneEvent(2));
    const b = createFastStream(options);
    expect(b.resume()).toBe(true);
    await vi.waitFor(() => expect(b.getSnapshot().status).toBe('done'));
    expect(b.getSnapshot().text).toBe('before after');
    expect(loads[RECONNECT]).toBe(1);
  });

  it('an error answer before the error code has loaded waits for it and is the same typed error', async () => {
    const { createFastStream, loads } = await freshStore({ [PROBLEMS]: {} });
    const answer = Response.json(
      { error: { kind: 'rate_limited', message: 'Fast limit reached', retryable: true } },
      { status: 429, headers: { 'retry-after': '7' } },
    );
    const { fetch } = mockFetch(answer);
    const stream = createFastStream({ fetch, clock: fakeClock(1000), notify: 'sync' });
    stream.start(hello);
    await vi.waitFor(() => expect(stream.getSnapshot().status).toBe('error'));
    expect(stream.getSnapshot().error).toEqual({ kind: 'rate_limited', message: 'Fast limit reached', status: 429, retryable: true, retryAfterMs: 7000 });
    expect(loads[PROBLEMS]).toBe(1);
  });

  it('when the error code cannot be loaded: a retryable typed error naming the status; a malformed event still names itself', async () => {
    const { createFastStream } = await freshStore({ [PROBLEMS]: { offline: () => true } });
    const { fetch } = mockFetch(new Response('<html>', { status: 502 }));
    const stream = createFastStream({ fetch, clock: fakeClock(1000), notify: 'sync' });
    stream.start(hello);
    await vi.waitFor(() => expect(stream.getSnapshot().status).toBe('error'));
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'network', status: 502, retryable: true, message: expect.stringMatching(/^HTTP 502/) });

    const body = controlledBody();
    const other = createFastStream({ fetch: mockFetch(body).fetch, clock: fakeClock(1000), notify: 'sync' });
    other.start(hello);
    await settle();
    body.event('text', { delta: 'ok', step: 0, index: 0, t: 1 });
    body.send('event: text\ndata: {"index":0,"t":2}\n\n');
    await vi.waitFor(() => expect(other.getSnapshot().status).toBe('error'));
    expect(other.getSnapshot()).toMatchObject({ text: 'ok', error: { kind: 'protocol', retryable: false, message: 'Malformed text event' } });
  });

  it('a malformed event is described once the code has loaded (the same words as before it was lazy)', async () => {
    const { createFastStream, loads } = await freshStore({ [PROBLEMS]: {} });
    const body = controlledBody();
    const stream = createFastStream({ fetch: mockFetch(body).fetch, clock: fakeClock(1000), notify: 'sync' });
    stream.start(hello);
    await settle();
    body.send('event: done\ndata: {"usage":{"outputTokens":1},"model":"m","pendingToolCalls":[{"toolCallId":"a","awaiting":"later"}]}\n\n');
    await vi.waitFor(() => expect(stream.getSnapshot().status).toBe('error'));
    expect(stream.getSnapshot().error?.message).toBe(
      'Malformed done event: "pendingToolCalls" must list { toolCallId, name, awaiting: "client" | "approval" }',
    );
    expect(loads[PROBLEMS]).toBe(1);
  });
});
