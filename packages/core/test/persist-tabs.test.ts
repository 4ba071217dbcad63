import { describe, expect, it } from 'vitest';
import { createFastChat, type FastChatMessage } from '../src/chat-store.ts';
import { createMemoryThreadStore, type ThreadChange } from '../src/persist/index.ts';
import { fakeResumeEdge, memoryStorage } from './fake-resume-edge.ts';
import { controlledBody, doneEvent, mockFetch, settle, startEvent, usageOf } from './store-helpers.ts';

/** A body that answers `words` and finishes. */
function answered(words: string) {
  const b = controlledBody();
  b.event('start', startEvent());
  b.event('text', { delta: words, step: 0, index: 0, t: 10 });
  b.event('usage', { ...usageOf(5), speed: 'fast', t: 20 });
  b.event('done', doneEvent(5));
  b.close();
  return b;
}

const texts = (ms: readonly FastChatMessage[]) => ms.map((m) => m.content);
let n = 0;
/** Two stores on one storage, as two tabs on one IndexedDB database: with a channel, or (`channel: false`) without. */
function twoTabs(channel = true) {
  const map = new Map<string, unknown>();
  const name = channel ? { channel: `test-tabs-${++n}` } : {};
  return { map, a: createMemoryThreadStore({ map, ...name }), b: createMemoryThreadStore({ map, ...name }) };
}

describe('revisions and compare-and-set saves', () => {
  it('each save bumps the revision; a save on a stale revision writes nothing and says what is stored; a rename keeps the revision', async () => {
    const store = createMemoryThreadStore();
    const save = (ifRev?: number | null) => store.save({ id: 't', conversationId: 'c', messages: [], ...(ifRev !== undefined ? { ifRev } : {}) });
    expect(await save(null)).toEqual({ ok: true, rev: 1 });
    expect(await save(null)).toEqual({ ok: false, rev: 1 });
    expect(await save(1)).toEqual({ ok: true, rev: 2 });
    expect(await save(1)).toEqual({ ok: false, rev: 2 });
    await store.rename('t', 'Named');
    expect((await store.load('t'))!.rev).toBe(2);
    expect(await save()).toEqual({ ok: true, rev: 3 });
    expect((await store.list()).threads[0]).toMatchObject({ id: 't', title: 'Named', rev: 3 });
    // Entries written before revisions read as revision 0, and a save on 0 goes through.
    store.backend.map.set('meta:old', { v: 1, id: 'old', title: null, preview: '', createdAt: 1, updatedAt: 1, messageCount: 0, costUsd: 0 });
    store.backend.map.set('thread:old', { v: 1, id: 'old', conversationId: 'c', createdAt: 1, updatedAt: 1, messages: [] });
    expect((await store.load('old'))!.rev).toBe(0);
    expect(await store.save({ id: 'old', conversationId: 'c', messages: [], ifRev: 0 })).toEqual({ ok: true, rev: 1 });
  });
});

