import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { client, fastParams, sim } from './helpers.ts';

// Behaviour with generous slack; the precise figures come from bench/sim-pacing.node.ts.
let s: RunningSim;
beforeAll(async () => {
  s = await sim({ ttftMs: 120, standardOtps: 200, fastMultiplier: 2.5, jitter: 0 });
});
afterAll(() => s.close());

function rate(deltaTimes: number[], deltaTokens: number[]): number {
  const after = deltaTokens.slice(1).reduce((a, b) => a + b, 0);
  return after / ((deltaTimes.at(-1)! - deltaTimes[0]!) / 1000);
}

describe('ground-truth pacing', () => {
  it('TTFT is the same for both speeds and fast is ~2.5x the standard rate', async () => {
    const measure = async (fast: boolean) => {
      const t0 = performance.timeOrigin + performance.now();
      const c = client(s.url);
      const params = fast
        ? fastParams('[[sim:tokens=200]]')
        : { model: 'claude-opus-4-8', max_tokens: 1024, messages: [{ role: 'user' as const, content: '[[sim:tokens=200]]' }] };
      const times: number[] = [];
      const stream = c.beta.messages.stream(params);
      stream.on('text', () => times.push(performance.timeOrigin + performance.now()));
      await stream.finalMessage();
      const record = s.sim.streams().at(-1)!;
      return { ttft: times[0]! - t0, simRate: rate(record.deltaTimes, record.deltaTokens), record };
    };
    const standard = await measure(false);
    const fast = await measure(true);
    expect(standard.ttft).toBeGreaterThan(110);
    expect(standard.ttft).toBeLessThan(250);
    expect(fast.ttft).toBeGreaterThan(110);
    expect(fast.ttft).toBeLessThan(250);
    expect(standard.simRate).toBeGreaterThan(200 * 0.85);
    expect(standard.simRate).toBeLessThan(200 * 1.15);
    expect(fast.simRate / standard.simRate).toBeGreaterThan(2.0);
    expect(fast.simRate / standard.simRate).toBeLessThan(3.0);
    expect(fast.record.deltaTokens[0]).toBe(1);
  });

  it('standardOtps 0 streams as fast as possible', async () => {
    s.sim.configure({ standardOtps: 0, ttftMs: 0 });
    const t0 = performance.now();
    const msg = await client(s.url).beta.messages.stream(fastParams('[[sim:tokens=5000]]', { max_tokens: 6000 })).finalMessage();
    expect(msg.usage.output_tokens).toBe(5000);
    expect(performance.now() - t0).toBeLessThan(3000);
    s.sim.configure({ standardOtps: 200, ttftMs: 120 });
  });
});
