/**
 * `createSim`: the Hono app and the programmatic handle.
 * @module
 */
import { Hono } from 'hono';
import { mountControl } from './control.ts';
import { SimCore } from './core.ts';
import { corsHeaders, preflight } from './cors.ts';
import { errorBody, type ApiErrorType } from './errors.ts';
import { handleMessages } from './messages.ts';
import { makeId } from './random.ts';
import { warmTokenizer } from './tokens.ts';
import type { FaultSpec, SimOptions, SimRequestLogEntry, SimStats, SimStreamRecord } from './types.ts';

/** A running simulated Messages API. */
export interface Sim {
  /** Mountable Hono app: `POST …/v1/messages` (query ignored), `OPTIONS *`, and `/_sim/*`. */
  app: Hono;
  /** Web-standard fetch handler (Workers-style `env`/`ctx` accepted). */
  fetch: (req: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;
  stats(): SimStats;
  /** Per-reply records with ground-truth delta times. */
  streams(): SimStreamRecord[];
  requests(): SimRequestLogEntry[];
  /** Clear log, stats, streams, buckets and injected faults (configured faults are restored). */
  reset(): void;
  /** Change options at run time. */
  configure(patch: Partial<SimOptions>): void;
  /** Queue a fault for the next `count` matching requests (default 1), or a `rate` share of them. */
  injectFaults(spec: FaultSpec): void;
}

function apiError(status: number, type: ApiErrorType, message: string, requestId: string): Response {
  return new Response(errorBody(type, message, requestId), {
    status,
    headers: { 'content-type': 'application/json', 'request-id': requestId, ...corsHeaders() },
  });
}

/**
 * Create a simulated Anthropic Messages API.
 *
 * @param options - see {@link SimOptions}; every field has a documented default.
 * @example
 * ```ts
 * const sim = createSim({ seed: 7 });
 * export default { fetch: sim.fetch }; // a Worker
 * ```
 */
export function createSim(options: SimOptions = {}): Sim {
  // Build the tokenizer now (~100 ms of CPU once per process or isolate), not inside the first
  // request, where it would hold up every stream already running.
  warmTokenizer();
  const core = new SimCore(options);
  const app = new Hono();

  const sim: Sim = {
    app,
    fetch: (req, env, ctx) => app.fetch(req, env, ctx as never),
    stats: () => core.state.snapshot(),
    streams: () => structuredClone(core.state.records),
    requests: () => structuredClone(core.state.log),
    reset: () => core.reset(),
    configure: (patch) => core.configure(patch),
    injectFaults: (spec) => core.faults.inject(spec),
  };

  app.options('*', (c) => preflight(c.req.raw));
  mountControl(app, () => sim);
  // Route on the path suffix: a base URL may carry a prefix, and 0.x SDKs add `?beta=true`.
  // Other routes get their own id sequence, so they never shift the ids of /v1/messages replies.
  let otherIds = 0;
  const otherId = (): string => makeId('req', core.options.seed ^ 0x5eed, ++otherIds);
  app.all('*', (c) => {
    if (!c.req.path.endsWith('/v1/messages')) return apiError(404, 'not_found_error', `Not found: ${c.req.path}`, otherId());
    if (c.req.method !== 'POST') return apiError(405, 'invalid_request_error', `Method ${c.req.method} not allowed`, otherId());
    return handleMessages(core, c.req.raw, c.env);
  });
  app.onError(() => apiError(500, 'api_error', 'Internal server error', otherId()));
  return sim;
}
