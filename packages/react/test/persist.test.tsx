import 'fake-indexeddb/auto';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { notifyManager } from '@slipstream/core';
import { createStore, set } from 'idb-keyval';
import { StrictMode, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFastChat } from '../src/hooks/use-fast-chat.ts';
import { createIndexedDbThreadStore, THREAD_RECORD_VERSION, useThreads } from '../src/persist/index.ts';
import { fakeFetch, reply, sseResponse } from './helpers.ts';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
afterEach(cleanup);

const strict = ({ children }: { children: ReactNode }) => <StrictMode>{children}</StrictMode>;
let db = 0;
/** A fresh database per test; a second store on the same database reads what was written, not a cache. */
const fresh = () => {
  const dbName = `test-${++db}`;
  return { dbName, store: createIndexedDbThreadStore({ dbName }), reader: () => createIndexedDbThreadStore({ dbName }) };
};

describe('useFastChat with an IndexedDB thread store', { timeout: 20_000 }, () => {
  it('saves the conversation, loads it on mount, and lists, renames and removes threads', async () => {
    const { store, reader } = fresh();
    const fetch = fakeFetch((_b, signal, n) => sseResponse(reply({ text: `Reply ${n}.`, chunks: 2, every: 2 }), signal));
    const first = renderHook(() => useFastChat({ fetch, persist: { store, threadId: 't1' } }), { wrapper: strict });
    expect(first.result.current.conversationId).toBe('t1');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    act(() => first.result.current.send('Hello there'));
    await waitFor(() => expect(first.result.current.messages[1]?.status).toBe('done'));
    act(() => first.result.current.regenerate());
    await waitFor(() => expect(first.result.current.messages[1]?.content).toBe('Reply 2.'));
    await waitFor(() => expect(first.result.current.messages[1]?.status).toBe('done'));
    first.unmount();

    await waitFor(async () => expect((await reader().load('t1'))?.messages[1]?.content).toBe('Reply 2.'));
    const second = renderHook(() => useFastChat({ fetch, persist: { store: reader(), threadId: 't1' } }), { wrapper: strict });
    await waitFor(() => expect(second.result.current.messages.map((m) => m.content)).toEqual(['Hello there', 'Reply 2.']));
    const loaded = second.result.current.messages[1]!;
    expect(loaded.versions?.map((v) => v.content)).toEqual(['Reply 1.']);
    expect(loaded.servedSpeed).toBe('fast');
    expect(loaded.usage?.outputTokens).toBe(11);
    act(() => second.result.current.selectVersion(loaded.id, 0));
    expect(second.result.current.messages[1]!.content).toBe('Reply 1.');
    second.unmount();
    await waitFor(async () => expect((await reader().load('t1'))?.messages[1]?.versionIndex).toBe(0));

    const list = renderHook(() => useThreads(store));
    await waitFor(() => expect(list.result.current.threads.map((t) => [t.id, t.preview, t.title])).toEqual([['t1', 'Hello there', null]]));
    await act(() => store.rename('t1', 'Greetings'));
    await waitFor(() => expect(list.result.current.threads[0]?.title).toBe('Greetings'));
    await act(() => store.remove('t1'));
    await waitFor(() => expect(list.result.current.threads).toEqual([]));
    expect(await reader().load('t1')).toBeNull();
  });

  it('on pagehide a streaming reply is saved with every character that had arrived, without waiting for the throttle', async () => {
    const { store, reader } = fresh();
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ text: 'abcdefghijklmnopqrstuvwxyz0123456789', chunks: 6, every: 150 }), signal));
    const { result } = renderHook(() => useFastChat({ fetch, persist: { store, threadId: 'p', throttleMs: 60_000 } }));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    act(() => result.current.send('Stream please'));
    await waitFor(() => expect(result.current.messages[1]?.content.length).toBeGreaterThanOrEqual(12));
    const shown = result.current.messages[1]!.content;
    act(() => {
      window.dispatchEvent(new Event('pagehide'));
    });
    const saved = (await reader().load('p'))!.messages[1]!;
    expect(saved.content.startsWith(shown)).toBe(true);
    expect(saved.status).toBe('aborted');
    act(() => result.current.stop());
  });

  it('a corrupt entry and one from another record version are listed as skipped, not thrown', async () => {
    const { dbName, store } = fresh();
    const raw = createStore(dbName, 'threads');
    await set('meta:ok', { v: THREAD_RECORD_VERSION, id: 'ok', title: 'Fine', preview: 'p', createdAt: 1, updatedAt: 1, messageCount: 0, costUsd: 0 }, raw);
    await set('meta:old', { v: 99, id: 'old', createdAt: 1, updatedAt: 1 }, raw);
    await set('meta:bad', ['nope'], raw);
    const { result } = renderHook(() => useThreads(store));
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.threads.map((t) => t.id)).toEqual(['ok']);
    expect(result.current.skipped.map((e) => `${e.threadId}:${e.kind}`).sort()).toEqual(['bad:corrupt', 'old:version']);
    expect(result.current.error).toBeNull();
  });
});

