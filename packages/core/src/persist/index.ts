/**
 * `@slipstream/core/persist`: conversation persistence, framework-free. A {@link ThreadStore} keeps
 * threads (messages with their parts, per-reply metrics and cost, earlier versions, title,
 * timestamps); `createFastChat({ persist: { store, threadId } })` loads the thread and saves it as it
 * changes. Stores: {@link createMemoryThreadStore} here, IndexedDB in `@slipstream/react/persist`
 * (`createIndexedDbThreadStore`), or any key-value backend through {@link createThreadStore}.
 *
 * Not part of `@slipstream/core`'s main entry: apps that keep nothing do not ship it.
 *
 * @example
 * // createFastChat from `@slipstream/core`, createMemoryThreadStore from `@slipstream/core/persist`
 * const store = createMemoryThreadStore();
 * const chat = createFastChat({ endpoint: '/api/chat', persist: { store, threadId: 'support-1' } });
 * chat.send('Hi');
 * // once the reply has finished:
 * const { threads } = await store.list(); // [{ id: 'support-1', preview: 'Hi', costUsd: 0.0012, … }]
 *
 * @module
 */
export type { ThreadRecord, ThreadSummary, ThreadListing, ThreadSave, ThreadSaveResult, ThreadChange, ThreadStore, ChatPersistOptions, ThreadRecordErrorLike } from './types.ts';
export { ThreadRecordError } from './errors.ts';
export { createThreadStore, createMemoryThreadStore, type ThreadBackend, type ThreadStoreOptions } from './thread-store.ts';
export { THREAD_RECORD_VERSION, costOf as threadCost, previewOf as threadPreview } from './record.ts';
