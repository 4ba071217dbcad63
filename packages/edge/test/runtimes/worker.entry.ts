/** The Worker (workerd) entry: the built handler, configured from bindings on first use. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { createChatHandler, defineTool } from '../../src/index.ts';
import { createExampleProject } from '../../src/examples.ts';

type Env = { ANTHROPIC_API_KEY?: string; SIM_URL?: string; HEARTBEAT_MS?: string };
let app: Hono | undefined;
let loop: Hono | undefined;

/**
 * The agent loop's validators must run here (no eval / new Function): the example tools and `search`
 * validate with @cfworker/json-schema (search's `pattern` refuses every query the sim writes), and
 * `lookup` with a zod Standard Schema.
 */
const loopTools = () => [
  ...createExampleProject().tools,
  defineTool({
    name: 'search',
    inputSchema: { type: 'object', properties: { query: { type: 'string', pattern: '^ZZZ$' } }, required: ['query'] },
    execute: () => 'unreachable',
  }),
  defineTool({
    name: 'lookup',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    schema: z.object({ query: z.string().min(1).transform((q) => q.toUpperCase()) }),
    execute: ({ query }) => ({ found: query }),
  }),
];

export default {
  fetch(request: Request, env: Env, ctx: unknown) {
    const options = { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.SIM_URL, heartbeatMs: Number(env.HEARTBEAT_MS ?? 200) };
    if (new URL(request.url).pathname === '/loop/chat') {
      loop ??= createChatHandler({ ...options, path: '/loop/chat', tools: loopTools() });
      return loop.fetch(request, env, ctx as never);
    }
    app ??= createChatHandler(options);
    return app.fetch(request, env, ctx as never);
  },
};
