import { afterEach, describe, expect, it } from 'vitest';
import { createFastChat, type FastChatMessage } from '../src/chat-store.ts';
import { notifyManager } from '../src/notify.ts';
import { createMemoryThreadStore } from '../src/persist/thread-store.ts';
import { RESUME_STORAGE_PREFIX } from '../src/resume.ts';
import { fakeResumeEdge, memoryStorage } from './fake-resume-edge.ts';
import { doneEvent, settle, startEvent, usageOf } from './store-helpers.ts';

afterEach(() => notifyManager.setNotifyFunction((cb) => cb()));

const quick = { baseDelayMs: 1, maxDelayMs: 4 };

function words(edge: ReturnType<typeof fakeResumeEdge>, list: string[], t0 = 10): void {
  list.forEach((w, i) => edge.emit('text', { delta: w, step: 0, index: 0, t: t0 + i }));
}

describe('createFastChat: resumable replies', () => {
  it('a lost connection shows reconnecting on the reply, which then finishes with all its text', async () => {
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const chat = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage } });
    const away: (FastChatMessage['reconnecting'] | undefined)[] = [];
    chat.subscribe(() => away.push(chat.getSnapshot().messages[1]?.reconnecting));
    chat.send('Hi');
    await settle();
    edge.emit('start', startEvent());
    words(edge, ['Hel', 'lo']);
    await settle();
    expect(storage.map.has(`${RESUME_STORAGE_PREFIX}chat:/api/chat`)).toBe(true);
    edge.drop();
    words(edge, [' there'], 20);
    edge.emit('usage', { ...usageOf(3), speed: 'fast', t: 30 });
    edge.emit('done', doneEvent(3));
    await settle(2);
    const reply = chat.getSnapshot().messages[1]!;
    expect(reply).toMatchObject({ role: 'assistant', status: 'done', content: 'Hello there', reconnecting: null });
    expect(away.some((r) => r != null && r.attempt === 1)).toBe(true);
    expect(edge.gets()).toHaveLength(1);
    expect(storage.map.size).toBe(0);
  });

  it('after a reload, resume() brings back the conversation and replays the reply under its user message', async () => {
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const a = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage } });
    a.setMessages([
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
    ]);
    a.send('Tell me a story');
    await settle();
    edge.emit('start', startEvent());
    words(edge, ['Once ', 'upon ']);
    await settle();
    const before = a.getSnapshot().messages;
    a.destroy(); // the page goes away; the reply goes on at the edge
    words(edge, ['a ', 'time.'], 20);
    edge.emit('done', doneEvent(4));

    const b = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage } });
    expect(b.conversationId).toBe(a.conversationId);
    expect(b.getSnapshot().messages).toHaveLength(0);
    expect(b.resume()).toBe(true);
    expect(b.resume()).toBe(false);
    const now = b.getSnapshot().messages;
    expect(now.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Earlier question'],
      ['assistant', 'Earlier answer'],
      ['user', 'Tell me a story'],
      ['assistant', ''],
    ]);
    expect(now[3]?.id).toBe(before[3]?.id);
    await settle(2);
    const after = b.getSnapshot();
    expect(after.status).toBe('done');
    expect(after.messages[3]).toMatchObject({ status: 'done', content: 'Once upon a time.' });
    expect(edge.gets()[0]?.headers['last-event-id']).toBe('0');
    expect(storage.map.size).toBe(0);
    // The conversation goes on from there: the resumed reply is history.
    b.send('More');
    await settle();
    const posts = edge.calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(JSON.parse(posts[1]?.body ?? '{}')).toMatchObject({
      conversationId: a.conversationId,
      messages: [
        { role: 'user', content: 'Earlier question' },
        { role: 'assistant', content: 'Earlier answer' },
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: 'Once upon a time.' },
        { role: 'user', content: 'More' },
      ],
    });
  });

  it('resume() streams into the reply message already in the list (a thread restored from elsewhere), from its first event', async () => {
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const a = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage } });
    a.send('Q');
    await settle();
    edge.emit('start', startEvent());
    words(edge, ['par', 'tial']);
    await settle();
    const restored = a.getSnapshot().messages.map((m) => ({ ...m }));
    a.destroy();
    words(edge, [' and the rest'], 20);
    edge.emit('done', doneEvent(3));

    const b = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage }, initialMessages: restored });
    expect(b.resume()).toBe(true);
    await settle(2);
    const list = b.getSnapshot().messages;
    expect(list.map((m) => m.id)).toEqual(restored.map((m) => m.id));
    expect(list[1]).toMatchObject({ status: 'done', content: 'partial and the rest' });
  });

  it('stop() on a resumable reply stops it at the edge and forgets the record; resume: false keeps nothing', async () => {
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const chat = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage } });
    chat.send('Hi');
    await settle();
    edge.emit('start', startEvent());
    await settle();
    chat.stop();
    await settle();
    expect(edge.stopped).toBe(true);
    expect(storage.map.size).toBe(0);
    expect(chat.resume()).toBe(false);

    const off = fakeResumeEdge();
    const plain = createFastChat({ fetch: off.fetch, notify: 'sync', resume: false });
    plain.send('Hi');
    await settle();
    off.emit('start', startEvent());
    await settle();
    off.drop();
    await settle(2);
    expect(plain.getSnapshot().messages[1]?.error?.kind).toBe('network');
    expect(off.gets()).toHaveLength(0);
  });

  it('with a persisted thread: the reloaded chat resumes into the thread once it has loaded, and the thread ends up with the whole reply', async () => {
    const edge = fakeResumeEdge();
    const storage = memoryStorage();
    const threads = createMemoryThreadStore();
    const persist = { store: threads, threadId: 't1', throttleMs: 5 };
    const a = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage }, persist });
    await settle();
    a.send('Q1');
    await settle();
    edge.emit('start', startEvent());
    words(edge, ['one ', 'two ']);
    await settle(10);
    a.destroy(); // saved on the way out, with the reply as far as it got
    expect((await threads.load('t1'))?.messages.map((m) => m.content)).toEqual(['Q1', 'one two ']);
    words(edge, ['three'], 20);
    edge.emit('done', doneEvent(3));

    // Another thread opened in this tab does not take the reply.
    const other = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage }, persist: { ...persist, threadId: 't2' } });
    await settle(5); // its thread has loaded
    expect(other.resume()).toBe(false);
    other.destroy();

    const b = createFastChat({ fetch: edge.fetch, notify: 'sync', resume: { ...quick, storage }, persist });
    expect(b.conversationId).toBe('t1');
    // Called before the thread has loaded (as useFastChat does on mount): the store resumes once it has.
    expect(b.resume()).toBe(false);
    await settle(10);
    expect(b.getSnapshot().messages.map((m) => [m.role, m.status, m.content])).toEqual([
      ['user', 'done', 'Q1'],
      ['assistant', 'done', 'one two three'],
    ]);
    await settle(10);
    expect((await threads.load('t1'))?.messages.map((m) => m.content)).toEqual(['Q1', 'one two three']);
    expect(edge.calls.filter((c) => c.method === 'POST' && !c.url.endsWith('/stop'))).toHaveLength(1);
  });
});
