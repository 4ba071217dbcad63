/**
 * The in-memory {@link StateStore}: a bounded `Map` in this isolate. The default, and the local
 * memory the edge falls back to while a shared store is unreachable.
 *
 * @module
 */
import { createMemoryReplyLog } from './memory-log.ts';
import type { MergeOptions, Reservation, StateDocument, StateStore } from './store.ts';

interface Entry {
  doc: StateDocument;
  expiresAt: number;
}

/**
 * Create an in-memory store.
 *
 * @param options.maxEntries - Oldest entries are dropped past this. @default 10000
 * @param options.now - Clock in epoch ms (tests). @default Date.now
 * @param options.maxReplies - Resumable replies kept at once (its {@link StateStore.replies} log). @default 1000
 * @example
 * createChatHandler({ store: createMemoryStore() }); // what the handler does when given no store
 */
export function createMemoryStore(options: { maxEntries?: number; now?: () => number; maxReplies?: number } = {}): StateStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => Date.now());
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const hit = entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return hit;
  };
  const put = (key: string, entry: Entry): void => {
    entries.delete(key); // re-insert so Map order is recency order
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  return {
    kind: 'memory',
    replies: createMemoryReplyLog({ now, ...(options.maxReplies !== undefined ? { maxReplies: options.maxReplies } : {}) }),
    async get(key) {
      const hit = live(key);
      return hit === undefined ? undefined : { ...hit.doc };
    },
    async merge(key, fields, { ttlMs, keepMax = [] }: MergeOptions) {
      const hit = live(key);
      const doc: StateDocument = { ...hit?.doc };
      for (const [name, value] of Object.entries(fields)) {
        const current = doc[name];
        if (keepMax.includes(name) && typeof current === 'number' && typeof value === 'number' && current >= value) continue;
        doc[name] = value;
      }
      put(key, { doc, expiresAt: Math.max(hit?.expiresAt ?? 0, now() + Math.max(0, ttlMs)) });
    },
    async reserve(key, amount, limit, windowMs): Promise<Reservation> {
      const hit = live(key);
      const used = typeof hit?.doc['used'] === 'number' ? hit.doc['used'] : 0;
      const resetAt = hit?.expiresAt ?? now() + windowMs;
      if (used + amount > limit) return { ok: false, used, resetAt };
      put(key, { doc: { used: used + amount }, expiresAt: resetAt });
      return { ok: true, used: used + amount, resetAt };
    },
    async adjust(key, delta) {
      const hit = live(key);
      if (hit === undefined) return 0;
      const used = Math.max(0, (typeof hit.doc['used'] === 'number' ? hit.doc['used'] : 0) + delta);
      hit.doc = { ...hit.doc, used };
      return used;
    },
    async clear() {
      entries.clear();
    },
  };
}
