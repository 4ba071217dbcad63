/**
 * The stack under test: a real sim on a real port, the real edge handler (in process, or served over
 * node:http), and fetch wrappers that record the protocol events the edge sent and can simulate a
 * browser-side network drop.
 */
import { createChatHandler, type ChatHandlerOptions, type EdgeLogEvent } from '@slipstream/edge';
import { readProtocolStream, type ProtocolEvent } from '@slipstream/core';
import { startSim, type RunningSim, type StartSimOptions } from '@slipstream/sim/node';
import { serveFetch } from './node-server.ts';
import { FAKE_KEY } from './secrets.ts';

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface Stack {
  sim: RunningSim;
  edge: ReturnType<typeof createChatHandler>;
  logs: EdgeLogEvent[];
  /** In-process fetch into the edge: the client's AbortSignal becomes the edge request's signal. */
  fetch: FetchLike;
  /** The edge served over node:http on 127.0.0.1 (real sockets); `socketFetch` is the platform fetch to it. */
  socketUrl: string;
  socketFetch: FetchLike;
  /** Responses the socket server is still writing. */
  socketOpen(): number;
  close(): Promise<void>;
}

export async function startStack(simOptions: StartSimOptions, edgeOptions: Partial<ChatHandlerOptions> = {}): Promise<Stack> {
  const sim = await startSim({ port: 0, seed: 11, ...simOptions });
  const logs: EdgeLogEvent[] = [];
  const edge = createChatHandler({
    apiKey: FAKE_KEY,
    baseURL: sim.url,
    onError: (e) => logs.push(e),
    ...edgeOptions,
  });
  const fetchImpl: FetchLike = async (input, init) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://edge.test'), init);
    return edge.fetch(req);
  };
  const server = await serveFetch(edge.fetch);
  const socketFetch: FetchLike = (input, init) => globalThis.fetch(new URL(new URL(String(input), 'http://x').pathname, server.url), init);
  return {
    sim,
    edge,
    logs,
    fetch: fetchImpl,
    socketUrl: server.url,
    socketFetch,
    socketOpen: () => server.open(),
    close: async () => {
      await server.close();
      await sim.close();
    },
  };
}

export interface Recording {
  events: ProtocolEvent[];
  /** SSE comments (heartbeats) seen on the wire. */
  comments: number;
  status?: number;
  /** The recorder's own read finished (ended, errored or cancelled). */
  finished: Promise<void>;
  readError?: unknown;
  bodyText: string;
}

/**
 * Wrap a fetch with a wire tap: each response body is read by the tap, which passes every chunk on to
 * the caller and decodes a copy into protocol events for the test. Cancelling the caller's body
 * cancels the edge's body (like a closed socket). `dropAfterBytes` makes the caller's body fail like a
 * broken network connection after that many bytes, and cancels the edge's side.
 */
export function recordingFetch(inner: FetchLike, opts: { dropAfterBytes?: number } = {}): { fetch: FetchLike; recordings: Recording[] } {
  const recordings: Recording[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const res = await inner(input, init);
    const rec: Recording = { events: [], comments: 0, status: res.status, finished: Promise.resolve(), bodyText: '' };
    recordings.push(rec);
    if (!res.body) return res;
    const source = res.body.getReader();
    const decoder = new TextDecoder();
    let tapController!: ReadableStreamDefaultController<Uint8Array>;
    const tap = new ReadableStream<Uint8Array>({
      start(c) {
        tapController = c;
      },
    });
    const endTap = (): void => {
      try {
        tapController.close();
      } catch {
        /* already closed */
      }
    };
    rec.finished = (async () => {
      try {
        for await (const e of readProtocolStream(tap, { onComment: () => rec.comments++ })) rec.events.push(e);
      } catch (err) {
        rec.readError = err;
      }
    })();
    let seen = 0;
    let broken = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (broken) {
          c.error(new TypeError('network error'));
          return;
        }
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await source.read();
        } catch (err) {
          endTap();
          c.error(err);
          return;
        }
        if (r.done) {
          rec.bodyText += decoder.decode();
          endTap();
          c.close();
          return;
        }
        const value = r.value;
        if (opts.dropAfterBytes !== undefined && seen + value.byteLength > opts.dropAfterBytes) {
          // The connection breaks after exactly `dropAfterBytes` bytes, wherever the transport's chunks
          // fall (a socket coalesces writes, so one read may hold the whole preamble and more): those
          // bytes arrive, then the browser sees a TypeError and the edge sees its body cancelled.
          const head = value.subarray(0, opts.dropAfterBytes - seen);
          seen = opts.dropAfterBytes;
          if (head.byteLength > 0) {
            rec.bodyText += decoder.decode(head, { stream: true });
            tapController.enqueue(head.slice());
          }
          endTap();
          await source.cancel(new Error('socket closed')).catch(() => undefined);
          if (head.byteLength === 0) {
            c.error(new TypeError('network error'));
            return;
          }
          // error() would discard a chunk still queued: the reader gets these bytes, then the error.
          broken = true;
          c.enqueue(head.slice());
          return;
        }
        seen += value.byteLength;
        rec.bodyText += decoder.decode(value, { stream: true });
        tapController.enqueue(value.slice());
        c.enqueue(value);
      },
      async cancel(reason) {
        endTap();
        await source.cancel(reason).catch(() => undefined);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetch: fetchImpl, recordings };
}

/** Text deltas of a recording, joined. */
export function textOf(events: ProtocolEvent[]): string {
  return events.map((e) => (e.event === 'text' ? e.data.delta : '')).join('');
}

/** `start, text×12, done` style summary of an event list. */
export function summarize(events: ProtocolEvent[]): string {
  const out: string[] = [];
  let last = '';
  let n = 0;
  const push = (): void => {
    if (last !== '') out.push(n > 1 ? `${last}×${n}` : last);
  };
  for (const e of events) {
    const name = e.event === 'error' ? `error(${e.data.kind})` : e.event === 'fallback' ? `fallback(${e.data.reason})` : e.event;
    if (name === last) n++;
    else {
      push();
      last = name;
      n = 1;
    }
  }
  push();
  return out.join(' ');
}
