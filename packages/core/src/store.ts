/**
 * The framework-free client stream store: one chat reply at a time, shaped for `useSyncExternalStore`.
 *
 * @module
 */
import { systemClock, type Clock } from './clock.ts';
import { isErrorBody, parseRetryAfter } from './http-error.ts';
import { lazy } from './lazy.ts';
import { betterCalibration, calibrate, createMemoryCalibrationStorage, createWebCalibrationStorage, readCalibration, type CalibrationStorage } from './calibration.ts';
import { MetricsRecorder, type LiveWindowOptions, type StreamMetrics } from './metrics.ts';
import { notifyManager } from './notify.ts';
import { cost } from './pricing.ts';
import {
  LAST_EVENT_ID_HEADER,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  resumePath,
  stopPath,
  type ChatRequest,
  type ErrorEvent,
  type FallbackEvent,
  type ProtocolEvent,
  type ToolResultEvent,
  type TokenCalibration,
} from './protocol.ts';
import { createProtocolDecoder } from './read-protocol-stream.ts';
import { ReplyParts } from './reply-parts.ts';
import {
  clearResumableReply,
  loadResumableReply,
  resolveResumeOptions,
  resolveResumeStorage,
  saveResumableReply,
  type ResolvedResumeOptions,
  type ResumableReply,
  type ResumeOptions,
  type ResumeStorage,
} from './resume.ts';
import {
  INITIAL_CONTROL_STATE,
  isTerminal,
  reduce,
  type Action,
  type ControlState,
  type FastStreamState,
  type ReplyPart,
  type ReplyStep,
  type ReplyToolCallPart,
} from './stream-state.ts';
import type { ReconnectHost } from './reconnect.ts';
import type { AnswerFault, AnswerKit } from './problems.ts';
import { Subscribable } from './subscribable.ts';
import { checkRequest, loadValidator } from './request-check.ts';
import type { RequestLimits } from './limits.ts';

/**
 * Options for {@link createFastStream}. Every field is optional. The object is kept, not copied:
 * `endpoint`, `headers`, `fetch`, `defaults`, `limits` and the callbacks are read each time they are
 * used (getters work); `notify`, `clock`, `charsPerToken`, `liveWindow`, `liveWindowMs` and
 * `calibration` are read once.
 */
export interface FastStreamOptions {
  /** Where to POST. @default '/api/chat' */
  endpoint?: string;
  /** Extra request headers, or a function returning them (called per request, e.g. for a fresh token). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** @default globalThis.fetch, looked up per request */
  fetch?: typeof fetch;
  /**
   * When listeners hear about changes: `'frame'` = at most once per animation frame
   * (`requestAnimationFrame`, else a 16 ms timer), `'sync'` = on every change, a number = at most once per
   * that many ms. Metrics are stamped at arrival whatever this is. @default 'frame'
   */
  notify?: 'frame' | 'sync' | number;
  /** @default {@link systemClock} */
  clock?: Clock;
  /**
   * Estimate live tokens as plain characters ÷ this (re-measured after each reply) instead of the
   * content-aware, calibrated count. Only for comparison; the default is far closer on code and tables.
   */
  charsPerToken?: number;
  /** How the live window adapts, and when the live figure is ready. @default DEFAULT_LIVE_WINDOW */
  liveWindow?: LiveWindowOptions;
  /** A fixed live window in ms instead of the adaptive one. */
  liveWindowMs?: number;
  /**
   * Where token calibrations are kept per model between replies and page loads. The edge's
   * calibration (in `start`) is used when it was measured over more tokens than the stored one; each
   * finished reply refines the one used and stores it. `false` keeps them for this store only.
   * @default localStorage where available, else memory (never throws)
   */
  calibration?: CalibrationStorage | false;
  /** Merged under every `start(body)` (the body wins). */
  defaults?: Partial<ChatRequest>;
  /**
   * Limits for the client-side check of each body before it is sent (the edge checks again); match
   * them to the edge's. The check runs `validateChatRequest` (`@slipstream/core/validate`), which a
   * bundler puts in its own chunk and the store starts loading when it is created: a refused body fails
   * (`invalid_request`, never fetched) inside `start()`, or, when `start()` comes before the chunk has
   * loaded, as soon as it has. `false` skips the check and never loads the validator.
   * @default DEFAULT_REQUEST_LIMITS
   */
  limits?: Partial<RequestLimits> | false;
  /**
   * Resumable replies (the edge sends `start.replyId` and SSE ids when it keeps replies). By default a
   * resumable reply whose connection is lost reconnects by itself (`GET {endpoint}/{replyId}` with
   * `last-event-id`, backing off 0.25, 0.5, 1, 2, 4 s… for up to 25 s; `reconnecting` in the state
   * meanwhile), and its `{ replyId, endpoint }` is kept in `sessionStorage` while it streams so
   * {@link FastStream.resume} can pick it up after a reload. `false` turns both off: a lost connection
   * fails the reply with a `network` error, as for a non-resumable one. Read once.
   * @default true
   */
  resume?: boolean | ResumeOptions;
  /** Every protocol event, as it arrives. */
  onEvent?(e: ProtocolEvent): void;
  /** Every text or thinking delta, as it arrives. */
  onDelta?(delta: string, kind: 'text' | 'thinking'): void;
  /** A tool call's input is complete (`tool_call`): the part as it now stands (`input-available`). */
  onToolCall?(part: ReplyToolCallPart): void;
  /**
   * A tool result arrived. `part` is the call's part with the result attached, or `undefined` when the
   * call belongs to an earlier reply (step -1: an approved call run before this reply's first step;
   * attach it there, see {@link FastStreamState.earlierToolResults}).
   */
  onToolResult?(result: ToolResultEvent, part: ReplyToolCallPart | undefined): void;
  /** A step finished (`step_finish`), with its usage and metrics. */
  onStep?(step: ReplyStep): void;
  /** The reply finished (`done`). */
  onFinish?(s: FastStreamState): void;
  /** The reply failed (an `error` event, a refused request, a network or protocol failure). */
  onError?(e: ErrorEvent, s: FastStreamState): void;
  /** The edge served a different speed than allowed, and why. */
  onFallback?(f: FallbackEvent): void;
}

