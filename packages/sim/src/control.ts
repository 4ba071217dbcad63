/**
 * `/_sim/*` control endpoints, so tests in another process can read and steer the sim.
 * @module
 */
import type { Hono } from 'hono';
import { CHUNKINGS, type Chunking } from './chunking.ts';
import { NUMERIC_OPTIONS } from './core.ts';
import { corsHeaders } from './cors.ts';
import { errorBody, invalid, SimApiError } from './errors.ts';
import { checkFaultSpec } from './faults.ts';
import type { Sim } from './sim.ts';
import type { SimOptions } from './types.ts';

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...corsHeaders() } });
}

async function readJson(req: Request): Promise<unknown> {
  try {
    return JSON.parse(await req.text()) as unknown;
  } catch {
    throw invalid('body is not valid JSON');
  }
}

/** Check a config patch: the numeric options, each a finite number ≥ 0, and `chunking`. */
export function checkConfigPatch(value: unknown): Partial<SimOptions> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('config must be an object');
  const patch: Partial<SimOptions> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'chunking') {
      if (typeof v !== 'string' || !(CHUNKINGS as readonly string[]).includes(v)) throw invalid(`chunking: one of ${CHUNKINGS.join(', ')}`);
      patch.chunking = v as Chunking;
      continue;
    }
    if (!(NUMERIC_OPTIONS as readonly string[]).includes(key)) throw invalid(`unknown option '${key}'; one of ${[...NUMERIC_OPTIONS, 'chunking'].join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`${key}: must be a finite number >= 0`);
    patch[key as (typeof NUMERIC_OPTIONS)[number]] = v;
  }
  return patch;
}

/** Mount the control routes. */
export function mountControl(app: Hono, sim: () => Sim): void {
  const guard = async (fn: () => Promise<Response> | Response): Promise<Response> => {
    try {
      return await fn();
    } catch (err) {
      const e = err instanceof SimApiError ? err : invalid(String(err));
      return new Response(errorBody(e.type, e.message, 'req_sim_control'), {
        status: e.status,
        headers: { 'content-type': 'application/json', ...corsHeaders() },
      });
    }
  };
  app.get('/_sim/stats', () => json(sim().stats()));
  app.get('/_sim/streams', () => json(sim().streams()));
  app.get('/_sim/requests', () => json(sim().requests()));
  app.post('/_sim/reset', () => {
    sim().reset();
    return json({ ok: true });
  });
  app.post('/_sim/faults', (c) =>
    guard(async () => {
      const body = await readJson(c.req.raw);
      const specs = (Array.isArray(body) ? body : [body]).map(checkFaultSpec);
      for (const spec of specs) sim().injectFaults(spec);
      return json({ ok: true, queued: specs.length });
    }),
  );
  app.post('/_sim/config', (c) =>
    guard(async () => {
      sim().configure(checkConfigPatch(await readJson(c.req.raw)));
      return json({ ok: true });
    }),
  );
}
