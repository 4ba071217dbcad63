/**
 * The Cloudflare Durable Objects {@link StateStore}, for Workers. Import it from
 * `@slipstream/edge/durable-object`, export {@link SlipstreamState} from your Worker and bind it:
 *
 * ```toml
 * # wrangler.toml
 * [[durable_objects.bindings]]
 * name = "SLIPSTREAM_STATE"
 * class_name = "SlipstreamState"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["SlipstreamState"]
 * ```
 *
 * Why a Durable Object and not Workers KV: KV is eventually consistent (a write can take 60 s or more
 * to be seen elsewhere, and two writers race with last-write-wins), so it can neither hold a rate-limit
 * memory that the next request must see nor count spending without overshooting. A Durable Object is
 * one single-threaded instance per name with transactional storage: strongly consistent, and every
 * operation below is atomic. Each key gets its own object (`idFromName(key)`), so there is no global
 * bottleneck: one conversation's or one user's state lives in one place.
 *
 * Resumable replies ({@link StateStore.replies}) get one object per reply too
 * (`idFromName(prefix + 'reply:' + replyId)`): its meta under one storage key and its events in chunks
 * (`e:` + the chunk's last seq, zero-padded, so a read after a seq is one ordered `list`). The same
 * class serves both kinds of object. KV could not hold a resume log either: a resumer on another
 * isolate reading a stale log would miss events, or read an end that a later write undid.
 *
 * **The live tail is a long poll held by the object**, not a poll loop of the reader's: a read that
 * finds nothing new waits inside the object (up to {@link DurableObjectStoreOptions.waitMs}) and is
 * answered by the next append that brings news (events, the end, a cap); a reader parked there counts
 * as attached. Every call to an object is a Worker subrequest, and Workers caps them per invocation, so
 * the choice is about that budget. Measured in workerd (`test/runtimes/workerd-durable-object.test.ts`,
 * a 1,007-event reply resumed at event 200 while tokens flowed): a long-polling reader made 18–30 reads,
 * a 50 ms poller about as many, both done within a few ms of each other; the difference is idle time
 * (time to first token, a tool running, extended thinking without deltas), where polling costs 20
 * subrequests a second and the long poll one per `waitMs` (over a 3 s wait for the first token: 10 reads
 * against 52). Pushing over a response stream or a
 * WebSocket held by the object would cost one subrequest per resume, but a stream the object keeps open
 * pins it in memory and needs its own liveness and reconnection protocol; the long poll keeps the
 * {@link ReplyLog} request/answer shape and survives the object being evicted between reads. For the
 * same budget the producer sends at most one append per
 * {@link DurableObjectStoreOptions.appendIntervalMs} (events arriving meanwhile ride in the next one; the
 * end goes at once): 40–52 appends for that reply, about 20 a second of streaming however fast tokens come.
 *
 * @module
 */
import type { MergeOptions, ReplyAppend, ReplyLog, ReplyLogEvent, ReplyLogLimit, ReplyMeta, ReplyReadOptions, Reservation, StateDocument, StateStore } from './store.ts';

/** The parts of a Durable Object namespace binding this adapter uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** The parts of `DurableObjectState` {@link SlipstreamState} uses. */
export interface DurableObjectStateLike {
  storage: {
    get<T = unknown>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    put(entries: Record<string, unknown>): Promise<void>;
    delete(keys: string[]): Promise<number>;
    list<T = unknown>(options?: { start?: string; prefix?: string; limit?: number }): Promise<Map<string, T>>;
    deleteAll(): Promise<void>;
    setAlarm(scheduledTime: number): Promise<void>;
  };
}

type Operation =
  | { op: 'get' }
  | { op: 'merge'; fields: StateDocument; ttlMs: number; keepMax: string[] }
  | { op: 'reserve'; amount: number; limit: number; windowMs: number }
  | { op: 'adjust'; delta: number }
  | { op: 'reply-open'; userId?: string; lifetimeMs: number }
  | { op: 'reply-append'; events: ReplyLogEvent[]; status?: 'done' | 'error' | 'detached'; truncate?: ReplyLogLimit; ttlMs: number }
  | { op: 'reply-read'; afterSeq: number; limit?: number; touchReader?: boolean; waitMs?: number }
  | { op: 'reply-stop' }
  | { op: 'reply-delete' };

