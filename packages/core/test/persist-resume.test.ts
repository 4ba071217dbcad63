import { afterEach, describe, expect, it } from 'vitest';
import { createFastChat } from '../src/chat-store.ts';
import { notifyManager } from '../src/notify.ts';
import { createMemoryThreadStore } from '../src/persist/index.ts';
import { fakeResumeEdge, memoryStorage } from './fake-resume-edge.ts';
import { doneEvent, settle, startEvent } from './store-helpers.ts';

afterEach(() => notifyManager.setNotifyFunction((cb) => cb()));

const quick = { baseDelayMs: 1, maxDelayMs: 4 };
type Edge = ReturnType<typeof fakeResumeEdge>;
const say = (edge: Edge, list: string[], t0 = 10) => list.forEach((w, i) => edge.emit('text', { delta: w, step: 0, index: 0, t: t0 + i }));

/** A regenerated reply streaming in a saved thread when the page goes away. */
async function reloadMidRegenerate() {
  const edge = fakeResumeEdge();
  const storage = memoryStorage();
  const store = createMemoryThreadStore();
  const opts = { fetch: edge.fetch, notify: 'sync' as const, resume: { ...quick, storage }, persist: { store, threadId: 't', background: false } };
  const a = createFastChat(opts);
  await settle();
  a.setMessages([
    { id: 'u1', role: 'user', content: 'Q' },
    { id: 'a1', role: 'assistant', content: 'First answer.' },
  ]);
  a.regenerate();
  await settle();
  edge.emit('start', startEvent());
  say(edge, ['Second ', 'ans']);
  await settle();
  a.destroy(); // the page goes away (no running on in the background): saved as it stands; the reply goes on at the edge
  const saved = (await store.load('t'))!.messages[1]!;
  expect([saved.content, saved.status, saved.versions?.map((v) => v.content)]).toEqual(['Second ans', 'aborted', ['First answer.']]);
  return { edge, opts, store };
}

describe('a saved thread and a resumable reply after a reload', () => {
  it('the resume waits for the thread, then replays into the saved reply, which keeps its earlier versions', async () => {
    const { edge, opts, store } = await reloadMidRegenerate();
    say(edge, ['wer.'], 20);
    edge.emit('done', doneEvent(3));
    const b = createFastChat(opts);
    // As useFastChat does on mount: the thread is still loading, so the store resumes by itself after it.
    expect(b.resume()).toBe(false);
    await settle(2);
    const reply = b.getSnapshot().messages[1]!;
    expect([reply.id, reply.status, reply.content]).toEqual([(await store.load('t'))!.messages[1]!.id, 'done', 'Second answer.']);
    expect(reply.versions?.map((v) => v.content)).toEqual(['First answer.']);
    expect(edge.gets()).toHaveLength(1);
    b.destroy();
    expect((await store.load('t'))!.messages[1]).toMatchObject({ content: 'Second answer.', status: 'done', versionIndex: 1 });
  });

  it('a resume the edge refuses keeps the text saved so far, with the error', async () => {
    const { edge, opts, store } = await reloadMidRegenerate();
    edge.forget();
    const b = createFastChat(opts);
    b.resume();
    await settle(2);
    const reply = b.getSnapshot().messages[1]!;
    expect([reply.status, reply.error?.kind, reply.content]).toEqual(['error', 'not_found', 'Second ans']);
    expect(reply.versions?.map((v) => v.content)).toEqual(['First answer.']);
    b.destroy();
    expect((await store.load('t'))!.messages[1]).toMatchObject({ content: 'Second ans', status: 'error' });
  });
});
