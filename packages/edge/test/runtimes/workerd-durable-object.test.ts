/**
 * Two Worker instances in workerd (Miniflare) sharing one Durable Object namespace for the fallback
 * memory: a fast 429 seen by one is known to the other, with no extra fast request upstream.
 */
import { Miniflare } from 'miniflare';
import { readProtocolStream, type ProtocolEvent } from '@slipstream/core';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_KEY } from '../helpers.ts';
import { bundle } from './build.ts';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

let sim: RunningSim;
let mf: Miniflare;
let urlA: string;

beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 5 });
  const script = await bundle('worker-do');
  const common = {
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat', 'enable_request_signal'],
    bindings: { SIM_URL: sim.url, ANTHROPIC_API_KEY: FAKE_KEY },
  };
  mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    workers: [
      { ...common, name: 'edge-a', durableObjects: { SLIPSTREAM_STATE: { className: 'SlipstreamState' } } },
      { ...common, name: 'edge-b', durableObjects: { SLIPSTREAM_STATE: { className: 'SlipstreamState', scriptName: 'edge-a' } } },
    ],
  });
  urlA = new URL('/api/chat', await mf.ready).href;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await sim?.close();
});

async function chatVia(fetcher: (url: string, init: RequestInit) => Promise<Response>, url: string, prompt: string) {
  const res = await fetcher(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: prompt }], conversationId: 'conv-do' }),
  });
  const events: ProtocolEvent[] = [];
  for await (const e of readProtocolStream(res.body!)) events.push(e);
  return events;
}

const fallbackOf = (events: ProtocolEvent[]) => events.find((e) => e.event === 'fallback')?.data as { reason?: string } | undefined;

describe('workerd: two Workers, one Durable Object namespace', () => {
  it('a fast 429 on Worker A makes Worker B serve "remembered" with no fast request', async () => {
    sim.sim.injectFaults({ fault: 'rate_limit', after: 20_000, speed: 'fast' });
    const a = await chatVia((u, i) => fetch(u, i), urlA, 'one [[sim:tokens=6]]');
    expect(fallbackOf(a)?.reason).toBe('rate_limited');

    // Miniflare types its fetcher with workerd's Request/Response; at run time it takes and gives Web ones.
    const workerB = (await mf.getWorker('edge-b')) as unknown as { fetch(url: string, init: RequestInit): Promise<Response> };
    const b = await chatVia((u, i) => workerB.fetch(u, i), 'http://edge-b/api/chat', 'two [[sim:tokens=6]]');
    expect(fallbackOf(b)?.reason).toBe('remembered');
    expect(b.at(-1)?.event).toBe('done');
    const fast = sim.sim.requests().filter((r) => (r.body as { speed?: string }).speed === 'fast');
    expect(fast).toHaveLength(1);
  });
});
