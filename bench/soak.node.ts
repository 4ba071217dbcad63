/**
 * Soak / load benchmark (not a unit test): `pnpm exec tsx bench/soak.node.ts [--duration 60] [--burst 500]`.
 *
 * 1. Burst: 500 concurrent streams through ONE Node edge process (its own process, @hono/node-server)
 *    against the sim (its own process). Every stream must end in `done` with the full token count.
 * 2. Soak: ~60 s of continuous load (a fixed number of streams in flight, refilled as they end) with a
 *    mix of client aborts and sim faults (429 fast, 529, 500, mid-stream error, truncation, stall, drop).
 *    Every stream must end as completed, failed with a typed protocol `error`, or aborted by the client.
 *    "Lost" = anything else: a stream that ended silently, a transport error with no typed error, a
 *    refused request without an ErrorBody, or a stream still open at the end. Lost must be 0.
 * 3. RSS of the edge (and sim) sampled every second.
 *
 * Prints a markdown table and writes bench/soak-results.md (with the figures as JSON in a comment, which
 * the reliability suite's RESULTS.md generator picks up).
 *
 * The same file is the edge child process when started with a JSON `{"role":"edge",…}` argument.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readProtocolStream, type ErrorKind } from '@slipstream/core';
import { startChild, serveIpc, type Child } from './lib/proc.node.ts';

interface EdgeChildConfig {
  role: 'edge';
  upstream: string;
  /** Omitted: the product default (60 s). */
  idleTimeoutMs?: number;
}

const arg = process.argv[2];
const childConfig = ((): EdgeChildConfig | undefined => {
  if (arg === undefined || !arg.startsWith('{')) return undefined;
  const parsed = JSON.parse(arg) as Partial<EdgeChildConfig>;
  return parsed.role === 'edge' ? (parsed as EdgeChildConfig) : undefined;
})();

// ─── the edge child ────────────────────────────────────────────────────────────────────────────────

