/**
 * Resumable replies at the edge (the wire contract is core's `protocol.ts`, "Resumable replies").
 *
 * The **producer** ({@link ReplyProducer}) runs beside the reply in the isolate that serves the POST:
 * every event the reply sends is appended to the store's {@link ReplyLog} in batches (at most one
 * append in flight; events arriving meanwhile go in the next one, sent the moment the previous lands,
 * so an idle log is written at once and a busy one in few round trips). Each append answers with the
 * reply's meta, so the producer learns of a stop asked on another isolate, and of readers attached
 * elsewhere, without extra round trips; when nothing is appended it writes a heartbeat every 250 ms.
 * A log whose calls cost (`ReplyLog.appendIntervalMs`) is appended at most once per that interval, and
 * once per `ReplyLog.unreadAppendIntervalMs` while nobody follows the reply but its own connection.
 * The client going away starts the detach time: with no reader seen anywhere for `detachMs`, the
 * upstream request is aborted and the reply marked `detached` (a later resume or stop gets 404).
 *
 * A **reader** (`GET {path}/{replyId}`) replays the events after its `Last-Event-ID` and tails the log:
 * woken at once by appends made in its own isolate, polling the log otherwise (`ReplyLog.pollMs`), or,
 * where the log can hold a read until the next append (`ReplyLog.maxWaitMs`: Durable Objects), long
 * polling it. It
 * refreshes the reply's `readerSeenAt`, ends after `done`/`error`, and ends with a retryable `network`
 * error when the producer stopped writing (its process died).
 *
 * @module
 */
import { encodeEvent, type ErrorEvent, type ProtocolEventName } from '@slipstream/core';
import type { EventStream } from './event-stream.ts';
import type { ReplyAppend, ReplyLog, ReplyLogEvent, ReplyLogLimit, ReplyMeta } from './state/store.ts';

/** Limits of resumable replies ({@link ChatHandlerOptions.resume}). Every field is optional. */
export interface ResumeOptions {
  /** With no client attached anywhere for this long, the upstream reply is aborted (the bill stops). @default 30000 */
  detachMs?: number;
  /** Events a reply's log keeps; past it the reply streams on to its own client but cannot be resumed. @default 20000 */
  maxEvents?: number;
  /** Bytes (UTF-8, whole SSE frames) a reply's log keeps; past it, as for `maxEvents`. @default 4194304 (4 MiB) */
  maxBytes?: number;
  /** How long a reply's log is kept after its `done` or `error` (a client that dropped at the end can still catch up). @default 60000 */
  ttlMs?: number;
  /** Longest a reply is kept at all, running or not; a reply running longer stops being resumable. @default 1800000 (30 min) */
  maxLifetimeMs?: number;
}

/** {@link ResumeOptions} with defaults applied. */
export type ResumeSettings = Required<ResumeOptions>;

export const RESUME_DEFAULTS: ResumeSettings = {
  detachMs: 30_000,
  maxEvents: 20_000,
  maxBytes: 4 * 1024 * 1024,
  ttlMs: 60_000,
  maxLifetimeMs: 30 * 60_000,
};

/** A producer writes at least this often (a heartbeat when no event came): liveness, and its view of stop requests. */
export const PRODUCER_POLL_MS = 250;
/** A running reply whose producer wrote nothing for this long is gone (its process died): readers end with a retryable error. */
export const PRODUCER_STALE_MS = 10_000;
/**
 * How long after its spacing interval a batch waits for the next event to carry it before a timer
 * sends it (a pause in the reply). Only adapters with `appendIntervalMs` wait at all.
 */
const IDLE_FLUSH_MS = 20;
/** Events per read while replaying. */
const READ_BATCH = 512;

/** How often a reader records itself as attached (`touchReader`): often enough that the detach time never lapses under it. */
function readerTouchMs(settings: ResumeSettings): number {
  return Math.min(1_000, Math.max(10, settings.detachMs / 4));
}

