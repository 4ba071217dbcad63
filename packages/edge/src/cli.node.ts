/**
 * `pnpm edge [--port N] [--host H] [--upstream URL] [--cors ORIGIN]...`: the chat handler on a local
 * Node server (@hono/node-server), at `POST /api/chat`.
 *
 * Upstream: `--upstream URL` (a running sim or gateway); else Anthropic when `ANTHROPIC_API_KEY` is
 * set; else an embedded sim started in-process (and it says so). The first line printed is always
 * `listening on http://HOST:PORT`. SIGINT/SIGTERM stop the server (and the sim) cleanly.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { createChatHandler } from './index.ts';
import { serveNode } from './serve.node.ts';

const USAGE = 'usage: pnpm edge [--port N] [--host HOST] [--upstream URL] [--cors ORIGIN]...';

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string', default: process.env['PORT'] ?? '8787' },
        host: { type: 'string', default: '127.0.0.1' },
        upstream: { type: 'string' },
        cors: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be 0..65535\n${USAGE}`);
    process.exit(2);
  }

  const envKey = process.env['ANTHROPIC_API_KEY'];
  let baseURL: string | undefined;
  let apiKey: string;
  let note: string;
  let stopSim: (() => Promise<void>) | undefined;
  if (args.upstream !== undefined) {
    baseURL = new URL(args.upstream).href.replace(/\/$/, '');
    apiKey = envKey ?? 'sim-local-key';
    note = `upstream: ${baseURL}`;
  } else if (envKey) {
    baseURL = process.env['ANTHROPIC_BASE_URL'];
    apiKey = envKey;
    note = `upstream: Anthropic API${baseURL ? ` at ${baseURL}` : ''} (key from ANTHROPIC_API_KEY)`;
  } else {
    const { startSim } = await import('@slipstream/sim/node');
    const sim = await startSim({ port: 0, host: '127.0.0.1' });
    baseURL = sim.url;
    apiKey = 'sim-local-key';
    stopSim = () => sim.close();
    note = `upstream: embedded sim at ${sim.url} (no ANTHROPIC_API_KEY set)`;
  }

  const app = createChatHandler({
    apiKey,
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(args.cors ? { cors: args.cors } : {}),
    onError: (e) => console.error(`[edge] ${e.phase} ${e.kind}${e.status !== undefined ? ` ${e.status}` : ''}: ${e.message}`),
  });
  const server = await serveNode(app, { port, host: args.host });
  console.log(`listening on ${server.url}`);
  console.log(`POST ${server.url}/api/chat`);
  console.log(note);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    void server
      .close()
      .then(() => stopSim?.())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`edge failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
