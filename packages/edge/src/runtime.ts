/**
 * Runtime quirks, all in one place.
 *
 * - Env: Workers pass bindings as `c.env`; Node, Bun, Vercel Edge expose `process.env`; Deno has
 *   `Deno.env.get` (needs `--allow-env`). Read in that order, without importing `node:` modules.
 * - Abort: Cloudflare Workers fire `request.signal` on client disconnect only with the
 *   `enable_request_signal` compatibility flag (cloudflare/workerd#4185). The handler also listens to
 *   the response stream's `cancel`. Node, Bun and Deno fire the request signal at once; local workerd
 *   (Miniflare 4.20260426) and Vercel's edge-runtime server only notice a closed connection on the
 *   next write, so heartbeats (`heartbeatMs`) bound how late a disconnect is seen while upstream is
 *   silent (measured in test/runtimes).
 * - Clocks: workerd freezes `performance.now()`/`Date.now()` between I/O events, so the edge's `t`
 *   stamps there have I/O granularity.
 * - `connection: keep-alive` is a hop-by-hop header: fine on a Node HTTP/1.1 server, meaningless (and
 *   stripped or refused) behind HTTP/2 edges, so it is set on Node-like runtimes only.
 *
 * @module
 */
import type { EnvBindings } from './options.ts';

type Globals = {
  process?: { env?: Record<string, string | undefined>; versions?: { node?: string; bun?: string } };
  Deno?: { env?: { get(name: string): string | undefined } };
  EdgeRuntime?: unknown;
  navigator?: { userAgent?: string };
};
const g = globalThis as unknown as Globals;

/** Read a setting from the runtime bindings, then the process environment. */
export function readEnv(env: EnvBindings, name: string): string | undefined {
  const bound = env?.[name];
  if (typeof bound === 'string' && bound !== '') return bound;
  const fromProcess = g.process?.env?.[name];
  if (typeof fromProcess === 'string' && fromProcess !== '') return fromProcess;
  try {
    const fromDeno = g.Deno?.env?.get(name);
    if (typeof fromDeno === 'string' && fromDeno !== '') return fromDeno;
  } catch {
    // Deno without --allow-env throws; treat as unset.
  }
  return undefined;
}

/** Whether hop-by-hop `connection: keep-alive` may be sent (Node, Bun; not Workers or Vercel Edge). */
export function allowsConnectionHeader(): boolean {
  if (g.EdgeRuntime !== undefined) return false;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return false;
  return g.process?.versions?.node !== undefined || g.process?.versions?.bun !== undefined;
}
