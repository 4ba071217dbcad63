import { describe, expect, it } from 'vitest';
import { createFastChat, toHistory, type FastChatMessage } from '../src/chat-store.ts';
import { createMemoryThreadStore, createThreadStore, ThreadRecordError, THREAD_RECORD_VERSION } from '../src/persist/index.ts';
import { controlledBody, doneEvent, mockFetch, settle, startEvent, usageOf } from './store-helpers.ts';

const cost = (totalUsd: number) => ({ inputUsd: 0, outputUsd: totalUsd, cacheReadUsd: 0, cacheWriteUsd: 0, totalUsd });

/** A body that answers `words` and finishes, with a cost. */
function answered(words: string, usd = 0.01) {
  const b = controlledBody();
  b.event('start', startEvent());
  b.event('text', { delta: words, step: 0, index: 0, t: 10 });
  b.event('usage', { ...usageOf(5), speed: 'fast', t: 20 });
  b.event('done', doneEvent(5, { cost: cost(usd) }));
  b.close();
  return b;
}

function failedEmpty() {
  const b = controlledBody();
  b.event('start', startEvent());
  b.event('error', { kind: 'overloaded', message: 'Overloaded', retryable: true });
  b.close();
  return b;
}

const texts = (ms: readonly FastChatMessage[]) => ms.map((m) => m.content);

describe('reply versions', () => {
  it('regenerate keeps earlier replies as versions, browsable, and only the shown one goes back as history', async () => {
    const { fetch, calls } = mockFetch(answered('One.'), answered('Two.'), failedEmpty(), answered('Three.'), answered('Next.'));
    const chat = createFastChat({ fetch, notify: 'sync' });
    chat.send('Q');
    await settle();
    chat.regenerate();
    await settle();
    let reply = chat.getSnapshot().messages[1]!;
    expect(reply.content).toBe('Two.');
    expect(texts(reply.versions!)).toEqual(['One.']);
    expect(reply.versionIndex).toBe(1);
    // A request that failed before any text leaves no version behind.
    chat.regenerate();
    await settle();
    expect(chat.getSnapshot().messages[1]!.status).toBe('error');
    chat.regenerate();
    await settle();
    reply = chat.getSnapshot().messages[1]!;
    expect(reply.content).toBe('Three.');
    expect(texts(reply.versions!)).toEqual(['One.', 'Two.']);
    expect(reply.versionIndex).toBe(2);
    expect(reply.versions!.every((v) => v.versions === undefined)).toBe(true);

    chat.selectVersion(reply.id, 0);
    reply = chat.getSnapshot().messages[1]!;
    expect([reply.content, reply.versionIndex, texts(reply.versions!)]).toEqual(['One.', 0, ['Two.', 'Three.']]);
    expect(toHistory(chat.getSnapshot().messages)).toEqual([{ role: 'user', content: 'Q' }]);
    chat.selectVersion(reply.id, 1);
    reply = chat.getSnapshot().messages[1]!;
    expect([reply.content, reply.versionIndex, texts(reply.versions!)]).toEqual(['Two.', 1, ['One.', 'Three.']]);
    // Out of range, the shown one, or an unknown id: nothing changes.
    const before = chat.getSnapshot();
    chat.selectVersion(reply.id, 3);
    chat.selectVersion(reply.id, 1);
    chat.selectVersion('nope', 0);
    expect(chat.getSnapshot()).toBe(before);

    chat.send('More');
    await settle();
    expect(calls[4]!.init.body && JSON.parse(String(calls[4]!.init.body)).messages).toEqual([
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'Two.' },
      { role: 'user', content: 'More' },
    ]);
  });

  it('a reply cannot switch versions while it streams', async () => {
    const live = controlledBody();
    const { fetch } = mockFetch(answered('One.'), live);
    const chat = createFastChat({ fetch, notify: 'sync' });
    chat.send('Q');
    await settle();
    chat.regenerate();
    live.event('start', startEvent());
    live.event('text', { delta: 'Tw', step: 0, index: 0, t: 10 });
    await settle();
    const reply = chat.getSnapshot().messages[1]!;
    expect([reply.content, reply.status, reply.versionIndex]).toEqual(['Tw', 'streaming', 1]);
    chat.selectVersion(reply.id, 0);
    expect(chat.getSnapshot().messages[1]!.content).toBe('Tw');
    chat.stop();
    chat.selectVersion(reply.id, 0);
    expect(chat.getSnapshot().messages[1]!.content).toBe('One.');
  });
});