interface Entry {
  doc: StateDocument;
  expiresAt: number;
}

/** A reply object's record: its meta, when it is forgotten, and the alarm already set for it. */
interface ReplyRecord {
  meta: ReplyMeta;
  expiresAt: number;
  alarmAt: number;
}

/** Consecutive events stored under one key (`e:` + the last one's seq). */
interface Chunk {
  first: number;
  frames: string[];
}

const REPLY_KEY = 'reply';
const CHUNK_PREFIX = 'e:';
/** Storage values stay far below the 128 KiB a key-value-backed object allows (SQLite allows 2 MB). */
const CHUNK_MAX_CHARS = 32_000;
const CHUNK_MAX_EVENTS = 512;
/** Keys per storage call (the API's limit). */
const KEYS_PER_CALL = 128;
/** Chunks listed per storage call while reading. */
const LIST_CHUNKS = 32;
/** Longest a read may be held, whatever a caller asks. */
const MAX_WAIT_MS = 10_000;
/** Readers parked (woken by appends) at once in one reply object; more just wait out their `waitMs`. */
const MAX_WAITERS = 256;
const SEQ_CAP = 2 ** 52;

const chunkKey = (lastSeq: number) => CHUNK_PREFIX + String(lastSeq).padStart(16, '0');

/**
 * The Durable Object class holding one key's state, or one resumable reply's log. Export it from your
 * Worker under the class name your binding names.
 *
 * @example
 * export { SlipstreamState } from '@slipstream/edge/durable-object';
 */
export class SlipstreamState {
  readonly #storage: DurableObjectStateLike['storage'];
  /** Reads parked until this reply's next append (or its end, deletion, expiry). In memory: a long poll outlives no eviction, and needs not. */
  readonly #waiters = new Set<() => void>();

  constructor(state: DurableObjectStateLike, env: unknown) {
    void env;
    this.#storage = state.storage;
  }

  /**
   * One operation per request. Storage calls only, no other I/O, so the input gate keeps each one
   * atomic; the one exception, a reply read waiting for the next append, re-reads after it wakes.
   */
  async fetch(request: Request): Promise<Response> {
    let operation: Operation;
    try {
      operation = (await request.json()) as Operation;
    } catch {
      return Response.json({ error: 'bad request' }, { status: 400 });
    }
    if (operation.op.startsWith('reply-')) return Response.json(await this.#reply(operation));
    const now = Date.now();
    const stored = await this.#storage.get<Entry>('entry');
    const entry = stored !== undefined && stored.expiresAt > now ? stored : undefined;
    switch (operation.op) {
      case 'get':
        return Response.json({ doc: entry?.doc ?? null });
      case 'merge': {
        const doc: StateDocument = { ...entry?.doc };
        for (const [name, value] of Object.entries(operation.fields)) {
          const current = doc[name];
          if (operation.keepMax.includes(name) && typeof current === 'number' && typeof value === 'number' && current >= value) continue;
          doc[name] = value;
        }
        await this.#write({ doc, expiresAt: Math.max(entry?.expiresAt ?? 0, now + Math.max(0, operation.ttlMs)) });
        return Response.json({ ok: true });
      }
      case 'reserve': {
        const used = typeof entry?.doc['used'] === 'number' ? entry.doc['used'] : 0;
        const resetAt = entry?.expiresAt ?? now + operation.windowMs;
        if (used + operation.amount > operation.limit) return Response.json({ ok: false, used, resetAt } satisfies Reservation);
        await this.#write({ doc: { used: used + operation.amount }, expiresAt: resetAt });
        return Response.json({ ok: true, used: used + operation.amount, resetAt } satisfies Reservation);
      }
      case 'adjust': {
        if (entry === undefined) return Response.json({ used: 0 });
        const used = Math.max(0, (typeof entry.doc['used'] === 'number' ? entry.doc['used'] : 0) + operation.delta);
        await this.#write({ doc: { ...entry.doc, used }, expiresAt: entry.expiresAt });
        return Response.json({ used });
      }
      default:
        return Response.json({ error: 'unknown operation' }, { status: 400 });
    }
  }

  /** Storage is freed once the entry (or the reply) expires. */
  async alarm(): Promise<void> {
    const now = Date.now();
    const reply = await this.#storage.get<ReplyRecord>(REPLY_KEY);
    if (reply !== undefined) {
      if (reply.expiresAt <= now) return this.#forget();
      reply.alarmAt = reply.expiresAt;
      await this.#storage.put(REPLY_KEY, reply);
      return this.#storage.setAlarm(reply.expiresAt);
    }
    const entry = await this.#storage.get<Entry>('entry');
    if (entry === undefined || entry.expiresAt <= now) await this.#storage.deleteAll();
    else await this.#storage.setAlarm(entry.expiresAt);
  }

  async #write(entry: Entry): Promise<void> {
    await this.#storage.put('entry', entry);
    await this.#storage.setAlarm(entry.expiresAt);
  }

