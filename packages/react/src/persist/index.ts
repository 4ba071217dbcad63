'use client';
/**
 * `@slipstream/react/persist`: conversations kept across reloads. IndexedDB by default
 * ({@link createIndexedDbThreadStore}, on `idb-keyval`), the framework-free thread store of
 * `@slipstream/core/persist` re-exported, and {@link useThreads} for a thread list. A subpath of its
 * own: apps that keep nothing do not ship it.
 *
 * @example
 * import { useFastChat } from '@slipstream/react';
 * import { createIndexedDbThreadStore, useThreads } from '@slipstream/react/persist';
 * const store = createIndexedDbThreadStore();
 * function Chat({ threadId }: { threadId: string }) {
 *   const chat = useFastChat({ endpoint: '/api/chat', persist: { store, threadId } });
 *   // …
 * }
 * function ThreadList() {
 *   const { threads } = useThreads(store); // newest first; re-read after every change
 * }
 *
 * @module
 */
export {
  createThreadStore,
  createMemoryThreadStore,
  ThreadRecordError,
  THREAD_RECORD_VERSION,
  threadCost,
  threadPreview,
  type ThreadBackend,
  type ThreadStoreOptions,
  type ThreadSaveResult,
  type ThreadChange,
  type ThreadRecord,
  type ThreadSummary,
  type ThreadListing,
  type ThreadSave,
  type ThreadStore,
  type ChatPersistOptions,
  type ThreadRecordErrorLike,
} from '@slipstream/core/persist';
export { createIndexedDbThreadStore, indexedDbBackend, type IndexedDbThreadStoreOptions } from './indexed-db.ts';
export { useThreads, type UseThreadsResult } from './use-threads.ts';
