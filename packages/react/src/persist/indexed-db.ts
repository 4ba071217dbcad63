/**
 * The IndexedDB thread store, on `idb-keyval` (one database, one object store, string keys).
 * @module
 */
import { createThreadStore, type ThreadBackend, type ThreadStore } from '@slipstream/core/persist';
import { createStore, del, delMany, get, getMany, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';

/** Where {@link createIndexedDbThreadStore} keeps threads. */
export interface IndexedDbThreadStoreOptions {
  /** @default 'slipstream' */
  dbName?: string;
  /** @default 'threads' */
  storeName?: string;
  /** Clock for `createdAt`/`updatedAt` (epoch ms). @default Date.now */
  now?: () => number;
}

/**
 * A {@link ThreadBackend} over one IndexedDB object store. The database opens on first use; where
 * there is no IndexedDB (server rendering, some private modes) every call rejects, and a chat bound
 * to it reports that through `persist.onError` and keeps working unsaved.
 */
export function indexedDbBackend(dbName = 'slipstream', storeName = 'threads'): ThreadBackend {
  let use: UseStore | undefined;
  const db = (): UseStore => {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available here');
    return (use ??= createStore(dbName, storeName));
  };
  const run = <T>(fn: (store: UseStore) => Promise<T>): Promise<T> => {
    try {
      return fn(db());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    get: (key) => run((s) => get(key, s)),
    set: (key, value) => run((s) => set(key, value, s)),
    del: (key) => run((s) => del(key, s)),
    keys: () => run((s) => keys(s)).then((all) => all.filter((k): k is string => typeof k === 'string')),
    getMany: (list) => run((s) => getMany(list, s)),
    delMany: (list) => run((s) => delMany(list, s)),
    // One transaction, committed at once: left to auto-commit, a write made on `pagehide` can be
    // aborted with the document before its commit is sent.
    setMany: (entries) =>
      run((s) =>
        s('readwrite', (os) => {
          for (const [key, value] of entries) os.put(value, key);
          os.transaction.commit?.();
          return promisifyRequest(os.transaction);
        }),
      ),
  };
}

/**
 * The default thread store: IndexedDB database `slipstream`, object store `threads`.
 *
 * @example
 * const store = createIndexedDbThreadStore();
 * const { threads } = await store.list();
 */
export function createIndexedDbThreadStore(options: IndexedDbThreadStoreOptions = {}): ThreadStore {
  return createThreadStore(indexedDbBackend(options.dbName, options.storeName), options.now ? { now: options.now } : {});
}
