/** The Worker (workerd) entry: the built handler, configured from bindings on first use. */
import type { Hono } from 'hono';
import { createChatHandler } from '../../src/index.ts';

type Env = { ANTHROPIC_API_KEY?: string; SIM_URL?: string; HEARTBEAT_MS?: string };
let app: Hono | undefined;

export default {
  fetch(request: Request, env: Env, ctx: unknown) {
    app ??= createChatHandler({
      apiKey: env.ANTHROPIC_API_KEY,
      baseURL: env.SIM_URL,
      heartbeatMs: Number(env.HEARTBEAT_MS ?? 200),
    });
    return app.fetch(request, env, ctx as never);
  },
};
