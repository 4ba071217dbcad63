/**
 * Benchmark 3: meter truth, as a new user meets it. Core's client store (`createFastStream`, in Node
 * with the global `fetch`) reads our edge; the sim's stream records are the ground truth (when each
 * delta was written, how many tokens it carried). The sim runs in this process so both share one epoch
 * clock (the store is given that clock); the edge runs in its own process.
 *
 * Every measured reply is the **first reply of a fresh client** (a new store with empty calibration
 * storage, no warm-up). Cells: 50, 125 and 1,000 tok/s × prose / code / table prompts × the sim's
 * `token` (one token per delta) and `api` (realistic) chunking.
 *
 * - Live OTPS: sampled at every store notification (`notify: 'frame'`) while `liveOtps.state` is
 *   `live`. Truth is the sim's tokens over the same window the figure covers: the figure's window opens
 *   at a network read (`windowStartAt`) and ends at the last read; on the sim's clock that is from the
 *   write of the last delta of the opening read to the write of the last delta received, and the truth
 *   is the tokens the sim wrote in between ÷ that time.
 * - Frame-to-frame change of the live figure, and the time from the first delta to the first number
 *   (while `measuring`).
 * - Final headline OTPS (exact after `done`) vs the same definition on the sim's own timestamps.
 * - Two more variants: an edge with calibration off (a fresh isolate: the counter alone), and the
 *   old warm-up setup (one client, one earlier reply of its own).
 * @module
 */
import { fileURLToPath } from 'node:url';
import {
  createFastStream,
  createMemoryCalibrationStorage,
  TokenCounter,
  type FastStream,
  type FastStreamState,
  type CalibrationStorage,
} from '@slipstream/core';
import { startSim } from '@slipstream/sim/node';
import { startChild, type Child } from './lib/proc.node.ts';
import { main, type BenchResult } from './lib/result.ts';
import { fmt, max, median, nowEpoch, quantile } from './lib/stats.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const MODEL = 'claude-opus-4-6';
const BOUND = 0.1;

type Content = 'prose' | 'code' | 'table';
type Chunking = 'token' | 'api';

const PROMPTS: Record<Content, string> = {
  prose: 'Explain how moving your chat endpoint to the edge changes latency, in plain prose',
  code: 'Write a TypeScript LRU cache with a small test',
  table: 'Compare Redis, Memcached and DynamoDB in a table',
};

const RATES = [
  { label: '50 tok/s', key: 'standard @ 50 tok/s', speed: 'standard', standardOtps: 50, rate: 50, tokens: 250 },
  { label: '125 tok/s', key: 'fast @ 125 tok/s', speed: 'fast', standardOtps: 50, rate: 125, tokens: 500 },
  { label: '1,000 tok/s', key: 'fast @ 1,000 tok/s', speed: 'fast', standardOtps: 400, rate: 1000, tokens: 3000 },
] as const;
type Rate = (typeof RATES)[number];

interface Truth {
  startedAt: number;
  deltaTimes: number[];
  deltaTokens: number[];
  outputTokens: number;
}

interface Reply {
  /** |live ÷ true − 1| per sample. */
  errors: number[];
  /** |live_i ÷ live_{i−1} − 1| between consecutive samples. */
  jumps: number[];
  /** First delta → first live number, ms (client clock). */
  measuringMs: number;
  windowMs: number[];
  coreOtps: number;
  trueOtps: number;
  tokensOk: boolean;
  /** Counted tokens per class of the whole reply, as shares. */
  mix: Record<string, number>;
  content: Content;
  text: string;
}

