/**
 * The Node server: `startSim` serves a sim over HTTP with @hono/node-server.
 * @module
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createSim, type Sim } from './sim.ts';
import type { SimOptions, SimStats } from './types.ts';

/** Options of {@link startSim}: the sim's options plus where to listen. */
export interface StartSimOptions extends SimOptions {
  /** Port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Host. @defaultValue '127.0.0.1' */
  host?: string;
}

/** A running sim server. */
export interface RunningSim {
  /** `http://HOST:PORT`, to use as the SDK's `baseURL`. */
  url: string;
  sim: Sim;
  stats(): SimStats;
  /** Stop listening and close every open connection (stalled streams included). */
  close(): Promise<void>;
}

/**
 * Start a sim on a port.
 * @example
 * ```ts
 * const { url, close } = await startSim({ ttftMs: 50 });
 * const client = new Anthropic({ baseURL: url, apiKey: 'test' });
 * ```
 */
export async function startSim(options: StartSimOptions = {}): Promise<RunningSim> {
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const sim = createSim(simOptions);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: sim.fetch, port, hostname: host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    sim,
    stats: () => sim.stats(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
