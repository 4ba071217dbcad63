/**
 * A Worker that exposes a Durable Object store over HTTP, so the store contract (state-store.test.ts)
 * drives the adapter the way a deployed Worker does (Worker → object in workerd), one loopback round
 * trip per operation: `POST /` with `{ target: 'store' | 'replies', method, args }` answers `{ value }`.
 */
import { createDurableObjectStore, type DurableObjectNamespaceLike } from '../../src/state/durable-object.ts';

export { SlipstreamState } from '../../src/state/durable-object.ts';

type Env = { SLIPSTREAM_STATE: DurableObjectNamespaceLike };

export default {
  async fetch(request: Request, env: Env) {
    const { prefix, target, method, args } = (await request.json()) as { prefix: string; target: 'store' | 'replies'; method: string; args: unknown[] };
    const store = createDurableObjectStore(env.SLIPSTREAM_STATE, { prefix });
    const on = (target === 'replies' ? store.replies : store) as unknown as Record<string, unknown>;
    const member = on[method];
    const value = typeof member === 'function' ? await (member as (...a: unknown[]) => Promise<unknown>).apply(on, args) : member;
    return Response.json({ value: value ?? null });
  },
};
