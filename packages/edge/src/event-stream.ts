/**
 * A protocol event stream: a `ReadableStream` of SSE bytes with heartbeats and one abort point.
 * No Hono types here; the handler binds it to a request.
 *
 * The stream's `cancel` (the client went away) aborts {@link EventStream.signal}; so does the request
 * signal when the handler links it. Writes after close or cancel are dropped, never thrown.
 *
 * A **resumable** stream ({@link EventStreamOptions.resumable}) numbers its events instead: each gets an
 * SSE `id:` (its seq, 1 for the first, consecutive) and is handed, encoded, to the reply's recorder. The
 * client going away then only tells the recorder (which starts the detach time): the reply goes on,
 * and {@link EventStream.signal} fires only on {@link EventStream.abort} (an explicit stop, or no reader
 * for the detach time). After `done` or `error`, nothing more is sent.
 *
 * A resumable stream also counts a client that stopped reading as gone: bytes waiting and none read
 * for {@link STALLED_CLIENT_MS}. Workers needs it: when work is kept alive with `waitUntil`, workerd
 * neither aborts the request signal nor cancels the body when the client disconnects; it just stops
 * reading (seen in `test/runtimes/workerd-durable-object.test.ts`). A client that reads slowly but
 * reads is never taken for gone.
 *
 * @module
 */
import { encodeComment, encodeEvent, encodeSSEMessage, type ProtocolEventMap, type ProtocolEventName } from '@slipstream/core';

export interface EventStream {
  readonly body: ReadableStream<Uint8Array>;
  /** Aborted when the client cancels the body or the linked request signal fires (resumable: on {@link abort} only). */
  readonly signal: AbortSignal;
  /** Whether the reply is aborted (the client is gone, or for a resumable reply: stopped or detached). */
  readonly cancelled: boolean;
  /** Whether this stream's own client is gone (for a non-resumable stream, the same as {@link cancelled}). */
  readonly clientGone: boolean;
  /** Seq of the last event sent (resumable streams; 0 otherwise). */
  readonly seq: number;
  send<K extends ProtocolEventName>(name: K, data: ProtocolEventMap[K]): void;
  /** Write an already encoded SSE frame as is (a replayed event). */
  frame(text: string): void;
  comment(text?: string): void;
  /** Abort everything tied to this stream (used for the client going away). */
  abort(reason?: unknown): void;
  /** Close the body. Idempotent. */
  close(): void;
}

export interface EventStreamOptions {
  /** Send `: hb` when nothing was written for this long. 0 disables. */
  heartbeatMs: number;
  /** Abort the stream when this fires (the runtime's request signal). */
  requestSignal?: AbortSignal;
  /** Number the events and keep the reply running when the client goes away: see the module doc. */
  resumable?: {
    /** Each event, encoded with its `id:` line, as it is sent (also after the client is gone). */
    record(seq: number, frame: string, name: ProtocolEventName): void;
    /** The client went away (body cancelled, request signal, or nothing read for {@link STALLED_CLIENT_MS}). Called once. */
    onClientGone(): void;
    /** Bytes waiting and none read for this long: the client is gone. @default STALLED_CLIENT_MS */
    stalledMs?: number;
  };
}

/** A resumable stream whose waiting bytes nobody read for this long has lost its client. */
export const STALLED_CLIENT_MS = 5_000;

export function createEventStream(options: EventStreamOptions): EventStream {
  const encoder = new TextEncoder();
  const controller = new AbortController();
  let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  let lastWrite = Date.now();
  const resumable = options.resumable;
  let seq = 0;
  let ended = false;
  let clientGone = false;
  const goneOnce = () => {
    if (clientGone) return;
    clientGone = true;
    resumable?.onClientGone();
  };
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let stallCheck: ReturnType<typeof setInterval> | undefined;
  /** Chunks enqueued so far; with the queue's length, how many the client has read. */
  let enqueued = 0;

  const stopTimers = () => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (stallCheck !== undefined) clearInterval(stallCheck);
    heartbeat = undefined;
    stallCheck = undefined;
  };
  const write = (text: string) => {
    if (closed || !sink) return;
    try {
      sink.enqueue(encoder.encode(text));
      enqueued += 1;
      lastWrite = Date.now();
    } catch {
      closed = true; // the consumer is gone
      if (resumable !== undefined) goneOnce();
    }
  };
  const abort = (reason?: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      sink = c;
    },
    cancel(reason) {
      closed = true;
      stopTimers();
      if (resumable !== undefined) return goneOnce();
      clientGone = true;
      abort(reason ?? new Error('client cancelled the stream'));
    },
  });

  const onRequestAbort = () => {
    if (resumable !== undefined) {
      stopTimers();
      closeSink();
      return goneOnce();
    }
    clientGone = true;
    abort(options.requestSignal?.reason);
    stream.close();
  };
  const closeSink = () => {
    if (closed) return;
    closed = true;
    try {
      sink?.close();
    } catch {
      // already closed or errored by the consumer
    }
  };
  if (options.requestSignal) {
    if (options.requestSignal.aborted) queueMicrotask(onRequestAbort);
    else options.requestSignal.addEventListener('abort', onRequestAbort, { once: true });
  }

  if (resumable !== undefined) {
    // The default queuing strategy counts chunks with a high-water mark of 1, so the queue holds
    // 1 − desiredSize chunks and the client has read the rest. No progress while bytes wait: gone.
    let read = 0;
    let readAt = Date.now();
    const stalledMs = resumable.stalledMs ?? STALLED_CLIENT_MS;
    stallCheck = setInterval(() => {
      if (closed || sink === undefined || clientGone) return;
      const queued = 1 - (sink.desiredSize ?? 1);
      const now = Date.now();
      if (enqueued - queued !== read) {
        read = enqueued - queued;
        readAt = now;
      } else if (queued > 0 && now - readAt >= stalledMs) {
        // As for a cancel: stop queueing bytes nobody will read. A client that was only stalled sees
        // its stream end without `done` and resumes, like after any lost connection.
        stopTimers();
        closeSink();
        goneOnce();
      }
    }, Math.max(10, Math.min(500, stalledMs / 4)));
  }

  if (options.heartbeatMs > 0) {
    const tick = Math.max(10, Math.floor(options.heartbeatMs / 2));
    heartbeat = setInterval(() => {
      if (Date.now() - lastWrite >= options.heartbeatMs) write(encodeComment('hb'));
    }, tick);
  }

  const stream: EventStream = {
    body,
    signal: controller.signal,
    get cancelled() {
      return controller.signal.aborted;
    },
    get clientGone() {
      return clientGone;
    },
    get seq() {
      return seq;
    },
    send(name, data) {
      if (resumable === undefined) return write(encodeEvent(name, data));
      if (ended) return;
      if (name === 'done' || name === 'error') ended = true;
      seq += 1;
      const json = JSON.stringify(data) as string | undefined;
      if (json === undefined) throw new TypeError(`Cannot encode ${name} event: data is not JSON-serializable`);
      const text = encodeSSEMessage({ event: name, id: String(seq), data: json });
      write(text);
      resumable.record(seq, text, name);
    },
    frame(text) {
      write(text);
    },
    comment(text) {
      write(encodeComment(text));
    },
    abort,
    close() {
      stopTimers();
      options.requestSignal?.removeEventListener('abort', onRequestAbort);
      closeSink();
    },
  };
  return stream;
}
