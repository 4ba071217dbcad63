/**
 * A shared store's outage is never the user's problem: {@link withLocalFallback} wraps a store so
 * every operation is bounded by a timeout, and while the store is unreachable the edge serves from
 * this isolate's memory. It says so once (one event when the store goes away, one when it is back),
 * probes it again at most once per `retryMs`, and on recovery writes back what it learned meanwhile.
 *
 * Guarantees while degraded are per isolate: a fast 429 is remembered by the isolate that saw it,
 * and spend counters count this isolate's spending only. The reply log ({@link StateStore.replies}) is
 * bounded the same way but has no local stand-in (a log only this isolate can read resumes nothing
 * elsewhere, and would disagree with the shared one when it is back): its operations fail fast while
 * the store is away, and the edge serves those replies without resume.
 *
 * @module
 */
import { createMemoryStore } from './memory.ts';
import type { MergeOptions, ReplyLog, StateDocument, StateStore } from './store.ts';

/** What {@link withLocalFallback} reports. */
export interface StoreHealthEvent {
  /** `unavailable`: the store failed or timed out, the edge serves from local memory; `recovered`: it answers again. */
  state: 'unavailable' | 'recovered';
  /** The store's {@link StateStore.kind}. */
  store: string;
  /** Safe to log: the error's message or the timeout, never a key or a value. */
  message: string;
}

/** Options of {@link withLocalFallback}. */
export interface LocalFallbackOptions {
  /** Longest wait for the shared store per operation. @default 150 */
  timeoutMs?: number;
  /** While degraded, probe the shared store again at most this often. @default 1000 */
  retryMs?: number;
  /** Told once per outage and once per recovery. */
  onHealth?: (event: StoreHealthEvent) => void;
  /** The local memory. @default a new {@link createMemoryStore} */
  local?: StateStore;
  /** Clock in epoch ms (tests). @default Date.now */
  now?: () => number;
}

class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * Wrap `remote` so it degrades to local memory instead of failing.
 *
 * @example
 * const store = withLocalFallback(createRedisStore({ client }), { onHealth: (e) => console.warn(e) });
 */
export function withLocalFallback(remote: StateStore, options: LocalFallbackOptions = {}): StateStore {
  const timeoutMs = options.timeoutMs ?? 150;
  const retryMs = options.retryMs ?? 1_000;
  const now = options.now ?? (() => Date.now());
  const local = options.local ?? createMemoryStore({ now });
  let down = false;
  let lastTry = 0;
  // The newest write per key while degraded, replayed when the store is back (bounded).
  const missed = new Map<string, { fields: StateDocument; options: MergeOptions; at: number }>();

  const tell = (event: StoreHealthEvent) => {
    try {
      options.onHealth?.(event);
    } catch {
      // a logging hook must never break a reply
    }
  };

  const bounded = <T>(op: Promise<T>, heldMs = 0): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreTimeout(timeoutMs)), timeoutMs + heldMs);
      op.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });

  const replayMissed = async () => {
    const writes = [...missed.entries()];
    missed.clear();
    for (const [key, w] of writes) {
      const ttlMs = w.options.ttlMs - (now() - w.at);
      if (ttlMs > 0) await bounded(remote.merge(key, w.fields, { ...w.options, ttlMs })).catch(() => {});
    }
  };

  /** The store answered: if it was away, say so once and write back what it missed. */
  function answered(): void {
    if (!down) return;
    down = false;
    tell({ state: 'recovered', store: remote.kind, message: `${remote.kind} store answers again` });
    void replayMissed();
  }
  /** The store failed: if it was up, say so once. */
  function failed(err: unknown): void {
    if (down) return;
    down = true;
    const why = err instanceof Error ? err.message : String(err);
    tell({ state: 'unavailable', store: remote.kind, message: `${remote.kind} store unavailable (${why}); serving from this isolate's memory` });
  }

  /** Run `op` on the shared store, or on local memory while it is away. */
  async function attempt<T>(op: (s: StateStore) => Promise<T>): Promise<T> {
    if (down && now() - lastTry < retryMs) return op(local);
    lastTry = now();
    try {
      const value = await bounded(op(remote));
      answered();
      return value;
    } catch (err) {
      failed(err);
      return op(local);
    }
  }

  /** Run a reply-log operation on the shared store, bounded (plus the time a long poll may be held); while it is away, fail at once. */
  async function direct<T>(op: () => Promise<T>, heldMs = 0): Promise<T> {
    if (down && now() - lastTry < retryMs) throw new Error(`${remote.kind} store unavailable`);
    lastTry = now();
    try {
      const value = await bounded(op(), heldMs);
      answered();
      return value;
    } catch (err) {
      failed(err);
      throw err;
    }
  }
  const log = remote.replies;
  const replies: ReplyLog | undefined =
    log === undefined
      ? undefined
      : {
          pollMs: log.pollMs,
          ...(log.maxWaitMs !== undefined ? { maxWaitMs: log.maxWaitMs } : {}),
          ...(log.appendIntervalMs !== undefined ? { appendIntervalMs: log.appendIntervalMs } : {}),
          ...(log.unreadAppendIntervalMs !== undefined ? { unreadAppendIntervalMs: log.unreadAppendIntervalMs } : {}),
          open: (id, init) => direct(() => log.open(id, init)),
          append: (id, batch) => direct(() => log.append(id, batch)),
          read: (id, after, readOptions) => direct(() => log.read(id, after, readOptions), log.maxWaitMs !== undefined ? Math.min(log.maxWaitMs, readOptions?.waitMs ?? 0) : 0),
          requestStop: (id) => direct(() => log.requestStop(id)),
          delete: (id) => direct(() => log.delete(id)),
        };

  return {
    kind: remote.kind,
    ...(replies !== undefined ? { replies } : {}),
    get: (key) => attempt((s) => s.get(key)),
    async merge(key, fields, mergeOptions) {
      // Mirrored locally, so an outage starts with what this isolate already knew.
      await local.merge(key, fields, mergeOptions);
      await attempt((s) => (s === local ? Promise.resolve() : s.merge(key, fields, mergeOptions)));
      if (down) {
        missed.delete(key);
        missed.set(key, { fields: { ...missed.get(key)?.fields, ...fields }, options: mergeOptions, at: now() });
        if (missed.size > 1_000) missed.delete(missed.keys().next().value as string);
      }
    },
    reserve: (key, amount, limit, windowMs) => attempt((s) => s.reserve(key, amount, limit, windowMs)),
    adjust: (key, delta) => attempt((s) => s.adjust(key, delta)),
    async clear() {
      await local.clear?.();
      await attempt((s) => s.clear?.() ?? Promise.resolve());
    },
  };
}