describe('two tabs on one IndexedDB database (two stores, one BroadcastChannel)', { timeout: 20_000 }, () => {
  it('tab A idle on X, tab B sends two messages in X, then A sends: A follows B, X keeps every message, and the thread lists follow renames and deletes', async () => {
    const { dbName } = fresh();
    const tabA = createIndexedDbThreadStore({ dbName });
    const tabB = createIndexedDbThreadStore({ dbName });
    const fetch = fakeFetch((_b, signal, n) => sseResponse(reply({ text: `Reply ${n}.`, chunks: 2, every: 2 }), signal));
    await tabA.save({ id: 'x', conversationId: 'x', messages: [{ id: 'u0', role: 'user', content: 'Start', parts: [{ type: 'text', text: 'Start' }] }] as never });
    const a = renderHook(() => useFastChat({ fetch, persist: { store: tabA, threadId: 'x' } }), { wrapper: strict });
    const b = renderHook(() => useFastChat({ fetch, persist: { store: tabB, threadId: 'x' } }), { wrapper: strict });
    const listA = renderHook(() => useThreads(tabA));
    await waitFor(() => expect(b.result.current.messages).toHaveLength(1));
    for (const text of ['B one', 'B two']) {
      act(() => b.result.current.send(text));
      await waitFor(() => expect(b.result.current.messages.at(-1)?.status).toBe('done'));
    }
    const fromB = ['Start', 'B one', 'Reply 1.', 'B two', 'Reply 2.'];
    await waitFor(() => expect(a.result.current.messages.map((m) => m.content)).toEqual(fromB));
    act(() => a.result.current.send('A one'));
    await waitFor(() => expect(a.result.current.messages.at(-1)?.status).toBe('done'));
    const all = [...fromB, 'A one', 'Reply 3.'];
    await waitFor(async () => expect((await createIndexedDbThreadStore({ dbName, channel: false }).load('x'))?.messages.map((m) => m.content)).toEqual(all));
    await waitFor(() => expect(b.result.current.messages.map((m) => m.content)).toEqual(all));

    await act(() => tabB.rename('x', 'From B'));
    await waitFor(() => expect(listA.result.current.threads.map((t) => t.title)).toEqual(['From B']));
    await act(() => tabB.remove('x'));
    await waitFor(() => expect(listA.result.current.threads).toEqual([]));
    await waitFor(() => expect(a.result.current.messages).toEqual([]));
    a.unmount();
    b.unmount();
    expect(await tabA.load('x')).toBeNull();
  });

  it('switching chats mid-reply (a remount on another thread) lets the reply finish into its own thread: not aborted, saved done', async () => {
    const { store, reader } = fresh();
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ text: 'abcdefghijklmnopqrstuvwxyz0123456789', chunks: 6, every: 60 }), signal));
    const x = renderHook(() => useFastChat({ fetch, persist: { store, threadId: 'x', throttleMs: 50 } }), { wrapper: strict });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    act(() => x.result.current.send('Stream please'));
    await waitFor(() => expect(x.result.current.messages[1]?.content.length).toBeGreaterThanOrEqual(6));
    // What an app keyed by thread does when the user opens another chat: this one unmounts, that one mounts.
    x.unmount();
    const y = renderHook(() => useFastChat({ fetch, persist: { store, threadId: 'y' } }), { wrapper: strict });
    expect(y.result.current.messages).toEqual([]);
    await waitFor(async () => expect((await reader().load('x'))?.messages[1]).toMatchObject({ status: 'done', content: 'abcdefghijklmnopqrstuvwxyz0123456789' }), { timeout: 5000 });
    expect(fetch.calls[0]!.signal?.aborted).toBe(false);
  });
});
