/** The built handler in Vercel's edge-runtime (its VM and its HTTP server), against the sim. */
import { EdgeRuntime, runServer } from 'edge-runtime';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_KEY } from '../helpers.ts';
import { bundle } from './build.ts';
import { abortDuringSilence, abortReachesSim, fallback, fastReply } from './scenarios.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
/** At most ~100 ms worth of tokens after an abort (50 ms slack for a loaded CI machine; typical: 1–20 ms). */
const ABORT_TAIL_MS = 150;
/** Timing tests retry: a starved CPU can miss a bound once; a broken abort path misses it by seconds, every time. */
const TIMING = { retry: 2 };

let sim: RunningSim;
let server: Awaited<ReturnType<typeof runServer>>;
let chatUrl: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 5 });
  const env = JSON.stringify({ SIM_URL: sim.url, ANTHROPIC_API_KEY: FAKE_KEY });
  const runtime = new EdgeRuntime({ initialCode: `globalThis.__SLIPSTREAM_ENV__ = ${env};\n${await bundle('edge-runtime')}` });
  server = await runServer({ runtime, port: 0, host: '127.0.0.1' });
  chatUrl = new URL('/api/chat', server.url).href;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await sim?.close();
});

describe('edge-runtime (Vercel Edge)', () => {
  it('runs with no Node globals in reach', async () => {
    const runtime = new EdgeRuntime();
    expect(runtime.evaluate('typeof require')).toBe('undefined');
  });
  it('streams a fast reply', () => fastReply(chatUrl, sim));
  it('falls back on a fast 429', () => fallback(chatUrl, sim));
  it('a client abort reaches the sim within ~100 ms (via the response stream cancel)', TIMING, async () => {
    const { tokenMs, wallMs, end } = await abortReachesSim(chatUrl, sim);
    expect(end).toBe('client_abort');
    expect(tokenMs).toBeLessThan(ABORT_TAIL_MS);
    expect(wallMs).toBeLessThan(1_000);
  });
  it('an abort during a silent TTFT reaches the sim by the next heartbeat (200 ms here)', TIMING, async () => {
    // This runtime reports the disconnect only when the edge next writes (see README, Runtimes).
    const ms = await abortDuringSilence(chatUrl, sim);
    expect(ms).not.toBeNull();
    expect(ms!).toBeLessThan(200 + 250);
  });
});
