/**
 * The sim's configured fault mix (`faults: [{ fault, rate }, …]`), which the soak and the demo's fault
 * panel rely on: does each fault hit its own share of requests?
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSim } from '@slipstream/sim';
import { SectionRecorder } from './lib/report.ts';

const report = new SectionRecorder('12-sim-fault-mix', 'Fault injection itself: configured fault shares in the sim', 12);
afterAll(() => report.flush());

async function statuses(faults: { fault: 'overloaded' | 'api_error'; rate: number }[], n: number): Promise<Map<number, number>> {
  const sim = createSim({ ttftMs: 0, standardOtps: 0, jitter: 0, seed: 4, faults });
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const res = await sim.fetch(
      new Request('http://sim.test/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: `q${i} [[sim:tokens=1]]` }] }),
      }),
    );
    await res.arrayBuffer();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
  }
  return counts;
}

describe('configured fault mix', () => {
  // Found by this suite (one seeded roll was shared by all entries, so a fault whose rate was ≤ an
  // earlier entry's never fired); fixed in sim 3fd553b. This test keeps it fixed.
  it('each configured fault rate hits its own share of requests', async () => {
    const N = 400;
    const single = await statuses([{ fault: 'api_error', rate: 0.3 }], N);
    const singleShare = (single.get(500) ?? 0) / N;
    const mix = await statuses(
      [
        { fault: 'overloaded', rate: 0.5 },
        { fault: 'api_error', rate: 0.3 },
      ],
      N,
    );
    const overloaded = mix.get(529) ?? 0;
    const apiError = mix.get(500) ?? 0;
    // Each entry hits its own share: ~50% 529 and ~30% 500.
    const mixOk = overloaded > N * 0.4 && overloaded < N * 0.6 && apiError > N * 0.2 && apiError < N * 0.4;
    report.row({
      case: 'single configured fault',
      tried: `faults: [{ api_error, rate 0.3 }], ${N} requests`,
      count: N,
      observed: `${single.get(500) ?? 0} × 500 (${(singleShare * 100).toFixed(0)}%)`,
      outcome: singleShare > 0.2 && singleShare < 0.4 ? 'pass' : 'fail',
    });
    report.row({
      case: 'two configured faults',
      tried: `faults: [{ overloaded, rate 0.5 }, { api_error, rate 0.3 }], ${N} requests`,
      count: N,
      observed: `${overloaded} × 529 (${((overloaded / N) * 100).toFixed(0)}%), ${apiError} × 500 (${((apiError / N) * 100).toFixed(0)}%)`,
      outcome: mixOk ? 'pass' : 'fail',
    });
    report.note('Bug found by this suite and fixed by the sim owner (3fd553b): with several `{ rate }` faults configured, one roll per request was shared by all entries, so a fault whose rate was ≤ an earlier entry\'s never fired.');
    expect(singleShare).toBeGreaterThan(0.2);
    expect(singleShare).toBeLessThan(0.4);
    expect(overloaded / N).toBeGreaterThan(0.4);
    expect(overloaded / N).toBeLessThan(0.6);
    expect(apiError / N).toBeGreaterThan(0.2);
    expect(apiError / N).toBeLessThan(0.4);
  });
});