async function edgeChild(config: EdgeChildConfig): Promise<void> {
  const edgeRequire = createRequire(fileURLToPath(new URL('../packages/edge/package.json', import.meta.url)));
  type Serve = (
    options: { fetch: (req: Request) => Response | Promise<Response>; port: number; hostname: string },
    listening: (info: { port: number }) => void,
  ) => { close(): void };
  const { serve } = (await import(edgeRequire.resolve('@hono/node-server'))) as { serve: Serve };
  const { createChatHandler } = await import('@slipstream/edge');
  let logged = 0;
  const app = createChatHandler({
    baseURL: config.upstream,
    apiKey: ['sk', 'ant', 'soak'].join('-'),
    maxTokensCap: 8_000,
    ...(config.idleTimeoutMs !== undefined ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
    retryBaseMs: 50,
    upstreamRetries: 2,
    fastWaitMaxMs: 500,
    heartbeatMs: 1_000,
    onError: () => {
      logged++;
    },
  });
  const server = serve({ fetch: (req) => app.fetch(req), port: 0, hostname: '127.0.0.1' }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  });
  // A full GC on request, so the soak can tell retained memory from heap the GC has not reclaimed yet.
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  serveIpc({
    rss: () => process.memoryUsage().rss,
    heap: () => process.memoryUsage().heapUsed,
    gcHeap: () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    },
    logged: () => logged,
  });
  process.on('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}

// ─── the load generator ────────────────────────────────────────────────────────────────────────────

type End = 'completed' | 'failed' | 'aborted' | 'lost';
interface StreamResult {
  end: End;
  /** ms from request to the first text delta, when one arrived. */
  ttftMs?: number;
  totalMs?: number;
  kind?: ErrorKind;
  why?: string;
  tokens?: number;
  expected: number;
}

interface Row {
  case: string;
  tried: string;
  count: number;
  observed: string;
  outcome: 'pass' | 'fail';
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

/** One stream: POST, read protocol events to the end, classify. Optional client abort after `abortAfterMs`. */
async function oneStream(edgeUrl: string, tokens: number, speed: 'fast' | 'standard' | 'auto', abortAfterMs: number | undefined, hardTimeoutMs: number): Promise<StreamResult> {
  const ctl = new AbortController();
  let userAborted = false;
  const abortTimer = abortAfterMs === undefined ? undefined : setTimeout(() => {
    userAborted = true;
    ctl.abort();
  }, abortAfterMs);
  let hung = false;
  const seen: string[] = [];
  let lastAt = performance.now();
  const t0 = performance.now();
  const describe = (): string => {
    const compact: string[] = [];
    for (const n of seen) if (compact.at(-1) !== n) compact.push(n);
    return `${speed} ${tokens} tok${abortAfterMs !== undefined ? `, abort@${abortAfterMs}ms` : ''}; events ${compact.slice(-6).join(' ')}; last event ${((performance.now() - lastAt) / 1000).toFixed(1)} s before the end, ${((lastAt - t0) / 1000).toFixed(1)} s in`;
  };
  const hardTimer = setTimeout(() => {
    hung = true;
    ctl.abort();
  }, hardTimeoutMs);
  try {
    const res = await fetch(`${edgeUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: `soak ${Math.random()} [[sim:tokens=${tokens}]]` }], speed, max_tokens: 8_000 }),
      signal: ctl.signal,
    });
    if (!res.ok || !res.body) {
      const text = await res.text();
      try {
        const body = JSON.parse(text) as { error?: { kind?: ErrorKind } };
        if (typeof body.error?.kind === 'string') return { end: 'failed', kind: body.error.kind, expected: tokens };
      } catch {
        /* not an ErrorBody */
      }
      return { end: 'lost', why: `HTTP ${res.status} without an ErrorBody`, expected: tokens };
    }
    let last: { event: string; kind?: ErrorKind; tokens?: number } | undefined;
    let ttftMs: number | undefined;
    for await (const e of readProtocolStream(res.body, { signal: ctl.signal, onComment: () => seen.push('hb') })) {
      seen.push(e.event === 'error' ? `error(${e.data.kind})` : e.event);
      if (e.event === 'text' && ttftMs === undefined) ttftMs = performance.now() - t0;
      lastAt = performance.now();
      if (e.event === 'done') last = { event: 'done', tokens: e.data.usage.outputTokens };
      else if (e.event === 'error') last = { event: 'error', kind: e.data.kind };
    }
    if (last?.event === 'done') {
      if (last.tokens !== tokens) return { end: 'lost', why: `done with ${String(last.tokens)} of ${tokens} tokens`, expected: tokens };
      return { end: 'completed', tokens: last.tokens, expected: tokens, totalMs: performance.now() - t0, ...(ttftMs !== undefined ? { ttftMs } : {}) };
    }
    if (last?.event === 'error' && last.kind !== undefined) return { end: 'failed', kind: last.kind, expected: tokens };
    return { end: 'lost', why: `stream ended without done or error (${describe()})`, expected: tokens };
  } catch (err) {
    if (userAborted && !hung) return { end: 'aborted', expected: tokens };
    if (hung) return { end: 'lost', why: `no end within ${hardTimeoutMs} ms (${describe()})`, expected: tokens };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { end: 'lost', why: `transport error without a typed error: ${String(err).slice(0, 60)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''} (${describe()})`, expected: tokens };
  } finally {
    clearTimeout(abortTimer);
    clearTimeout(hardTimer);
  }
}

function tally(results: StreamResult[]): { completed: number; failed: Map<string, number>; aborted: number; lost: number; lostWhy: string[] } {
  const failed = new Map<string, number>();
  let completed = 0;
  let aborted = 0;
  let lost = 0;
  const lostWhy: string[] = [];
  for (const r of results) {
    if (r.end === 'completed') completed++;
    else if (r.end === 'aborted') aborted++;
    else if (r.end === 'failed') failed.set(r.kind ?? '?', (failed.get(r.kind ?? '?') ?? 0) + 1);
    else {
      lost++;
      if (lostWhy.length < 5 && r.why !== undefined) lostWhy.push(r.why);
    }
  }
  return { completed, failed, aborted, lost, lostWhy };
}

const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
const fmtFailed = (m: Map<string, number>): string => ([...m].length ? [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') : 'none');

async function soak(): Promise<void> {
  const BURST = flag('burst', 500);
  const DURATION_S = flag('duration', 60);
  const IN_FLIGHT = flag('inflight', 100);
  const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
  const rows: Row[] = [];
  const rssSeries: { t: number; edge: number; sim: number; inFlight: number }[] = [];

  // Phase 1 sim: clean, fast enough that 500 streams finish in seconds.
  let sim: Child = await startChild(here('./lib/sim-child.node.ts'), { ttftMs: 200, standardOtps: 50, fastMultiplier: 2.5, jitter: 0.1, seed: 21, fastInputTpm: 1e12, fastOutputTpm: 1e12 });
  let edge: Child = await startChild(here('./soak.node.ts'), { role: 'edge', upstream: sim.url } satisfies EdgeChildConfig);
  const t0 = performance.now();
  let inFlight = 0;
  let swapping = false;
  const sampler = setInterval(() => {
    if (swapping || !edge.proc.connected || !sim.proc.connected) return;
    void Promise.all([edge.ask<number>('rss'), sim.ask<number>('rss')])
      .then(([e, s]) => rssSeries.push({ t: (performance.now() - t0) / 1000, edge: e, sim: s, inFlight }))
      .catch(() => undefined);
  }, 1_000);
  try {
    // Warm-up.
    await oneStream(edge.url, 5, 'standard', undefined, 10_000);
    const rssBefore = await edge.ask<number>('rss');

    // ── Phase 1: burst ──
    console.log(`burst: ${BURST} concurrent streams…`);
    const tb = performance.now();
    inFlight = BURST;
    const burst = await Promise.all(
      Array.from({ length: BURST }, (_, i) => oneStream(edge.url, 100, i % 2 === 0 ? 'standard' : 'auto', undefined, 60_000).finally(() => inFlight--)),
    );
    const burstS = (performance.now() - tb) / 1000;
    const b = tally(burst);
    const q = (xs: number[], p: number): string => {
      const sorted = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
      return sorted.length ? ((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number) / 1000).toFixed(2) : 'n/a';
    };
    const ttfts = burst.map((r) => r.ttftMs ?? Number.NaN);
    const totals = burst.map((r) => r.totalMs ?? Number.NaN);
    const simStats1 = await sim.ask<{ activeStreams: number }>('stats');
    const rssAfterBurst = await edge.ask<number>('rss');
    rows.push({
      case: `burst: ${BURST} concurrent streams`,
      tried: `${BURST} streams at once (100 tokens each, half standard, half auto) through one Node edge process (default options) → sim process`,
      count: BURST,
      observed: `completed ${b.completed}, failed ${fmtFailed(b.failed)}, lost ${b.lost}${b.lostWhy.length ? ` (${b.lostWhy.join('; ')})` : ''}; ${burstS.toFixed(1)} s wall; TTFT p50 ${q(ttfts, 0.5)} s / p99 ${q(ttfts, 0.99)} s (sim TTFT 0.2 s); stream p50 ${q(totals, 0.5)} s / p99 ${q(totals, 0.99)} s; edge RSS ${mb(rssBefore)} → ${mb(rssAfterBurst)} MB; sim active streams after: ${simStats1.activeStreams}`,
      outcome: b.completed === BURST && b.lost === 0 && simStats1.activeStreams === 0 ? 'pass' : 'fail',
    });

    // ── Phase 2: soak with faults and aborts ──
    swapping = true;
    await edge.close();
    await sim.close();
    // Each `{ rate }` entry hits its own share of matching requests (sim ≥ 3fd553b).
    const faults = [
      { fault: 'overloaded', rate: 0.03 },
      { fault: 'api_error', rate: 0.02 },
      { fault: 'midstream_error', rate: 0.03, after: 10 },
      { fault: 'truncate', rate: 0.02, after: 10 },
      { fault: 'stall', rate: 0.01, after: 10 },
      { fault: 'drop', rate: 0.02, after: 10 },
      { fault: 'rate_limit', rate: 0.12, speed: 'fast', after: 300 },
    ];
    sim = await startChild(here('./lib/sim-child.node.ts'), { ttftMs: 150, standardOtps: 80, fastMultiplier: 2.5, jitter: 0.1, seed: 22, fastInputTpm: 1e12, fastOutputTpm: 1e12, faults });
    edge = await startChild(here('./soak.node.ts'), { role: 'edge', upstream: sim.url, idleTimeoutMs: 5_000 } satisfies EdgeChildConfig);
    swapping = false;
    await oneStream(edge.url, 5, 'standard', undefined, 10_000);
    const heapSoakStart = await edge.ask<number>('gcHeap');
    const rssSoakStart = await edge.ask<number>('rss');
    console.log(`soak: ${DURATION_S} s with ${IN_FLIGHT} streams in flight, faults and aborts…`);
    const results: StreamResult[] = [];
    const deadline = performance.now() + DURATION_S * 1000;
    let started = 0;
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        started++;
        inFlight++;
        const tokens = 20 + Math.floor(rand() * 300);
        const speed = (['fast', 'standard', 'auto'] as const)[Math.floor(rand() * 3)] ?? 'auto';
        const abortAfter = rand() < 0.15 ? 50 + Math.floor(rand() * 1500) : undefined;
        results.push(await oneStream(edge.url, tokens, speed, abortAfter, 90_000));
        inFlight--;
      }
    };
    const ts = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const soakS = (performance.now() - ts) / 1000;
    // Every upstream stream must be closed once the clients are done.
    let simStats2 = await sim.ask<{ activeStreams: number; abortedStreams: number; tokensAfterDisconnect: number[] }>('stats');
    for (let i = 0; i < 50 && simStats2.activeStreams > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      simStats2 = await sim.ask('stats');
    }
    const rssSoakEnd = await edge.ask<number>('rss');
    const heapSoakEnd = await edge.ask<number>('gcHeap');
    const s = tally(results);
    const afterDisconnect = simStats2.tokensAfterDisconnect.reduce((a, n) => a + n, 0);
    rows.push({
      case: `soak: ${DURATION_S} s, faults + aborts`,
      tried: `${IN_FLIGHT} streams in flight for ${DURATION_S} s (20–320 tokens, fast/standard/auto), 15% aborted by the client, sim faults per request: 529 3%, 500 2%, mid-stream error 3%, truncate 2%, stall 1% (edge idle timeout 5 s), drop 2%, and 12% of fast requests 429`,
      count: results.length,
      observed: `completed ${s.completed}, failed (typed) ${fmtFailed(s.failed)}, aborted ${s.aborted}, lost ${s.lost}${s.lostWhy.length ? ` (${s.lostWhy.join('; ')})` : ''}; ${soakS.toFixed(0)} s; sim active streams after: ${simStats2.activeStreams}; tokens after disconnect: ${afterDisconnect}`,
      outcome: s.lost === 0 && simStats2.activeStreams === 0 && started === results.length ? 'pass' : 'fail',
    });
    const soakSeries = rssSeries.filter((x) => x.t * 1000 >= ts - t0);
    const peak = Math.max(...soakSeries.map((x) => x.edge), rssSoakEnd);
    const heapGrowth = heapSoakEnd - heapSoakStart;
    rows.push({
      case: 'edge memory during the soak',
      tried: 'edge process RSS sampled every second; heap after a forced full GC before and after the soak',
      count: soakSeries.length,
      observed: `RSS start ${mb(rssSoakStart)} MB, peak ${mb(peak)} MB, end ${mb(rssSoakEnd)} MB; heap after GC ${(heapSoakStart / 2 ** 20).toFixed(1)} → ${(heapSoakEnd / 2 ** 20).toFixed(1)} MB (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / 2 ** 20).toFixed(1)} MB retained after ${results.length} streams)`,
      // Retained heap, not RSS (V8 keeps freed pages), decides: under 32 MB after thousands of streams.
      outcome: heapGrowth < 32 * 2 ** 20 ? 'pass' : 'fail',
    });
  } finally {
    swapping = true;
    clearInterval(sampler);
    await edge.close();
    await sim.close();
  }

  // ── Report ──
  const at = new Date().toISOString();
  const table = ['| Case | What was tried | How many | Observed | Outcome |', '|---|---|---:|---|---|', ...rows.map((r) => `| ${r.case} | ${r.tried} | ${r.count} | ${r.observed} | ${r.outcome === 'pass' ? '✅ pass' : '❌ FAIL'} |`)];
  const step = Math.max(1, Math.floor(rssSeries.length / 40));
  const series = ['| t (s) | streams in flight | edge RSS (MB) | sim RSS (MB) |', '|---:|---:|---:|---:|', ...rssSeries.filter((_, i) => i % step === 0).map((x) => `| ${x.t.toFixed(0)} | ${x.inFlight} | ${mb(x.edge)} | ${mb(x.sim)} |`)];
  const md = [
    '# Soak results',
    '',
    `<!-- Generated by \`pnpm exec tsx bench/soak.node.ts\` at ${at}. Do not edit. -->`,
    `<!-- soak-json ${JSON.stringify({ at, rows })} -->`,
    '',
    `Run ${at} on Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (the machine is shared). Edge and sim each in their own Node process; this process is the load generator.`,
    '',
    ...table,
    '',
    '## RSS over time',
    '',
    ...series,
    '',
  ].join('\n');
  writeFileSync(fileURLToPath(new URL('./soak-results.md', import.meta.url)), md);
  console.log(`\n${table.join('\n')}\n\nwrote bench/soak-results.md`);
  if (rows.some((r) => r.outcome !== 'pass')) process.exitCode = 1;
}

// Dispatch last, so every module-level constant above is initialised first.
if (childConfig !== undefined) await edgeChild(childConfig);
else await soak();
