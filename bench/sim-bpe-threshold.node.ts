/**
 * Where the sim's BPE (`packages/sim/src/bpe.ts`) should switch from the cached scan to the heap: time
 * per pre-token of each merge path alone, on single pre-tokens of CJK letters, Latin letters and emoji
 * (random, so few are whole tokens) of a given UTF-8 length. `HEAP_FROM` is set from this.
 *
 * Run: `pnpm --filter @slipstream/bench exec tsx sim-bpe-threshold.node.ts`
 * @module
 */
import { loadavg } from 'node:os';
import { createBpe, HEAP_FROM } from '../packages/sim/src/bpe.ts';
import claude from '../packages/sim/src/claude-tokenizer.json' with { type: 'json' };
import { fmt } from './lib/stats.ts';

const scan = createBpe(claude, Infinity);
const heap = createBpe(claude, 2);
const SIZES = [16, 32, 48, 64, 96, 128, 192, 256, 512, 1024];
const ALPHABETS: [name: string, chars: string[], bytesPerChar: number][] = [
  ['CJK', [...'流式传输让用户更快看到回答日本語のテキストも同じです한국어텍스트도마찬가지입니다'], 3],
  ['Latin letters', [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'], 1],
  ['emoji', [...'😀🎉🚀👍🔥✨'].filter((c) => c.length === 2), 4],
];

let seed = 1;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x80000000;

/** Best of `rounds` of encoding every piece, in µs per piece; the two paths alternate round by round. */
function microsPerPiece(pieces: string[], rounds: number): [scan: number, heap: number] {
  const best: [number, number] = [Infinity, Infinity];
  for (let r = 0; r < rounds; r++) {
    for (const [i, bpe] of [scan, heap].entries()) {
      const start = performance.now();
      for (const p of pieces) bpe.encode(p);
      best[i] = Math.min(best[i] as number, performance.now() - start);
    }
  }
  return [(best[0] / pieces.length) * 1000, (best[1] / pieces.length) * 1000];
}

const load0 = loadavg()[0] ?? 0;
const rows: string[] = [];
for (const [name, chars, per] of ALPHABETS) {
  for (const bytes of SIZES) {
    const n = Math.max(2, Math.round(bytes / per));
    const pieces = Array.from({ length: Math.max(20, Math.round(20_000 / bytes)) }, () => Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]).join(''));
    const [s, h] = microsPerPiece(pieces, 15);
    rows.push(`| ${name} | ${n * per} | ${fmt(s, 1)} | ${fmt(h, 1)} | ${h < s ? 'heap' : 'scan'} |`);
  }
}
console.log(`## Sim BPE: scan or heap, by pre-token length

Command: \`pnpm --filter @slipstream/bench exec tsx sim-bpe-threshold.node.ts\` (Node ${process.version}); HEAP_FROM = ${HEAP_FROM} bytes.

| pre-token | bytes | scan µs | heap µs | faster |
|---|---:|---:|---:|---|
${rows.join('\n')}

- Machine load while this ran (1-min load average, 2 cores): ${fmt(load0, 1)} at start, ${fmt(loadavg()[0] ?? 0, 1)} at end.`);
