/**
 * SIM ONLY: the browser side of the demo server's `/api/sim/*` proxy to the simulator's control
 * endpoints. Nothing here exists when the demo talks to the real Anthropic API.
 * @module
 */

/** Faults the Limits & faults tab can arm (a subset of the sim's). */
export type DemoFault = 'overloaded' | 'midstream_error' | 'stall' | 'rate_limit';

async function call(path: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(`/api/sim/${path}`, init);
  if (!response.ok) throw new Error(`sim ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.headers.get('content-type')?.includes('json') ? response.json() : response.text();
}

export const simControls = {
  /** Sim back to its start state, and the edge's fallback memory cleared. */
  reset: () => call('reset'),
  configure: (patch: Record<string, number>) => call('config', patch),
  inject: (spec: { fault: DemoFault; after?: number; count?: number; speed?: 'fast' | 'standard' }) => call('faults', spec),
  stats: async () => (await fetch('/api/sim/stats')).json() as Promise<Record<string, unknown>>,
};

/** The endpoint that plays a buffering proxy in front of the edge (whole reply delivered at once). */
export const BUFFERED_CHAT_ENDPOINT = '/api/sim/buffered-chat';
