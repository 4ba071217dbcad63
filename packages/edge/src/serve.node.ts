/**
 * Serve a chat handler on Node with @hono/node-server (the CLI, benchmarks, a plain Node deploy).
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

export interface NodeServer {
  /** `http://HOST:PORT`. */
  url: string;
  server: Server;
  /** Stop listening and drop open connections (streams in flight are cancelled, so upstream is aborted). */
  close(): Promise<void>;
}

/**
 * @param app anything with a Web `fetch` (the Hono app from `createChatHandler`)
 * @param options `port` 0 picks a free one. @default { port: 8787, host: '127.0.0.1' }
 */
export async function serveNode(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: { port?: number; host?: string } = {},
): Promise<NodeServer> {
  const { port = 8787, host = '127.0.0.1' } = options;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
