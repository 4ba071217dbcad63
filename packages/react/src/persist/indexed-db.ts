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
  /**
   * The `BroadcastChannel` over which the stores of one database in several tabs tell each other of
   * their changes (so lists and idle chats follow the other tabs); `false`: none.
   * @default `slipstream-threads:${dbName}/${storeName}`
   */
  channel?: string | false;
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
    // Read and write in one readwrite transaction: IndexedDB runs readwrite transactions on one object
    // store one at a time, across tabs, so no other write comes between the read and the write.
    transact: (list, write) =>
      run((s) =>
        s(
          'readwrite',
          (os) =>
            new Promise<void>((resolve, reject) => {
              const tx = os.transaction;
              const values: unknown[] = new Array<unknown>(list.length);
              let left = list.length;
              tx.oncomplete = () => resolve();
              tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
              const finish = (): void => {
                let entries: [string, unknown][] | null;
                try {
                  entries = write(values);
                } catch (err) {
                  tx.abort();
                  reject(err);
                  return;
                }
                for (const [key, value] of entries ?? []) os.put(value, key);
                tx.commit?.();
              };
              list.forEach((key, i) => {
                const req = os.get(key);
                req.onsuccess = () => {
                  values[i] = req.result;
                  if (--left === 0) finish();
                };
              });
              if (list.length === 0) finish();
            }),
        ),
      ),
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
 * The default thread store: IndexedDB database `slipstream`, object store `threads`. Conditional saves
 * and renames read and write in one transaction; the stores of one database in several tabs tell each
 * other of their changes over a `BroadcastChannel` (where there is one).
 *
 * @example
 * const store = createIndexedDbThreadStore();
 * const { threads } = await store.list();
 */
export function createIndexedDbThreadStore(options: IndexedDbThreadStoreOptions = {}): ThreadStore {
  const dbName = options.dbName ?? 'slipstream';
  const storeName = options.storeName ?? 'threads';
  const channel = options.channel ?? `slipstream-threads:${dbName}/${storeName}`;
  return createThreadStore(indexedDbBackend(dbName, storeName), {
    ...(options.now ? { now: options.now } : {}),
    ...(channel !== false ? { channel } : {}),
  });
}