describe('thread store (memory)', () => {
  it('saves and loads messages with parts, metrics, cost and versions; lists newest first; renames; removes', async () => {
    let t = 1000;
    const store = createMemoryThreadStore({ now: () => t++ });
    const { fetch } = mockFetch(answered('One.', 0.02), answered('Two.', 0.03), answered('Hello.', 0.01));
    const a = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 'a' } });
    expect(a.conversationId).toBe('a');
    await settle();
    a.send('First question');
    await settle();
    a.regenerate();
    await settle();
    const b = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 'b' } });
    await settle();
    b.send('Second thread');
    await settle();

    const listing = await store.list();
    expect(listing.skipped).toEqual([]);
    expect(listing.threads.map((x) => x.id)).toEqual(['b', 'a']);
    const summaryA = listing.threads[1]!;
    expect(summaryA).toMatchObject({ title: null, preview: 'First question', messageCount: 2 });
    // Every reply's cost, the earlier version included.
    expect(summaryA.costUsd).toBeCloseTo(0.05, 10);

    const record = (await store.load('a'))!;
    const reply = record.messages[1]!;
    expect(reply.content).toBe('Two.');
    expect(reply.parts).toEqual([{ type: 'text', text: 'Two.', step: 0, index: 0 }]);
    expect(reply.cost?.totalUsd).toBe(0.03);
    expect(reply.usage?.outputTokens).toBe(5);
    expect(reply.metrics?.ttftMs).not.toBeUndefined();
    expect(texts(reply.versions!)).toEqual(['One.']);
    expect(record.conversationId).toBe('a');

    await store.rename('a', 'Renamed');
    // A later save by the chat keeps the name: chats never send one.
    a.send('again');
    await settle();
    a.destroy();
    expect((await store.load('a'))!.title).toBe('Renamed');
    expect((await store.load('a'))!.messages).toHaveLength(4);

    let heard = 0;
    const off = store.subscribe(() => heard++);
    await store.remove('b');
    off();
    expect(heard).toBe(1);
    expect((await store.list()).threads.map((x) => x.id)).toEqual(['a']);
    expect(await store.load('b')).toBeNull();
    b.destroy();
  });

  it('a chat bound to a saved thread loads it on creation; an empty chat writes nothing', async () => {
    const store = createMemoryThreadStore();
    const { fetch } = mockFetch(answered('One.'));
    const first = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 't' } });
    await settle();
    first.destroy();
    expect(store.backend.map.size).toBe(0);
    const second = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 't' } });
    await settle();
    second.send('Q');
    await settle();
    second.destroy();
    const third = createFastChat({ notify: 'sync', persist: { store, threadId: 't' } });
    expect(third.getSnapshot().messages).toEqual([]);
    await settle();
    expect(texts(third.getSnapshot().messages)).toEqual(['Q', 'One.']);
    third.destroy();
  });

  it('while a reply streams it is saved within the throttle; destroy saves the text that arrived; it comes back aborted', async () => {
    const store = createMemoryThreadStore();
    const live = controlledBody();
    const { fetch } = mockFetch(live);
    // Detached at once on destroy (no background run: see persist-tabs.test.ts for that), as a page going away is.
    const chat = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 't', throttleMs: 30, background: false } });
    await settle();
    chat.send('Q');
    live.event('start', startEvent());
    live.event('text', { delta: 'Hello', step: 0, index: 0, t: 10 });
    await settle(40);
    const saved = (await store.load('t'))!;
    expect(saved.messages[1]!.content).toBe('Hello');
    // Streaming when saved: restored as a stopped reply that kept its text.
    expect(saved.messages[1]!.status).toBe('aborted');
    live.event('text', { delta: ', world', step: 0, index: 0, t: 12 });
    await settle();
    chat.destroy();
    expect((await store.load('t'))!.messages[1]!.content).toBe('Hello, world');
  });

  it('unreadable and other-version entries are skipped by list and rejected by load with a typed error, never a crash', async () => {
    const store = createMemoryThreadStore();
    const { map } = store.backend;
    map.set('meta:good', { v: THREAD_RECORD_VERSION, id: 'good', title: null, preview: 'hi', createdAt: 1, updatedAt: 2, messageCount: 0, costUsd: 0 });
    map.set('thread:good', { v: THREAD_RECORD_VERSION, id: 'good', conversationId: 'c', createdAt: 1, updatedAt: 2, messages: [{ id: 'm', role: 'user', content: 'hi' }] });
    map.set('meta:old', { v: 0, id: 'old', createdAt: 1, updatedAt: 1 });
    map.set('thread:old', { v: 0, id: 'old', messages: [] });
    map.set('meta:junk', 'not an object');
    map.set('thread:junk', { v: THREAD_RECORD_VERSION, id: 'junk', conversationId: 'c', createdAt: 1, updatedAt: 1, messages: [{ role: 'robot' }] });
    map.set('unrelated', 42);

    const { threads, skipped } = await store.list();
    expect(threads.map((x) => x.id)).toEqual(['good']);
    expect(skipped.map((e) => [e.name, e.kind, e.threadId]).sort()).toEqual([
      ['ThreadRecordError', 'corrupt', 'junk'],
      ['ThreadRecordError', 'version', 'old'],
    ]);
    const good = (await store.load('good'))!;
    expect(good.messages[0]).toMatchObject({ role: 'user', content: 'hi', parts: [{ type: 'text', text: 'hi' }], status: 'done', cost: null });
    await expect(store.load('old')).rejects.toMatchObject({ kind: 'version', threadId: 'old' });
    await expect(store.load('junk')).rejects.toBeInstanceOf(ThreadRecordError);

    // A chat on an unreadable thread reports it, starts empty, and leaves the entry alone until it has its own messages.
    const errors: unknown[] = [];
    const chat = createFastChat({ notify: 'sync', persist: { store, threadId: 'junk', onError: (e) => errors.push(e) } });
    await settle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ThreadRecordError);
    expect(chat.getSnapshot().messages).toEqual([]);
    chat.destroy();
    expect(map.get('thread:junk')).toMatchObject({ messages: [{ role: 'robot' }] });
  });

  it('a save of a thread the store has read is written synchronously (what lets a save on pagehide land)', async () => {
    const map = new Map<string, unknown>();
    const writes: string[][] = [];
    const store = createThreadStore({
      get: async (k) => map.get(k),
      set: async (k, v) => void map.set(k, v),
      del: async (k) => void map.delete(k),
      keys: async () => [...map.keys()],
      setMany: (entries) => {
        writes.push(entries.map(([k]) => k));
        for (const [k, v] of entries) map.set(k, v);
        return Promise.resolve();
      },
    });
    expect(await store.load('t')).toBeNull();
    void store.save({ id: 't', conversationId: 'c', messages: [] });
    // No await between the call and the write: the entries are in one write already.
    expect(writes).toEqual([['thread:t', 'meta:t']]);
  });
});