/** A stream store. Every method may be called detached (`const { start } = stream`). */
export interface FastStream {
  /** Listen for changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** The current state: immutable, and the same object until something changes. */
  getSnapshot(): FastStreamState;
  /** The initial idle state, always the same object (for server rendering). */
  getServerSnapshot(): FastStreamState;
  /** Send `body` (merged over `defaults`, then validated). Aborts a reply in progress first. */
  start(body: ChatRequest): void;
  /**
   * Abort the request; keeps the partial text; status `aborted`. No-op when nothing is in flight. For a
   * resumable reply it also sends `POST {endpoint}/{replyId}/stop` (fire-and-forget, `keepalive`), since
   * for such a reply a closed connection only detaches it at the edge.
   */
  stop(): void;
  /**
   * Pick up a resumable reply again from its first event: `record`, or the one this stream kept in
   * `sessionStorage` before the page was reloaded. The whole reply is replayed (`GET {endpoint}/{replyId}`
   * with `last-event-id: 0`) and then streams live; the meter places replayed events at the times the
   * edge produced them. Returns `false` (and does nothing) when there is no record, resume is off, or a
   * reply is in flight. A reply the edge no longer has ends in an error of kind `not_found`.
   */
  resume(record?: ResumableReply): boolean;
  /** The record of this stream's reply in flight as kept in storage (`undefined` when none). */
  storedReply(): ResumableReply | undefined;
  /** Send the last request again. No-op before the first `start`. */
  retry(): void;
  /** Abort anything in flight (stopping a resumable reply at the edge) and go back to `idle` (calibration is kept). */
  reset(): void;
  /**
   * Abort, drop all listeners and pending notifications. The store cannot be started again. A resumable
   * reply in flight is only detached, not stopped: its record stays, so a new store (a remount, a
   * reload) can {@link FastStream.resume} it within the edge's detach time.
   */
  destroy(): void;
}

/**
 * Create a stream store.
 *
 * @example
 * const stream = createFastStream({ endpoint: '/api/chat' });
 * stream.subscribe(() => {
 *   const s = stream.getSnapshot();
 *   console.log(s.status, s.text.length, s.metrics.otps.value);
 * });
 * stream.start({ messages: [{ role: 'user', content: 'Hello' }], speed: 'auto' });
 */
export function createFastStream(options: FastStreamOptions = {}): FastStream {
  return new FastStreamStore(options);
}

const NO_PARTS: readonly ReplyPart[] = Object.freeze([]);
const NO_STEPS: readonly ReplyStep[] = Object.freeze([]);
const NO_RESULTS: readonly ToolResultEvent[] = Object.freeze([]);

/** One in-flight request; replaced on every start so late events of an old one are ignored. */
export interface Run {
  /** Aborts the connection now open; replaced for each reconnection. */
  controller: AbortController;
  /** The endpoint the reply was asked of (resume and stop paths derive from it). */
  readonly endpoint: string;
  /** The storage key of this reply's record. */
  readonly key: string;
  /** From `start`, when the reply is resumable. */
  replyId: string | null;
  /** SSE id of the last event fully received and handled; 0 for none. */
  lastId: number;
  /**
   * Smallest (arrival − edge `t`) seen, store clock: where an event the edge stamped `t` would have
   * arrived over an open connection. Places replayed events on the reply's timeline.
   */
  offset: number | null;
  /** The open connection is a resume: its first events are a replay, placed by their `t`. */
  replaying: boolean;
  /** Store-clock time the last event was placed at: placed times never go back. */
  lastAt: number;
  /** Wall-clock time the request was sent, for the record. */
  sentWall: number;
  /** The record is written (or this run came from one). */
  recorded: boolean;
  /** Ends a backoff wait early (the run was stopped). */
  wake: (() => void) | null;
}

/** How a connection ended: `undefined` when the reply is settled (or replaced), else the loss. */
export type ReadOutcome = ErrorEvent | undefined;

/**
 * Reconnecting (reconnect.ts): only a lost connection or a resume after a reload needs it, so it is a
 * chunk of its own, loaded when a resumable reply starts (see `#read`) or a reload resumes one.
 */
const reconnection = lazy(() => import('./reconnect.ts'));

