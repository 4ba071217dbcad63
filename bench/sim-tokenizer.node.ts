/**
 * What the sim's real tokenizer costs (`packages/sim/src/tokens.ts`: Anthropic's published Claude BPE
 * run by the sim's own pure-JS encoder, `packages/sim/src/bpe.ts`, which gives `js-tiktoken`'s tokens),
 * next to the rule-based one it replaced.
 *
 * Run: `pnpm --filter @slipstream/bench exec tsx sim-tokenizer.node.ts`
 *
 * 1. First use: building the encoder from the ranks, in a fresh process.
 * 2. Throughput of `tokenize` on the sim's own replies (prose, code, table, a JSON tool input) and on
 *    CJK text (sentences, and one run with no break, a single 7.8 kB pre-token), tokens per second,
 *    against the old rule-based tokenizer on the same text.
 * 3. Streaming: `STREAMS` replies of 3,000 tokens at once at the fast rate of 1,000 tok/s from an
 *    in-process sim, read by `fetch`: the rate each reply was written at (the sim's own timestamps) and
 *    the TTFT the sim's planning added, so the tokenizer's cost shows where it would hurt.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { countTokens, tokenize } from '@slipstream/sim';
import { startSim } from '@slipstream/sim/node';
import { fmt, max, median, quantile } from './lib/stats.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const LEVELS = (process.env.BENCH_STREAMS ?? '20,50').split(',').map(Number);

/** The sim's tokenizer before the real one (commit 9a1bff3), for comparison. */
function oldTokenize(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/\n+| *[A-Za-z]+| *[0-9]{1,3}| *[^\sA-Za-z0-9]|\s/gu)) {
    const piece = match[0];
    if (piece.length <= 7) out.push(piece);
    else for (let i = 0; i < piece.length; i += 6) out.push(piece.slice(i, i + 6));
  }
  return out;
}

async function replyText(url: string, prompt: string): Promise<string> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 5000, messages: [{ role: 'user', content: prompt }] }),
  });
  const msg = (await res.json()) as { content: { type: string; text?: string }[] };
  return msg.content.map((b) => b.text ?? '').join('');
}

function perSecond(fn: (t: string) => number, text: string): number {
  let tokens = 0;
  const start = performance.now();
  let runs = 0;
  while (performance.now() - start < 400 || runs < 3) {
    tokens += fn(text);
    runs++;
  }
  return tokens / ((performance.now() - start) / 1000);
}

// 1. First use, in a fresh process (the ranks are parsed on the first call, not at import).
const cold = spawnSync(process.execPath, ['--import', 'tsx', '-e', `const t0 = performance.now(); const { countTokens } = await import('@slipstream/sim'); const t1 = performance.now(); countTokens('warm'); const t2 = performance.now(); countTokens('again'); const t3 = performance.now(); console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2]));`], { cwd: here('.'), encoding: 'utf8' });
const [importMs, firstMs, secondMs] = JSON.parse(cold.stdout.trim().split('\n').at(-1) ?? '[0,0,0]') as number[];

