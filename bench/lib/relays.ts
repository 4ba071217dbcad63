/**
 * The two relays under test, as fetch handlers, and a Node server for them (`@hono/node-server`, the
 * server our edge CLI uses, resolved from @slipstream/edge's dependencies):
 * - `slipstream`: `createChatHandler` from `@slipstream/edge` at POST /api/chat;
 * - `bridge`: `createAiSdkChatHandler` from `@slipstream/edge/ai-sdk` (the same edge, UI message stream out);
 * - `aisdk`: the AI SDK's documented chat route, `streamText` (`@ai-sdk/anthropic`) →
 *   `toUIMessageStreamResponse()`, at POST /api/chat.
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type RelayKind = 'slipstream' | 'slipstream-tools' | 'bridge' | 'aisdk';
export type FetchHandler = (req: Request) => Response | Promise<Response>;

/** `options` are merged into the Slipstream handler's (e.g. `{ calibration: false }`). */
export async function makeRelay(kind: RelayKind, upstream: string, options: Record<string, unknown> = {}): Promise<FetchHandler> {
  if (kind === 'slipstream-tools') {
    // The agent loop: the example project's tools (no artificial latency), enough steps for long loops.
    const { createChatHandler } = await import('@slipstream/edge');
    const { createExampleProject } = await import('@slipstream/edge/examples');
    const app = createChatHandler({
      baseURL: upstream,
      apiKey: 'sk-ant-bench',
      maxTokensCap: 128_000,
      maxMessageChars: 100_000,
      tools: createExampleProject({ maxFileChars: 1_000_000 }).tools,
      maxSteps: 16,
      ...options,
    });
    return (req) => app.fetch(req);
  }
  if (kind === 'bridge') {
    // The same edge answering in the AI SDK's UI message stream protocol (@slipstream/edge/ai-sdk).
    const { createAiSdkChatHandler } = await import('@slipstream/edge/ai-sdk');
    const app = createAiSdkChatHandler({ baseURL: upstream, apiKey: 'sk-ant-bench', maxTokensCap: 128_000, maxMessageChars: 100_000, ...options });
    return (req) => app.fetch(req);
  }
  if (kind === 'slipstream') {
    const { createChatHandler } = await import('@slipstream/edge');
    const app = createChatHandler({
      baseURL: upstream,
      apiKey: 'sk-ant-bench',
      maxTokensCap: 128_000,
      maxMessageChars: 100_000,
      ...options,
    } as Parameters<typeof createChatHandler>[0]);
    return (req) => app.fetch(req);
  }
  const { streamText } = await import('ai');
  const { createAnthropic } = await import('@ai-sdk/anthropic');
  const anthropic = createAnthropic({ baseURL: `${upstream}/v1`, apiKey: 'sk-ant-bench' });
  return async (req) => {
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

type Serve = (
  options: { fetch: FetchHandler; port: number; hostname: string },
  listening: (info: { port: number }) => void,
) => { close(): void };

/** Serve `fetch` on 127.0.0.1 and a free port. */
export async function serveFetch(fetch: FetchHandler): Promise<{ url: string; close(): void }> {
  const edgeRequire = createRequire(fileURLToPath(new URL('../../packages/edge/package.json', import.meta.url)));
  const { serve } = (await import(edgeRequire.resolve('@hono/node-server'))) as { serve: Serve };
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }));
  });
}
