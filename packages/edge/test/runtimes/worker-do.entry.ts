/** A Worker entry with the fallback memory in a Durable Object namespace (bound as SLIPSTREAM_STATE). */
import type { Hono } from 'hono';
import { createChatHandler } from '../../src/index.ts';
import { createDurableObjectStore, type DurableObjectNamespaceLike } from '../../src/state/durable-object.ts';

export { SlipstreamState } from '../../src/state/durable-object.ts';

type Env = { ANTHROPIC_API_KEY?: string; SIM_URL?: string; SLIPSTREAM_STATE: DurableObjectNamespaceLike };
let app: Hono | undefined;

export default {
  fetch(request: Request, env: Env, ctx: unknown) {
    app ??= createChatHandler({
      apiKey: env.ANTHROPIC_API_KEY,
      baseURL: env.SIM_URL,
      heartbeatMs: 200,
      store: (bindings) => createDurableObjectStore((bindings as Env).SLIPSTREAM_STATE),
    });
    return app.fetch(request, env, ctx as never);
  },
};
