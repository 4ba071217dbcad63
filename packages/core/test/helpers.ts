import type { SSEEvent } from '../src/sse-decode.ts';
import { createSSEDecoder } from '../src/sse-decode.ts';
import type { SSEParseError } from '../src/errors.ts';

export interface Collected {
  events: SSEEvent[];
  comments: string[];
  retries: number[];
  errors: SSEParseError[];
}

/** Feed `chunks` to a fresh decoder and collect everything it reports. */
export function decodeChunks(chunks: readonly string[], maxBufferSize?: number): Collected {
  const out: Collected = { events: [], comments: [], retries: [], errors: [] };
  const decoder = createSSEDecoder(
    {
      onEvent: (e) => out.events.push(e),
      onComment: (c) => out.comments.push(c),
      onRetry: (ms) => out.retries.push(ms),
      onError: (err) => out.errors.push(err),
    },
    maxBufferSize !== undefined ? { maxBufferSize } : {},
  );
  for (const c of chunks) decoder.feed(c);
  return out;
}

/** Cut `input` at the given (sorted, deduplicated) positions. */
export function splitAt<T extends string | Uint8Array>(input: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(input.length, c))))].sort((a, b) => a - b);
  const parts: T[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(input.slice(prev, p) as T);
    prev = p;
  }
  parts.push(input.slice(prev) as T);
  return parts;
}

/** A ReadableStream that yields the given byte chunks, then closes. */
export function byteStream(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const c = chunks[i++];
      if (c === undefined) controller.close();
      else controller.enqueue(c);
    },
  });
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
