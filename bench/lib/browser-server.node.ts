/**
 * The browser benchmark's server, in its own process: the sim (fast = 1,000 tokens/s), our edge at
 * POST /api/chat, the AI SDK route at POST /api/aisdk (both against that sim, both asking for fast), and
 * the page bundles built with esbuild (production React, profiling build so `<Profiler>` still reports).
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startSim } from '@slipstream/sim/node';
import { createChatHandler, defineTool } from '@slipstream/edge';
import { convertToModelMessages, streamText, type UIMessage } from 'ai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { serveIpc } from './proc.node.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as { standardOtps: number; fastMultiplier: number; ttftMs: number; apps: string[] };
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const edgeRequire = createRequire(fileURLToPath(new URL('../../packages/edge/package.json', import.meta.url)));
type Serve = (
  options: { fetch: (req: Request) => Response | Promise<Response>; port: number; hostname: string },
  listening: (info: { port: number }) => void,
) => { close(): void };
const { serve } = (await import(edgeRequire.resolve('@hono/node-server'))) as { serve: Serve };
const benchRequire = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)));

const bundles = new Map<string, string>();
const buildErrors: Record<string, string> = {};
for (const app of config.apps) {
  const out = await build({
    entryPoints: [`${benchDir}browser/${app}.tsx`],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: {
      // Production React with the Profiler enabled.
      'react-dom/client': benchRequire.resolve('react-dom/profiling'),
    },
    logLevel: 'silent',
  }).catch((err: unknown) => {
    buildErrors[app] = err instanceof Error ? err.message.split('\n').slice(0, 2).join(' ') : String(err);
    return null;
  });
  if (out) bundles.set(app, out.outputFiles[0]!.text);
}

const sim = await startSim({
  port: 0,
  ttftMs: config.ttftMs,
  standardOtps: config.standardOtps,
  fastMultiplier: config.fastMultiplier,
  fastInputTpm: 1e12,
  fastOutputTpm: 1e12,
  seed: 5,
});
const edge = createChatHandler({ baseURL: sim.url, apiKey: 'sk-ant-bench', maxTokensCap: 128_000, maxMessageChars: 100_000 } as Parameters<typeof createChatHandler>[0]);
// The tool-input benchmark: one client tool whose `content` the sim fills with ~2,000 tokens, so the
// reply is that input streaming and then waiting for the client (no tool runs).
const writeFile = defineTool({
  name: 'write_file',
  description: 'Write a whole file.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string', minLength: 5_600 } }, required: ['path', 'content'] },
});
const agentEdge = createChatHandler({ baseURL: sim.url, apiKey: 'sk-ant-bench', maxTokensCap: 128_000, path: '/api/agent', tools: [writeFile] } as Parameters<typeof createChatHandler>[0]);
const anthropic = createAnthropic({ baseURL: `${sim.url}/v1`, apiKey: 'sk-ant-bench' });

const html = (app: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${app}</title></head><body><div id="root"></div><script type="module" src="/${app}.js"></script></body></html>`;

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (req.method === 'POST' && url.pathname === '/api/chat') return edge.fetch(req);
  if (req.method === 'POST' && url.pathname === '/api/agent') return agentEdge.fetch(req);
  if (req.method === 'POST' && url.pathname === '/api/aisdk') {
    const { messages } = (await req.json()) as { messages: UIMessage[] };
    const result = streamText({
      model: anthropic('claude-opus-4-6'),
      messages: await convertToModelMessages(messages),
      maxOutputTokens: 30_000,
      maxRetries: 0,
      providerOptions: { anthropic: { speed: 'fast' } },
      abortSignal: req.signal,
    });
    return result.toUIMessageStreamResponse();
  }
  const name = url.pathname.slice(1);
  if (name.endsWith('.js') && bundles.has(name.slice(0, -3))) {
    return new Response(bundles.get(name.slice(0, -3)), { headers: { 'content-type': 'text/javascript' } });
  }
  if (bundles.has(name)) return new Response(html(name), { headers: { 'content-type': 'text/html' } });
  return new Response('not found', { status: 404 });
}

const server = serve({ fetch: handle, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening on http://127.0.0.1:${info.port}`));
serveIpc({ streams: () => sim.sim.streams(), buildErrors: () => buildErrors });
process.on('SIGTERM', () => {
  server.close();
  void sim.close().finally(() => process.exit(0));
});