  /** A reply operation's answer (a meta, a read, or null when the reply is unknown or expired). */
  async #reply(operation: Operation): Promise<unknown> {
    const now = Date.now();
    switch (operation.op) {
      case 'reply-open': {
        await this.#storage.deleteAll();
        const meta: ReplyMeta = { status: 'running', lastSeq: 0, producerAt: now, readerSeenAt: now, stopRequested: false };
        if (typeof operation.userId === 'string') meta.userId = operation.userId;
        const expiresAt = now + Math.max(1, operation.lifetimeMs);
        await this.#storage.put(REPLY_KEY, { meta, expiresAt, alarmAt: expiresAt } satisfies ReplyRecord);
        await this.#storage.setAlarm(expiresAt);
        return { ok: true };
      }
      case 'reply-append': {
        const record = await this.#live(now);
        if (record === undefined) return null;
        const { meta } = record;
        const before = { lastSeq: meta.lastSeq, status: meta.status, truncated: meta.truncated };
        meta.producerAt = now;
        // A reader parked in a long poll is attached: it keeps the reply from detaching.
        if (this.#waiters.size > 0) meta.readerSeenAt = now;
        const last = operation.events.at(-1);
        if (last !== undefined) meta.lastSeq = Math.max(meta.lastSeq, last.seq);
        let drop = false;
        if (operation.truncate !== undefined) {
          meta.truncated ??= operation.truncate;
          drop = true;
        } else if (meta.truncated === undefined && operation.status !== 'detached' && meta.status !== 'detached') {
          await this.#putEvents(operation.events);
        }
        if (operation.status !== undefined && meta.status === 'running') meta.status = operation.status;
        if (meta.status === 'detached') drop = true;
        if (drop) await this.#dropEvents();
        record.expiresAt = now + Math.max(1, operation.ttlMs);
        await this.#saveReply(record);
        if (meta.lastSeq !== before.lastSeq || meta.status !== before.status || meta.truncated !== before.truncated) this.#wake();
        return { meta };
      }
      case 'reply-read': {
        let record = await this.#live(now);
        if (record === undefined) return null;
        const after = Math.min(SEQ_CAP, Math.max(0, Math.floor(operation.afterSeq)));
        const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, operation.waitMs ?? 0));
        const idle = (r: ReplyRecord) => r.meta.status === 'running' && r.meta.truncated === undefined && r.meta.lastSeq <= after;
        if (operation.touchReader) {
          record.meta.readerSeenAt = now;
          await this.#storage.put(REPLY_KEY, record);
        }
        if (waitMs > 0 && idle(record)) {
          // Past the cap a reader is not woken early, but still waits: answering at once would make it spin.
          await (this.#waiters.size < MAX_WAITERS ? this.#park(waitMs) : new Promise<void>((resolve) => setTimeout(resolve, waitMs)));
          const t = Date.now();
          record = await this.#live(t);
          if (record === undefined) return null;
          if (operation.touchReader) {
            record.meta.readerSeenAt = t;
            await this.#storage.put(REPLY_KEY, record);
          }
        }
        const limit = operation.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(operation.limit));
        return { meta: record.meta, events: limit === 0 ? [] : await this.#readEvents(after, limit) };
      }
      case 'reply-stop': {
        const record = await this.#live(now);
        if (record === undefined) return null;
        const before = { ...record.meta };
        if (record.meta.status === 'running' && !record.meta.stopRequested) {
          record.meta.stopRequested = true;
          await this.#storage.put(REPLY_KEY, record);
        }
        return { meta: before };
      }
      case 'reply-delete':
        await this.#forget();
        return { ok: true };
      default:
        return null;
    }
  }

  /** The reply's record, or `undefined` when there is none or it expired (then its storage is freed). */
  async #live(now: number): Promise<ReplyRecord | undefined> {
    const record = await this.#storage.get<ReplyRecord>(REPLY_KEY);
    if (record === undefined) return undefined;
    if (record.expiresAt > now) return record;
    await this.#forget();
    return undefined;
  }

  async #saveReply(record: ReplyRecord): Promise<void> {
    // The alarm only moves earlier (the end's short TTL); a later expiry is picked up when it fires.
    const moveAlarm = record.expiresAt < record.alarmAt;
    if (moveAlarm) record.alarmAt = record.expiresAt;
    await this.#storage.put(REPLY_KEY, record);
    if (moveAlarm) await this.#storage.setAlarm(record.expiresAt);
  }

  async #putEvents(events: readonly ReplyLogEvent[]): Promise<void> {
    const entries: [string, Chunk][] = [];
    let chunk: Chunk | undefined;
    let chars = 0;
    let lastSeq = 0;
    const close = () => {
      if (chunk !== undefined) entries.push([chunkKey(lastSeq), chunk]);
      chunk = undefined;
      chars = 0;
    };
    for (const e of events) {
      // Seqs are consecutive; a gap (never sent by the edge) starts a new chunk rather than misnumber one.
      if (chunk !== undefined && (e.seq !== lastSeq + 1 || chunk.frames.length >= CHUNK_MAX_EVENTS || chars + e.frame.length > CHUNK_MAX_CHARS)) close();
      chunk ??= { first: e.seq, frames: [] };
      chunk.frames.push(e.frame);
      chars += e.frame.length;
      lastSeq = e.seq;
    }
    close();
    for (let i = 0; i < entries.length; i += KEYS_PER_CALL) await this.#storage.put(Object.fromEntries(entries.slice(i, i + KEYS_PER_CALL)));
  }

  async #readEvents(after: number, limit: number): Promise<ReplyLogEvent[]> {
    const events: ReplyLogEvent[] = [];
    let start = chunkKey(after + 1);
    for (;;) {
      const chunks = await this.#storage.list<Chunk>({ prefix: CHUNK_PREFIX, start, limit: LIST_CHUNKS });
      for (const chunk of chunks.values()) {
        for (let i = Math.max(0, after + 1 - chunk.first); i < chunk.frames.length; i++) {
          events.push({ seq: chunk.first + i, frame: chunk.frames[i]! });
          if (events.length >= limit) return events;
        }
      }
      if (chunks.size < LIST_CHUNKS) return events;
      const lastKey = [...chunks.keys()].at(-1)!;
      start = chunkKey(Number(lastKey.slice(CHUNK_PREFIX.length)) + 1);
    }
  }

  /** Drop every event, keeping the record (a cap, a detach): the text is held only while it can be resumed. */
  async #dropEvents(): Promise<void> {
    for (;;) {
      const keys = [...(await this.#storage.list({ prefix: CHUNK_PREFIX, limit: KEYS_PER_CALL })).keys()];
      if (keys.length === 0) return;
      await this.#storage.delete(keys);
    }
  }

  async #forget(): Promise<void> {
    await this.#storage.deleteAll();
    this.#wake();
  }

  #park(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  #wake(): void {
    for (const done of [...this.#waiters]) done();
  }
}

