/**
 * A {@link ThreadStore} over any key-value backend, and the in-memory backend.
 * @module
 */
import { ThreadRecordError } from './errors.ts';
import { bindThread } from './bind.ts';
import { costOf, META_PREFIX, parseMeta, parseThread, previewOf, THREAD_PREFIX, THREAD_RECORD_VERSION, type StoredMeta, type StoredThread } from './record.ts';
import type { ThreadChange, ThreadRecord, ThreadRecordErrorLike, ThreadSave, ThreadSaveResult, ThreadStore, ThreadSummary } from './types.ts';

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
  /**
   * Reads `keys` and writes what `write` returns (`null`: nothing), in one transaction, so that no other
   * writer (another tab) comes between the read and the write: what makes a conditional save
   * ({@link ThreadSave.ifRev}) and a rename safe across tabs. `write` is called once, synchronously
   * inside the transaction. Without it the store reads, then writes: safe within one store only.
   */
  transact?(keys: string[], write: (values: unknown[]) => [string, unknown][] | null): Promise<void>;
}

/** Options of {@link createThreadStore}. */
export interface ThreadStoreOptions {
  /** The clock for `createdAt`/`updatedAt` (epoch ms). @default Date.now */
  now?: () => number;
  /**
   * The `BroadcastChannel` name over which stores on the same storage (one per tab) tell each other of
   * their changes ({@link ThreadChange.remote}). Absent, or where there is no `BroadcastChannel`: none.
   */
  channel?: string;
}

/** What goes over the channel: the change, with the summary after it (so caches stay right without a read). */
interface ChannelMessage {
  v: 1;
  kind: ThreadChange['kind'];
  id: string;
  summary: ThreadSummary | null;
  live: boolean;
}

function readChannelMessage(data: unknown): ChannelMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Partial<ChannelMessage>;
  if (m.v !== 1 || typeof m.id !== 'string' || (m.kind !== 'save' && m.kind !== 'rename' && m.kind !== 'remove')) return null;
  let summary: ThreadSummary | null = null;
  if (m.summary != null) {
    try {
      summary = parseMeta({ ...m.summary, v: THREAD_RECORD_VERSION }, m.id);
    } catch {
      return null;
    }
  }
  return { v: 1, kind: m.kind, id: m.id, summary, live: m.live === true };
}

/**
 * A thread store over `backend`. Threads are kept as two entries (`meta:<id>` for lists and
 * `thread:<id>` for messages), each carrying the record version and the thread's revision; an entry of
 * another version or of the wrong shape is skipped by `list()` and rejected by `load()` with a
 * {@link ThreadRecordError}. A conditional save (`ifRev`) and a rename read the summary and write in
 * one `backend.transact`. The store remembers the summaries it has read or written (kept right by
 * other tabs' messages on `options.channel`), so an unconditional save of a thread it knows writes at
 * once, without reading first (what makes a save on `pagehide` land).
 *
 * @example
 * const map = new Map<string, unknown>();
 * const store = createThreadStore({
 *   get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v),
 *   del: async (k) => void map.delete(k), keys: async () => [...map.keys()],
 * });
 */
