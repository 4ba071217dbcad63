/**
 * A relay in its own Node process, served by `@hono/node-server` (the server our edge CLI uses):
 * - `slipstream`: `createChatHandler` from `@slipstream/edge` at POST /api/chat;
 * - `aisdk`: the AI SDK's documented chat route, `streamText` (`@ai-sdk/anthropic`) →
 *   `toUIMessageStreamResponse()`, at POST /api/chat.
 * Both point at the same upstream sim. IPC: `cpu`, `rss`, `peakRss`.
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cpuMs, serveIpc } from './proc.node.ts';

interface RelayConfig {
  kind: 'slipstream' | 'aisdk';
  upstream: string;
}
const config = JSON.parse(process.argv[2] ?? '{}') as RelayConfig;

// @hono/node-server is a dependency of @slipstream/edge, not of bench: resolve it from there.
const edgeRequire = createRequire(fileURLToPath(new URL('../../packages/edge/package.json', import.meta.url)));
type Serve = (
  options: { fetch: (req: Request) => Response | Promise<Response>; port: number; hostname: string },
  listening: (info: { port: number }) => void,
) => { close(): void };
const { serve } = (await import(edgeRequire.resolve('@hono/node-server'))) as { serve: Serve };

let fetchHandler: (req: Request) => Response | Promise<Response>;
if (config.kind === 'slipstream') {
  const { createChatHandler } = await import('@slipstream/edge');
  const app = createChatHandler({
    baseURL: config.upstream,
    apiKey: 'sk-ant-bench',
    maxTokensCap: 128_000,
    maxMessageChars: 100_000,
  } as Parameters<typeof createChatHandler>[0]);
  fetchHandler = (req) => app.fetch(req);
} else {
  const { streamText } = await import('ai');
  const { createAnthropic } = await import('@ai-sdk/anthropic');
  const anthropic = createAnthropic({ baseURL: `${config.upstream}/v1`, apiKey: 'sk-ant-bench' });
  fetchHandler = async (req) => {
    const body = (await req.json()) as { prompt: string; model: string; speed: 'fast' | 'standard'; maxTokens: number };
    const result = streamText({
      model: anthropic(body.model),
      prompt: body.prompt,
      maxOutputTokens: body.maxTokens,
      maxRetries: 0,
      providerOptions: { anthropic: { speed: body.speed } },
      abortSignal: req.signal,
    });
    return result.toUIMessageStreamResponse();
  };
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
sampler.unref();

const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
serveIpc({
  cpu: () => cpuMs(),
  rss: () => process.memoryUsage().rss,
  peakRss: () => {
    const v = peakRss;
    peakRss = process.memoryUsage().rss;
    return v;
  },
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