describe('two tabs on one saved chat', () => {
  it('tab A idle on X, tab B sends two messages in X, then A sends: A shows B’s messages before it sends, and X keeps all of them', async () => {
    const { a: storeA, b: storeB } = twoTabs();
    await storeA.save({ id: 'x', conversationId: 'x', messages: [{ id: 'u0', role: 'user', content: 'Start' } as FastChatMessage] });
    const a = createFastChat({ fetch: mockFetch(answered('A1.')).fetch, notify: 'sync', persist: { store: storeA, threadId: 'x' } });
    const b = createFastChat({ fetch: mockFetch(answered('B1.'), answered('B2.')).fetch, notify: 'sync', persist: { store: storeB, threadId: 'x' } });
    await settle();
    b.send('from B, one');
    await settle();
    b.send('from B, two');
    await settle();
    // A was idle: it reloaded X on B's saves (told over the channel).
    expect(texts(a.getSnapshot().messages)).toEqual(['Start', 'from B, one', 'B1.', 'from B, two', 'B2.']);
    a.send('from A');
    await settle();
    const all = ['Start', 'from B, one', 'B1.', 'from B, two', 'B2.', 'from A', 'A1.'];
    expect(texts((await storeB.load('x'))!.messages)).toEqual(all);
    // And B, idle again, shows A's turn.
    expect(texts(b.getSnapshot().messages)).toEqual(all);
    expect((await storeA.list()).threads.map((t) => t.id)).toEqual(['x']);
    a.destroy();
    b.destroy();
  });

  it('without a channel (or before its message arrives) A’s save finds X changed: A goes on in a copy, X keeps B’s messages, onFork says where', async () => {
    const { a: storeA, b: storeB } = twoTabs(false);
    await storeA.save({ id: 'x', conversationId: 'x', messages: [{ id: 'u0', role: 'user', content: 'Start' } as FastChatMessage] });
    const forks: { from: string; to: string }[] = [];
    const a = createFastChat({ fetch: mockFetch(answered('A1.')).fetch, notify: 'sync', persist: { store: storeA, threadId: 'x', onFork: (f) => forks.push(f) } });
    const b = createFastChat({ fetch: mockFetch(answered('B1.')).fetch, notify: 'sync', persist: { store: storeB, threadId: 'x' } });
    await settle();
    b.send('from B');
    await settle();
    expect(texts(a.getSnapshot().messages)).toEqual(['Start']); // nobody told A
    a.send('from A');
    await settle();
    expect(texts((await storeA.load('x'))!.messages)).toEqual(['Start', 'from B', 'B1.']);
    expect(forks).toHaveLength(1);
    expect(forks[0]!.from).toBe('x');
    const copy = (await storeA.load(forks[0]!.to))!;
    expect(texts(copy.messages)).toEqual(['Start', 'from A', 'A1.']);
    expect(copy.title).toBe('Start (copy)');
    // A goes on in its copy: its next turn is saved there, X is left alone.
    a.setMessages((m) => [...m, { id: 'u9', role: 'user', content: 'more' }]);
    await settle();
    expect(texts((await storeA.load(forks[0]!.to))!.messages)).toHaveLength(4);
    expect(texts((await storeA.load('x'))!.messages)).toHaveLength(3);
    a.destroy();
    b.destroy();
  });

  it('B sends in X while A’s reply streams into it: A’s reply finishes whole in X, B’s turn goes on in a copy (told by onFork), nothing lost', async () => {
    const { a: storeA, b: storeB } = twoTabs();
    const live = controlledBody();
    const forksA: { from: string; to: string }[] = [];
    const forksB: { from: string; to: string }[] = [];
    const a = createFastChat({ fetch: mockFetch(live).fetch, notify: 'sync', persist: { store: storeA, threadId: 'x', throttleMs: 10, onFork: (f) => forksA.push(f) } });
    const b = createFastChat({ fetch: mockFetch(answered('B1.')).fetch, notify: 'sync', persist: { store: storeB, threadId: 'x', onFork: (f) => forksB.push(f) } });
    await settle();
    a.send('Q from A');
    live.event('start', startEvent());
    live.event('text', { delta: 'Half', step: 0, index: 0, t: 10 });
    await settle(15);
    // B is idle: it shows A's reply as A saves it, marked streaming (A said more is coming).
    expect(b.getSnapshot().messages.map((m) => [m.content, m.status])).toEqual([
      ['Q from A', 'done'],
      ['Half', 'streaming'],
    ]);
    b.send('from B');
    await settle();
    live.event('text', { delta: ' and whole.', step: 0, index: 0, t: 12 });
    live.event('done', doneEvent(3));
    live.close();
    await settle(15);
    expect(forksA).toEqual([]);
    expect(forksB).toHaveLength(1);
    expect((await storeA.load('x'))!.messages.map((m) => [m.content, m.status])).toEqual([
      ['Q from A', 'done'],
      ['Half and whole.', 'done'],
    ]);
    // B's copy: A's reply as far as B had it (stopped there: it went on in X), then B's turn.
    const copy = (await storeB.load(forksB[0]!.to))!;
    expect(copy.messages.map((m) => [m.content, m.status])).toEqual([
      ['Q from A', 'done'],
      ['Half', 'aborted'],
      ['from B', 'done'],
      ['B1.', 'done'],
    ]);
    expect(b.getSnapshot().messages.map((m) => m.status)).toEqual(['done', 'aborted', 'done', 'done']);
    expect((await storeA.list()).threads.map((t) => t.title ?? '').sort()).toEqual(['', 'Q from A (copy)']);
    a.destroy();
    b.destroy();
  });

  it('the thread list hears of saves, renames and removes made in the other tab; an idle chat on a thread removed there empties', async () => {
    const { a: storeA, b: storeB } = twoTabs();
    const heard: ThreadChange[] = [];
    storeB.subscribe((c) => heard.push(c));
    const b = createFastChat({ notify: 'sync', persist: { store: storeB, threadId: 'x' } });
    await storeA.save({ id: 'x', conversationId: 'x', messages: [{ id: 'u0', role: 'user', content: 'Hi' } as FastChatMessage] });
    await storeA.rename('x', 'Greeting');
    await settle();
    expect(texts(b.getSnapshot().messages)).toEqual(['Hi']);
    expect((await storeB.list()).threads.map((t) => t.title)).toEqual(['Greeting']);
    await storeA.remove('x');
    await settle();
    expect(heard.map((c) => [c.kind, c.id, c.rev, c.remote])).toEqual([
      ['save', 'x', 1, true],
      ['rename', 'x', 1, true],
      ['remove', 'x', null, true],
    ]);
    expect(b.getSnapshot().messages).toEqual([]);
    expect((await storeB.list()).threads).toEqual([]);
    b.destroy();
    // Nothing brought it back.
    expect(await storeA.load('x')).toBeNull();
  });
});

