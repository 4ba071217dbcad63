/**
 * `startDemo()`: one origin serving the built demo app, the edge chat handler at `POST /api/chat`,
 * and (only when the embedded simulator is in use) the simulator's control endpoints under
 * `/api/sim/*`. Node-only: the CLI (`server.node.ts`) and the e2e suite both start the demo through it.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createChatHandler, createMemoryFallbackStore, defineTool, type ChatHandlerOptions, type FallbackStore } from '@slipstream/edge';
import { createExampleProject } from '@slipstream/edge/examples';
import { DEFAULT_OPTIONS as SIM_DEFAULTS, startSim, type RunningSim, type SimOptions } from '@slipstream/sim/node';
import { Hono } from 'hono';
import type { DemoInfo } from './info.ts';

/** The demo's own folder (`apps/demo`), whatever the working directory. */
export const DEMO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
/** Where `vite build` writes the app. */
export const DIST_DIR = join(DEMO_ROOT, 'dist');
/** Port `pnpm demo` listens on when `--port` is not given. */
export const DEFAULT_PORT = 5280;

export type BuildMode =
  /** Build with Vite before serving (the default: a fresh clone has no build). */
  | 'always'
  /** Build only when `apps/demo/dist` is missing. */
  | 'if-missing'
  /** Serve `apps/demo/dist` as it is. */
  | 'never';


export interface DemoOptions {
  /** @defaultValue {@link DEFAULT_PORT}; `0` picks a free port. */
  port?: number;
  /** @defaultValue `'127.0.0.1'` */
  host?: string;
  /** Anthropic API key. When set, the demo talks to the real API and no simulator starts. @defaultValue `process.env.ANTHROPIC_API_KEY` */
  apiKey?: string;
  /** Simulator options (rates, seed…), used only when no API key is given. */
  sim?: SimOptions;
  /** Extra edge handler options (merged over the demo's). */
  edge?: ChatHandlerOptions;
  /** @defaultValue `'always'` */
  build?: BuildMode;
  /** Progress lines (build, upstream). @defaultValue `console.log` */
  log?: (line: string) => void;
}

export interface Demo {
  /** `http://HOST:PORT`, serving the app and `POST /api/chat`. */
  url: string;
  /** The embedded simulator, when one is in use. */
  sim?: RunningSim;
  info: DemoInfo;
  /** Stops the HTTP server, the edge and the simulator. */
  close(): Promise<void>;
}

/** Builds the app with Vite's JS API, in-process, into {@link DIST_DIR}. */
export async function buildApp(log: (line: string) => void = console.log): Promise<void> {
  const { build } = await import('vite');
  const started = performance.now();
  await build({ configFile: join(DEMO_ROOT, 'vite.config.ts'), root: DEMO_ROOT, logLevel: 'warn' });
  log(`built the app in ${Math.round(performance.now() - started)} ms (${DIST_DIR})`);
}

