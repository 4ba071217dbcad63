/**
 * Benchmark 1: relay throughput and CPU.
 *
 * One sim process at an unlimited rate; two relay processes pointed at it (our edge handler, and the AI
 * SDK's `streamText` → `toUIMessageStreamResponse()` route), both on `@hono/node-server`; the client in
 * this process, decoding each wire with its own library. Plus the Anthropic SDK straight to the sim as the
 * floor. Runs are interleaved (ours, AI SDK, direct, ours, …) so machine noise hits all paths alike.
 * Tokens are counted by the sim (ground truth), CPU by `process.cpuUsage()` inside each process.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { direct, viaAiSdk, viaBridge, viaSlipstream, type Ask, type Reply } from './lib/clients.ts';
import { cpuMs, startChild, type Child } from './lib/proc.node.ts';
import { main } from './lib/result.ts';
import { fmt, fmtRange, median } from './lib/stats.ts';

const TOKENS = Number(process.env.BENCH_RELAY_TOKENS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

type Path = 'slipstream' | 'bridge' | 'aisdk' | 'direct';
interface Sample {
  tokens: number;
  wallMs: number;
  relayCpuMs: number | null;
  clientCpuMs: number;
  simCpuMs: number;
  text: string;
}

async function run(): Promise<Omit<import('./lib/result.ts').BenchResult, 'title' | 'command'>> {
  const sim = await startChild(here('./lib/sim-child.node.ts'), {
    standardOtps: 0,
    ttftMs: 0,
    jitter: 0,
    fastInputTpm: 1e12,
    fastOutputTpm: 1e12,
    seed: 7,
  });
  const relays: Partial<Record<Path, Child>> = {};
  try {
    relays.slipstream = await startChild(here('./lib/relay-child.node.ts'), { kind: 'slipstream', upstream: sim.url });
    relays.bridge = await startChild(here('./lib/relay-child.node.ts'), { kind: 'bridge', upstream: sim.url });
    relays.aisdk = await startChild(here('./lib/relay-child.node.ts'), { kind: 'aisdk', upstream: sim.url });
    const ask: Ask = { prompt: `Write a long answer with markdown. [[sim:tokens=${TOKENS}]]`, model: 'claude-opus-4-6', speed: 'fast', maxTokens: TOKENS + 1000 };
    const call = (p: Path): Promise<Reply> =>
      p === 'slipstream'
        ? viaSlipstream(relays.slipstream!.url, ask)
        : p === 'bridge'
          ? viaBridge(relays.bridge!.url, ask)
          : p === 'aisdk'
            ? viaAiSdk(relays.aisdk!.url, ask)
            : direct(sim.url, ask);

    const paths: Path[] = ['slipstream', 'bridge', 'aisdk', 'direct'];
    // Warm-up: JIT, connection pools, module init.
    for (const p of paths) await call(p);
    const samples: Record<Path, Sample[]> = { slipstream: [], bridge: [], aisdk: [], direct: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const p of paths) {
        const relay = relays[p as 'slipstream' | 'bridge' | 'aisdk'];
        const tok0 = (await sim.ask<{ tokensEmitted: number }>('stats')).tokensEmitted;
        const simCpu0 = await sim.ask<number>('cpu');
        const relayCpu0 = relay ? await relay.ask<number>('cpu') : 0;
        const clientCpu0 = cpuMs();
        const reply = await call(p);
        const clientCpu = cpuMs() - clientCpu0;
        const relayCpu = relay ? (await relay.ask<number>('cpu')) - relayCpu0 : null;
        const simCpu = (await sim.ask<number>('cpu')) - simCpu0;
        const tokens = (await sim.ask<{ tokensEmitted: number }>('stats')).tokensEmitted - tok0;
        samples[p].push({ tokens, wallMs: reply.doneAt - reply.sentAt, relayCpuMs: relayCpu, clientCpuMs: clientCpu, simCpuMs: simCpu, text: reply.text });
      }
    }

    const perK = (s: Sample, v: number | null): number => (v === null ? Number.NaN : (v / s.tokens) * 1000);
    const row = (p: Path, label: string): string => {
      const ss = samples[p];
      return `| ${label} | ${median(ss.map((s) => s.tokens))} | ${fmtRange(ss.map((s) => (s.tokens / s.wallMs) * 1000), 0)} | ${p === 'direct' ? '—' : fmtRange(ss.map((s) => perK(s, s.relayCpuMs)), 2)} | ${fmtRange(ss.map((s) => perK(s, s.clientCpuMs)), 2)} | ${fmtRange(ss.map((s) => perK(s, s.simCpuMs)), 2)} |`;
    };
    const medRelay = (p: Path): number => median(samples[p].map((s) => perK(s, s.relayCpuMs)));
    const medTps = (p: Path): number => median(samples[p].map((s) => (s.tokens / s.wallMs) * 1000));
    const medClient = (p: Path): number => median(samples[p].map((s) => perK(s, s.clientCpuMs)));
    const cpuRatio = medRelay('slipstream') / medRelay('aisdk');
    const tpsRatio = medTps('slipstream') / medTps('aisdk');
    const clientRatio = medClient('slipstream') / medClient('aisdk');
    const ref = samples.direct[0]?.text ?? '';
    const sameText = (p: Path): string => (samples[p].every((s) => s.text === ref) ? 'yes' : 'NO');

    const markdown = [
      `Sim at an unlimited rate (\`standardOtps: 0\`, TTFT 0, no jitter), one reply of ${TOKENS.toLocaleString('en-US')} output tokens per run, model \`claude-opus-4-6\` at \`speed: "fast"\`; ${RUNS} interleaved runs per path after one warm-up each. Median (min–max). Each relay is its own Node process on \`@hono/node-server\`; CPU is that process's \`process.cpuUsage()\` delta over the run. Tokens counted by the sim.`,
      '',
      '| path | tokens/run | output tokens/s (end to end) | relay CPU ms / 1k tokens | client CPU ms / 1k tokens | sim CPU ms / 1k tokens |',
      '|---|---:|---:|---:|---:|---:|',
      row('slipstream', 'sim → **Slipstream edge** → `readProtocolStream`'),
      row('bridge', 'sim → **Slipstream edge, AI SDK bridge** (`@slipstream/edge/ai-sdk`) → `parseJsonEventStream(uiMessageChunkSchema)`'),
      row('aisdk', 'sim → **AI SDK** `streamText` → `toUIMessageStreamResponse()` → `parseJsonEventStream(uiMessageChunkSchema)`'),
      row('direct', 'sim → `@anthropic-ai/sdk` `beta.messages.stream` (floor, no relay)'),
      '',
      `- **Relay CPU per token, Slipstream ÷ AI SDK: ${fmt(cpuRatio, 2)}** (target ≤ 0.50: ${cpuRatio <= 0.5 ? 'met' : 'missed'}).`,
      `- Relay CPU per token of the AI SDK bridge (same edge, UI message stream out): ${fmt(medRelay('bridge') / medRelay('slipstream'), 2)}× the native protocol's, ${fmt(medRelay('bridge') / medRelay('aisdk'), 2)}× the AI SDK route's.`,
      `- Throughput, Slipstream ÷ AI SDK: ${fmt(tpsRatio, 2)}×; Slipstream ÷ direct floor: ${fmt(medTps('slipstream') / medTps('direct'), 2)}×.`,
      `- Client decode CPU per token, Slipstream ÷ AI SDK: ${fmt(clientRatio, 2)}.`,
      `- Text identical to the direct reply on every run: Slipstream ${sameText('slipstream')}, bridge ${sameText('bridge')}, AI SDK ${sameText('aisdk')}.`,
      '- Throughput here is bounded by a 2-core machine running sim, relay and client at once; the CPU figures are the comparable ones.',
    ].join('\n');
    return {
      markdown,
      headline: {
        'relay CPU/1k tokens Slipstream': fmt(medRelay('slipstream'), 2),
        'relay CPU/1k tokens AI SDK': fmt(medRelay('aisdk'), 2),
        'relay CPU/1k tokens bridge': fmt(medRelay('bridge'), 2),
        'relay CPU ratio (Slipstream/AI SDK)': fmt(cpuRatio, 2),
        'throughput ratio (Slipstream/AI SDK)': fmt(tpsRatio, 2),
      },
    };
  } finally {
    await Promise.all([relays.slipstream?.close(), relays.bridge?.close(), relays.aisdk?.close(), sim.close()]);
  }
}

await main('1. Relay throughput and CPU', 'pnpm --filter @slipstream/bench exec tsx relay.node.ts', run);