/** Options of {@link createDurableObjectStore}. */
export interface DurableObjectStoreOptions {
  /** Prefix of every object name. @default 'slipstream:' */
  prefix?: string;
  /**
   * Longest a resumer's read is held by the reply's object waiting for the next append (a long poll);
   * 0 turns it off (readers then poll every `pollMs`). @default 1000
   */
  waitMs?: number;
  /** How often a reader polls when `waitMs` is 0, in ms. @default 50 */
  pollMs?: number;
  /** A producer appends at most once per this many ms (events arriving meanwhile ride in the next append). @default 50 */
  appendIntervalMs?: number;
}

/**
 * Create a store over a {@link SlipstreamState} namespace binding. It has a reply log
 * ({@link StateStore.replies}), so a handler with this store makes replies resumable by default.
 *
 * @example
 * ```ts
 * import { createChatHandler } from '@slipstream/edge';
 * import { createDurableObjectStore } from '@slipstream/edge/durable-object';
 * export { SlipstreamState } from '@slipstream/edge/durable-object';
 *
 * export default createChatHandler({ store: (env) => createDurableObjectStore(env.SLIPSTREAM_STATE) });
 * ```
 */
export function createDurableObjectStore(namespace: DurableObjectNamespaceLike, options: DurableObjectStoreOptions = {}): StateStore {
  const prefix = options.prefix ?? 'slipstream:';
  const tuning = `${options.waitMs ?? ''}/${options.pollMs ?? ''}/${options.appendIntervalMs ?? ''}`;
  const id = `${prefix}\n${tuning}`;
  // One store per binding and options, so a factory called on every request (`store: (env) => …`)
  // keeps one health state and one local memory per isolate.
  const known = storesByNamespace.get(namespace as object)?.get(id);
  if (known !== undefined) return known;
  const store = buildStore(namespace, prefix, options);
  const byId = storesByNamespace.get(namespace as object) ?? new Map<string, StateStore>();
  byId.set(id, store);
  storesByNamespace.set(namespace as object, byId);
  return store;
}

