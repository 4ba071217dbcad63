/**
 * Serve a Web-standard `fetch(Request) → Response` handler (the edge's Hono app) over node:http on
 * 127.0.0.1:0, the way @hono/node-server does: the request's AbortSignal fires when the client's
 * socket closes, and a cancelled/erroring body ends the response. Closed by handle.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

export type FetchHandler = (req: Request) => Response | Promise<Response>;

export interface NodeServerHandle {
  url: string;
  /** Requests whose response is still being written. */
  open(): number;
  /** Errors thrown by the handler or while piping (never expected). */
  errors: unknown[];
  close(): Promise<void>;
}

export async function serveFetch(handler: FetchHandler): Promise<NodeServerHandle> {
  let open = 0;
  const errors: unknown[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open++;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        open--;
      }
    };
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
      finish();
    });
    void handle(req, res, controller.signal).catch((err: unknown) => {
      errors.push(err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('adapter error');
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const host = req.headers.host ?? '127.0.0.1';
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) headers.append(k, x);
      else headers.set(k, v);
    }
    const method = req.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(`http://${host}${req.url ?? '/'}`, {
      method,
      headers,
      signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    const response = await handler(request);
    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((v, k) => {
      if (k === 'set-cookie') outHeaders[k] = response.headers.getSetCookie();
      else outHeaders[k] = v;
    });
    res.writeHead(response.status, outHeaders);
    res.flushHeaders();
    if (!response.body) {
      res.end();
      return;
    }
    const reader = response.body.getReader();
    signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (res.destroyed) break;
        res.write(value);
      }
      res.end();
    } catch {
      // The body errored (upstream gone): end the socket like a real server would.
      res.destroy();
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    open: () => open,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
