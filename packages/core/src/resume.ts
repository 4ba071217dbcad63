/**
 * Client side of resumable replies (protocol module, "Resumable replies"): the options that tune it,
 * the backoff between reconnection attempts, and the record of an in-flight reply kept in
 * `sessionStorage` so a reloaded page can pick it up again.
 *
 * @module
 */
import type { KeyValueStorage } from './calibration.ts';
import type { ChatRequest, JsonValue } from './protocol.ts';

/** Key prefix of the `sessionStorage` records of in-flight replies (one per stream key). */
export const RESUME_STORAGE_PREFIX = 'slipstream:reply:';

/** The part of the Web Storage API the reply record needs. */
export interface ResumeStorage extends KeyValueStorage {
  removeItem(key: string): void;
}

/**
 * How a stream resumes a resumable reply (one whose `start` carried a `replyId`). Every field is
 * optional; `resume: false` on the stream turns all of it off.
 */
export interface ResumeOptions {
  /**
   * Reconnect by itself when the connection is lost mid-reply (`fetch` or a body read fails, or the
   * stream ends without `done`/`error`). `false`: such a reply fails with a `network` error, as a
   * non-resumable one does. @default true
   */
  auto?: boolean;
  /** Reconnection attempts after one loss (the count starts again once a resumed connection delivers). @default 9 */
  attempts?: number;
  /** Wait before the first attempt, ms; doubled for each next one, up to `maxDelayMs`. @default 250 */
  baseDelayMs?: number;
  /** Longest wait between two attempts, ms. @default 4000 */
  maxDelayMs?: number;
  /**
   * Give up once this long has passed since the loss, ms. Keep it inside the edge's detach time
   * (30 s by default), after which the reply is gone. @default 25000
   */
  windowMs?: number;
  /**
   * Where the record of a reply in flight is kept so a reload can resume it. `false`: nowhere (no
   * resume after reload). @default sessionStorage where available, else nowhere (never throws)
   */
  storage?: ResumeStorage | false;
  /**
   * Names this stream's record: `slipstream:reply:<key>`. Two streams of one page that talk to the same
   * endpoint need different keys, or they share one record (the one started last is kept).
   * @default the endpoint (`chat:` + the endpoint for a conversation store)
   */
  key?: string;
  /**
   * A resumable reply's connection that brings no bytes for this long is treated as lost and resumed:
   * a network switch can leave a connection half open, with no error, while the edge's heartbeats
   * (every 2.5 s by default) stop arriving. `0` turns it off. @default 15000
   */
  idleMs?: number;
  /** A record older than this is ignored (and removed) instead of resumed, ms. @default 600000 */
  maxAgeMs?: number;
  /**
   * Extra JSON kept with the record when it is written (at `start`), read back from
   * {@link ResumableReply.context} after a reload. The conversation store keeps the messages the reply
   * answers there; a plain stream rarely needs it.
   */
  context?: () => JsonValue | undefined;
}

/** {@link ResumeOptions} with every default filled in, minus `storage` and `key`. */
export type ResolvedResumeOptions = Required<Omit<ResumeOptions, 'storage' | 'key' | 'context'>>;

/** Defaults of {@link ResumeOptions}: waits of 0.25, 0.5, 1, 2, 4, 4, … s, up to 9 attempts within 25 s. */
export const DEFAULT_RESUME_OPTIONS: Readonly<ResolvedResumeOptions> = Object.freeze({
  auto: true,
  attempts: 9,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  windowMs: 25_000,
  idleMs: 15_000,
  maxAgeMs: 600_000,
});

/**
 * What a page keeps about its reply in flight, in `sessionStorage`, so that after a reload it can
 * `GET {endpoint}/{replyId}` from id 0 and show the whole reply again. Times are wall-clock
 * (`Date.now()`), since the store's monotonic clock starts again with the page.
 */
export interface ResumableReply {
  v: 1;
  replyId: string;
  /** The chat endpoint the reply was asked of (resume and stop paths derive from it). */
  endpoint: string;
  /** When the record was written or last resumed (wall clock), for `maxAgeMs`. */
  savedAt: number;
  /** When the request was sent (wall clock), so TTFT survives the reload. */
  sentAt: number;
  /**
   * Wall-clock arrival minus the edge's `t`, learnt when `start` arrived: maps the replayed events'
   * `t` onto this page's timeline, so the meter shows the reply's real pacing, not the replay burst.
   */
  offset: number | null;
  /** The request, so `retry()` works after a reload. Left out when it would not fit. */
  request?: ChatRequest;
  /** What the owner of the stream keeps with it (the conversation store keeps its messages here). */
  context?: JsonValue;
}