export function createThreadStore(backend: ThreadBackend, options: ThreadStoreOptions = {}): ThreadStore {
  const now = options.now ?? Date.now;
  const listeners = new Set<(change: ThreadChange) => void>();
  /** Summaries read or written by this store (`null`: known to be absent). */
  const metas = new Map<string, ThreadSummary | null>();
  const emit = (change: ThreadChange): void => {
    // Over a copy: a listener may unsubscribe while being told.
    for (const l of [...listeners]) l(change);
  };
  const channel = openChannel(options.channel, (m) => {
    metas.set(m.id, m.summary);
    emit({ kind: m.kind, id: m.id, rev: m.summary?.rev ?? null, remote: true, live: m.live });
  });
  /** Tell this store's listeners and the other tabs. */
  const changed = (kind: ThreadChange['kind'], id: string, summary: ThreadSummary | null, live = false): void => {
    metas.set(id, summary);
    try {
      channel?.postMessage({ v: 1, kind, id, summary, live } satisfies ChannelMessage);
    } catch {
      // A closed or unclonable channel: the other tabs learn of it on their next read.
    }
    emit({ kind, id, rev: summary?.rev ?? null, remote: false, live });
  };
  const readMeta = async (id: string): Promise<ThreadSummary | null> => {
    const raw = await backend.get(META_PREFIX + id);
    const meta = metaOrNull(raw, id);
    metas.set(id, meta);
    return meta;
  };
  const setMany = (entries: [string, unknown][]): Promise<void> =>
    backend.setMany ? backend.setMany(entries) : Promise.all(entries.map(([k, v]) => backend.set(k, v))).then(() => {});
  /** Without `backend.transact`, read-then-write steps of this store run one after another. */
  let queue: Promise<unknown> = Promise.resolve();
  const transact = (keys: string[], write: (values: unknown[]) => [string, unknown][] | null): Promise<void> => {
    if (backend.transact) return backend.transact(keys, write);
    const step = queue.then(async () => {
      const values = backend.getMany ? await backend.getMany(keys) : await Promise.all(keys.map((k) => backend.get(k)));
      const entries = write(values);
      if (entries !== null) await setMany(entries);
    });
    queue = step.catch(() => {});
    return step;
  };

  /** The two entries of `thread` written over `prev` (the stored summary, or `null`). */
  const entriesOf = (thread: ThreadSave, prev: ThreadSummary | null): { entries: [string, unknown][]; summary: ThreadSummary } => {
    const at = thread.updatedAt ?? now();
    const createdAt = thread.createdAt ?? prev?.createdAt ?? at;
    const rev = (prev?.rev ?? 0) + 1;
    const messages = [...thread.messages];
    const body: StoredThread = { v: THREAD_RECORD_VERSION, id: thread.id, conversationId: thread.conversationId, createdAt, updatedAt: at, rev, messages };
    const summary: ThreadSummary = {
      id: thread.id,
      title: thread.title !== undefined ? thread.title : (prev?.title ?? null),
      preview: previewOf(messages),
      createdAt,
      updatedAt: at,
      messageCount: messages.length,
      costUsd: costOf(messages),
      rev,
    };
    return {
      entries: [
        [THREAD_PREFIX + thread.id, body],
        [META_PREFIX + thread.id, { ...summary, v: THREAD_RECORD_VERSION } satisfies StoredMeta],
      ],
      summary,
    };
  };

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
      return { id, title: meta?.title ?? null, createdAt: t.createdAt, updatedAt: t.updatedAt, rev: t.rev ?? 0, conversationId: t.conversationId, messages: t.messages } satisfies ThreadRecord;
    },

    save(thread: ThreadSave) {
      const live = thread.live === true;
      const { ifRev } = thread;
      const known = metas.get(thread.id);
      if (ifRev === undefined && known !== undefined) {
        // Unconditional over a summary we know: written synchronously (a save on `pagehide` lands).
        const { entries, summary } = entriesOf(thread, known);
        metas.set(thread.id, summary);
        return setMany(entries).then(() => {
          changed('save', thread.id, summary, live);
          return { ok: true, rev: summary.rev } as const;
        });
      }
      let result: ThreadSaveResult = { ok: false, rev: null };
      let written: ThreadSummary | null = null;
      return transact([META_PREFIX + thread.id], ([raw]) => {
        const prev = metaOrNull(raw, thread.id);
        const stored = prev?.rev ?? null;
        if (ifRev !== undefined && stored !== ifRev) {
          result = { ok: false, rev: stored };
          metas.set(thread.id, prev);
          return null;
        }
        const { entries, summary } = entriesOf(thread, prev);
        written = summary;
        result = { ok: true, rev: summary.rev };
        return entries;
      }).then(() => {
        if (written !== null) changed('save', thread.id, written, live);
        return result;
      });
    },

    rename(id, title) {
      let next: ThreadSummary | null = null;
      // Read and written in one transaction: a save in another tab keeps its revision and counts.
      return transact([META_PREFIX + id], ([raw]) => {
        const prev = metaOrNull(raw, id);
        if (prev === null) return null;
        next = { ...prev, title };
        return [[META_PREFIX + id, { ...next, v: THREAD_RECORD_VERSION } satisfies StoredMeta]];
      }).then(() => {
        if (next !== null) changed('rename', id, next);
      });
    },

    remove(id) {
      metas.set(id, null);
      const keys = [META_PREFIX + id, THREAD_PREFIX + id];
      return (backend.delMany ? backend.delMany(keys) : Promise.all(keys.map((k) => backend.del(k))).then(() => {})).then(() => changed('remove', id, null));
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    attach: (chat, options, loaded) => bindThread(store, chat, options, loaded),
  };
  return store;
}

/** A readable summary, or `null` (absent or unreadable: `list()` reports those). */
function metaOrNull(raw: unknown, id: string): ThreadSummary | null {
  if (raw === undefined) return null;
  try {
    return parseMeta(raw, id);
  } catch {
    return null;
  }
}

/** A `BroadcastChannel` where there is one (browsers, Deno, Node 18+, workers); `null` elsewhere. */
function openChannel(name: string | undefined, onMessage: (m: ChannelMessage) => void): { postMessage(m: unknown): void } | null {
  const BC = (globalThis as { BroadcastChannel?: new (name: string) => BroadcastChannel }).BroadcastChannel;
  if (name === undefined || typeof BC !== 'function') return null;
  const channel = new BC(name);
  channel.onmessage = (e: MessageEvent) => {
    const m = readChannelMessage(e.data);
    if (m !== null) onMessage(m);
  };
  // Node keeps a process alive while a channel is open; a store lives as long as its page anyway.
  (channel as { unref?: () => void }).unref?.();
  return channel;
}

/**
 * A thread store in memory (values structured-cloned in and out, as IndexedDB does): for tests,
 * server rendering, and apps that keep nothing. It behaves as the IndexedDB store does: revisions,
 * conditional saves in one step (`transact`), and, with `channel`, changes told to other stores. Two
 * stores given the same `map` and `channel` act as two tabs on one database.
 *
 * @example
 * const store = createMemoryThreadStore();
 * const chat = createFastChat({ endpoint: '/api/chat', persist: { store, threadId: 'demo' } });
 */
export function createMemoryThreadStore(
  /** `map`: the storage (default: a new one); `now`, `channel`: as for {@link createThreadStore}. */
  options: ThreadStoreOptions & { map?: Map<string, unknown> } = {},
): ThreadStore & { readonly backend: ThreadBackend & { readonly map: Map<string, unknown> } } {
  const map = options.map ?? new Map<string, unknown>();
  const read = (key: string): unknown => (map.has(key) ? structuredClone(map.get(key)) : undefined);
  const backend = {
    map,
    get: async (key: string) => read(key),
    set: async (key: string, value: unknown) => void map.set(key, structuredClone(value)),
    del: async (key: string) => void map.delete(key),
    keys: async () => [...map.keys()],
    // Synchronous from read to write: nothing can come between them.
    transact: async (keys: string[], write: (values: unknown[]) => [string, unknown][] | null) => {
      const entries = write(keys.map(read));
      for (const [k, v] of entries ?? []) map.set(k, structuredClone(v));
    },
  };
  const { map: _map, ...storeOptions } = options;
  return Object.assign(createThreadStore(backend, storeOptions), { backend });
}
