/**
 * A Worker entry with the shared state (fallback memory, resumable replies) in a Durable Object
 * namespace bound as SLIPSTREAM_STATE. Test knobs from bindings: DETACH_MS (resume detach time), WAIT_MS
 * (the store's long poll; 0 = readers poll), NO_WAIT_UNTIL (hide `ctx.waitUntil`, to show what it keeps
 * alive). `GET /__do-calls` answers how many Durable Object calls this isolate made, by operation
 * (`?reset=1` starts over).
 */
import type { Hono } from 'hono';
import { createChatHandler } from '../../src/index.ts';
import { createDurableObjectStore, type DurableObjectNamespaceLike } from '../../src/state/durable-object.ts';

export { SlipstreamState } from '../../src/state/durable-object.ts';

type Env = {
  ANTHROPIC_API_KEY?: string;
  SIM_URL?: string;
  SLIPSTREAM_STATE: DurableObjectNamespaceLike;
  DETACH_MS?: string;
  WAIT_MS?: string;
  NO_WAIT_UNTIL?: string;
};
type Ctx = { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void };

let app: Hono | undefined;
const calls: Record<string, number> = {};
let counting: DurableObjectNamespaceLike | undefined;

/** The binding, counting every call (one Worker subrequest each) by its operation. */
function counted(namespace: DurableObjectNamespaceLike): DurableObjectNamespaceLike {
  counting ??= {
    idFromName: (name) => namespace.idFromName(name),
    get: (id) => {
      const stub = namespace.get(id);
      return {
        fetch: (input, init) => {
          const op = (JSON.parse(String(init?.body)) as { op: string }).op;
          calls[op] = (calls[op] ?? 0) + 1;
          return stub.fetch(input, init);
        },
      };
    },
  };
  return counting;
}

export default {
  fetch(request: Request, env: Env, ctx: Ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__do-calls') {
      const answer = Response.json({ ...calls });
      if (url.searchParams.has('reset')) for (const k of Object.keys(calls)) delete calls[k];
      return answer;
    }
    app ??= createChatHandler({
      apiKey: env.ANTHROPIC_API_KEY,
      baseURL: env.SIM_URL,
      heartbeatMs: 200,
      ...(env.DETACH_MS !== undefined ? { resume: { detachMs: Number(env.DETACH_MS) } } : {}),
      store: (bindings) => createDurableObjectStore(counted((bindings as Env).SLIPSTREAM_STATE), env.WAIT_MS !== undefined ? { waitMs: Number(env.WAIT_MS) } : {}),
    });
    // Without waitUntil the runtime ends the request's work when its client goes: the control case.
    const context = env.NO_WAIT_UNTIL === '1' ? { waitUntil: () => {}, passThroughOnException: () => ctx.passThroughOnException() } : ctx;
    return app.fetch(request, env, context as never);
  },
};