/** The full options, from the stream's `resume` option. `undefined`: resume is off. */
export function resolveResumeOptions(option: boolean | ResumeOptions | undefined): ResolvedResumeOptions | undefined {
  if (option === false) return undefined;
  const o = option === true || option === undefined ? {} : option;
  const num = (v: number | undefined, d: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    auto: o.auto ?? DEFAULT_RESUME_OPTIONS.auto,
    attempts: Math.floor(num(o.attempts, DEFAULT_RESUME_OPTIONS.attempts)),
    baseDelayMs: num(o.baseDelayMs, DEFAULT_RESUME_OPTIONS.baseDelayMs),
    maxDelayMs: num(o.maxDelayMs, DEFAULT_RESUME_OPTIONS.maxDelayMs),
    windowMs: num(o.windowMs, DEFAULT_RESUME_OPTIONS.windowMs),
    idleMs: num(o.idleMs, DEFAULT_RESUME_OPTIONS.idleMs),
    maxAgeMs: num(o.maxAgeMs, DEFAULT_RESUME_OPTIONS.maxAgeMs),
  };
}

/** `sessionStorage` when the page has a usable one (not in server rendering, workers, locked-down frames). */
export function defaultResumeStorage(): ResumeStorage | undefined {
  try {
    // Reading the property itself throws in some sandboxes.
    const ss = (globalThis as { sessionStorage?: ResumeStorage }).sessionStorage;
    return ss !== undefined && ss !== null && typeof ss.getItem === 'function' && typeof ss.removeItem === 'function' ? ss : undefined;
  } catch {
    return undefined;
  }
}

/** The storage a `storage` option names: `undefined` when records are not kept. */
export function resolveResumeStorage(storage: ResumeStorage | false | undefined): ResumeStorage | undefined {
  return storage === false ? undefined : (storage ?? defaultResumeStorage());
}

/**
 * Read the reply record kept under `key`, checked (it comes from storage other code can write).
 * `undefined` when there is none, it is unreadable, or it is older than `maxAgeMs` (then it is removed).
 * Never throws.
 */
export function loadResumableReply(storage: ResumeStorage | undefined, key: string, maxAgeMs: number = DEFAULT_RESUME_OPTIONS.maxAgeMs, now: number = Date.now()): ResumableReply | undefined {
  if (storage === undefined) return undefined;
  try {
    const raw = storage.getItem(RESUME_STORAGE_PREFIX + key);
    if (raw === null || raw === undefined) return undefined;
    const rec = readResumableReply(JSON.parse(raw));
    if (rec === undefined || !(now - rec.savedAt <= maxAgeMs)) {
      storage.removeItem(RESUME_STORAGE_PREFIX + key);
      return undefined;
    }
    return rec;
  } catch {
    return undefined;
  }
}

/** Keep `rec` under `key`; without its request when the whole does not fit. Never throws. */
export function saveResumableReply(storage: ResumeStorage | undefined, key: string, rec: ResumableReply): void {
  if (storage === undefined) return;
  try {
    storage.setItem(RESUME_STORAGE_PREFIX + key, JSON.stringify(rec));
    return;
  } catch {
    // A full quota: try again with the smallest useful record.
  }
  try {
    const { request: _request, ...small } = rec;
    storage.setItem(RESUME_STORAGE_PREFIX + key, JSON.stringify(small));
  } catch {
    // Private mode, quota: this reply just cannot survive a reload.
  }
}

/** Forget the record under `key`. Never throws. */
export function clearResumableReply(storage: ResumeStorage | undefined, key: string): void {
  try {
    storage?.removeItem(RESUME_STORAGE_PREFIX + key);
  } catch {
    // Nothing to do.
  }
}

/** A record read from somewhere untrusted, checked: `undefined` unless it has the fields resuming needs. */
export function readResumableReply(x: unknown): ResumableReply | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  if (r.v !== 1 || typeof r.replyId !== 'string' || r.replyId === '' || typeof r.endpoint !== 'string') return undefined;
  if (typeof r.savedAt !== 'number' || typeof r.sentAt !== 'number') return undefined;
  const offset = typeof r.offset === 'number' && Number.isFinite(r.offset) ? r.offset : null;
  const rec: ResumableReply = { v: 1, replyId: r.replyId, endpoint: r.endpoint, savedAt: r.savedAt, sentAt: r.sentAt, offset };
  const request = r.request as ChatRequest | undefined;
  if (typeof request === 'object' && request !== null && Array.isArray(request.messages)) rec.request = request;
  if (r.context !== undefined) rec.context = r.context as JsonValue;
  return rec;
}