const load0 = loadavg()[0] ?? 0;
const sim = await startSim({ port: 0, ttftMs: 300, standardOtps: 400, fastMultiplier: 2.5, jitter: 0, fastInputTpm: 1e12, fastOutputTpm: 1e12, seed: 3 });
try {
  // 2. Throughput.
  const texts: [string, string][] = [
    ['prose', await replyText(sim.url, 'Explain how moving your chat endpoint to the edge changes latency, in plain prose [[sim:tokens=3000]]')],
    ['code', await replyText(sim.url, 'Write a TypeScript LRU cache with a small test [[sim:tokens=3000]]')],
    ['table', await replyText(sim.url, 'Compare Redis, Memcached and DynamoDB in a table [[sim:tokens=3000]]')],
    ['JSON', JSON.stringify({ path: 'src/cache.ts', content: await replyText(sim.url, 'Write a TypeScript LRU cache [[sim:tokens=1500]]'), tags: ['a', 'b'], line: 42 })],
    ['CJK', '流式传输让用户更快看到回答。日本語のテキストも同じです。한국어 텍스트도 마찬가지입니다。'.repeat(60)],
    // js-tiktoken (the sim's encoder before src/bpe.ts) took ~20 s on this: its merge loop is quadratic.
    ['CJK, no break', '流式传输让用户更快看到回答日本語のテキストも同じです한국어텍스트도마찬가지입니다'.repeat(65)],
  ];
  const rows = texts.map(([name, text]) => {
    const real = perSecond((t) => tokenize(t).length, text);
    const old = perSecond((t) => oldTokenize(t).length, text);
    const n = countTokens(text);
    return `| ${name} | ${text.length} | ${n} | ${fmt(text.length / n, 2)} | ${fmt(text.length / oldTokenize(text).length, 2)} | ${fmt(real / 1000, 0)}k | ${fmt(old / 1000, 0)}k | ${fmt((n / real) * 1000, 2)} |`;
  });

  // 3. Streaming at 1,000 tok/s.
  const streamRows: string[] = [];
  for (const level of LEVELS) {
    sim.sim.reset();
    const t0 = performance.timeOrigin + performance.now();
    await Promise.all(
      Array.from({ length: level }, async (_, i) => {
        const res = await fetch(`${sim.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'fast-mode-2026-02-01' },
          body: JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 3100, speed: 'fast', stream: true, messages: [{ role: 'user', content: `Write a detailed essay on edge latency, part ${i} [[sim:tokens=3000]]` }] }),
        });
        const reader = res.body!.getReader();
        while (!(await reader.read()).done) {
          // drain
        }
      }),
    );
    const wall = (performance.timeOrigin + performance.now() - t0) / 1000;
    const recs = sim.sim.streams();
    const rates = recs.map((r) => ((r.outputTokens - 1) / ((r.deltaTimes.at(-1) as number) - (r.deltaTimes[0] as number))) * 1000);
    const ttftOver = recs.map((r) => (r.deltaTimes[0] as number) - r.startedAt - r.ttftMs);
    streamRows.push(`| ${level} | ${recs.length} | ${recs.every((r) => r.outputTokens === 3000) ? 'yes' : 'NO'} | ${fmt(median(rates), 1)} | ${fmt(Math.min(...rates), 1)} | ${fmt(quantile(ttftOver, 0.5), 1)} / ${fmt(max(ttftOver), 1)} | ${fmt(wall, 1)} |`);
  }

  console.log(`## Sim tokenizer cost

Command: \`pnpm --filter @slipstream/bench exec tsx sim-tokenizer.node.ts\` (Node ${process.version}, 2 cores)

First use in a fresh process: import ${fmt(importMs ?? 0, 0)} ms, first \`countTokens\` (builds the encoder from the ranks) ${fmt(firstMs ?? 0, 0)} ms, the next call ${fmt(secondMs ?? 0, 2)} ms.

| text (the sim's own replies) | chars | tokens | chars/token | chars/token, old rules | real BPE tokens/s | old rules tokens/s | ms per 1,000 tokens (real) |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Streaming: replies of 3,000 tokens at once at 1,000 tok/s (fast), in-process sim, drained by \`fetch\` in the same process; rates from the sim's own timestamps (output tokens after the first ÷ first to last delta).

| streams | replies | all 3,000 tokens | rate written, median tok/s | slowest reply tok/s | TTFT over the planned, p50 / max ms | wall s |
|---:|---:|---:|---:|---:|---:|---:|
${streamRows.join('\n')}

- Machine load while this ran (1-min load average, 2 cores): ${fmt(load0, 1)} at start, ${fmt(loadavg()[0] ?? 0, 1)} at end.`);
} finally {
  await sim.close();
}
