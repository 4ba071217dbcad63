/**
 * A protocol event stream: a `ReadableStream` of SSE bytes with heartbeats and one abort point.
 * No Hono types here; the handler binds it to a request.
 *
 * The stream's `cancel` (the client went away) aborts {@link EventStream.signal}; so does the request
 * signal when the handler links it. Writes after close or cancel are dropped, never thrown.
 *
 * @module
 */
import { encodeComment, encodeEvent, type ProtocolEventMap, type ProtocolEventName } from '@slipstream/core';

export interface EventStream {
  readonly body: ReadableStream<Uint8Array>;
  /** Aborted when the client cancels the body or the linked request signal fires. */
  readonly signal: AbortSignal;
  /** Whether the client is gone. */
  readonly cancelled: boolean;
  send<K extends ProtocolEventName>(name: K, data: ProtocolEventMap[K]): void;
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
}

export function createEventStream(options: EventStreamOptions): EventStream {
  const encoder = new TextEncoder();
  const controller = new AbortController();
  let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  let lastWrite = Date.now();
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const stopTimers = () => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  };
  const write = (text: string) => {
    if (closed || !sink) return;
    try {
      sink.enqueue(encoder.encode(text));
      lastWrite = Date.now();
    } catch {
      closed = true; // the consumer is gone
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
      abort(reason ?? new Error('client cancelled the stream'));
    },
  });

  const onRequestAbort = () => {
    abort(options.requestSignal?.reason);
    stream.close();
  };
  if (options.requestSignal) {
    if (options.requestSignal.aborted) queueMicrotask(onRequestAbort);
    else options.requestSignal.addEventListener('abort', onRequestAbort, { once: true });
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
    send(name, data) {
      write(encodeEvent(name, data));
    },
    comment(text) {
      write(encodeComment(text));
    },
    abort,
    close() {
      stopTimers();
      options.requestSignal?.removeEventListener('abort', onRequestAbort);
      if (closed) return;
      closed = true;
      try {
        sink?.close();
      } catch {
        // already closed or errored by the consumer
      }
    },
  };
  return stream;
}
