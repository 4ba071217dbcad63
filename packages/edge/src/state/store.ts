/**
 * The one interface behind every piece of edge state that must outlive a request or an isolate: the
 * fast-mode fallback memory today, spend counters and reply logs as they land. Three adapters:
 * memory (this isolate, the default), Redis (`@slipstream/edge/redis`: servers, Vercel, Bun, Deno, Fly)
 * and Cloudflare Durable Objects (`@slipstream/edge/durable-object`: Workers).
 *
 * Every operation is atomic in the adapter (a Lua script in Redis, the single-threaded object in a
 * Durable Object), so isolates racing on one key never lose an update. Documents are small JSON
 * records of rate-limit facts and counters: never message text, never a key. The one exception is the
 * optional {@link ReplyLog} ({@link StateStore.replies}): the encoded events of a running reply, kept
 * only while it can be resumed (bounded, and expiring soon after the reply ends).
 *
 * @module
 */

/** A field of a stored document: the JSON scalars the edge keeps. */
export type StateValue = string | number | boolean;

/** A stored document: a flat record of scalars. */
export type StateDocument = Record<string, StateValue>;

/** Options of {@link StateStore.merge}. */
export interface MergeOptions {
  /** The document lives at least this long after the write (an existing longer TTL is kept). */
  ttlMs: number;
  /**
   * Numeric fields that only ever grow: the stored value is replaced only by a larger one. A rate-limit
   * "standard until" instant written by two isolates keeps the later one, whatever order they land in.
   */
  keepMax?: readonly string[];
}

/** The answer of {@link StateStore.reserve}. */
export interface Reservation {
  /** Whether the amount fit under the limit (and was added). */
  ok: boolean;
  /** The counter after the call (unchanged when `ok` is false). */
  used: number;
  /** Epoch ms when the counter's window ends. */
  resetAt: number;
}

/** Where the edge keeps shared state. Implement it to plug in another engine. */
export interface StateStore {
  /** Short name for logs (`memory`, `redis`, `durable-object`). */
  readonly kind: string;
  /** The document at `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<StateDocument | undefined>;
  /** Atomically write `fields` into the document at `key` (others are kept), honouring `keepMax`. */
  merge(key: string, fields: StateDocument, options: MergeOptions): Promise<void>;
  /**
   * Atomically add `amount` (an integer) to the counter at `key` if the result stays ≤ `limit`. The
   * counter's window starts with its first reservation and lasts `windowMs`.
   */
  reserve(key: string, amount: number, limit: number, windowMs: number): Promise<Reservation>;
  /** Atomically add `delta` (an integer, negative to give back) to the counter at `key`, never below 0. */
  adjust(key: string, delta: number): Promise<number>;
  /** Forget everything under this store's prefix (tests, an operator's reset). Optional. */
  clear?(): Promise<void>;
  /**
   * The log of resumable replies, when this store can keep one. A handler whose store has it makes
   * replies resumable by default (`resume` option). Absent on stores that cannot (a custom store written
   * before resumable replies still works: its replies are simply not resumable).
   */
  readonly replies?: ReplyLog;
}

/** Where a reply is: streaming, ended (its log kept for a short while), or aborted for want of a reader. */
export type ReplyStatus = 'running' | 'done' | 'error' | 'detached';

/**
 * Why a reply's log stopped keeping events: it reached the event cap or the byte cap, or (`gap`) an
 * append failed (the store was unreachable), so the log misses events and must not serve a resume.
 */
export type ReplyLogLimit = 'max_events' | 'max_bytes' | 'gap';

/** What a {@link ReplyLog} knows about one reply besides its events. */
export interface ReplyMeta {
  status: ReplyStatus;
  /** Seq of the newest event in the log (0: none yet). */
  lastSeq: number;
  /** Epoch ms (the adapter's clock) of the producer's last append: its liveness. */
  producerAt: number;
  /** Epoch ms a reader (the first client, or a resume anywhere) was last seen attached. */
  readerSeenAt: number;
  /** Someone asked to stop the reply (`POST …/stop`) on any isolate. */
  stopRequested: boolean;
  /** The user `authorize` named for the request: a resume or stop must name the same one. */
  userId?: string;
  /** Set once the log dropped its events at a cap: the reply streams on to its first client but cannot be resumed. */
  truncated?: ReplyLogLimit;
}

/** One encoded event of a reply: its SSE id and the whole SSE frame (`event:`, `id:`, `data:` lines). */
export interface ReplyLogEvent {
  seq: number;
  frame: string;
}