describe('a chat destroyed while its reply streams (switching chats)', () => {
  it('goes on reading the reply into its thread until it ends: no abort, no stop, the whole reply saved as done', async () => {
    const store = createMemoryThreadStore();
    const live = controlledBody();
    const { fetch, calls } = mockFetch(live);
    const chat = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 't', throttleMs: 10 } });
    await settle();
    chat.send('Q');
    live.event('start', startEvent());
    live.event('text', { delta: 'Begun', step: 0, index: 0, t: 10 });
    await settle();
    chat.destroy(); // the user opened another chat
    live.event('text', { delta: ' and finished.', step: 0, index: 0, t: 12 });
    live.event('done', doneEvent(4));
    live.close();
    await settle(15);
    expect(live.cancelled).toBe(false);
    expect((calls[0]!.init.signal as AbortSignal).aborted).toBe(false);
    expect(calls.map((c) => c.init.method)).toEqual(['POST']);
    const saved = (await store.load('t'))!.messages[1]!;
    expect([saved.content, saved.status]).toEqual(['Begun and finished.', 'done']);
  });

  it('with background: false it detaches at once, as before', async () => {
    const store = createMemoryThreadStore();
    const live = controlledBody();
    const { fetch, calls } = mockFetch(live);
    const chat = createFastChat({ fetch, notify: 'sync', persist: { store, threadId: 't', background: false } });
    await settle();
    chat.send('Q');
    live.event('start', startEvent());
    live.event('text', { delta: 'Begun', step: 0, index: 0, t: 10 });
    await settle();
    chat.destroy();
    expect((calls[0]!.init.signal as AbortSignal).aborted).toBe(true);
    expect((await store.load('t'))!.messages[1]).toMatchObject({ content: 'Begun', status: 'aborted' });
  });

  it('opening the thread again takes the reply over: one resume from the edge, shown live, finished and saved once, nothing stopped', async () => {
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const store = createMemoryThreadStore();
    const opts = { fetch: edge.fetch, notify: 'sync' as const, resume: { baseDelayMs: 1, maxDelayMs: 4, storage }, persist: { store, threadId: 't', throttleMs: 10 } };
    const first = createFastChat(opts);
    await settle();
    first.send('Q');
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'One ', step: 0, index: 0, t: 10 });
    await settle();
    first.destroy(); // switched to another chat: the reply goes on
    edge.emit('text', { delta: 'two ', step: 0, index: 0, t: 11 });
    await settle(15);
    expect((await store.load('t'))!.messages[1]!.content).toBe('One two ');

    const again = createFastChat(opts); // switched back
    again.resume(); // as useFastChat does on mount
    await settle();
    expect(again.getSnapshot().status).toBe('streaming');
    expect(again.getSnapshot().messages[1]).toMatchObject({ content: 'One two ', status: 'streaming' });
    edge.emit('text', { delta: 'three.', step: 0, index: 0, t: 12 });
    edge.emit('done', doneEvent(3));
    await settle(15);
    expect(again.getSnapshot().messages.map((m) => [m.content, m.status])).toEqual([
      ['Q', 'done'],
      ['One two three.', 'done'],
    ]);
    expect(edge.gets()).toHaveLength(1);
    expect(edge.stopped).toBe(false);
    expect(edge.calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/chat']);
    const saved = (await store.load('t'))!;
    expect(saved.messages.map((m) => [m.content, m.status])).toEqual([
      ['Q', 'done'],
      ['One two three.', 'done'],
    ]);
    expect((await store.list()).threads).toHaveLength(1); // no copy: one writer at a time
    again.destroy();
  });

  it('deleting its thread meanwhile (here or in another tab) stops the reply at the edge, and nothing brings the thread back', async () => {
    const edge = fakeResumeEdge();
    const { a: storeA, b: storeB } = twoTabs();
    const chat = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { storage: memoryStorage() }, persist: { store: storeA, threadId: 't', throttleMs: 10 } });
    await settle();
    chat.send('Q');
    await settle();
    edge.emit('start', startEvent());
    edge.emit('text', { delta: 'Some', step: 0, index: 0, t: 10 });
    await settle(15);
    chat.destroy();
    await storeB.remove('t'); // the other tab deletes it
    await settle(15);
    expect(edge.stopped).toBe(true);
    expect(edge.calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/chat', `/api/chat/${edge.replyId}/stop`]);
    expect(await storeA.load('t')).toBeNull();
    expect((await storeB.list()).threads).toEqual([]);
  });

  it('a reply on screen whose thread another tab deletes goes on on screen, unsaved; the chat’s next turn starts the thread again', async () => {
    const { a: storeA, b: storeB } = twoTabs();
    const live = controlledBody();
    const chat = createFastChat({ fetch: mockFetch(live, answered('Again.')).fetch, notify: 'sync', persist: { store: storeA, threadId: 't', throttleMs: 10 } });
    await settle();
    chat.send('Q');
    live.event('start', startEvent());
    live.event('text', { delta: 'Some', step: 0, index: 0, t: 10 });
    await settle(15);
    await storeB.remove('t');
    await settle(); // told
    live.event('text', { delta: ' more.', step: 0, index: 0, t: 12 });
    live.event('done', doneEvent(2));
    live.close();
    await settle(15);
    expect(chat.getSnapshot().messages.map((m) => m.content)).toEqual(['Q', 'Some more.']);
    expect(await storeB.load('t')).toBeNull();
    chat.send('Next');
    await settle();
    expect(texts((await storeB.load('t'))!.messages)).toEqual(['Q', 'Some more.', 'Next', 'Again.']);
    chat.destroy();
  });
});