async function run(): Promise<Omit<BenchResult, 'title' | 'command'>> {
  const sim = await startSim({ port: 0, ttftMs: 300, standardOtps: 50, fastMultiplier: 2.5, jitter: 0.1, fastInputTpm: 1e12, fastOutputTpm: 1e12, seed: 9 });
  const edge = await startChild(here('./lib/relay-child.node.ts'), { kind: 'slipstream', upstream: sim.url });
  const bareEdge = await startChild(here('./lib/relay-child.node.ts'), { kind: 'slipstream', upstream: sim.url, options: { calibration: false } });
  // The store reads the clock once per network read; the last reading is that read's arrival time.
  let lastNow = 0;
  const clock = { now: (): number => (lastNow = nowEpoch()) };
  let seed = 0;

  const reply = async (store: FastStream, arrivals: number[], rate: Rate, content: Content, tokens: number): Promise<Reply> => {
    const before = sim.sim.streams().length;
    const samples: { live: number; windowStartAt: number; windowMs: number; k: number }[] = [];
    arrivals.length = 0;
    let firstLiveAt: number | null = null;
    const done = new Promise<FastStreamState>((resolve) => {
      const off = store.subscribe(() => {
        const s = store.getSnapshot();
        const live = s.metrics.liveOtps;
        if (s.status === 'streaming' && live.state === 'live' && live.value !== null && live.windowStartAt !== null && live.windowMs !== null) {
          firstLiveAt ??= s.metrics.lastDeltaAt;
          samples.push({ live: live.value, windowStartAt: live.windowStartAt, windowMs: live.windowMs, k: arrivals.length });
        }
        if (s.status === 'done' || s.status === 'error' || s.status === 'aborted') {
          off();
          resolve(s);
        }
      });
    });
    // A different conversation each time, so the sim's seeded content differs run to run.
    store.start({ messages: [{ role: 'user', content: `${PROMPTS[content]} (${++seed}) [[sim:tokens=${tokens}]]` }], speed: rate.speed, model: MODEL, max_tokens: tokens + 100 });
    const s = await done;
    if (s.status !== 'done') throw new Error(`reply ended ${s.status}: ${s.error?.message ?? ''}`);
    const truth = sim.sim.streams().slice(before).at(-1) as Truth | undefined;
    if (!truth) throw new Error('no sim record');
    if (truth.deltaTimes.length !== arrivals.length) throw new Error(`sim wrote ${truth.deltaTimes.length} deltas, client saw ${arrivals.length}`);
    const errors: number[] = [];
    const jumps: number[] = [];
    let prev: number | undefined;
    for (const x of samples) {
      // Deltas of the read that opens the window are not in it: the window holds deltas j..k−1.
      let j = 0;
      while (j < x.k && (arrivals[j] as number) <= x.windowStartAt) j++;
      if (j === 0 || j >= x.k) continue;
      let tok = 0;
      for (let i = j; i < x.k; i++) tok += truth.deltaTokens[i] as number;
      const span = (truth.deltaTimes[x.k - 1] as number) - (truth.deltaTimes[j - 1] as number);
      if (!(span > 0)) continue;
      errors.push(Math.abs(x.live / ((tok / span) * 1000) - 1));
      if (prev !== undefined) jumps.push(Math.abs(x.live / prev - 1));
      prev = x.live;
    }
    const first = truth.deltaTimes[0] as number;
    const last = truth.deltaTimes.at(-1) as number;
    const counter = new TokenCounter();
    counter.push(s.text);
    const mix: Record<string, number> = {};
    for (const [c, n] of Object.entries(counter.tokens)) mix[c] = n / counter.total;
    return {
      errors,
      jumps,
      measuringMs: firstLiveAt === null || s.metrics.firstDeltaAt === null ? Number.NaN : firstLiveAt - s.metrics.firstDeltaAt,
      windowMs: samples.map((x) => x.windowMs),
      coreOtps: s.metrics.otps.value ?? Number.NaN,
      trueOtps: ((truth.outputTokens - 1) / (last - first)) * 1000,
      tokensOk: s.usage?.outputTokens === truth.outputTokens && truth.outputTokens === tokens,
      mix,
      content,
      text: s.text,
    };
  };

  /** A brand-new client: its own empty calibration storage (no localStorage in Node anyway). */
  const freshClient = (via: Child, arrivals: number[], storage: CalibrationStorage = createMemoryCalibrationStorage()): FastStream =>
    createFastStream({ endpoint: `${via.url}/api/chat`, clock, calibration: storage, onDelta: (_d, kind) => void (kind === 'text' && arrivals.push(lastNow)) });

  try {
    const cells = new Map<string, Reply[]>();
    const bare = new Map<string, Reply[]>();
    const warm = new Map<string, Reply[]>();
    for (const rate of RATES) {
      sim.sim.configure({ standardOtps: rate.standardOtps });
      for (const chunking of ['token', 'api'] as const) {
        sim.sim.configure({ chunking });
        for (const content of ['prose', 'code', 'table'] as const) {
          const key = `${rate.label}|${content}|${chunking}`;
          const got: Reply[] = [];
          for (let r = 0; r < RUNS; r++) {
            const arrivals: number[] = [];
            const store = freshClient(edge, arrivals);
            got.push(await reply(store, arrivals, rate, content, rate.tokens));
            store.destroy();
          }
          cells.set(key, got);
          // A fresh edge isolate too: nothing learned anywhere, the counter alone.
          const arrivals: number[] = [];
          const store = freshClient(bareEdge, arrivals);
          bare.set(key, [await reply(store, arrivals, rate, content, rate.tokens)]);
          store.destroy();
          if (chunking === 'api') {
            // The old setup: one client whose earlier reply calibrated it (edge calibration off).
            const wa: number[] = [];
            const ws = freshClient(bareEdge, wa);
            await reply(ws, wa, rate, content, Math.min(rate.tokens, 150));
            warm.set(key, [await reply(ws, wa, rate, content, rate.tokens)]);
            ws.destroy();
          }
        }
      }
    }

    const pct = (x: number): string => fmt(x * 100, 1);
    const rows: string[] = [];
    const headline: Record<string, string> = {};
    let worst = { key: '', p90: -1 };
    let allOk = true;
    const finalErrByRate = new Map<string, number[]>();
    for (const rate of RATES) {
      let rateWorst = 0;
      for (const chunking of ['token', 'api'] as const) {
        for (const content of ['prose', 'code', 'table'] as const) {
          const key = `${rate.label}|${content}|${chunking}`;
          const g = cells.get(key)!;
          const errs = g.flatMap((x) => x.errors);
          const p90 = quantile(errs, 0.9);
          rateWorst = Math.max(rateWorst, p90);
          if (p90 > worst.p90) worst = { key, p90 };
          allOk &&= p90 <= BOUND;
          const finalErr = g.map((x) => Math.abs(x.coreOtps / x.trueOtps - 1));
          finalErrByRate.set(rate.key, [...(finalErrByRate.get(rate.key) ?? []), ...finalErr]);
          const share = median(g.map((x) => x.mix[content === 'prose' ? 'prose' : content] ?? 0));
          rows.push(
            `| ${rate.label} | ${content} (${pct(share)}% ${content}) | ${chunking} | **${pct(p90)}** | ${pct(median(errs))} | ${pct(max(errs))} | ${errs.length} | ${fmt(median(g.flatMap((x) => x.windowMs)), 0)} | ${fmt(median(g.map((x) => x.measuringMs)), 0)} | ${pct(quantile(g.flatMap((x) => x.jumps), 0.99))} / ${pct(max(g.flatMap((x) => x.jumps)))} | ${pct(max(finalErr))} | ${g.every((x) => x.tokensOk) ? 'yes' : 'NO'} |`,
          );
        }
      }
      headline[`live OTPS error % (p90) ${rate.key}`] = pct(rateWorst);
      headline[`final OTPS error % (max) ${rate.key}`] = fmt(max(finalErrByRate.get(rate.key)!) * 100, 3);
    }
    headline['live OTPS worst cell'] = `${worst.key.replaceAll('|', ' / ')}: p90 ${pct(worst.p90)}%`;
    const std = median(RATES.filter((r) => r.rate === 50).flatMap((r) => [...cells.entries()].filter(([k]) => k.startsWith(`${r.label}|`)).flatMap(([, g]) => g.map((x) => x.coreOtps))));
    const fast = median(RATES.filter((r) => r.rate === 125).flatMap((r) => [...cells.entries()].filter(([k]) => k.startsWith(`${r.label}|`)).flatMap(([, g]) => g.map((x) => x.coreOtps))));
    headline['fast/standard measured by core'] = fmt(fast / std, 3);

    const variantRows = (m: Map<string, Reply[]>, label: string, chunkings: readonly Chunking[]): string[] =>
      RATES.map((rate) => {
        const g = [...m.entries()].filter(([k]) => k.startsWith(`${rate.label}|`) && chunkings.some((c) => k.endsWith(`|${c}`))).flatMap(([, v]) => v);
        const errs = g.flatMap((x) => x.errors);
        return `| ${label} | ${rate.label} | ${chunkings.join(' + ')} | ${pct(quantile(errs, 0.9))} | ${pct(median(errs))} | ${pct(max(errs))} | ${errs.length} |`;
      });

    return {
      markdown: [
        `Sim in this process (TTFT 300 ms ±10% jitter on TTFT and on each delta), edge (\`createChatHandler\`, default options) in its own process, core's \`createFastStream\` in this process with Node's \`fetch\`, the sim's epoch clock and the default \`notify: 'frame'\`, adaptive live window and token calibration. **Every measured reply is the first reply of a fresh client** (a new store, empty calibration storage, no warm-up); the edge hands it the calibration it learned from earlier replies in \`start\`. ${RUNS} replies per cell (${RATES.map((r) => `${r.tokens} tokens at ${r.label}`).join(', ')}); prompts: prose "${PROMPTS.prose}", code "${PROMPTS.code}", table "${PROMPTS.table}" (the share of each reply's counted tokens in its class is given). Chunking is the sim's: \`token\` = one token per delta (a character the BPE splits over tokens goes out whole), \`api\` = 1–8 tokens per text delta with occasional held bursts.`,
        '',
        '| rate | content | chunking | live error % p90 | median | max | samples | window ms (median) | first number after ms | frame-to-frame change % p99 / max | final OTPS error % (max) | token count exact |',
        '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
        '',
        `- **Worst cell: ${worst.key.replaceAll('|', ' / ')}, p90 ${pct(worst.p90)}%.** Target p90 ≤ 10% in every cell: ${allOk ? 'met' : 'missed'}.`,
        `- Final headline OTPS vs the sim's own timestamps: max error ${RATES.map((r) => `${fmt(max(finalErrByRate.get(r.key)!) * 100, 3)}%`).join(' / ')} (50 / 125 / 1,000 tok/s); target 0.1%. Fast ÷ standard measured by core: ${fmt(fast / std, 3)} (configured 2.5).`,
        '- Live samples are taken at every store notification while the figure is `live`; before that the store reports `measuring` (and `<OtpsMeter>` says "measuring…"). Truth for each sample is the sim\'s tokens between the same two deltas that bound the live figure\'s window (`windowStartAt`, `windowMs`), over the sim\'s own time between writing them.',
        '',
        'Variants (first reply per cell, pooled over prose, code and table):',
        '',
        '| variant | rate | chunking | live error % p90 | median | max | samples |',
        '|---|---|---|---:|---:|---:|---:|',
        ...variantRows(bare, 'fresh client, edge with `calibration: false` (a fresh isolate: the counter alone)', ['token', 'api']),
        ...variantRows(warm, 'warm-up: one client, calibrated by one earlier reply of its own (edge calibration off)', ['api']),
        '',
        '- The sim counts and streams with a real BPE, Anthropic\'s published Claude tokenizer (`packages/sim/README.md`, Tokenizer). Core\'s counter is not that tokenizer: it is a piece counter whose expectations were fitted to it over a corpus of real text (READMEs, code, JSON, tables, CJK; not the sim\'s replies), so the `calibration: false` row is what a fresh client on a fresh edge isolate sees with no calibration at all (held-out figures on real text: `bench/fit-token-model.node.ts`, core README).',
      ].join('\n'),
      headline,
    };
  } finally {
    await bareEdge.close();
    await edge.close();
    await sim.close();
  }
}

await main('3. Meter truth', 'pnpm --filter @slipstream/bench exec tsx meter-truth.node.ts', run);
