/**
 * The in-memory {@link ReplyLog}: resumable replies kept in this isolate. Enough for one Node process
 * (the demo, `pnpm edge` without `--store`) and for tests; a platform that spreads requests over
 * isolates needs a shared one (Redis, Durable Objects).
 *
 * Bounded by the number of replies it keeps (the oldest are dropped first) and by each reply's TTL,
 * checked lazily on access and swept when a reply opens: no timers, so it runs anywhere.
 *
 * @module
 */
import type { ReplyAppend, ReplyLog, ReplyLogEvent, ReplyMeta, ReplyReadOptions } from './store.ts';

interface Kept {
  meta: ReplyMeta;
  events: ReplyLogEvent[];
  expiresAt: number;
}

/** Options of {@link createMemoryReplyLog}. */
export interface MemoryReplyLogOptions {
  /** Replies kept at once; opening one more drops the oldest. @default 1000 */
  maxReplies?: number;
  /** Clock in epoch ms (tests). @default Date.now */
  now?: () => number;
}

/**
 * Create an in-memory reply log. `createMemoryStore()` has one as `replies`.
 *
 * @example
 * const log = createMemoryReplyLog();
 * await log.open('3f0c…', { lifetimeMs: 15 * 60_000 });
 */
export function createMemoryReplyLog(options: MemoryReplyLogOptions = {}): ReplyLog {
  const maxReplies = options.maxReplies ?? 1_000;
  const now = options.now ?? (() => Date.now());
  const replies = new Map<string, Kept>();

  const live = (id: string): Kept | undefined => {
    const kept = replies.get(id);
    if (kept === undefined) return undefined;
    if (kept.expiresAt <= now()) {
      replies.delete(id);
      return undefined;
    }
    return kept;
  };
  const sweep = () => {
    const t = now();
    for (const [id, kept] of replies) if (kept.expiresAt <= t) replies.delete(id);
    while (replies.size >= maxReplies) {
      const oldest = replies.keys().next();
      if (oldest.done) break;
      replies.delete(oldest.value);
    }
  };
  // Copies out, so a caller never holds the log's own records.
  const copy = (meta: ReplyMeta): ReplyMeta => ({ ...meta });

  return {
    pollMs: 50,
    async open(replyId, init) {
      sweep();
      const t = now();
      const meta: ReplyMeta = { status: 'running', lastSeq: 0, producerAt: t, readerSeenAt: t, stopRequested: false };
      if (init.userId !== undefined) meta.userId = init.userId;
      replies.set(replyId, { meta, events: [], expiresAt: t + Math.max(1, init.lifetimeMs) });
    },
    async append(replyId, batch: ReplyAppend) {
      const kept = live(replyId);
      if (kept === undefined) return undefined;
      const { meta } = kept;
      const t = now();
      meta.producerAt = t;
      const last = batch.events.at(-1);
      if (last !== undefined) meta.lastSeq = Math.max(meta.lastSeq, last.seq);
      if (batch.truncate !== undefined) {
        meta.truncated ??= batch.truncate;
        kept.events = [];
      } else if (meta.truncated === undefined && batch.status !== 'detached') {
        for (const e of batch.events) kept.events.push({ seq: e.seq, frame: e.frame });
      }
      if (batch.status !== undefined && meta.status === 'running') meta.status = batch.status;
      if (meta.status === 'detached') kept.events = [];
      kept.expiresAt = t + Math.max(1, batch.ttlMs);
      return copy(meta);
    },
    async read(replyId, afterSeq, readOptions: ReplyReadOptions = {}) {
      const kept = live(replyId);
      if (kept === undefined) return undefined;
      if (readOptions.touchReader) kept.meta.readerSeenAt = now();
      const { events } = kept;
      // Seqs are consecutive from the first kept event, so the start is an index, not a search.
      const first = events[0]?.seq ?? 1;
      const from = Math.max(0, Math.floor(afterSeq) - first + 1);
      const to = readOptions.limit === undefined ? events.length : from + Math.max(0, readOptions.limit);
      return { meta: copy(kept.meta), events: events.slice(from, to) };
    },
    async requestStop(replyId) {
      const kept = live(replyId);
      if (kept === undefined) return undefined;
      const before = copy(kept.meta);
      if (kept.meta.status === 'running') kept.meta.stopRequested = true;
      return before;
    },
    async delete(replyId) {
      replies.delete(replyId);
    },
  };
}