const storesByNamespace = new WeakMap<object, Map<string, StateStore>>();

function buildStore(namespace: DurableObjectNamespaceLike, prefix: string, options: DurableObjectStoreOptions): StateStore {
  const call = async <T>(key: string, operation: Operation): Promise<T> => {
    const stub = namespace.get(namespace.idFromName(prefix + key) as never);
    const res = await stub.fetch('https://slipstream-state/', { method: 'POST', body: JSON.stringify(operation) });
    if (!res.ok) throw new Error(`durable object answered ${res.status}`);
    return (await res.json()) as T;
  };
  const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, options.waitMs ?? 1_000));
  const replyCall = <T>(replyId: string, operation: Operation) => call<T>(`reply:${replyId}`, operation);
  const replies: ReplyLog = {
    pollMs: options.pollMs ?? 50,
    ...(waitMs > 0 ? { maxWaitMs: waitMs } : {}),
    appendIntervalMs: Math.max(0, options.appendIntervalMs ?? 50),
    async open(replyId, init) {
      await replyCall(replyId, { op: 'reply-open', lifetimeMs: init.lifetimeMs, ...(init.userId !== undefined ? { userId: init.userId } : {}) });
    },
    async append(replyId, batch: ReplyAppend) {
      const operation: Operation = { op: 'reply-append', events: [...batch.events], ttlMs: batch.ttlMs };
      if (batch.status !== undefined) operation.status = batch.status;
      if (batch.truncate !== undefined) operation.truncate = batch.truncate;
      return (await replyCall<{ meta: ReplyMeta } | null>(replyId, operation))?.meta;
    },
    async read(replyId, afterSeq, readOptions: ReplyReadOptions = {}) {
      const operation: Operation = { op: 'reply-read', afterSeq };
      if (readOptions.limit !== undefined) operation.limit = readOptions.limit;
      if (readOptions.touchReader) operation.touchReader = true;
      if (readOptions.waitMs !== undefined && waitMs > 0) operation.waitMs = Math.min(waitMs, readOptions.waitMs);
      return (await replyCall<{ meta: ReplyMeta; events: ReplyLogEvent[] } | null>(replyId, operation)) ?? undefined;
    },
    async requestStop(replyId) {
      return (await replyCall<{ meta: ReplyMeta } | null>(replyId, { op: 'reply-stop' }))?.meta;
    },
    async delete(replyId) {
      await replyCall(replyId, { op: 'reply-delete' });
    },
  };
  return {
    kind: 'durable-object',
    replies,
    async get(key) {
      const { doc } = await call<{ doc: StateDocument | null }>(key, { op: 'get' });
      return doc ?? undefined;
    },
    async merge(key, fields, { ttlMs, keepMax = [] }: MergeOptions) {
      await call(key, { op: 'merge', fields, ttlMs, keepMax: [...keepMax] });
    },
    reserve: (key, amount, limit, windowMs) => call<Reservation>(key, { op: 'reserve', amount, limit, windowMs }),
    async adjust(key, delta) {
      return (await call<{ used: number }>(key, { op: 'adjust', delta })).used;
    },
  };
}