/** Starts the demo. Resolves once it is listening. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  const buildMode = options.build ?? 'always';

  if (buildMode === 'always' || (buildMode === 'if-missing' && !existsSync(join(DIST_DIR, 'index.html')))) {
    await buildApp(log);
  }
  if (!existsSync(join(DIST_DIR, 'index.html'))) {
    throw new Error(`no built app at ${DIST_DIR}: run without build: 'never' (or \`pnpm --filter @slipstream/demo build\`)`);
  }

  let sim: RunningSim | undefined;
  if (!apiKey) sim = await startSim({ ...options.sim, port: 0, host: '127.0.0.1' });
  const info: DemoInfo = { upstream: sim ? 'sim' : 'anthropic' };

  // The demo owns the fallback memory so the sim-only reset can clear it along with the sim.
  const fallbackStore = createMemoryFallbackStore();
  const chat = createChatHandler({
    ...(sim ? { baseURL: sim.url, apiKey: 'sk-sim-demo' } : { apiKey }),
    defaultSpeedPolicy: 'auto',
    fallbackStore,
    // Resumable replies with this process's memory: a dropped browser reconnects (GET /api/chat/:replyId),
    // a reload picks the reply up again, Stop is POST /api/chat/:replyId/stop.
    resume: true,
    // The sim's `stall` fault goes silent forever; give up after a few seconds so the demo shows the
    // `stalled` state promptly. Real upstreams keep the edge's own default.
    ...(sim ? { idleTimeoutMs: 6_000 } : {}),
    ...options.edge,
  });

  // The Agent tab: the example project's tools, with a little tool time each so the timeline shows it,
  // plus a client tool the browser answers. `/api/agent` runs writes at once; `/api/agent-review`
  // asks the user first.
  const upstream = sim ? { baseURL: sim.url, apiKey: 'sk-sim-demo' } : { apiKey };
  const latencyMs = { list_files: 60, read_file: 90, write_file: 150, run_checks: 700 };
  const userTime = defineTool({
    name: 'get_user_time',
    description: "The user's local time and time zone, read in their browser.",
    inputSchema: { type: 'object', properties: {} },
  });
  const agentHandler = (path: string, approveWrites: boolean) =>
    createChatHandler({
      ...upstream,
      path,
      defaultSpeedPolicy: 'auto',
      fallbackStore,
      tools: [...createExampleProject({ latencyMs, approveWrites }).tools, userTime],
      maxSteps: 8,
      ...(sim ? { idleTimeoutMs: 6_000 } : {}),
      ...options.edge,
    });
  const agent = agentHandler('/api/agent', false);
  const agentReview = agentHandler('/api/agent-review', true);

  const app = new Hono();
  app.get('/api/info', (c) => c.json(info));
  app.all('/api/agent', (c) => agent.fetch(c.req.raw));
  app.all('/api/agent-review', (c) => agentReview.fetch(c.req.raw));
  // SIM ONLY: the browser's chat streams can be cut on demand (`POST /api/sim/drop-connections`), as a lost network does.
  const open = new Set<() => void>();
  const chatRoute = (request: Request): Response | Promise<Response> => (sim ? cuttable(chat.fetch(request), open) : chat.fetch(request));
  app.all('/api/chat', (c) => chatRoute(c.req.raw));
  app.all('/api/chat/*', (c) => chatRoute(c.req.raw));
  if (sim) mountSimControls(app, { simUrl: sim.url, chatFetch: (r) => chat.fetch(r), fallbackStore, simOptions: options.sim ?? {}, openStreams: open });
  app.all('/api/*', (c) => c.json({ error: { kind: 'invalid_request', message: 'not found', retryable: false } }, 404));
  app.get('*', (c) => serveStatic(new URL(c.req.url).pathname));

  const server = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host });
  await new Promise<void>((ok, fail) => {
    server.once('listening', () => ok());
    server.once('error', fail);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        // Streams still open (a reply mid-flight) must not keep the process alive.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await sim?.close();
    })());

  return { url, ...(sim ? { sim } : {}), info, close };
}

/**
 * SIM ONLY. `/api/sim/{stats,streams,requests,reset,faults,config}` are forwarded to the simulator's
 * `/_sim/*` control endpoints, so the Limits & faults tab (and the e2e suite) can drive it from the
 * page's own origin. `/api/sim/buffered-chat` plays a buffering proxy in front of the edge: it reads the
 * whole reply before sending any of it, which is what a misconfigured nginx or CDN does to SSE.
 * `POST /api/sim/drop-connections` breaks every chat stream open to a browser mid-way (the socket is
 * destroyed, as when the network goes), while the edge carries on: the page's resume is what is tested.
 */
