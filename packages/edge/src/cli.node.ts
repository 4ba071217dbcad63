/**
 * `pnpm edge [--port N] [--host H] [--upstream URL] [--store redis://HOST:PORT] [--resume] [--detach-ms N] [--cors ORIGIN]... [--tools examples]`:
 * the chat handler on a local Node server (@hono/node-server), at `POST /api/chat`. With `--store`, the
 * fallback memory is shared through Redis (the official `redis` client, loaded only then), and replies
 * are resumable on any process sharing it (`GET /api/chat/{replyId}`, `POST /api/chat/{replyId}/stop`).
 * `--resume` makes replies resumable without a store (this process's memory); `--detach-ms N` sets how
 * long a reply runs on with no client attached (default 30000; implies `--resume`).
 * `--tools examples` mounts the example tool set (`@slipstream/edge/examples`: an in-memory project the
 * agent lists, reads, writes and checks), so the agent loop can be tried from a shell.
 *
 * Upstream: `--upstream URL` (a running sim or gateway); else Anthropic when `ANTHROPIC_API_KEY` is
 * set; else an embedded sim started in-process (and it says so). The first line printed is always
 * `listening on http://HOST:PORT`. SIGINT/SIGTERM stop the server (and the sim) cleanly.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { createExampleProject } from './examples.ts';
import { createChatHandler, type StateStore } from './index.ts';
import { createRedisStore } from './state/redis.ts';
import { serveNode } from './serve.node.ts';

const USAGE =
  'usage: pnpm edge [--port N] [--host HOST] [--upstream URL] [--store redis://HOST:PORT [--store-timeout-ms N]] [--resume] [--detach-ms N] [--cors ORIGIN]... [--tools examples]';

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string', default: process.env['PORT'] ?? '8787' },
        host: { type: 'string', default: '127.0.0.1' },
        upstream: { type: 'string' },
        store: { type: 'string' },
        'store-timeout-ms': { type: 'string' },
        resume: { type: 'boolean' },
        'detach-ms': { type: 'string' },
        cors: { type: 'string', multiple: true },
        tools: { type: 'string' },
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

  if (args.tools !== undefined && args.tools !== 'examples') {
    console.error(`--tools takes "examples" (the example tool set)\n${USAGE}`);
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

  let store: StateStore | undefined;
  let storeTimeoutMs: number | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  if (args.store !== undefined) {
    if (!/^rediss?:\/\//u.test(args.store)) {
      console.error(`--store must be a redis:// or rediss:// URL\n${USAGE}`);
      process.exit(2);
    }
    const { createClient } = await import('redis');
    const client = createClient({ url: args.store, disableOfflineQueue: true, socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) } });
    // node-redis emits 'error' on every failed reconnect; the edge reports outages itself, once.
    client.on('error', () => {});
    await client.connect().catch((err: unknown) => {
      console.error(`--store: cannot reach ${redactUrl(args.store!)} yet (${(err as Error).message}); serving from local memory until it answers`);
    });
    store = createRedisStore({ client });
    if (args['store-timeout-ms'] !== undefined) {
      storeTimeoutMs = Number(args['store-timeout-ms']);
      if (!Number.isInteger(storeTimeoutMs) || storeTimeoutMs <= 0) {
        console.error(`--store-timeout-ms must be a positive integer\n${USAGE}`);
        process.exit(2);
      }
    }
    closeStore = async () => {
      await client.close().catch(() => {});
    };
    note += `\nstore: redis at ${redactUrl(args.store)}`;
  }

  let detachMs: number | undefined;
  if (args['detach-ms'] !== undefined) {
    detachMs = Number(args['detach-ms']);
    if (!Number.isInteger(detachMs) || detachMs <= 0) {
      console.error(`--detach-ms must be a positive integer\n${USAGE}`);
      process.exit(2);
    }
  }
  // With a store, replies are resumable anyway (the handler's default); these turn it on without one.
  const resume = detachMs !== undefined ? { detachMs } : args.resume === true ? true : undefined;
  if (resume !== undefined || store !== undefined) {
    note += `\nresume: on (${store !== undefined ? 'shared through the store' : "this process's memory"}, detach after ${detachMs ?? 30_000} ms)`;
  }

  const app = createChatHandler({
    ...(resume !== undefined ? { resume } : {}),
    ...(store !== undefined ? { store } : {}),
    ...(storeTimeoutMs !== undefined ? { storeTimeoutMs } : {}),
    apiKey,
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(args.cors ? { cors: args.cors } : {}),
    ...(args.tools === 'examples' ? { tools: createExampleProject().tools } : {}),
    onError: (e) => console.error(`[edge] ${e.phase} ${e.kind}${e.status !== undefined ? ` ${e.status}` : ''}: ${e.message}`),
  });
  const server = await serveNode(app, { port, host: args.host });
  console.log(`listening on ${server.url}`);
  console.log(`POST ${server.url}/api/chat`);
  console.log(note);
  if (args.tools === 'examples') {
    console.log('tools: examples (list_files, read_file, write_file, run_checks over an in-memory project)');
    console.log('try: "Add a TTL to the LRU cache [[sim:tools=list_files,read_file,write_file,run_checks]]"');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    void server
      .close()
      .then(() => stopSim?.())
      .then(() => closeStore?.())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** A URL for logs: never its password. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.href;
  } catch {
    return 'the given URL';
  }
}

main().catch((err: unknown) => {
  console.error(`edge failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
