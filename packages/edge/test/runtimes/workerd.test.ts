/** The built handler in workerd (Miniflare), against the sim over real HTTP. */
import { Miniflare } from 'miniflare';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chat, FAKE_KEY, user } from '../helpers.ts';
import { bundle } from './build.ts';
import { abortDuringSilence, abortReachesSim, fallback, fastReply } from './scenarios.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
/** At most ~100 ms worth of tokens after an abort (50 ms slack for a loaded CI machine; typical: 1–20 ms). */
const ABORT_TAIL_MS = 150;
/** Timing tests retry: a starved CPU can miss a bound once; a broken abort path misses it by seconds, every time. */
const TIMING = { retry: 2 };

let sim: RunningSim;
let mf: Miniflare;
let chatUrl: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 3 });
  mf = new Miniflare({
    modules: true,
    script: await bundle('worker'),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat', 'enable_request_signal'],
    bindings: { SIM_URL: sim.url, ANTHROPIC_API_KEY: FAKE_KEY },
    host: '127.0.0.1',
    port: 0,
  });
  chatUrl = new URL('/api/chat', await mf.ready).href;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await sim?.close();
});

describe('workerd (Miniflare)', () => {
  it('streams a fast reply', () => fastReply(chatUrl, sim));
  it('falls back on a fast 429', () => fallback(chatUrl, sim));
  it('runs the agent loop: @cfworker/json-schema and zod validate in workerd', async () => {
    sim.sim.reset();
    const r = await chat(new URL('/loop/chat', chatUrl).href, {
      messages: user('Add a TTL to the LRU cache [[sim:tools=search+lookup,write_file,run_checks]]'),
      conversationId: 'workerd-loop',
    });
    expect(r.find('done')?.data).toMatchObject({ finishReason: 'stop', steps: 4 });
    const results = r.events.flatMap((e) => (e.event === 'tool_result' ? [e.data] : []));
    expect(results).toHaveLength(4);
    const byName = new Map(r.events.flatMap((e) => (e.event === 'tool_call' ? [[e.data.toolCallId, e.data.name] as const] : [])));
    const named = Object.fromEntries(results.map((x) => [byName.get(x.toolCallId), x]));
    expect(named['search']?.error).toMatch(/^Invalid input for tool "search": #\/query: .*\^ZZZ\$/);
    expect(named['lookup']?.output).toEqual({ found: expect.stringMatching(/^[^a-z]+$/) });
    expect(named['write_file']?.output).toMatchObject({ path: 'src/lib/cache.ts', created: false });
    expect(named['run_checks']?.output).toMatchObject({ passed: true });
    expect(sim.stats().requests.total).toBe(4);
  });
  it('a client abort reaches the sim within ~100 ms', TIMING, async () => {
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