/** The settings for an option value, or a `TypeError` naming the bad field. */
export function resolveResumeOptions(option: boolean | ResumeOptions | undefined): ResumeSettings {
  const settings: ResumeSettings = { ...RESUME_DEFAULTS };
  if (typeof option !== 'object' || option === null) return settings;
  for (const key of Object.keys(RESUME_DEFAULTS) as (keyof ResumeSettings)[]) {
    const value = option[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`resume.${key} must be a positive number.`);
    settings[key] = value;
  }
  return settings;
}

// crypto.randomUUID() ids, or any URL-safe id of the same strength a custom edge might mint.
const REPLY_ID = /^[A-Za-z0-9_-]{16,128}$/;
/** Whether `value` can be a reply id (anything else is answered 404 without touching the store). */
export function isReplyId(value: string): boolean {
  return REPLY_ID.test(value);
}

/** A new reply id: 122 random bits (a v4 UUID), URL-safe. */
export function newReplyId(): string {
  return crypto.randomUUID();
}

// Readers in this isolate waiting for a reply's next append, per log.
const waiters = new WeakMap<ReplyLog, Map<string, Set<() => void>>>();

function wake(log: ReplyLog, replyId: string): void {
  const set = waiters.get(log)?.get(replyId);
  if (set === undefined) return;
  for (const fn of [...set]) fn();
}

/** Resolve after the next append to this reply in this isolate, after `ms`, or when `signal` fires. */
function nextAppend(log: ReplyLog, replyId: string, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let byReply = waiters.get(log);
    if (byReply === undefined) waiters.set(log, (byReply = new Map()));
    let set = byReply.get(replyId);
    if (set === undefined) byReply.set(replyId, (set = new Set()));
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      set.delete(done);
      if (set.size === 0) byReply.delete(replyId);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    set.add(done);
  });
}

/** UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4; // a surrogate pair is one 4-byte code point
      i += 1;
    } else n += 3;
  }
  return n;
}

/** What a producer asks of the reply it records. */
export interface ProducerHooks {
  /** A stop was asked (here or on another isolate): send the final `error` and abort the reply. */
  stop(): void;
  /** No reader for the detach time (or none can ever come): abort the reply; nothing more is sent. */
  detach(): void;
  /** The store failed: safe to log. */
  onStoreError?(message: string): void;
  /** Clock in epoch ms. */
  now(): number;
}

/**
 * Records one resumable reply into a {@link ReplyLog} and runs its detach time. Created before the
 * reply's first event; {@link record} is the event stream's sink; {@link finish} after the reply ended.
 */
export class ReplyProducer {
  readonly id: string;
  /** The user `authorize` named, if any: only they may stop or resume it. */
  readonly userId: string | undefined;
  /** Resolves once the last write landed (or the log was given up). */
  readonly settled: Promise<void>;
  readonly #log: ReplyLog;
  readonly #settings: ResumeSettings;
  readonly #hooks: ProducerHooks;
  readonly #deadline: number;
  #pending: ReplyLogEvent[] = [];
  #bytes = 0;
  /** A write (open or append) is in flight. */
  #busy = true;
  /** The log failed or expired: nothing more is written, the reply cannot be resumed. */
  #dead = false;
  #truncate: ReplyLogLimit | undefined;
  #truncateSent = false;
  #final: 'done' | 'error' | 'detached' | undefined;
  #finalSent = false;
  #startSeen = false;
  #stopping = false;
  #clientGoneAt: number | undefined;
  #readerSeenAt: number;
  #lastWriteAt: number;
  /** When the last append was sent (`ReplyLog.appendIntervalMs` spaces them). */
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  /** `readerSeenAt` in the last append's answer: a later one means a reader touched the reply since. */
  #metaReaderSeenAt: number | undefined;
  /** When an append last answered that a reader touched the reply (this producer's clock). */
  #followedAt = Number.NEGATIVE_INFINITY;
  #kickTimer: ReturnType<typeof setTimeout> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #resolve!: () => void;

