/**
 * A {@link ThreadStore} over any key-value backend, and the in-memory backend.
 * @module
 */
import { ThreadRecordError } from './errors.ts';
import { bindThread } from './bind.ts';
import { costOf, META_PREFIX, parseMeta, parseThread, previewOf, THREAD_PREFIX, THREAD_RECORD_VERSION, type StoredMeta, type StoredThread } from './record.ts';
import type { ThreadRecord, ThreadRecordErrorLike, ThreadSave, ThreadStore, ThreadSummary } from './types.ts';

/**
 * The storage under a {@link ThreadStore}: string keys, structured-cloneable values. IndexedDB
 * (`idb-keyval`), a `Map`, or a server API all fit.
 */
export interface ThreadBackend {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  /** Every key. */
  keys(): Promise<string[]>;
  /** Several values at once, in the keys' order (defaults to `get` per key). */
  getMany?(keys: string[]): Promise<unknown[]>;
  /**
   * Several entries in one write, all or none (defaults to `set` per entry). Called synchronously by
   * `save`, so a save made while the page goes away is issued before it does.
   */
  setMany?(entries: [string, unknown][]): Promise<void>;
  /** Several keys at once (defaults to `del` per key). */
  delMany?(keys: string[]): Promise<void>;
}

/**
 * A thread store over `backend`. Threads are kept as two entries (`meta:<id>` for lists and
 * `thread:<id>` for messages), each carrying the record version; an entry of another version or of
 * the wrong shape is skipped by `list()` and rejected by `load()` with a {@link ThreadRecordError}.
 * The store remembers the summaries it has read or written, so a save of a thread it has loaded
 * writes at once, without reading first (what makes a save on `pagehide` land).
 *
 * @example
 * const map = new Map<string, unknown>();
 * const store = createThreadStore({
 *   get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v),
 *   del: async (k) => void map.delete(k), keys: async () => [...map.keys()],
 * });
 */
export function createThreadStore(
  backend: ThreadBackend,
  /** `now`: the clock for `createdAt`/`updatedAt` (epoch ms). @default Date.now */
  options: { now?: () => number } = {},
): ThreadStore {
  const now = options.now ?? Date.now;
  const listeners = new Set<() => void>();
  /** Summaries read or written by this store (`null`: known to be absent). */
  const metas = new Map<string, ThreadSummary | null>();
  const changed = <T>(p: Promise<T>): Promise<T> =>
    p.then((value) => {
      for (const l of [...listeners]) l();
      return value;
    });
  const readMeta = async (id: string): Promise<ThreadSummary | null> => {
    const raw = await backend.get(META_PREFIX + id);
    let meta: ThreadSummary | null = null;
    if (raw !== undefined) {
      try {
        meta = parseMeta(raw, id);
      } catch {
        meta = null;
      }
    }
    metas.set(id, meta);
    return meta;
  };
  const knownMeta = (id: string, then: (meta: ThreadSummary | null) => Promise<void>): Promise<void> => {
    // Synchronous when known: no await stands between the call and the write.
    const known = metas.get(id);
    return known !== undefined ? then(known) : readMeta(id).then(then);
  };
  const setMany = (entries: [string, unknown][]): Promise<void> =>
    backend.setMany ? backend.setMany(entries) : Promise.all(entries.map(([k, v]) => backend.set(k, v))).then(() => {});

  const store: ThreadStore = {
    async list() {
      const keys = (await backend.keys()).filter((k) => typeof k === 'string' && k.startsWith(META_PREFIX));
      const values = backend.getMany ? await backend.getMany(keys) : await Promise.all(keys.map((k) => backend.get(k)));
      const threads: ThreadSummary[] = [];
      const skipped: ThreadRecordErrorLike[] = [];
      keys.forEach((key, i) => {
        const id = key.slice(META_PREFIX.length);
        try {
          const meta = parseMeta(values[i], id);
          metas.set(id, meta);
          threads.push(meta);
        } catch (err) {
          if (err instanceof ThreadRecordError) skipped.push(err as ThreadRecordErrorLike);
          else throw err;
        }
      });
      threads.sort((a, b) => b.updatedAt - a.updatedAt);
      return { threads, skipped };
    },

    async load(id) {
      const [raw, meta] = await Promise.all([backend.get(THREAD_PREFIX + id), readMeta(id)]);
      if (raw === undefined) return null;
      const t = parseThread(raw, id);
      return { id, title: meta?.title ?? null, createdAt: t.createdAt, updatedAt: t.updatedAt, conversationId: t.conversationId, messages: t.messages } satisfies ThreadRecord;
    },

    save: (thread: ThreadSave) =>
      changed(
        knownMeta(thread.id, (prev) => {
          const at = thread.updatedAt ?? now();
          const createdAt = thread.createdAt ?? prev?.createdAt ?? at;
          const messages = [...thread.messages];
          const body: StoredThread = { v: THREAD_RECORD_VERSION, id: thread.id, conversationId: thread.conversationId, createdAt, updatedAt: at, messages };
          const meta: StoredMeta = {
            v: THREAD_RECORD_VERSION,
            id: thread.id,
            title: thread.title !== undefined ? thread.title : (prev?.title ?? null),
            preview: previewOf(messages),
            createdAt,
            updatedAt: at,
            messageCount: messages.length,
            costUsd: costOf(messages),
          };
          const { v: _v, ...summary } = meta;
          metas.set(thread.id, summary);
          return setMany([
            [THREAD_PREFIX + thread.id, body],
            [META_PREFIX + thread.id, meta],
          ]);
        }),
      ),

    rename: (id, title) =>
      changed(
        knownMeta(id, (prev) => {
          if (prev === null) return Promise.resolve();
          const next = { ...prev, title };
          metas.set(id, next);
          return backend.set(META_PREFIX + id, { ...next, v: THREAD_RECORD_VERSION } satisfies StoredMeta);
        }),
      ),

    remove(id) {
      metas.set(id, null);
      const keys = [META_PREFIX + id, THREAD_PREFIX + id];
      return changed(backend.delMany ? backend.delMany(keys) : Promise.all(keys.map((k) => backend.del(k))).then(() => {}));
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    attach: (chat, options, loaded) => bindThread(store, chat, options, loaded),
  };
  return store;
}

/**
 * A thread store in memory (values structured-cloned in and out, as IndexedDB does): for tests,
 * server rendering, and apps that keep nothing.
 *
 * @example
 * const store = createMemoryThreadStore();
 * const chat = createFastChat({ endpoint: '/api/chat', persist: { store, threadId: 'demo' } });
 */
export function createMemoryThreadStore(options: { now?: () => number } = {}): ThreadStore & { readonly backend: ThreadBackend & { readonly map: Map<string, unknown> } } {
  const map = new Map<string, unknown>();
  const backend = {
    map,
    get: async (key: string) => (map.has(key) ? structuredClone(map.get(key)) : undefined),
    set: async (key: string, value: unknown) => void map.set(key, structuredClone(value)),
    del: async (key: string) => void map.delete(key),
    keys: async () => [...map.keys()],
  };
  return Object.assign(createThreadStore(backend, options), { backend });
}