/** One write of the producer: new events and, with the last one, the reply's end. */
export interface ReplyAppend {
  /** Events in seq order, consecutive after the ones already appended. May be empty (a heartbeat). */
  events: readonly ReplyLogEvent[];
  /** The reply ended (`done`/`error`) or was aborted for want of a reader (`detached`: its events are dropped). */
  status?: 'done' | 'error' | 'detached';
  /** The reply went past a cap: drop every event (new and old), keep the meta, and refuse resumes. */
  truncate?: ReplyLogLimit;
  /** Forget the reply this many ms from now (the rest of its lifetime while running; the short post-end TTL after). */
  ttlMs: number;
}

/** Options of {@link ReplyLog.read}. */
export interface ReplyReadOptions {
  /** Also record a reader as seen now ({@link ReplyMeta.readerSeenAt}), which keeps the reply from detaching. */
  touchReader?: boolean;
  /** At most this many events (0: the meta only). @default all */
  limit?: number;
  /**
   * When nothing after `afterSeq` is logged yet and the reply is running, hold the read up to this long
   * for the next append (a long poll). Only adapters with {@link ReplyLog.maxWaitMs} wait; others answer
   * at once. @default 0
   */
  waitMs?: number;
}

/**
 * The log of resumable replies: per reply, its encoded events in seq order plus a small meta record.
 * One producer (the isolate running the upstream request) appends; any isolate reads, tails and asks
 * to stop. Every operation is atomic per reply.
 *
 * It is a separate interface, reached through the optional {@link StateStore.replies}, rather than more
 * methods on {@link StateStore}: a reply log holds lists of events (up to megabytes, tailed by many
 * readers) where the rest of the store holds small documents, so an adapter may keep it in another
 * structure (a Redis list beside a hash, a Durable Object per reply instead of per key) with its own
 * bounds, and a store that cannot keep one (or a custom store written before it existed) still serves
 * the fallback memory and spend limits, just without resumable replies.
 */
export interface ReplyLog {
  /**
   * Start a reply: status `running`, producer and reader seen now, forgotten after `lifetimeMs` unless an
   * append says otherwise. Replaces nothing: ids are random (≥ 122 bits).
   */
  open(replyId: string, init: { userId?: string; lifetimeMs: number }): Promise<void>;
  /**
   * Append events (and the end, a cap, a heartbeat) and refresh the producer's liveness. Resolves with
   * the meta after the write (so the producer sees `stopRequested` and `readerSeenAt` without another
   * round trip), or `undefined` when the reply is gone (expired): nothing is written then.
   */
  append(replyId: string, batch: ReplyAppend): Promise<ReplyMeta | undefined>;
  /** Events with seq > `afterSeq` (up to `limit`), and the meta; `undefined` when the reply is unknown or expired. */
  read(replyId: string, afterSeq: number, options?: ReplyReadOptions): Promise<{ meta: ReplyMeta; events: ReplyLogEvent[] } | undefined>;
  /**
   * Ask a running reply to stop: sets `stopRequested` (its producer aborts within one append or meta poll).
   * Resolves with the meta as it was before the call, or `undefined` when unknown or expired.
   */
  requestStop(replyId: string): Promise<ReplyMeta | undefined>;
  /** Forget a reply now. */
  delete(replyId: string): Promise<void>;
  /**
   * How often a reader on another isolate should poll for new events, in ms (when the adapter cannot
   * hold a read, see {@link maxWaitMs}); the edge also wakes readers in the producer's own isolate at once.
   */
  readonly pollMs: number;
  /**
   * Set when the adapter can hold a read until the next append ({@link ReplyReadOptions.waitMs}): the
   * longest it holds one, in ms. Readers then long-poll instead of polling every {@link pollMs}
   * (Durable Objects: one subrequest per batch instead of one per poll).
   */
  readonly maxWaitMs?: number;
  /**
   * The producer appends at most once per this many ms; events arriving meanwhile ride in the next
   * append. For adapters whose every call has a budgeted cost (a Workers subrequest). @default 0
   */
  readonly appendIntervalMs?: number;
  /**
   * The spacing while nobody follows the reply but its own connection (no reader attached on any
   * isolate, the connection still open): a longer {@link appendIntervalMs}. Such a log only has to be
   * complete when someone resumes, and a resume replays what is logged and then tails the rest, so it
   * stays exact; the producer goes back to {@link appendIntervalMs} as soon as an append answers that a
   * reader touched the reply, a reader waits in its own isolate, or its connection closes. Stops asked
   * on another isolate are seen at the next append, so this also bounds how late they are seen.
   * Unset (or not above {@link appendIntervalMs}): always {@link appendIntervalMs}.
   */
  readonly unreadAppendIntervalMs?: number;
}