  constructor(log: ReplyLog, replyId: string, settings: ResumeSettings, hooks: ProducerHooks, userId: string | undefined) {
    this.id = replyId;
    this.userId = userId;
    this.#log = log;
    this.#settings = settings;
    this.#hooks = hooks;
    const t = hooks.now();
    this.#deadline = t + settings.maxLifetimeMs;
    this.#readerSeenAt = t;
    this.#lastWriteAt = t;
    this.settled = new Promise((resolve) => (this.#resolve = resolve));
    log.open(replyId, { lifetimeMs: settings.maxLifetimeMs, ...(userId !== undefined ? { userId } : {}) }).then(
      () => {
        this.#busy = false;
        this.#lastWriteAt = hooks.now();
        this.#kick();
      },
      (err: unknown) => {
        this.#busy = false;
        this.#giveUp(err);
      },
    );
    this.#timer = setInterval(() => this.#tick(), PRODUCER_POLL_MS);
  }

  /** Whether a client can still resume this reply (its log is complete and kept). */
  get resumable(): boolean {
    return !this.#dead && this.#truncate === undefined && this.#final !== 'detached';
  }

  /** Whether the reply is still going (no final event, not stopped or detached). */
  get running(): boolean {
    return this.#final === undefined && !this.#stopping;
  }

  /** The event stream's sink: one encoded event. */
  record(seq: number, frame: string, name: ProtocolEventName): void {
    if (this.#final !== undefined) return;
    if (name === 'start') this.#startSeen = true;
    if (name === 'done' || name === 'error') this.#final = name;
    if (this.#dead) return;
    if (this.#truncate === undefined) {
      const size = utf8Length(frame);
      const over: ReplyLogLimit | undefined = seq > this.#settings.maxEvents ? 'max_events' : this.#bytes + size > this.#settings.maxBytes ? 'max_bytes' : undefined;
      if (over !== undefined) {
        // Past a cap the log is useless for resuming: drop it (the store frees it) and keep only the meta.
        this.#truncate = over;
        this.#pending = [];
        if (this.#clientGoneAt !== undefined) this.#detachNow();
      } else {
        this.#bytes += size;
        this.#pending.push({ seq, frame });
      }
    }
    this.#kick();
  }

  /** The reply's own client went away: the detach time starts (or the reply is aborted now if nobody can resume it). */
  clientGone(): void {
    if (this.#clientGoneAt !== undefined) return;
    this.#clientGoneAt = this.#hooks.now();
    // A client that never got `start` does not know the reply id, and a log past its cap resumes nothing.
    if (!this.#startSeen || !this.resumable) this.#detachNow();
  }

  /** Stop now (a stop asked in this isolate). */
  stop(): void {
    if (this.#stopping || this.#final !== undefined) return;
    this.#stopping = true;
    this.#hooks.stop();
  }

  /** The reply ended (its stream closed): write what is left, then let go. */
  finish(): void {
    // A reply aborted without a final event (never by the loop today) still ends its log.
    this.#final ??= 'error';
    this.#kick();
    if (this.#dead) void this.#markGap().finally(() => this.#settle());
  }

  #tick(): void {
    if (this.#finalSent || this.#dead) return;
    const t = this.#hooks.now();
    if (this.#clientGoneAt !== undefined && this.#final === undefined && t - Math.max(this.#clientGoneAt, this.#readerSeenAt) >= this.#settings.detachMs) {
      this.#detachNow();
      return;
    }
    if (!this.#busy && t - this.#lastWriteAt >= PRODUCER_POLL_MS) void this.#flush();
  }

  #detachNow(): void {
    if (this.#final !== undefined) return;
    this.#final = 'detached';
    this.#pending = [];
    this.#hooks.detach();
    this.#kick();
  }

  #kick(): void {
    if (this.#busy || this.#dead || this.#finalSent) return;
    if (this.#pending.length > 0 || this.#final !== undefined || (this.#truncate !== undefined && !this.#truncateSent)) {
      // An adapter whose calls are budgeted (Workers subrequests) spaces appends; what comes meanwhile
      // rides in the next. The end goes at once: readers and a later resume must see it promptly.
      const wait = this.#final !== undefined ? 0 : this.#interval() - (this.#hooks.now() - this.#lastFlushAt);
      if (wait > 0) {
        // While events keep coming, the first one past the interval sends the batch, so a busy reply
        // wakes the isolate for nothing else; the timer (a little later) only catches a pause.
        this.#kickTimer ??= setTimeout(() => {
          this.#kickTimer = undefined;
          this.#kick();
        }, wait + IDLE_FLUSH_MS);
        return;
      }
      if (this.#kickTimer !== undefined) {
        clearTimeout(this.#kickTimer);
        this.#kickTimer = undefined;
      }
      void this.#flush();
    }
  }

  /**
   * The spacing of appends now: the log's `appendIntervalMs` while someone follows the reply (a reader
   * attached on any isolate, or its connection gone, so a resume is on its way), its longer
   * `unreadAppendIntervalMs` otherwise. Every append is a round trip the edge pays a wake-up for, and a
   * log nobody reads only has to be complete when someone resumes: the resume replays it, then tails.
   */
  #interval(): number {
    const base = this.#log.appendIntervalMs ?? 0;
    const unread = this.#log.unreadAppendIntervalMs ?? 0;
    if (unread <= base) return base;
    if (this.#clientGoneAt !== undefined || waiters.get(this.#log)?.has(this.id) === true) return base;
    // Readers touch every readerTouchMs; one unseen for two of those (and an append's spacing) has left.
    const followed = this.#hooks.now() - this.#followedAt <= 2 * readerTouchMs(this.#settings) + unread;
    return followed ? base : unread;
  }

  async #flush(): Promise<void> {
    this.#busy = true;
    this.#lastFlushAt = this.#hooks.now();
    const events = this.#pending;
    this.#pending = [];
    const t = this.#hooks.now();
    const batch: ReplyAppend = { events, ttlMs: Math.max(1, this.#deadline - t) };
    if (this.#truncate !== undefined && !this.#truncateSent) {
      batch.truncate = this.#truncate;
      this.#truncateSent = true;
    }
    const final = this.#final;
    if (final !== undefined) {
      batch.status = final;
      batch.ttlMs = this.#settings.ttlMs;
    }
    let meta: ReplyMeta | undefined;
    try {
      meta = await this.#log.append(this.id, batch);
    } catch (err) {
      this.#busy = false;
      this.#giveUp(err);
      return;
    }
    this.#busy = false;
    this.#lastWriteAt = this.#hooks.now();
    wake(this.#log, this.id);
    if (meta === undefined) {
      this.#giveUp(new Error('the reply log expired (maxLifetimeMs)'));
      return;
    }
    if (final !== undefined) {
      this.#finalSent = true;
      this.#settle();
      return;
    }
    this.#readerSeenAt = Math.max(this.#readerSeenAt, meta.readerSeenAt);
    if (this.#metaReaderSeenAt !== undefined && meta.readerSeenAt > this.#metaReaderSeenAt) this.#followedAt = this.#hooks.now();
    this.#metaReaderSeenAt = meta.readerSeenAt;
    if (meta.stopRequested) this.stop();
    this.#kick();
  }

  /**
   * The log cannot be written: the reply goes on for its own client, unresumable. The log now misses
   * events, so it is marked (`gap`) as soon as the store takes a write again: at the end of the reply at
   * the latest (one try), so a resume is a prompt 404 rather than a replay that stops short.
   */
  #giveUp(err: unknown): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#pending = [];
    this.#hooks.onStoreError?.(err instanceof Error ? err.message : String(err));
    wake(this.#log, this.id);
    if (this.#clientGoneAt !== undefined) this.#detachNow();
    if (this.#final !== undefined) void this.#markGap().finally(() => this.#settle());
  }

  /** One last write marking a log that missed events, with the reply's end; never throws. */
  async #markGap(): Promise<void> {
    const batch: ReplyAppend = { events: [], truncate: 'gap', status: this.#final ?? 'error', ttlMs: this.#settings.ttlMs };
    await this.#log.append(this.id, batch).catch(() => undefined);
    wake(this.#log, this.id);
  }

  #settle(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#kickTimer !== undefined) clearTimeout(this.#kickTimer);
    this.#timer = undefined;
    this.#kickTimer = undefined;
    this.#resolve();
  }
}

/** Why a reply cannot be resumed, as the 404's message. */
export function notResumable(meta: ReplyMeta | undefined, userId: string | undefined, settings: ResumeSettings): string | undefined {
  if (meta === undefined || (meta.userId !== undefined && meta.userId !== userId)) return 'This reply is unknown or expired.';
  if (meta.status === 'detached') return `This reply was aborted: no client was attached for ${settings.detachMs} ms.`;
  if (meta.truncated === 'max_events') return `This reply is too long to resume (more than ${settings.maxEvents} events); it is only streamed to its first connection.`;
  if (meta.truncated === 'max_bytes') return `This reply is too long to resume (more than ${settings.maxBytes} bytes); it is only streamed to its first connection.`;
  if (meta.truncated === 'gap') return 'This reply cannot be resumed: its log missed events while the store was unreachable.';
  return undefined;
}

const isFinalFrame = (frame: string) => frame.startsWith('event: done\n') || frame.startsWith('event: error\n');

/** An event the resume endpoint makes itself: it is not part of the reply, so it has no id. */
function ownError(out: EventStream, error: ErrorEvent): void {
  out.frame(encodeEvent('error', error));
}

/**
 * Replay a reply's events after `afterSeq` into `out`, then tail the log until its final event. `first`
 * is the read the handler made to decide between 200 and 404. Always closes `out`.
 */
export async function tailReply(
  out: EventStream,
  log: ReplyLog,
  replyId: string,
  afterSeq: number,
  first: { meta: ReplyMeta; events: ReplyLogEvent[] },
  settings: ResumeSettings,
  now: () => number,
): Promise<void> {
  const touchEveryMs = readerTouchMs(settings);
  let lastTouch = now();
  let after = afterSeq;
  let read: { meta: ReplyMeta; events: ReplyLogEvent[] } | undefined = first;
  try {
    for (;;) {
      if (out.cancelled) return;
      if (read === undefined) {
        return ownError(out, { kind: 'not_found', message: 'This reply expired while it was being resumed.', retryable: false });
      }
      const { meta, events } = read;
      let ended = false;
      for (const e of events) {
        if (e.seq <= after) continue;
        out.frame(e.frame);
        after = e.seq;
        if (isFinalFrame(e.frame)) ended = true;
      }
      if (ended) return;
      if (meta.status === 'detached' || meta.truncated !== undefined) {
        return ownError(out, { kind: 'not_found', message: notResumable(meta, meta.userId, settings)!, retryable: false });
      }
      const more = events.length >= READ_BATCH;
      if (!more && meta.status !== 'running' && after >= meta.lastSeq) {
        // The client already has every event (it asked from the last one): end as the reply did, with its
        // final event once more (same id: a client drops what it already has).
        const last = meta.lastSeq > 0 ? await log.read(replyId, meta.lastSeq - 1, { limit: 1 }).catch(() => undefined) : undefined;
        const final = last?.events[0];
        if (final !== undefined && final.seq === meta.lastSeq && isFinalFrame(final.frame)) return out.frame(final.frame);
        // Ended without a final event in the log (its producer aborted it): say so rather than hang.
        return ownError(out, { kind: 'upstream', message: 'The reply ended without a final event.', retryable: true });
      }
      if (!more && meta.status === 'running' && now() - meta.producerAt > PRODUCER_STALE_MS) {
        return ownError(out, {
          kind: 'network',
          message: 'The edge process serving this reply stopped answering; send the request again.',
          retryable: true,
        });
      }
      // A log that can hold the read until the next append is long-polled (held no longer than a touch
      // period, so this reader is recorded as attached in time); others are polled.
      const hold = !more && meta.status === 'running' && log.maxWaitMs !== undefined ? Math.min(log.maxWaitMs, touchEveryMs) : 0;
      if (!more && meta.status === 'running' && hold === 0) await nextAppend(log, replyId, log.pollMs, out.signal);
      if (out.cancelled) return;
      const touch = hold > 0 || now() - lastTouch >= touchEveryMs;
      if (touch) lastTouch = now();
      try {
        read = await log.read(replyId, after, { touchReader: touch, limit: READ_BATCH, ...(hold > 0 ? { waitMs: hold } : {}) });
      } catch {
        return ownError(out, { kind: 'network', message: 'The reply store is unreachable; try resuming again.', retryable: true });
      }
    }
  } finally {
    out.close();
  }
}
