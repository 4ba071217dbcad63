/**
 * Benchmark: is the sim's pacing true as seen by a real SDK client?
 *
 * Run: npx tsx bench/sim-pacing.node.ts
 *
 * For each speed it streams replies of a fixed length through `@anthropic-ai/sdk` and measures, on the
 * client, TTFT (call → first content delta) and the output rate (output tokens after the first ÷ time
 * from the first to the last content delta, the headline OTPS definition in DESIGN.md). Medians of
 * several runs are compared with the configured values; exits 1 if a rate is off by more than 2% or a
 * TTFT by more than 10 ms. Jitter is 0 for the checked runs (TTFT jitter is per request by design);
 * one informational row per speed shows the default jitter, which does not move the average rate.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startSim } from '../packages/sim/src/node.ts';

const TTFT_MS = 350;
const STANDARD_OTPS = 50;
const FAST_MULTIPLIER = 2.5;
const TOKENS = 300;
const RUNS = 5;

interface Measure {
  ttft: number;
  otps: number;
}

async function measure(client: Anthropic, fast: boolean, tokens = TOKENS): Promise<Measure> {
  const params = {
    model: 'claude-opus-4-8',
    max_tokens: tokens + 100,
    messages: [{ role: 'user' as const, content: `Benchmark [[sim:tokens=${tokens}]]` }],
    ...(fast ? { speed: 'fast' as const, betas: ['fast-mode-2026-02-01'] } : {}),
  };
  const now = (): number => performance.now();
  const t0 = now();
  const stream = client.beta.messages.stream(params);
  let first = 0;
  let last = 0;
  stream.on('streamEvent', (event) => {
    if (event.type !== 'content_block_delta') return;
    const t = now();
    if (first === 0) first = t;
    last = t;
  });
  const message = await stream.finalMessage();
  if (message.usage.output_tokens !== tokens) throw new Error(`expected ${tokens} tokens, got ${message.usage.output_tokens}`);
  return { ttft: first - t0, otps: (message.usage.output_tokens - 1) / ((last - first) / 1000) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rows: string[] = [];
  let ok = true;
  for (const jitter of [0, 0.1]) {
    const running = await startSim({ ttftMs: TTFT_MS, standardOtps: STANDARD_OTPS, fastMultiplier: FAST_MULTIPLIER, jitter });
    const client = new Anthropic({ baseURL: running.url, apiKey: 'bench', maxRetries: 0 });
    // Warm up the connection and the JIT on both paths.
    await measure(client, true, 20);
    await measure(client, false, 20);
    for (const fast of [false, true]) {
      const runs: Measure[] = [];
      for (let i = 0; i < (jitter === 0 ? RUNS : 1); i++) runs.push(await measure(client, fast));
      const ttft = median(runs.map((r) => r.ttft));
      const otps = median(runs.map((r) => r.otps));
      const wantOtps = fast ? STANDARD_OTPS * FAST_MULTIPLIER : STANDARD_OTPS;
      const rateErr = (otps - wantOtps) / wantOtps;
      const ttftErr = ttft - TTFT_MS;
      const checked = jitter === 0;
      const pass = Math.abs(rateErr) <= 0.02 && (!checked || Math.abs(ttftErr) <= 10);
      if (!pass) ok = false;
      rows.push(
        `| ${fast ? 'fast' : 'standard'} | ${jitter} | ${runs.length} | ${wantOtps.toFixed(1)} | ${otps.toFixed(2)} | ${(rateErr * 100).toFixed(3)}% | ${TTFT_MS} | ${ttft.toFixed(1)} | ${ttftErr >= 0 ? '+' : ''}${ttftErr.toFixed(1)} ms${checked ? '' : ' (not checked)'} | ${pass ? 'ok' : 'FAIL'} |`,
      );
    }
    await running.close();
  }
  console.log(`Sim pacing, ${TOKENS}-token replies, measured by @anthropic-ai/sdk on the client (medians)\n`);
  console.log('| speed | jitter | runs | configured OTPS | measured OTPS | rate error | configured TTFT | measured TTFT | TTFT error | result |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (!ok) {
    console.error('\nFAIL: rate off by more than 2% or TTFT by more than 10 ms');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
