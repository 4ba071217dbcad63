/**
 * Benchmark 5: concurrency. 200 and then 500 replies at once through one Node edge process, against a sim
 * in its own process. Checks every reply completed (`done`), its text equals the reference reply (the
 * sim is deterministic: same request, same seed, same text) and its delta count equals what the sim
 * emitted; reports the edge's peak RSS (sampled every 50 ms) and CPU per stream.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { direct, viaAiSdk, viaSlipstream, type Ask, type Reply } from './lib/clients.ts';
import { startChild, type Child } from './lib/proc.node.ts';
import { main, type BenchResult } from './lib/result.ts';
import { fmt, median, nowEpoch, quantile } from './lib/stats.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '200,500').split(',').map(Number);
const TOKENS = 200;

interface SimRecord {
  startedAt: number;
  deltaTimes: number[];
  deltaTokens: number[];
  outputTokens: number;
  end?: string;
}

async function run(): Promise<Omit<BenchResult, 'title' | 'command'>> {
  const sim = await startChild(here('./lib/sim-child.node.ts'), { ttftMs: 350, standardOtps: 50, jitter: 0.1, seed: 11, fastInputTpm: 1e12, fastOutputTpm: 1e12 });
  const edge = await startChild(here('./lib/relay-child.node.ts'), { kind: 'slipstream', upstream: sim.url });
  const aisdk = await startChild(here('./lib/relay-child.node.ts'), { kind: 'aisdk', upstream: sim.url });
  try {
    const ask: Ask = { prompt: `Give me a structured answer. [[sim:tokens=${TOKENS}]]`, model: 'claude-opus-4-6', speed: 'standard', maxTokens: 1000 };
    const reference = await direct(sim.url, ask);
    await viaSlipstream(edge.url, ask); // warm-up
    await viaAiSdk(aisdk.url, ask);
    const rows: string[] = [];
    const headline: Record<string, string> = {};
    const paths = [
      { key: 'slipstream', label: '**Slipstream edge**', relay: edge as Child | null, call: () => viaSlipstream(edge.url, ask) },
      { key: 'aisdk', label: 'AI SDK route', relay: aisdk as Child | null, call: () => viaAiSdk(aisdk.url, ask) },
      { key: 'direct', label: 'no relay (SDK → sim)', relay: null as Child | null, call: () => direct(sim.url, ask) },
    ];
    for (const n of LEVELS) {
      for (const p of paths) {
        const baseRss = p.relay ? await p.relay.ask<number>('rss') : 0;
        await p.relay?.ask('peakRss'); // reset the peak
        const cpu0 = p.relay ? await p.relay.ask<number>('cpu') : 0;
        const t0 = performance.now();
        const t0Epoch = nowEpoch();
        const settled = await Promise.allSettled(Array.from({ length: n }, () => p.call()));
        const wallMs = performance.now() - t0;
        const cpu = p.relay ? (await p.relay.ask<number>('cpu')) - cpu0 : Number.NaN;
        const peak = p.relay ? await p.relay.ask<number>('peakRss') : Number.NaN;
        // The sim keeps its latest 2,000 records; this batch's are those that started after it was launched (the
        // previous batch started seconds earlier).
        const records = (await sim.ask<SimRecord[]>('streams')).filter((r) => r.startedAt >= t0Epoch - 100); // 100 ms of slack for the two processes' clocks
        const ok = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<Reply>).value);
        const failed = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason).slice(0, 120));
        // The AI SDK's UI stream carries no token count; there, a reply is complete when its text is whole.
        const completed = ok.filter((r) => (r.outputTokens === null ? r.text === reference.text : r.outputTokens === TOKENS)).length;
        const textExact = ok.filter((r) => r.text === reference.text).length;
        const deltasReceived = ok.reduce((a, r) => a + r.arrivals.length, 0);
        const deltasEmitted = records.reduce((a, r) => a + r.deltaTimes.length, 0);
        const otps = ok.map((r) => (r.arrivals.length > 1 ? ((TOKENS - 1) / ((r.arrivals.at(-1) as number) - (r.arrivals[0] as number))) * 1000 : Number.NaN));
        const ttft = ok.map((r) => (r.arrivals[0] as number) - r.sentAt);
        const reachSim = records.map((r) => r.startedAt - t0Epoch);
        const lossless = completed === n && textExact === n && deltasReceived === deltasEmitted;
        rows.push(
          `| ${n} | ${p.label} | ${completed}/${n} | ${textExact}/${n} | ${deltasReceived} / ${deltasEmitted} | ${fmt(wallMs / 1000, 1)} | ${fmt(median(ttft), 0)} / ${fmt(quantile(ttft, 0.99), 0)} | ${fmt(median(reachSim), 0)} / ${fmt(quantile(reachSim, 0.99), 0)} | ${fmt(median(otps), 1)} | ${p.relay ? `${fmt(baseRss / 2 ** 20, 0)} → ${fmt(peak / 2 ** 20, 0)}` : '—'} | ${p.relay ? fmt(cpu / n, 2) : '—'} |`,
        );
        if (p.key === 'slipstream') {
          headline[`${n} streams lossless`] = lossless ? 'yes' : 'NO';
          headline[`${n} streams edge CPU ms/stream`] = fmt(cpu / n, 2);
          headline[`${n} streams peak RSS MB`] = fmt(peak / 2 ** 20, 0);
          headline[`${n} streams TTFT p50 ms`] = fmt(median(ttft), 0);
        } else if (p.key === 'aisdk') {
          headline[`${n} streams AI SDK CPU ms/stream`] = fmt(cpu / n, 2);
        }
        if (failed.length) rows.push(`| | failures: ${failed.slice(0, 3).join('; ')} | | | | | | | | | |`);
      }
    }
    return {
      markdown: [
        `One relay process per path (\`@hono/node-server\`), one sim process (TTFT 350 ms ±10%, standard 50 tok/s), all replies of a batch started at once from this process with \`fetch\`; each reply ${TOKENS} tokens at standard speed. Paths run one after the other: our edge, the AI SDK route (same sim), and the Anthropic SDK straight to the sim (no relay: the floor for this client on this machine). "Text exact" compares each reply with the same request made directly with the Anthropic SDK (the sim is deterministic). Deltas: text events received by all clients / token-carrying deltas the sim wrote.`,
        '',
        '| streams | path | completed | text exact | deltas received / emitted | wall s | TTFT p50 / p99 ms | request reaches the sim p50 / p99 ms | median OTPS | relay RSS MB (before → peak) | relay CPU ms / stream |',
        '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
        '',
        '- Completed: `done` with 200 output tokens (ours, direct); for the AI SDK, whose UI stream carries no token count, the whole text.',
        '- "Request reaches the sim" is the time from launching the batch to the sim receiving each upstream request (epoch clocks of two processes on one machine): the part of TTFT spent before the sim starts its own 350 ms, i.e. in the client, the relay and connection setup under the burst. The no-relay row shows how much of it this one client process accounts for by itself.',
        `- Target: 500 streams complete with no loss: ${headline['500 streams lossless'] === 'yes' ? 'met' : headline['500 streams lossless'] === undefined ? 'not run' : 'missed'}.`,
      ].join('\n'),
      headline,
    };
  } finally {
    await Promise.all([edge.close(), aisdk.close(), sim.close()]);
  }
}

await main('5. Concurrency', 'pnpm --filter @slipstream/bench exec tsx concurrency.node.ts', run);
