/**
 * 100 client aborts in a row over real sockets (client fetch → node:http edge → sim): zero upstream
 * streams left open, and how many tokens the sim still wrote after each stop (reported, bounded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatHandler } from '@slipstream/edge';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { createClient, TERMINAL, waitFor } from './lib/client.ts';
import { ConsoleCapture, eventually, ProcessGuard, sleep, within } from './lib/guards.ts';
import { serveFetch, type NodeServerHandle } from './lib/node-server.ts';
import { createRng } from './lib/prng.ts';
import { SectionRecorder } from './lib/report.ts';
import { FAKE_KEY, LeakLedger } from './lib/secrets.ts';

const report = new SectionRecorder('11-aborts', 'Abort: 100 client stops in a row over real sockets', 11);
const guard = new ProcessGuard();
const consoleCapture = new ConsoleCapture();
const edgeLogs: unknown[] = [];
let sim: RunningSim;
let edge: NodeServerHandle;
const OTPS = 300;

beforeAll(async () => {
  guard.install();
  consoleCapture.install();
  sim = await startSim({ port: 0, ttftMs: 5, standardOtps: OTPS, jitter: 0, seed: 5 });
  edge = await serveFetch(createChatHandler({ apiKey: FAKE_KEY, baseURL: sim.url, onError: (e) => edgeLogs.push(e), heartbeatMs: 200 }).fetch);
});
afterAll(async () => {
  guard.uninstall();
  consoleCapture.uninstall();
  const ledger = new LeakLedger();
  ledger.scan('console', consoleCapture.lines.join('\n'));
  ledger.scan('edge onError', JSON.stringify(edgeLogs));
  report.row({
    case: 'API key in logs of this run',
    tried: 'console.* lines and edge onError events captured during the run',
    count: consoleCapture.lines.length + edgeLogs.length,
    observed: `${ledger.leaks.length} leaks`,
    inTotals: false,
      outcome: ledger.leaks.length === 0 ? 'pass' : 'fail',
  });
  await edge?.close();
  await sim?.close();
  report.flush();
  if (ledger.leaks.length > 0) throw new Error(`API key found in logs: ${JSON.stringify(ledger.leaks[0])}`);
});

const epochNow = (): number => performance.timeOrigin + performance.now();

describe('100 aborts in a row', () => {
  it('leaves zero upstream streams open and reports tokens written after each stop', async () => {
    const N = 100;
    const rng = createRng(100);
    const stops: number[] = [];
    const kept: number[] = [];
    const problems: string[] = [];
    const t0 = performance.now();
    let driver = '';
    for (let i = 0; i < N; i++) {
      const client = createClient(globalThis.fetch, `${edge.url}/api/chat`);
      driver = client.driver;
      client.start({ messages: [{ role: 'user', content: `abort ${i} [[sim:tokens=3000]]` }], speed: 'standard' });
      try {
        await within(5_000, `abort ${i}: first text`, waitFor(client, (v) => v.text.length > 0 || TERMINAL.includes(v.status)));
        await sleep(rng.int(0, 40));
        stops.push(epochNow());
        client.stop();
        const v = await within(5_000, `abort ${i}: end`, waitFor(client, (x) => TERMINAL.includes(x.status)));
        if (v.status !== 'aborted') problems.push(`#${i}: status ${v.status}`);
        if (v.text.length === 0) problems.push(`#${i}: partial text lost`);
        kept.push(v.text.length);
      } catch (err) {
        problems.push(`#${i}: ${String(err)}`);
        client.stop();
      }
    }
    const elapsed = performance.now() - t0;
    const drained = await eventually(() => sim.stats().activeStreams === 0 && edge.open() === 0, 3_000);
    const stats = sim.stats();
    const records = sim.sim.streams();
    // Match records to stops by arrival order (the aborts run one after another).
    const after: number[] = [];
    const notice: number[] = [];
    records.forEach((r, i) => {
      const stopAt = stops[i];
      if (stopAt === undefined) return;
      let n = 0;
      r.deltaTimes.forEach((t, k) => {
        if (t > stopAt) n += r.deltaTokens[k] ?? 0;
      });
      after.push(n);
      if (r.disconnectedAt !== undefined) notice.push(r.disconnectedAt - stopAt);
    });
    const ends = new Map<string, number>();
    for (const r of records) ends.set(r.end ?? 'open', (ends.get(r.end ?? 'open') ?? 0) + 1);
    const sum = after.reduce((a, b) => a + b, 0);
    const max = Math.max(0, ...after);
    notice.sort((a, b) => a - b);
    const p50 = notice[Math.floor(notice.length / 2)] ?? Number.NaN;
    const pMax = notice.at(-1) ?? Number.NaN;
    const afterDisconnect = stats.tokensAfterDisconnect.reduce((a, b) => a + b, 0);
    const { unhandled } = guard.drain();
    // Issue #4: after a stop the sim emits no more than ~100 ms worth of tokens. At 300 tok/s that is
    // 30 tokens, required of the median stream; the worst stream may take up to 1 s worth (300) on a
    // shared, oversubscribed CI machine, where scheduling, not the design, sets the tail.
    const sortedAfter = [...after].sort((a, b) => a - b);
    const medianAfter = sortedAfter[Math.floor(sortedAfter.length / 2)] ?? 0;
    const bound = Math.ceil(OTPS * 0.1);
    const tailBound = OTPS;
    const ok =
      problems.length === 0 && drained && stats.activeStreams === 0 && records.length === N && (ends.get('client_abort') ?? 0) === N && medianAfter <= bound && max <= tailBound && afterDisconnect === 0 && unhandled.length === 0;
    report.row({
      case: '100 aborts in a row',
      tried: `${driver === 'store' ? 'core store stop()' : 'PROTOCOL-ONLY driver abort'} ~0–40 ms after the first text of a 3000-token reply, client fetch → node:http edge → sim, one after another`,
      count: N,
      observed:
        `${N - problems.length}/${N} ended aborted with partial text (median ${kept.sort((a, b) => a - b)[Math.floor(kept.length / 2)] ?? 0} chars); ` +
        `sim active streams after: ${stats.activeStreams}; edge open responses: ${edge.open()}; sim ends ${[...ends].map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
        `tokens written after the client's stop: total ${sum}, median ${medianAfter}/stream (bound ${bound} = 100 ms), max ${max} (bound ${tailBound} = 1 s); sim noticed the disconnect after p50 ${p50.toFixed(1)} ms, max ${pMax.toFixed(1)} ms; ` +
        `tokens after the sim saw the disconnect: ${afterDisconnect}; ${(elapsed / 1000).toFixed(1)} s` +
        (problems.length ? `; PROBLEMS: ${problems.slice(0, 3).join('; ')}` : ''),
      outcome: ok ? 'pass' : 'fail',
    });
    expect(problems, problems.join('\n')).toEqual([]);
    expect(drained).toBe(true);
    expect(stats.activeStreams).toBe(0);
    expect(records.length).toBe(N);
    expect(ends.get('client_abort')).toBe(N);
    expect(medianAfter).toBeLessThanOrEqual(bound);
    expect(max).toBeLessThanOrEqual(tailBound);
    expect(afterDisconnect).toBe(0);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
