/**
 * Edge latency benchmark: what `@slipstream/edge` adds over calling the sim directly with the SDK.
 *
 *   npx tsx bench/edge-latency.node.ts        (RUNS=60 by default; BENCH_RUNS=N to change)
 *
 * The sim and the client run in this process (one clock), so the sim's ground-truth emission stamps
 * (`deltaTimes`) and the client's arrival stamps are comparable; the edge runs in its own process
 * (`pnpm edge --upstream <sim>`, i.e. `cli.node.ts`), as deployed. Each run asks for 30 output tokens,
 * fast, TTFT 200 ms, no jitter; direct and via-edge runs alternate. Reported:
 * - TTFT (request sent → first text delta received), direct vs via the edge, p50/p99, the difference of
 *   the quantiles, and the quantiles of the per-pair difference (run i via the edge − run i direct);
 * - per-delta delay (arrival − sim emission) for every text delta, direct vs via the edge.
 * The edge's share is its CPU work plus one extra loopback HTTP hop, not a real network.
 * @module
 */
import Anthropic from '@anthropic-ai/sdk';
import { FAST_MODE_BETA, readProtocolStream } from '@slipstream/core';
import { startSim } from '@slipstream/sim/node';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 60);
const TOKENS = 30;
const now = () => performance.timeOrigin + performance.now();

interface Sample {
  ttft: number;
  delays: number[];
}

function q(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1));
  return s[i] ?? Number.NaN;
}
const f = (n: number) => n.toFixed(2);

const sim = await startSim({ port: 0, ttftMs: 200, standardOtps: 50, jitter: 0, seed: 11, fastOutputTpm: 10_000_000 });
const root = fileURLToPath(new URL('../', import.meta.url));
const env = { ...process.env };
delete env['ANTHROPIC_API_KEY'];
const edgeProcess = spawn(process.execPath, ['--import', 'tsx', 'packages/edge/src/cli.node.ts', '--port', '0', '--upstream', sim.url], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const edgeBase = await new Promise<string>((resolve, reject) => {
  createInterface({ input: edgeProcess.stdout! }).once('line', (line) => {
    const m = /^listening on (\S+)$/.exec(line);
    if (m) resolve(m[1]!);
    else reject(new Error(`unexpected first line: ${line}`));
  });
  edgeProcess.once('exit', (code) => reject(new Error(`edge exited ${code}`)));
});
const edgeUrl = `${edgeBase}/api/chat`;
const client = new Anthropic({ apiKey: 'bench-key', baseURL: sim.url, maxRetries: 0 });

const lastRecord = () => {
  const streams = sim.sim.streams();
  const r = streams[streams.length - 1];
  if (!r) throw new Error('no sim record');
  return r;
};

async function runDirect(i: number): Promise<Sample> {
  const arrivals: number[] = [];
  const t0 = now();
  const stream = client.beta.messages.stream({
    model: 'claude-opus-4-8',
    max_tokens: 200,
    speed: 'fast',
    betas: [FAST_MODE_BETA],
    messages: [{ role: 'user', content: `bench ${i} [[sim:tokens=${TOKENS}]]` }],
  });
  for await (const e of stream) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') arrivals.push(now());
  const r = lastRecord();
  return { ttft: arrivals[0]! - t0, delays: arrivals.map((a, k) => a - r.deltaTimes[k]!) };
}

async function runEdge(i: number): Promise<Sample> {
  const arrivals: number[] = [];
  const t0 = now();
  const res = await fetch(edgeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ speed: 'fast', max_tokens: 200, messages: [{ role: 'user', content: `bench ${i} [[sim:tokens=${TOKENS}]]` }] }),
  });
  for await (const e of readProtocolStream(res.body!)) if (e.event === 'text') arrivals.push(now());
  const r = lastRecord();
  if (arrivals.length !== r.deltaTimes.length) throw new Error(`delta count mismatch: ${arrivals.length} vs ${r.deltaTimes.length}`);
  return { ttft: arrivals[0]! - t0, delays: arrivals.map((a, k) => a - r.deltaTimes[k]!) };
}

// Warm up both paths (JIT, connection pools).
for (let i = 0; i < 3; i++) {
  await runDirect(-1 - i);
  await runEdge(-1 - i);
}
const direct: Sample[] = [];
const edge: Sample[] = [];
for (let i = 0; i < RUNS; i++) {
  if (i % 2 === 0) {
    direct.push(await runDirect(i));
    edge.push(await runEdge(i));
  } else {
    edge.push(await runEdge(i));
    direct.push(await runDirect(i));
  }
}

const dT = direct.map((s) => s.ttft);
const eT = edge.map((s) => s.ttft);
const dD = direct.flatMap((s) => s.delays);
const eD = edge.flatMap((s) => s.delays);
console.log(`edge-latency: ${RUNS} runs per path, ${TOKENS} tokens each, fast (125 tok/s), TTFT 200 ms, node ${process.version}`);
console.log('| metric | direct SDK → sim | via edge | added by edge |');
console.log('|---|---|---|---|');
console.log(`| TTFT p50 (ms) | ${f(q(dT, 0.5))} | ${f(q(eT, 0.5))} | ${f(q(eT, 0.5) - q(dT, 0.5))} |`);
console.log(`| TTFT p99 (ms) | ${f(q(dT, 0.99))} | ${f(q(eT, 0.99))} | ${f(q(eT, 0.99) - q(dT, 0.99))} |`);
const pairs = eT.map((e, i) => e - dT[i]!);
console.log(`| TTFT, paired runs (edge − direct), p50 / p99 (ms) | | | ${f(q(pairs, 0.5))} / ${f(q(pairs, 0.99))} |`);
console.log(`| per-delta delay p50 (ms) | ${f(q(dD, 0.5))} | ${f(q(eD, 0.5))} | ${f(q(eD, 0.5) - q(dD, 0.5))} |`);
console.log(`| per-delta delay p99 (ms) | ${f(q(dD, 0.99))} | ${f(q(eD, 0.99))} | ${f(q(eD, 0.99) - q(dD, 0.99))} |`);
console.log(`(${dD.length} direct deltas, ${eD.length} edge deltas)`);

edgeProcess.kill('SIGTERM');
await new Promise((r) => edgeProcess.once('exit', r));
await sim.close();
