/**
 * Turn a protocol v1 response body into typed events.
 *
 * @module
 */
import { ProtocolStreamError } from './errors.ts';
import { PROTOCOL_EVENT_NAMES, type ProtocolEvent } from './protocol.ts';
import { createSSEDecoder, type SSEEvent } from './sse-decode.ts';

/** Options for {@link readProtocolStream}. */
export interface ReadProtocolStreamOptions {
  /** Aborting cancels the body and makes the generator throw `signal.reason`. */
  signal?: AbortSignal;
  /** Heartbeat and other comments, as they arrive. */
  onComment?: (c: string) => void;
  /** Passed to the SSE decoder. @default 8 Mi code units */
  maxBufferSize?: number;
}

/** What one step of {@link createProtocolDecoder} produced. @internal */
export interface DecodeResult {
  events: ProtocolEvent[];
  /** The SSE `id` of each event of `events` (same index), `undefined` where the event had none. */
  ids: (string | undefined)[];
  error?: ProtocolStreamError;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(PROTOCOL_EVENT_NAMES);

/**
 * Decode protocol v1 bytes into typed events, chunk by chunk: the byte → text → SSE → JSON pipeline that
 * {@link readProtocolStream} and the client store share. The store calls it itself so every event of a
 * network read can be stamped with that read's arrival time.
 *
 * `push` and `end` return the events completed by that input, and the {@link ProtocolStreamError} that
 * stopped decoding, if any: the events before a bad one are still returned, so none are lost. After an
 * error, further input is ignored.
 * @internal
 */
export function createProtocolDecoder(opts: { onComment?: (c: string) => void; maxBufferSize?: number } = {}): {
  push(bytes: Uint8Array): DecodeResult;
  end(): DecodeResult;
} {
  // One TextDecoder in streaming mode (not TextDecoderStream, which some runtimes lack) so a multi-byte
  // character split across reads is decoded correctly. It also drops a leading UTF-8 BOM.
  const textDecoder = new TextDecoder();
  let pending: SSEEvent[] = [];
  let overflow: ProtocolStreamError | undefined;
  const { onComment } = opts;
  const decoder = createSSEDecoder(
    {
      onEvent: (e) => pending.push(e),
      ...(onComment !== undefined ? { onComment } : {}),
      onError: (err) => {
        // Unknown fields and bad `retry` values are ignorable by spec; losing an event is not.
        if (err.type === 'buffer-overflow' && overflow === undefined) {
          overflow = new ProtocolStreamError(err.message, { type: 'buffer-overflow', cause: err });
        }
      },
    },
    opts.maxBufferSize !== undefined ? { maxBufferSize: opts.maxBufferSize } : {},
  );

  let failed: ProtocolStreamError | undefined;

  function drain(): DecodeResult {
    const events: ProtocolEvent[] = [];
    const ids: (string | undefined)[] = [];
    const batch = pending;
    pending = [];
    try {
      for (const e of batch) {
        const parsed = toProtocolEvent(e);
        if (parsed === undefined) continue;
        events.push(parsed);
        ids.push(e.id);
      }
    } catch (err) {
      failed = err as ProtocolStreamError;
    }
    // The overflowed event came after the ones already dispatched, so it fails last.
    failed ??= overflow;
    return failed !== undefined ? { events, ids, error: failed } : { events, ids };
  }

  return {
    push(bytes) {
      if (failed !== undefined) return { events: [], ids: [] };
      decoder.feed(textDecoder.decode(bytes, { stream: true }));
      return drain();
    },
    end() {
      if (failed !== undefined) return { events: [], ids: [] };
      // Flush a dangling partial character; an event without its blank line is dropped (WHATWG).
      decoder.feed(textDecoder.decode());
      return drain();
    },
  };
}

/**
 * Read a protocol v1 SSE body and yield each known event with its parsed JSON payload.
 *
 * Bytes are decoded with one `TextDecoder` in streaming mode (not `TextDecoderStream`, which some
 * runtimes lack), so a multi-byte character split across chunks is decoded correctly. Unknown event
 * names are skipped (forward compatibility); payloads are not shape-checked beyond "is a JSON object".
 * The body is always released (cancelled if unfinished) when the generator ends, throws, or is returned.
 *
 * @throws {ProtocolStreamError} `invalid-json`, `invalid-payload` or `buffer-overflow`.
 * @example
 * for await (const e of readProtocolStream(response.body!)) {
 *   if (e.event === 'text') console.log(e.data.delta);
 * }
 */
export async function* readProtocolStream(
  body: ReadableStream<Uint8Array>,
  opts: ReadProtocolStreamOptions = {},
): AsyncGenerator<ProtocolEvent> {
  const { signal } = opts;
  const reader = body.getReader();
  const decoder = createProtocolDecoder({
    ...(opts.onComment !== undefined ? { onComment: opts.onComment } : {}),
    ...(opts.maxBufferSize !== undefined ? { maxBufferSize: opts.maxBufferSize } : {}),
  });
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(() => {});
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    while (true) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) finished = true;
      const { events, error } = done ? decoder.end() : decoder.push(value);
      yield* events;
      if (error !== undefined) throw error;
      if (done) return;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function toProtocolEvent(e: SSEEvent): ProtocolEvent | undefined {
  if (e.event === undefined || !KNOWN_EVENTS.has(e.event)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch (cause) {
    throw new ProtocolStreamError(`Event "${e.event}" carried invalid JSON`, { type: 'invalid-json', event: e.event, cause });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ProtocolStreamError(`Event "${e.event}" data is not a JSON object`, { type: 'invalid-payload', event: e.event });
  }
  return { event: e.event, data } as ProtocolEvent;
}