/** Saying why an answer or an event is unusable (problems.ts): only a failure needs it. */
const problems = lazy(() => import('./problems.ts'));
const ANSWER_KIT: AnswerKit = { isErrorBody, parseRetryAfter, protocolHeader: PROTOCOL_HEADER, protocolVersion: PROTOCOL_VERSION };

class FastStreamStore extends Subscribable implements FastStream {
  readonly #options: FastStreamOptions;
  readonly #clock: Clock;
  readonly #liveWindowMs: number | undefined;
  readonly #liveWindow: LiveWindowOptions | undefined;
  readonly #notifyMode: 'frame' | 'sync' | number;
  readonly #calibrations: CalibrationStorage;
  readonly #resume: ResolvedResumeOptions | undefined;
  readonly #resumeKey: string | undefined;
  readonly #resumeContext: ResumeOptions['context'];
  readonly #replyStorage: ResumeStorage | undefined;
  /** The storage key of the record written for the reply in flight, until it is cleared. */
  #recordKey: string | null = null;
  /** The reply whose record this store wrote under `#recordKey`. */
  #recordReplyId: string | null = null;
  #charsPerToken: number | undefined;
  // The calibration in use for the current reply, and the model it is for.
  #replyCalibration: TokenCalibration | undefined;
  #replyModel: string | undefined;

  #control: ControlState = INITIAL_CONTROL_STATE;
  // Deltas are appended to chunk lists and joined once per snapshot, never per event.
  #text = '';
  #textChunks: string[] = [];
  #thinking = '';
  #thinkingChunks: string[] = [];
  #metrics: MetricsRecorder;
  #reply: ReplyParts;

  #run: Run | null = null;
  #destroyed = false;

  #version = 0;
  #snapshot: FastStreamState;
  #snapshotVersion = 0;
  #metricsVersion: number;
  readonly #serverSnapshot: FastStreamState;

  #lastNotified: FastStreamState | undefined;
  #cancelScheduled: (() => void) | undefined;

