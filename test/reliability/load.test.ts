/**
 * Load inside the suite (the full soak is bench/soak.node.ts): 200 concurrent streams over real sockets
 * through one edge, then 150 concurrent streams with injected faults and client aborts. Every stream
 * ends completed, failed with a typed error, or aborted; none is lost; nothing stays open upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatHandler } from '@slipstream/edge';
import { readProtocolStream, type ErrorKind } from '@slipstream/core';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { createClient, TERMINAL, waitFor } from './lib/client.ts';
import { canGc, settledHeap } from './lib/gc.ts';
import { ConsoleCapture, eventually, ProcessGuard, within } from './lib/guards.ts';
import { serveFetch, type NodeServerHandle } from './lib/node-server.ts';
import { createRng } from './lib/prng.ts';
import { SectionRecorder } from './lib/report.ts';
import { FAKE_KEY, LeakLedger } from './lib/secrets.ts';

const report = new SectionRecorder('60-load', 'Load (in the suite): concurrent streams over real sockets', 60);
const guard = new ProcessGuard();
const consoleCapture = new ConsoleCapture();
const edgeLogs: unknown[] = [];
let sim: RunningSim;
let edge: NodeServerHandle;

beforeAll(async () => {
  guard.install();
  consoleCapture.install();
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, fastMultiplier: 2.5, jitter: 0.1, seed: 8, fastInputTpm: 1e12, fastOutputTpm: 1e12 });
  edge = await serveFetch(createChatHandler({ apiKey: FAKE_KEY, baseURL: sim.url, onError: (e) => edgeLogs.push(e), idleTimeoutMs: 30_000, retryBaseMs: 20, heartbeatMs: 1_000 }).fetch);
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

type End = { end: 'completed' | 'failed' | 'aborted' | 'lost'; kind?: ErrorKind; why?: string };

async function stream(tokens: number, speed: 'fast' | 'standard' | 'auto', abortAfterMs?: number): Promise<End> {
  const ctl = new AbortController();
  let userAbort = false;
  const timer = abortAfterMs === undefined ? undefined : setTimeout(() => ((userAbort = true), ctl.abort()), abortAfterMs);
  const hard = setTimeout(() => ctl.abort(), 45_000);
  try {
    const res = await fetch(`${edge.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: `load [[sim:tokens=${tokens}]]` }], speed }),
      signal: ctl.signal,
    });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => ({}))) as { error?: { kind?: ErrorKind } };
      return body.error?.kind ? { end: 'failed', kind: body.error.kind } : { end: 'lost', why: `HTTP ${res.status} without ErrorBody` };
    }
    let outcome: End = { end: 'lost', why: 'ended without done or error' };
    for await (const e of readProtocolStream(res.body, { signal: ctl.signal })) {
      if (e.event === 'done') outcome = e.data.usage.outputTokens === tokens ? { end: 'completed' } : { end: 'lost', why: `done with ${e.data.usage.outputTokens}/${tokens} tokens` };
      if (e.event === 'error') outcome = { end: 'failed', kind: e.data.kind };
    }
    return outcome;
  } catch (err) {
    return userAbort ? { end: 'aborted' } : { end: 'lost', why: String(err) };
  } finally {
    clearTimeout(timer);
    clearTimeout(hard);
  }
}

function tally(results: End[]): { completed: number; aborted: number; lost: number; failed: Map<string, number>; why: string[] } {
  const failed = new Map<string, number>();
  const why: string[] = [];
  let completed = 0;
  let aborted = 0;
  let lost = 0;
  for (const r of results) {
    if (r.end === 'completed') completed++;
    else if (r.end === 'aborted') aborted++;
    else if (r.end === 'failed') failed.set(r.kind ?? '?', (failed.get(r.kind ?? '?') ?? 0) + 1);
    else {
      lost++;
      if (why.length < 3) why.push(r.why ?? '');
    }
  }
  return { completed, aborted, lost, failed, why };
}
const fmt = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

describe('load', () => {
  it('200 concurrent streams: all complete, none lost, nothing left open', async () => {
    await stream(5, 'standard');
    const heap0 = await settledHeap();
    const N = 200;
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: N }, (_, i) => stream(60, (['fast', 'standard', 'auto'] as const)[i % 3] ?? 'auto')));
    const s = (performance.now() - t0) / 1000;
    const t = tally(results);
    const drained = await eventually(() => sim.stats().activeStreams === 0 && edge.open() === 0, 5_000);
    const heap1 = await settledHeap();
    report.row({
      case: `${N} concurrent streams`,
      tried: `${N} streams at once (60 tokens, fast/standard/auto) over real sockets: fetch → node:http edge → sim`,
      count: N,
      observed: `completed ${t.completed}, failed ${fmt(t.failed)}, lost ${t.lost}${t.why.length ? ` (${t.why.join('; ')})` : ''}; ${s.toFixed(1)} s; sim active ${sim.stats().activeStreams}, edge open ${edge.open()}; heap ${((heap1 - heap0) / 2 ** 20).toFixed(1)} MB${canGc ? ' after GC' : ''}`,
      outcome: t.completed === N && t.lost === 0 && drained ? 'pass' : 'fail',
    });
    expect(t.lost).toBe(0);
    expect(t.completed).toBe(N);
    expect(drained).toBe(true);
  }, 90_000);

  it('150 concurrent streams with injected faults and client aborts: every one typed, none lost', async () => {
    sim.sim.reset();
    // Count-based injection (each fault fires exactly `count` times on the next matching requests).
    const faults = [
      { fault: 'overloaded', count: 6 },
      { fault: 'api_error', count: 6 },
      { fault: 'midstream_error', count: 10, after: 8 },
      { fault: 'truncate', count: 10, after: 8 },
      { fault: 'drop', count: 10, after: 8 },
      { fault: 'rate_limit', count: 10, speed: 'fast', after: 200 },
    ] as const;
    for (const f of faults) sim.sim.injectFaults({ ...f });
    const rng = createRng(150);
    const N = 150;
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => stream(40 + rng.int(0, 200), (['fast', 'standard', 'auto'] as const)[i % 3] ?? 'auto', rng.bool(0.2) ? rng.int(30, 400) : undefined)),
    );
    const s = (performance.now() - t0) / 1000;
    const t = tally(results);
    const drained = await eventually(() => sim.stats().activeStreams === 0 && edge.open() === 0, 5_000);
    const stats = sim.stats();
    const afterDisconnect = stats.tokensAfterDisconnect.reduce((a, b) => a + b, 0);
    const { unhandled } = guard.drain();
    report.row({
      case: `${N} concurrent streams, faults + aborts`,
      tried: `${N} streams at once, ~20% aborted by the client at 30–400 ms; injected: 6×529, 6×500, 10 mid-stream errors, 10 truncations, 10 socket drops, 10 fast 429s`,
      count: N,
      observed: `completed ${t.completed}, failed (typed) ${fmt(t.failed)}, aborted ${t.aborted}, lost ${t.lost}${t.why.length ? ` (${t.why.join('; ')})` : ''}; ${s.toFixed(1)} s; sim active ${stats.activeStreams}, edge open ${edge.open()}; tokens after disconnect ${afterDisconnect}; unhandled rejections ${unhandled.length}`,
      outcome: t.lost === 0 && drained && afterDisconnect === 0 && unhandled.length === 0 ? 'pass' : 'fail',
    });
    expect(t.lost).toBe(0);
    expect(drained).toBe(true);
    expect(afterDisconnect).toBe(0);
    expect(unhandled).toEqual([]);
  }, 90_000);

  it('no text lost: 20 concurrent 5,000-token replies through edge → core store equal the reference text exactly', async () => {
    const prompt = 'Write at length. [[sim:tokens=5000]]';
    const body = { messages: [{ role: 'user' as const, content: prompt }], speed: 'standard' as const, max_tokens: 8_000 };
    // Reference: the same request straight from the sim (deterministic per request and seed).
    const direct = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-direct', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 8_000, messages: body.messages }),
    });
    const reference = ((await direct.json()) as { content: { type: string; text?: string }[] }).content.map((b) => b.text ?? '').join('');
    const N = 20;
    // Unpaced: the sim writes as fast as it can, so backpressure through edge and store is exercised.
    sim.sim.configure({ standardOtps: 0 });
    const t0 = performance.now();
    const views = await Promise.all(
      Array.from({ length: N }, async () => {
        const client = createClient(globalThis.fetch, `${edge.url}/api/chat`, 'frame');
        client.start(body);
        return within(60_000, 'long reply', waitFor(client, (v) => TERMINAL.includes(v.status)));
      }),
    );
    const s = (performance.now() - t0) / 1000;
    sim.sim.configure({ standardOtps: 400 });
    const exact = views.filter((v) => v.status === 'done' && v.text === reference).length;
    const firstBad = views.find((v) => v.text !== reference);
    report.row({
      case: 'no text lost (long replies)',
      tried: `${N} concurrent 5,000-token replies, sim unpaced, core store (frame-batched) ← node:http edge ← sim; each compared character for character with the same request answered by the sim directly (${reference.length} chars)`,
      count: N,
      observed: `${exact}/${N} identical to the reference; ${s.toFixed(1)} s` + (firstBad ? `; first difference: status ${firstBad.status}, ${firstBad.text.length} chars` : ''),
      outcome: exact === N && reference.length > 10_000 ? 'pass' : 'fail',
    });
    expect(reference.length).toBeGreaterThan(10_000);
    expect(exact).toBe(N);
  }, 90_000);
});
