/** The same built bundle as the Worker, imported into Node and served with @hono/node-server. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_KEY, serveFetch, type Served } from '../helpers.ts';
import { bundle } from './build.ts';
import { abortDuringSilence, abortReachesSim, fallback, fastReply } from './scenarios.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
/** At most ~100 ms worth of tokens after an abort (50 ms slack for a loaded CI machine; typical: 1–20 ms). */
const ABORT_TAIL_MS = 150;
/** Timing tests retry: a starved CPU can miss a bound once; a broken abort path misses it by seconds, every time. */
const TIMING = { retry: 2 };

let sim: RunningSim;
let edge: Served;
let dir: string;
let chatUrl: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 9 });
  dir = await mkdtemp(join(tmpdir(), 'slipstream-edge-'));
  const file = join(dir, 'worker.mjs');
  await writeFile(file, await bundle('worker'));
  const mod = (await import(pathToFileURL(file).href)) as { default: { fetch: (req: Request, env: unknown) => Promise<Response> } };
  const env = { SIM_URL: sim.url, ANTHROPIC_API_KEY: FAKE_KEY };
  edge = await serveFetch((req) => mod.default.fetch(req, env));
  chatUrl = `${edge.url}/api/chat`;
}, 60_000);

afterAll(async () => {
  await edge?.close();
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Node (@hono/node-server), built bundle', () => {
  it('streams a fast reply', () => fastReply(chatUrl, sim));
  it('falls back on a fast 429', () => fallback(chatUrl, sim));
  it('a client abort reaches the sim within ~100 ms', TIMING, async () => {
    const { tokenMs, wallMs, end } = await abortReachesSim(chatUrl, sim);
    expect(end).toBe('client_abort');
    expect(tokenMs).toBeLessThan(ABORT_TAIL_MS);
    expect(wallMs).toBeLessThan(1_000);
  });
  it('an abort during a silent TTFT reaches the sim at once (request signal)', TIMING, async () => {
    const ms = await abortDuringSilence(chatUrl, sim);
    expect(ms).not.toBeNull();
    expect(ms!).toBeLessThan(ABORT_TAIL_MS);
  });
});