  constructor(options: FastStreamOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#liveWindowMs = options.liveWindowMs;
    this.#liveWindow = options.liveWindow;
    this.#notifyMode = options.notify ?? 'frame';
    this.#charsPerToken = options.charsPerToken;
    const storage = options.calibration;
    this.#calibrations = storage === undefined ? createWebCalibrationStorage() : storage === false ? createMemoryCalibrationStorage() : storage;
    this.#resume = resolveResumeOptions(options.resume);
    const resumeOpts = typeof options.resume === 'object' ? options.resume : undefined;
    this.#resumeKey = resumeOpts?.key;
    this.#resumeContext = resumeOpts?.context;
    this.#replyStorage = this.#resume === undefined ? undefined : resolveResumeStorage(resumeOpts?.storage);
    this.#metrics = this.#newRecorder();
    this.#reply = this.#newReply();
    this.#metricsVersion = this.#metrics.version;
    this.#snapshot = Object.freeze({
      ...INITIAL_CONTROL_STATE,
      text: '',
      thinking: '',
      parts: NO_PARTS,
      steps: NO_STEPS,
      earlierToolResults: NO_RESULTS,
      metrics: this.#metrics.snapshot(),
    });
    this.#serverSnapshot = this.#snapshot;
    // Fetch the validator chunk now, while the page is idle, so the first send does not wait for it.
    if (options.limits !== false) loadValidator().catch(() => {});
    // Bound so they can be passed around detached (`subscribe` is bound by Subscribable).
    this.getSnapshot = this.getSnapshot.bind(this);
    this.getServerSnapshot = this.getServerSnapshot.bind(this);
    this.start = this.start.bind(this);
    this.stop = this.stop.bind(this);
    this.resume = this.resume.bind(this);
    this.storedReply = this.storedReply.bind(this);
    this.retry = this.retry.bind(this);
    this.reset = this.reset.bind(this);
    this.destroy = this.destroy.bind(this);
  }

  getSnapshot(): FastStreamState {
    if (this.#snapshotVersion === this.#version && this.#metricsVersion === this.#metrics.version) return this.#snapshot;
    if (this.#textChunks.length > 0) {
      this.#text += this.#textChunks.join('');
      this.#textChunks = [];
    }
    if (this.#thinkingChunks.length > 0) {
      this.#thinking += this.#thinkingChunks.join('');
      this.#thinkingChunks = [];
    }
    this.#snapshot = Object.freeze({
      ...this.#control,
      text: this.#text,
      thinking: this.#thinking,
      parts: this.#reply.parts(),
      steps: this.#reply.steps(),
      earlierToolResults: this.#reply.earlierToolResults(),
      metrics: this.#replyMetrics(),
    });
    this.#snapshotVersion = this.#version;
    this.#metricsVersion = this.#metrics.version;
    return this.#snapshot;
  }

  getServerSnapshot(): FastStreamState {
    return this.#serverSnapshot;
  }

  start(body: ChatRequest): void {
    if (this.#destroyed) throw new Error('FastStream.start() called after destroy()');
    this.#abortRun(true);
    const merged = { ...this.#options.defaults, ...body };
    // Until the edge names the model, the stored calibration of the model asked for.
    this.#replyModel = typeof merged.model === 'string' ? merged.model : undefined;
    this.#replyCalibration = this.#replyModel === undefined ? undefined : this.#calibrations.load(this.#replyModel);
    this.#clearContent();
    const request = merged as ChatRequest;
    this.#dispatch({ type: 'start', request });
    const endpoint = this.#options.endpoint ?? '/api/chat';
    const run = newRun(endpoint, this.#resumeKey ?? endpoint);
    this.#run = run;
    this.#guard(run, this.#execute(run, request));
  }

  stop(): void {
    if (this.#run === null) return;
    this.#abortRun(true);
    this.#metrics.finish();
    this.#reply.end('aborted');
    this.#dispatch({ type: 'abort' });
  }

  resume(record?: ResumableReply): boolean {
    if (this.#destroyed) throw new Error('FastStream.resume() called after destroy()');
    const o = this.#resume;
    if (this.#run !== null || o === undefined) return false;
    const endpoint = this.#options.endpoint ?? '/api/chat';
    const key = this.#resumeKey ?? endpoint;
    const rec = record ?? loadResumableReply(this.#replyStorage, key, o.maxAgeMs);
    if (rec === undefined) return false;
    const request = rec.request ?? null;
    this.#replyModel = typeof request?.model === 'string' ? request.model : undefined;
    this.#replyCalibration = this.#replyModel === undefined ? undefined : this.#calibrations.load(this.#replyModel);
    this.#clearContent();
    this.#dispatch({ type: 'resume', replyId: rec.replyId, request });
    // The record's times are wall-clock; this page's store clock started again with it.
    const shift = this.#clock.now() - Date.now();
    const sentAt = rec.sentAt + shift;
    const run = newRun(rec.endpoint, key);
    run.replyId = rec.replyId;
    run.offset = rec.offset === null ? null : rec.offset + shift;
    run.lastAt = sentAt;
    run.sentWall = rec.sentAt;
    run.recorded = true;
    this.#metrics.markSent(sentAt);
    this.#reply.markSent(sentAt);
    this.#recordKey = key;
    this.#recordReplyId = rec.replyId;
    saveResumableReply(this.#replyStorage, key, { ...rec, savedAt: Date.now() });
    this.#run = run;
    this.#guard(run, this.#recover(run, undefined));
    return true;
  }

  storedReply(): ResumableReply | undefined {
    const o = this.#resume;
    if (o === undefined) return undefined;
    return loadResumableReply(this.#replyStorage, this.#resumeKey ?? this.#options.endpoint ?? '/api/chat', o.maxAgeMs);
  }

  /** A bug of ours or a throwing user hook: still a typed error, never an unhandled rejection. */
  #guard(run: Run, work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (this.#run === run) this.#fail({ kind: 'protocol', message: `Unexpected failure: ${describe(err)}`, retryable: false }, this.#clock.now());
    });
  }

  retry(): void {
    const request = this.#control.request;
    if (request !== null) this.start(request);
  }

  reset(): void {
    this.#abortRun(true);
    this.#clearContent();
    this.#dispatch({ type: 'reset' });
  }

  destroy(): void {
    // Detach only: the record stays so a new store can resume the reply (see the interface).
    this.#abortRun(false);
    this.#recordKey = null;
    this.#destroyed = true;
    this.#cancelScheduled?.();
    this.#cancelScheduled = undefined;
    this.listeners.clear();
  }

  protected override onUnsubscribe(): void {
    // Nobody to tell: drop a pending notification. getSnapshot still tells the truth.
    this.#cancelScheduled?.();
    this.#cancelScheduled = undefined;
  }

  // ---- the request ----------------------------------------------------------------------------

  async #execute(run: Run, body: ChatRequest): Promise<void> {
    let request = body;
    const limits = this.#options.limits;
    if (limits !== false) {
      // The validator is a lazily loaded chunk (see request-check.ts). Loaded (the usual case: the
      // store prefetched it), this runs synchronously inside start(), as fetch does; else it waits.
      const checking = checkRequest(body, limits);
      const checked = checking instanceof Promise ? await checking : checking;
      if (this.#run !== run) return;
      if (!checked.ok) {
        this.#fail({ kind: 'invalid_request', message: checked.message, field: checked.field, retryable: false }, this.#clock.now());
        return;
      }
      request = checked.value;
    }
    const fetchFn = this.#options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      const headers: Record<string, string> = {
        ...this.#userHeaders(),
        'content-type': 'application/json',
        accept: 'text/event-stream',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      };
      const sentAt = this.#clock.now();
      this.#metrics.markSent(sentAt);
      this.#reply.markSent(sentAt);
      run.lastAt = sentAt;
      run.sentWall = Date.now();
      // Called as a plain function: `window.fetch` throws "Illegal invocation" with another `this`.
      response = await fetchFn(run.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        signal: run.controller.signal,
      });
    } catch (err) {
      // No `start` yet, so no replyId: nothing to resume.
      if (this.#run === run) this.#fail({ kind: 'network', message: `Request failed: ${describe(err)}`, retryable: true }, this.#clock.now());
      return;
    }
    if (this.#run !== run) {
      response.body?.cancel().catch(() => {});
      return;
    }

    const problem = await this.#checkResponse(response);
    if (this.#run !== run) return;
    if (problem !== undefined) {
      this.#fail(problem, this.#clock.now());
      return;
    }
    const lost = await this.#read(run, response.body as ReadableStream<Uint8Array>);
    if (lost !== undefined) await this.#recover(run, lost);
  }

  #userHeaders(): Record<string, string> {
    const h = this.#options.headers;
    return { ...(typeof h === 'function' ? h() : h) };
  }

  /**
   * The connection of `run` was lost (`lost`), or a reload resumes it (`undefined`): reconnect until the
   * reply settles, or fail it when it cannot be resumed.
   */
  async #recover(run: Run, lost: ErrorEvent | undefined): Promise<void> {
    const o = this.#resume;
    const cause: ErrorEvent = lost ?? { kind: 'network', message: 'Resuming after a reload', retryable: true };
    // Not resumable, or reconnecting is off: the loss is the reply's error, and nothing is loaded.
    if (run.replyId === null || o === undefined || (!o.auto && lost !== undefined)) {
      this.#fail(cause, this.#clock.now());
      return;
    }
    let mod = reconnection.value;
    if (mod === undefined) {
      try {
        mod = await reconnection.load();
      } catch {
        // The chunk cannot be fetched (it was not prefetched, and the network is gone): as without resume.
        if (this.#run === run) this.#fail(cause, this.#clock.now());
        return;
      }
      if (this.#run !== run) return;
    }
    await mod.recover(this.#reconnectHost(o), run, cause, lost === undefined);
  }

  #reconnectHost(options: ResolvedResumeOptions): ReconnectHost {
    return {
      options,
      live: (run) => this.#run === run,
      now: () => this.#clock.now(),
      fail: (error) => this.#fail(error, this.#clock.now()),
      reconnecting: (reconnecting) => this.#dispatch({ type: 'reconnecting', reconnecting }),
      open: (run) =>
        (this.#options.fetch ?? globalThis.fetch)(resumePath(run.endpoint, run.replyId as string), {
          method: 'GET',
          headers: {
            ...this.#userHeaders(),
            accept: 'text/event-stream',
            [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
            [LAST_EVENT_ID_HEADER]: String(run.lastId),
          },
          signal: run.controller.signal,
        }),
      check: (response) => this.#checkResponse(response),
      read: (run, body) => this.#read(run, body),
    };
  }

  /** `POST {endpoint}/{replyId}/stop`, fire-and-forget: it must outlive the page (`keepalive`) and never throw. */
  #sendStop(run: Run): void {
    if (run.replyId === null) return;
    const fetchFn = this.#options.fetch ?? globalThis.fetch;
    try {
      const sent = fetchFn(stopPath(run.endpoint, run.replyId), {
        method: 'POST',
        headers: { ...this.#userHeaders(), [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
        keepalive: true,
      });
      Promise.resolve(sent).then(
        (r) => r?.body?.cancel().catch(() => {}),
        () => {},
      );
    } catch {
      // The edge's detach time still ends the reply.
    }
  }

  /** Keep the record of `run`'s reply, so a reload can resume it. */
  #record(run: Run, startT: number, arrival: number): void {
    run.recorded = true;
    const storage = this.#replyStorage;
    if (storage === undefined || run.replyId === null) return;
    const wallNow = Date.now();
    const rec: ResumableReply = {
      v: 1,
      replyId: run.replyId,
      endpoint: run.endpoint,
      savedAt: wallNow,
      sentAt: run.sentWall,
      // Wall-clock arrival of `start` minus its edge time (the store clock may lag the wall clock).
      offset: Number.isFinite(startT) ? wallNow - (this.#clock.now() - arrival) - startT : null,
    };
    const request = this.#control.request;
    if (request !== null) rec.request = request;
    if (this.#resumeContext !== undefined) {
      try {
        const read = this.#resumeContext;
        const context = read();
        if (context !== undefined) rec.context = context;
      } catch {
        // The context is an extra: the reply is still resumable without it.
      }
    }
    this.#recordKey = run.key;
    this.#recordReplyId = run.replyId;
    saveResumableReply(storage, run.key, rec);
  }

  #forgetRecord(): void {
    if (this.#recordKey === null) return;
    // Only our own: another store on the same key (a chat finishing its reply in the background while
    // a new one streams) may have written its record over ours since.
    const kept = loadResumableReply(this.#replyStorage, this.#recordKey, Infinity);
    if (kept === undefined || this.#recordReplyId === null || kept.replyId === this.#recordReplyId) clearResumableReply(this.#replyStorage, this.#recordKey);
    this.#recordKey = null;
    this.#recordReplyId = null;
  }

  /**
   * Where an event arriving at `arrival` belongs on the reply's timeline. Over the original connection,
   * at its arrival. Over a resumed one, the edge's `t` plus the smallest (arrival − `t`) seen: a replayed
   * event is placed where it would have arrived had the connection held, so the time away is not
   * generation time and the replay's burst is not a rate. Never before the previous event, never after
   * the arrival.
   */
  #place(run: Run, arrival: number, event: ProtocolEvent): number {
    const t = (event.data as { t?: unknown }).t;
    let at = arrival;
    if (typeof t === 'number' && Number.isFinite(t)) {
      if (run.replaying && run.offset !== null) at = Math.min(arrival, Math.max(run.lastAt, t + run.offset));
      const offset = arrival - t;
      if (run.offset === null || offset < run.offset) run.offset = offset;
    }
    if (at < run.lastAt) at = Math.min(arrival, run.lastAt);
    run.lastAt = at;
    return at;
  }

  /** A typed error for an answer that is not a protocol v1 stream, or `undefined` if it is one. */
  async #checkResponse(response: Response): Promise<ErrorEvent | undefined> {
    const version = response.headers.get(PROTOCOL_HEADER);
    let fault: AnswerFault | undefined;
    if (!response.ok) fault = 'status';
    else if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) fault = 'type';
    else if (version !== null && version.trim() !== String(PROTOCOL_VERSION)) fault = 'version';
    else if (response.body === null) fault = 'body';
    if (fault === undefined) return undefined;
    try {
      return await (await problems.load()).answerError(response, fault, ANSWER_KIT);
    } catch (err) {
      // The chunk that reads it could not be fetched: still a typed, retryable error.
      response.body?.cancel().catch(() => {});
      return { kind: 'network', message: `HTTP ${response.status}: could not load the code that reads this answer (${describe(err)})`, status: response.status, retryable: true };
    }
  }

  /**
   * Read one connection of `run`. Returns the loss (a `network` error) when the connection broke or
   * ended before `done`/`error`, so the caller can resume; `undefined` when the reply settled here or the
   * run was replaced.
   */
  async #read(run: Run, body: ReadableStream<Uint8Array>): Promise<ReadOutcome> {
    const reader = body.getReader();
    const decoder = createProtocolDecoder();
    let finished = false;
    // A connection can die without an error (a network switch leaves it half open): the edge's
    // heartbeats stop. For a reply that can be resumed, silence that long counts as a loss.
    let silent = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const idleMs = this.#resume?.auto === true ? this.#resume.idleMs : 0;
    const watch = (): void => {
      if (watchdog !== undefined) clearTimeout(watchdog);
      if (idleMs <= 0 || run.replyId === null) return;
      watchdog = setTimeout(() => {
        silent = true;
        reader.cancel().catch(() => {});
        run.controller.abort();
      }, idleMs);
    };
    try {
      while (true) {
        watch();
        const { done, value } = await reader.read();
        if (this.#run !== run) return undefined;
        if (silent) return { kind: 'network', message: `No data from the edge for ${Math.round(idleMs / 1000)} s`, retryable: true };
        // One stamp per network read: every event it carried arrived now.
        const arrival = this.#clock.now();
        if (done) finished = true;
        const { events, ids, error } = done ? decoder.end() : decoder.push(value);
        for (let i = 0; i < events.length; i++) {
          const event = events[i] as ProtocolEvent;
          const id = parseId(ids[i]);
          // Already received before the connection was lost: a resume replays from the id we sent.
          if (id !== undefined && id <= run.lastId) continue;
          if (id !== undefined && id !== run.lastId + 1) {
            this.#fail({ kind: 'protocol', message: `The edge skipped events ${run.lastId + 1}–${id - 1} of the reply`, retryable: true }, arrival);
            return undefined;
          }
          const rule = malformedRule(event);
          if (rule !== undefined) {
            const message = await problems.load().then(
              (m) => m.describeMalformed(event.event, rule),
              () => `Malformed ${event.event} event`,
            );
            if (this.#run === run) this.#fail({ kind: 'protocol', message, retryable: false }, arrival);
            return undefined;
          }
          const at = this.#place(run, arrival, event);
          this.#handle(event, at);
          if (id !== undefined) run.lastId = id;
          if (event.event === 'start' && !run.recorded) {
            run.replyId = this.#control.replyId;
            if (run.replyId !== null) {
              this.#record(run, event.data.t, arrival);
              // Fetch the reconnection code now, while the network is up: a drop may be the network going away.
              if (this.#resume?.auto === true) reconnection.load().catch(() => {});
            }
          }
          if (this.#run !== run || isTerminal(this.#control.status)) return undefined;
        }
        if (error !== undefined) {
          this.#fail({ kind: 'protocol', message: error.message, retryable: false }, arrival);
          return undefined;
        }
        if (done) return { kind: 'network', message: 'The stream ended early, before done or error', retryable: true };
      }
    } catch (err) {
      if (this.#run !== run) return undefined;
      if (silent) return { kind: 'network', message: `No data from the edge for ${Math.round(idleMs / 1000)} s`, retryable: true };
      return { kind: 'network', message: `Connection lost: ${describe(err)}`, retryable: true };
    } finally {
      if (watchdog !== undefined) clearTimeout(watchdog);
      if (!finished) reader.cancel().catch(() => {});
    }
  }

  #handle(event: ProtocolEvent, at: number): void {
    this.#safely(this.#options.onEvent, event);
    switch (event.event) {
      case 'start':
        this.#useCalibration(event.data.model, event.data.calibration);
        this.#dispatch({ type: 'event', event, at });
        return;
      case 'text':
      case 'thinking': {
        const { delta, step, index } = event.data;
        const t = typeof event.data.t === 'number' ? event.data.t : Number.NaN;
        (event.event === 'text' ? this.#textChunks : this.#thinkingChunks).push(delta);
        this.#metrics.recordDelta(at, delta, t, event.event, `${event.event}:${intOr0(step)}:${intOr0(index)}`);
        this.#reply.delta(event.event, intOr0(step), intOr0(index), delta, at, t);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        this.#safely(this.#options.onDelta, delta, event.event);
        return;
      }
      case 'tool_input_delta': {
        const d = event.data;
        const t = typeof d.t === 'number' ? d.t : Number.NaN;
        // Tool input is output the model streams: it counts toward the reply's tokens and rates.
        this.#metrics.recordDelta(at, d.delta, t, 'tool_input', `tool:${d.toolCallId}`);
        this.#reply.delta('tool_input', d.step, intOr0(d.index), d.delta, at, t, d.toolCallId);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        return;
      }
      case 'step_start':
        this.#reply.stepStart(event.data, at);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        return;
      case 'step_finish': {
        const step = this.#reply.stepFinish(event.data, at);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        this.#safely(this.#options.onStep, step);
        return;
      }
      case 'thinking_signature':
        this.#reply.signature({ ...event.data, index: intOr0(event.data.index) }, at);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        return;
      case 'tool_call_start':
        this.#reply.toolCallStart({ ...event.data, index: intOr0(event.data.index) }, at);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        return;
      case 'tool_call': {
        const part = this.#reply.toolCall({ ...event.data, index: intOr0(event.data.index) }, at);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        this.#safely(this.#options.onToolCall, part);
        return;
      }
      case 'tool_result': {
        const part = this.#reply.toolResult(event.data, at);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        this.#safely(this.#options.onToolResult, event.data, part);
        return;
      }
      case 'ratelimit':
        this.#reply.rateLimit(event.data);
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        return;
      case 'fallback':
        this.#dispatch({ type: 'event', event, at });
        this.#safely(this.#options.onFallback, event.data);
        return;
      case 'usage':
        this.#metrics.setOutputTokens(event.data.outputTokens);
        this.#dispatch({ type: 'event', event, at });
        return;
      case 'error':
        this.#run = null;
        this.#forgetRecord();
        this.#metrics.finish();
        this.#reply.end('error');
        this.#version++;
        this.#dispatch({ type: 'event', event, at });
        this.#safely(this.#options.onError, event.data, this.getSnapshot());
        return;
      case 'done': {
        this.#run = null;
        this.#forgetRecord();
        const d = event.data;
        this.#metrics.finish(d.usage.outputTokens);
        this.#reply.done(d.pendingToolCalls);
        this.#version++;
        this.#learnCalibration(d.model);
        const fallbackCost = d.cost === null ? cost(d.usage, d.model, d.speed) : null;
        this.#dispatch({ type: 'event', event, at, fallbackCost });
        this.#safely(this.#options.onFinish, this.getSnapshot());
        return;
      }
      default:
        this.#dispatch({ type: 'event', event, at });
    }
  }

  #fail(error: ErrorEvent, at: number): void {
    this.#run = null;
    this.#forgetRecord();
    this.#metrics.finish();
    this.#reply.end('error');
    this.#version++;
    this.#dispatch({ type: 'fail', error, at });
    this.#safely(this.#options.onError, error, this.getSnapshot());
  }

  // ---- state and notification ------------------------------------------------------------------

  #dispatch(action: Action): void {
    const next = reduce(this.#control, action);
    if (next !== this.#control) {
      this.#control = next;
      this.#version++;
    }
    this.#scheduleNotify();
  }

  #scheduleNotify(): void {
    if (!this.hasListeners() || this.#cancelScheduled !== undefined) return;
    const mode = this.#notifyMode;
    if (mode === 'sync') {
      this.#flush();
      return;
    }
    const flush = (): void => {
      this.#cancelScheduled = undefined;
      this.#flush();
    };
    this.#cancelScheduled = mode === 'frame' ? notifyManager.scheduleFrame(flush) : notifyManager.scheduleTimeout(flush, mode);
  }

  #flush(): void {
    // Compare before notifying: nothing visible changed, nobody is told.
    const snapshot = this.getSnapshot();
    if (snapshot === this.#lastNotified) return;
    this.#lastNotified = snapshot;
    notifyManager.notify(this.#emit);
  }

  readonly #emit = (): void => this.emit();

  /** Abort the run in flight; `stop`: also stop a resumable reply at the edge and forget its record. */
  #abortRun(stop = false): void {
    const run = this.#run;
    if (run !== null) {
      this.#run = null;
      run.controller.abort();
      run.wake?.();
      if (stop) this.#sendStop(run);
    }
    if (stop) this.#forgetRecord();
  }

  #clearContent(): void {
    this.#text = '';
    this.#textChunks = [];
    this.#thinking = '';
    this.#thinkingChunks = [];
    this.#metrics = this.#newRecorder();
    this.#reply = this.#newReply();
    this.#version++;
  }

  #newReply(): ReplyParts {
    return new ReplyParts(() => this.#newRecorder());
  }

  /** The recorder's figures, with multi-step headline and effective rates that leave out tool time. */
  #replyMetrics(): StreamMetrics {
    const m = this.#metrics.snapshot();
    const rates = this.#reply.replyRates();
    if (rates === undefined) return m;
    // Once the stream ended with exact tokens the recorder snaps live to its own headline: use ours.
    const liveOtps = isTerminal(this.#control.status) && !m.liveOtps.isEstimate ? { ...m.liveOtps, ...rates.otps } : m.liveOtps;
    return Object.freeze({ ...m, otps: rates.otps, effectiveOtps: rates.effectiveOtps, liveOtps });
  }

  #newRecorder(): MetricsRecorder {
    const opts: ConstructorParameters<typeof MetricsRecorder>[0] = {};
    if (this.#charsPerToken !== undefined) opts.charsPerToken = this.#charsPerToken;
    if (this.#replyCalibration !== undefined) opts.calibration = this.#replyCalibration;
    if (this.#liveWindowMs !== undefined) opts.windowMs = this.#liveWindowMs;
    if (this.#liveWindow !== undefined) opts.liveWindow = this.#liveWindow;
    return new MetricsRecorder(opts);
  }

  /** The reply's model is known (`start`): use the better of the edge's and the stored calibration. */
  #useCalibration(model: string, fromEdge: unknown): void {
    if (typeof model !== 'string') return;
    const edge = readCalibration(fromEdge);
    const stored = this.#calibrations.load(model);
    const best = betterCalibration(stored, edge?.model === model ? edge : undefined);
    this.#replyModel = model;
    this.#replyCalibration = best;
    this.#metrics.setCalibration(best);
  }

  /** A reply finished with an exact count: refine the calibration it used and keep it. */
  #learnCalibration(model: string): void {
    if (this.#charsPerToken !== undefined) {
      // The plain rule of thumb, re-measured (the `charsPerToken` option).
      this.#charsPerToken = this.#metrics.calibratedCharsPerToken() ?? this.#charsPerToken;
      return;
    }
    const sample = this.#metrics.calibrationSample();
    if (sample === undefined || typeof model !== 'string') return;
    const base = model === this.#replyModel ? this.#replyCalibration : this.#calibrations.load(model);
    const next = calibrate(base, model, sample);
    if (next !== undefined && next !== base) this.#calibrations.save(next);
  }

  /** User callbacks must not break the stream: their errors are rethrown outside it. */
  #safely<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
    if (fn === undefined) return;
    try {
      fn.apply(this.#options, args);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/**
 * The store relies on a few fields of a few events; `readProtocolStream` only promises "a JSON object".
 * Returns the rule an unusable event breaks (problems.ts says what it asks for), or `undefined` when
 * the event is fine.
 */
function malformedRule(e: ProtocolEvent): string | undefined {
  const d = e.data as unknown as Record<string, unknown>;
  const ok = (fine: boolean): string | undefined => (fine ? undefined : e.event);
  switch (e.event) {
    case 'text':
    case 'thinking':
      return typeof d.delta === 'string' ? undefined : 'delta';
    case 'step_start':
      return ok(isStep(d.step));
    case 'step_finish': {
      const usage = d.usage as Record<string, unknown> | null | undefined;
      return ok(isStep(d.step) && typeof usage === 'object' && usage !== null && typeof usage.outputTokens === 'number');
    }
    case 'thinking_signature':
      return ok(isStep(d.step) && typeof d.signature === 'string');
    case 'tool_call_start':
      return ok(isStep(d.step) && isId(d.toolCallId) && typeof d.name === 'string');
    case 'tool_input_delta':
      return ok(isStep(d.step) && isId(d.toolCallId) && typeof d.delta === 'string');
    case 'tool_call': {
      const input = d.input;
      return ok(isStep(d.step) && isId(d.toolCallId) && typeof d.name === 'string' && typeof input === 'object' && input !== null && !Array.isArray(input));
    }
    case 'tool_result':
      return ok((isStep(d.step) || d.step === -1) && isId(d.toolCallId) && (d.error === undefined || typeof d.error === 'string'));
    case 'usage':
      return ok(typeof d.outputTokens === 'number');
    case 'done': {
      const usage = d.usage as Record<string, unknown> | null | undefined;
      if (!(typeof usage === 'object' && usage !== null && typeof usage.outputTokens === 'number' && typeof d.model === 'string')) return 'done';
      const pending = d.pendingToolCalls;
      if (pending === undefined) return undefined;
      return Array.isArray(pending) &&
        pending.every((p: unknown) => typeof p === 'object' && p !== null && isId((p as Record<string, unknown>).toolCallId) && ['client', 'approval'].includes((p as Record<string, unknown>).awaiting as string))
        ? undefined
        : 'pendingToolCalls';
    }
    case 'error':
      return ok(typeof d.kind === 'string' && typeof d.message === 'string');
    default:
      return undefined;
  }
}

function isStep(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/** A content-block index; a malformed one falls back to 0 rather than losing the delta. */
function intOr0(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function newRun(endpoint: string, key: string): Run {
  return { controller: new AbortController(), endpoint, key, replyId: null, lastId: 0, offset: null, replaying: false, lastAt: 0, sentWall: 0, recorded: false, wake: null };
}

/** An SSE id as this protocol sends them (a positive integer), else `undefined`. */
function parseId(id: string | undefined): number | undefined {
  if (id === undefined || !/^\d{1,15}$/.test(id)) return undefined;
  const n = Number(id);
  return n > 0 ? n : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