function mountSimControls(
  app: Hono,
  ctx: {
    simUrl: string;
    chatFetch: (request: Request) => Response | Promise<Response>;
    fallbackStore: FallbackStore;
    simOptions: SimOptions;
    /** Cuts each chat stream open now (see {@link cuttable}). */
    openStreams: Set<() => void>;
  },
): void {
  const { simUrl, chatFetch, fallbackStore } = ctx;
  app.post('/api/sim/drop-connections', (c) => {
    const cuts = [...ctx.openStreams];
    for (const cut of cuts) cut();
    return c.json({ dropped: cuts.length });
  });
  // What `reset` restores: the sim's defaults, overridden by what the demo was started with.
  const startConfig = { ...SIM_DEFAULTS, ...pickNumbers(ctx.simOptions) };
  app.post('/api/sim/reset', async (c) => {
    await fetch(new URL('/_sim/config', simUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(startConfig) });
    const answer = await fetch(new URL('/_sim/reset', simUrl), { method: 'POST' });
    await fallbackStore.clear?.();
    return c.json({ ok: answer.ok, config: startConfig, fallbackMemory: 'cleared' }, answer.ok ? 200 : 502);
  });
  const allowed = new Set(['stats', 'streams', 'requests', 'reset', 'faults', 'config']);
  app.all('/api/sim/buffered-chat', async (c) => {
    const forwarded = new Request(new URL('/api/chat', c.req.url), c.req.raw);
    const response = await chatFetch(forwarded);
    const body = await response.arrayBuffer();
    const headers = new Headers(response.headers);
    headers.set('x-demo-buffered', '1');
    return new Response(body, { status: response.status, headers });
  });
  app.all('/api/sim/:name', async (c) => {
    const name = c.req.param('name');
    if (!allowed.has(name)) return c.json({ error: { kind: 'invalid_request', message: `unknown sim control "${name}"`, retryable: false } }, 404);
    const target = new URL(`/_sim/${name}`, simUrl);
    target.search = new URL(c.req.url).search;
    const method = c.req.method;
    const init: RequestInit = { method, headers: { 'content-type': c.req.header('content-type') ?? 'application/json' } };
    if (method !== 'GET' && method !== 'HEAD') init.body = await c.req.text();
    const answer = await fetch(target, init);
    return new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'x-slipstream-sim': '1' },
    });
  });
}

/**
 * SIM ONLY. The edge's answer, with an event stream's body made breakable: while it is open, `open`
 * holds a function that errors it (the server then destroys the connection, and the browser's read
 * fails as on a lost network) and cancels the edge's side (which sees a closed connection).
 */
async function cuttable(answer: Response | Promise<Response>, open: Set<() => void>): Promise<Response> {
  const response = await answer;
  if (response.body === null || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
  const reader = response.body.getReader();
  let cut = (): void => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      cut = () => {
        open.delete(cut);
        reader.cancel().catch(() => {});
        controller.error(new Error('demo: connection dropped on purpose'));
      };
      open.add(cut);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!open.has(cut)) return;
        if (done) {
          open.delete(cut);
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        open.delete(cut);
        controller.error(err);
      }
    },
    cancel(reason) {
      open.delete(cut);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Files from {@link DIST_DIR}; unknown paths get `index.html` (one-page app). */
async function serveStatic(pathname: string): Promise<Response> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return new Response('bad path', { status: 400 });
  }
  const file = join(DIST_DIR, relative);
  if (file !== DIST_DIR && !file.startsWith(DIST_DIR + sep)) return new Response('not found', { status: 404 });
  const found = await stat(file).then((s) => s.isFile(), () => false);
  const path = found ? file : join(DIST_DIR, 'index.html');
  const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
  // Hashed assets never change; the page itself is always revalidated.
  const cache = relative.startsWith('assets/') && found ? 'public, max-age=31536000, immutable' : 'no-cache';
  return new Response(await readFile(path), { headers: { 'content-type': type, 'cache-control': cache } });
}

function pickNumbers(options: object): Record<string, number> {
  return Object.fromEntries(Object.entries(options).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}
