/**
 * Turn a protocol v1 response body into typed events.
 *
 * @module
 */
import { ProtocolStreamError } from './errors.ts';
import { PROTOCOL_EVENT_NAMES, type ProtocolEvent } from './protocol.ts';
import { createSSEDecoder, type SSEEvent } from './sse-decode.ts';

export interface ReadProtocolStreamOptions {
  /** Aborting cancels the body and makes the generator throw `signal.reason`. */
  signal?: AbortSignal;
  /** Heartbeat and other comments, as they arrive. */
  onComment?: (c: string) => void;
  /** Passed to the SSE decoder. @default 8 Mi code units */
  maxBufferSize?: number;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(PROTOCOL_EVENT_NAMES);

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
  const { signal, onComment } = opts;
  const reader = body.getReader();
  const textDecoder = new TextDecoder();
  const pending: SSEEvent[] = [];
  let fatal: ProtocolStreamError | undefined;
  const decoder = createSSEDecoder(
    {
      onEvent: (e) => pending.push(e),
      ...(onComment !== undefined ? { onComment } : {}),
      onError: (err) => {
        // Unknown fields and bad `retry` values are ignorable by spec; losing an event is not.
        if (err.type === 'buffer-overflow' && fatal === undefined) {
          fatal = new ProtocolStreamError(err.message, { type: 'buffer-overflow', cause: err });
        }
      },
    },
    opts.maxBufferSize !== undefined ? { maxBufferSize: opts.maxBufferSize } : {},
  );

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
      if (done) {
        finished = true;
        // Flush a dangling partial character; an event without its blank line is dropped (WHATWG).
        decoder.feed(textDecoder.decode());
      } else {
        decoder.feed(textDecoder.decode(value, { stream: true }));
      }
      while (pending.length > 0) {
        const e = pending.shift() as SSEEvent;
        const parsed = toProtocolEvent(e);
        if (parsed !== undefined) yield parsed;
      }
      if (fatal !== undefined) throw fatal;
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
