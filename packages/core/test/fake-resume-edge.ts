/**
 * A small edge that keeps to the resumable-reply contract (protocol module, "Resumable replies"), as a
 * `fetch` function: `POST {path}` opens a reply whose events carry SSE ids 1, 2, …; `GET {path}/{id}`
 * with `last-event-id` replays the events after it, then the live ones; `POST {path}/{id}/stop` stops it.
 * The test writes the reply's events and cuts connections by hand.
 */
import { LAST_EVENT_ID_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION, type ProtocolEventMap, type ProtocolEventName } from '../src/protocol.ts';
import { encodeSSEMessage } from '../src/sse-encode.ts';
import { controlledBody, sseResponse, type ControlledBody } from './store-helpers.ts';

export interface FakeEdgeCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  keepalive: boolean | undefined;
  body: string | undefined;
}

export interface FakeEdgeOptions {
  path?: string;
  replyId?: string;
  /** Send ids and a replyId (a resumable reply). @default true */
  resumable?: boolean;
  /** Replay from this many events earlier than asked (a sloppy edge), to prove the client drops duplicates. */
  overlap?: number;
}

export function fakeResumeEdge(opts: FakeEdgeOptions = {}) {
  const path = opts.path ?? '/api/chat';
  const replyId = opts.replyId ?? 'rep_0123456789abcdef';
  const resumable = opts.resumable ?? true;
  const log: string[] = [];
  const calls: FakeEdgeCall[] = [];
  let conn: ControlledBody | null = null;
  let ended = false;
  let stopped = false;
  let gone = false;
  /** Each queued answer replaces the next GET's: an Error is thrown (network), a number is that status. */
  const getFaults: (Error | number)[] = [];

  const open = (signal: AbortSignal | undefined): ControlledBody => {
    const body = controlledBody();
    signal?.addEventListener('abort', () => body.error(new DOMException('aborted', 'AbortError')));
    conn = body;
    return body;
  };

  const fetchFn = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const method = init.method ?? 'GET';
    calls.push({ method, url, headers, keepalive: init.keepalive, body: typeof init.body === 'string' ? init.body : undefined });
    const signal = init.signal ?? undefined;
    if (method === 'POST' && url === path) {
      return sseResponse(open(signal));
    }
    if (method === 'POST' && url === `${path}/${replyId}/stop`) {
      const was = !ended && !stopped;
      stopped = true;
      return Response.json({ stopped: was });
    }
    if (method === 'GET' && url.startsWith(`${path}/`)) {
      const fault = getFaults.shift();
      if (fault instanceof Error) throw fault;
      if (typeof fault === 'number') return Response.json({ error: { kind: 'upstream', message: `fault ${fault}`, retryable: true } }, { status: fault });
      if (url !== `${path}/${replyId}` || gone || stopped) {
        return Response.json({ error: { kind: 'not_found', message: 'No such reply', status: 404, retryable: false } }, { status: 404 });
      }
      const after = Number(headers[LAST_EVENT_ID_HEADER] ?? '0');
      const body = open(signal);
      for (const text of log.slice(Math.max(0, after - (opts.overlap ?? 0)))) body.send(text);
      if (ended) body.close();
      return sseResponse(body);
    }
    return Response.json({ error: { kind: 'invalid_request', message: `no route ${method} ${url}`, retryable: false } }, { status: 404 });
  };

  return {
    fetch: fetchFn as unknown as typeof fetch,
    calls,
    log,
    replyId,
    get stopped() {
      return stopped;
    },
    /** Append an event to the reply and send it to the connection open now, if any. */
    emit<K extends ProtocolEventName>(name: K, data: ProtocolEventMap[K]): void {
      const payload = name === 'start' && resumable ? { ...data, replyId } : data;
      const id = log.length + 1;
      const text = encodeSSEMessage({ event: name, data: JSON.stringify(payload), ...(resumable ? { id: String(id) } : {}) });
      log.push(text);
      conn?.send(text);
      if (name === 'done' || name === 'error') {
        ended = true;
        try {
          conn?.close();
        } catch {
          // The client had already gone (aborted): nothing to close.
        }
      }
    },
    /** The connection breaks (a body read error), as a lost network does. */
    drop(): void {
      conn?.error(new TypeError('network error'));
      conn = null;
    },
    /** The connection stays open but nothing more reaches it (a half-open connection). */
    detach(): void {
      conn = null;
    },
    /** The connection ends cleanly, but before `done`. */
    cut(): void {
      try {
        conn?.close();
      } catch {
        // already gone
      }
      conn = null;
    },
    /** The reply is forgotten (detach time over): resumes answer 404. */
    forget(): void {
      gone = true;
    },
    /** The next GETs fail so: an Error is a network failure, a number an HTTP status. */
    failGets(...faults: (Error | number)[]): void {
      getFaults.push(...faults);
    },
    gets(): FakeEdgeCall[] {
      return calls.filter((c) => c.method === 'GET');
    },
    headerOk(c: FakeEdgeCall): boolean {
      return c.headers[PROTOCOL_HEADER] === String(PROTOCOL_VERSION);
    },
  };
}

/** A Web Storage stand-in. */
export function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}
