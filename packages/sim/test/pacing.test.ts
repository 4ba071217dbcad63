import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import type { SimStreamRecord } from '../src/types.ts';
import { client, fastParams, sim } from './helpers.ts';

// Behaviour only, robust to a CPU-starved machine: a late timer can make a delta late, never early,
// and the schedule is absolute, so later deltas catch up. Precise figures: bench/sim-pacing.node.ts.
const TTFT = 120;
const STANDARD = 200;
let s: RunningSim;
beforeAll(async () => {
  s = await sim({ ttftMs: TTFT, standardOtps: STANDARD, fastMultiplier: 2.5, jitter: 0 });
});
afterAll(() => s.close());

/** Lateness of each delta against its ideal time `arrival + TTFT + (tokens so far − 1) / otps`. */
function lateness(record: SimStreamRecord, otps: number): number[] {
  const first = record.startedAt + TTFT;
  let cum = 0;
  return record.deltaTimes.map((t, j) => {
    cum += record.deltaTokens[j]!;
    return t - first - ((cum - 1) * 1000) / otps;
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('ground-truth pacing', () => {
  it('never sends early: TTFT at least as configured at both speeds, deltas on the rate schedule', async () => {
    const run = async (fast: boolean): Promise<SimStreamRecord> => {
      const params = fast
        ? fastParams('[[sim:tokens=200]]')
        : { model: 'claude-opus-4-8', max_tokens: 1024, messages: [{ role: 'user' as const, content: '[[sim:tokens=200]]' }] };
      await client(s.url).beta.messages.stream(params).finalMessage();
      return s.sim.streams().at(-1)!;
    };
    for (const [fast, otps] of [[false, STANDARD], [true, STANDARD * 2.5]] as const) {
      const record = await run(fast);
      expect(record.speed).toBe(fast ? 'fast' : 'standard');
      expect(record.deltaTokens[0]).toBe(1);
      const ttft = record.deltaTimes[0]! - record.startedAt;
      expect(ttft).toBeGreaterThanOrEqual(TTFT - 1);
      expect(ttft).toBeLessThan(TTFT + 500);
      const late = lateness(record, otps);
      expect(Math.min(...late)).toBeGreaterThan(-2);
      expect(median(late)).toBeLessThan(100);
    }
  });

  it('standardOtps 0 streams as fast as possible', async () => {
    s.sim.configure({ standardOtps: 0, ttftMs: 0 });
    const t0 = performance.now();
    const msg = await client(s.url).beta.messages.stream(fastParams('[[sim:tokens=5000]]', { max_tokens: 6000 })).finalMessage();
    expect(msg.usage.output_tokens).toBe(5000);
    expect(performance.now() - t0).toBeLessThan(5000);
    s.sim.configure({ standardOtps: STANDARD, ttftMs: TTFT });
  });
});
