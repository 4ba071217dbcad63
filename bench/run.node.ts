/**
 * `pnpm bench`: runs every benchmark, each in its own process (so one's CPU and memory never colour
 * another's), and writes bench/RESULTS.md with the machine, versions, the command per figure and a
 * closing note with the ratios against the AI SDK and the targets.
 *
 * `BENCH_ONLY=relay,bundle-size` runs a subset (the file names without `.node.ts`).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './lib/result.ts';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${benchDir}.out`;
mkdirSync(outDir, { recursive: true });

/** Ours, in order of the issue's list (bundle first: it is quick and needs no servers). */
const OURS = ['relay', 'latency', 'meter-truth', 'browser-render', 'tool-render', 'agent', 'concurrency', 'bundle-size', 'resume'];
/** Written by the sim and edge engineers; run if present, output included as printed. */
const THEIRS = ['sim-pacing', 'edge-latency'];
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

function version(pkgJson: string): string {
  try {
    return (JSON.parse(readFileSync(realpathSync(pkgJson), 'utf8')) as { version: string }).version;
  } catch {
    return 'n/a';
  }
}
function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: repo });
  return (r.stdout ?? '').trim();
}

const started = new Date();
const results: BenchResult[] = [];
const external: { name: string; command: string; code: number | null; output: string; seconds: number }[] = [];

for (const name of OURS) {
  if (only && !only.includes(name)) continue;
  const out = `${outDir}/${name}.json`;
  const t0 = Date.now();
  process.stderr.write(`bench: ${name} …\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${benchDir}${name}.node.ts`], {
    cwd: benchDir,
    env: { ...process.env, BENCH_OUT: out },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30 * 60_000,
  });
  process.stderr.write(`bench: ${name} exited ${r.status} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (existsSync(out) && r.status !== null) {
    const res = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;
    results.push(res);
  } else {
    results.push({ title: name, command: `pnpm --filter @slipstream/bench exec tsx ${name}.node.ts`, markdown: '', notRun: `the process did not finish (exit ${r.status}, signal ${r.signal}): ${(r.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' / ')}` });
  }
}
for (const name of THEIRS) {
  if (only && !only.includes(name)) continue;
  const file = `${benchDir}${name}.node.ts`;
  if (!existsSync(file)) {
    external.push({ name, command: `pnpm --filter @slipstream/bench exec tsx ${name}.node.ts`, code: null, output: 'not present in bench/ at the time of this run', seconds: 0 });
    continue;
  }
  const t0 = Date.now();
  process.stderr.write(`bench: ${name} …\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: benchDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20 * 60_000 });
  external.push({ name, command: `pnpm --filter @slipstream/bench exec tsx ${name}.node.ts`, code: r.status, output: `${r.stdout ?? ''}${r.status === 0 ? '' : `\n${(r.stderr ?? '').split('\n').slice(-5).join('\n')}`}`.trim(), seconds: (Date.now() - t0) / 1000 });
}

const cpus = os.cpus();
const chromium = sh('/usr/bin/chromium', ['--version']) || 'n/a';
const nm = (p: string): string => `${benchDir}node_modules/${p}/package.json`;
const rootNm = (p: string): string => `${repo}node_modules/${p}/package.json`;
const versions: [string, string][] = [
  ['node', process.version],
  ['ai', version(nm('ai'))],
  ['@ai-sdk/anthropic', version(nm('@ai-sdk/anthropic'))],
  ['@ai-sdk/react', version(nm('@ai-sdk/react'))],
  ['react-markdown', version(nm('react-markdown'))],
  ['streamdown', version(nm('streamdown'))],
  ['react / react-dom', `${version(nm('react'))} / ${version(nm('react-dom'))}`],
  ['@anthropic-ai/sdk', version(rootNm('@anthropic-ai/sdk'))],
  ['hono / @hono/node-server', `${version(`${repo}packages/edge/node_modules/hono/package.json`)} / ${version(`${repo}packages/edge/node_modules/@hono/node-server/package.json`)}`],
  ['esbuild', version(rootNm('esbuild'))],
  ['@playwright/test', version(rootNm('@playwright/test'))],
  ['Chromium', chromium],
  ['Slipstream commit', `${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--', 'packages', 'bench']) ? ' (+ uncommitted changes in the working tree)' : ''}`],
];

const h = (title: string, key: string): string | number | undefined => results.find((r) => r.title.startsWith(title))?.headline?.[key];
const val = (v: string | number | undefined): string => (v === undefined ? 'not run' : String(v));
const n = (v: string | number | undefined): number => (v === undefined ? Number.NaN : Number(v));
const verdict = (ok: boolean | null): string => (ok === null ? 'not run' : ok ? 'met' : 'missed');
const relayRatio = n(h('1.', 'relay CPU ratio (Slipstream/AI SDK)'));
const busyRm = n(h('4.', 'main-thread busy ratio vs useChat+react-markdown'));
const busySd = n(h('4.', 'main-thread busy ratio vs useChat+streamdown'));
const longWallCpu = h('4.', 'Slipstream long tasks wall/CPU (median)');
const lossless = h('5.', '500 streams lossless');
const latencyStd = h('2.', 'target @50');
const latencyFast = h('2.', 'target @125');
const finalErrs = ['standard @ 50 tok/s', 'fast @ 125 tok/s', 'fast @ 1,000 tok/s'].map((s) => n(h('3.', `final OTPS error % (max) ${s}`)));
const liveErrs = ['standard @ 50 tok/s', 'fast @ 125 tok/s', 'fast @ 1,000 tok/s'].map((s) => n(h('3.', `live OTPS error % (p90) ${s}`)));
const nan = (xs: number[]): boolean => xs.some((x) => Number.isNaN(x));

// bundle-size.node.ts reports "32.7 (missed)": the figure is the number before the verdict.
const chatPathKb = (() => {
  const v = h('6.', 'React chat path gzip KB (budget 15)');
  return v === undefined ? undefined : String(v).split(' ')[0];
})();
const closing = [
  '## Closing note: against the AI SDK, and the targets',
  '',
  '| figure | Slipstream ÷ AI SDK | target | verdict |',
  '|---|---:|---|---|',
  `| relay CPU per token (1) | ${val(h('1.', 'relay CPU ratio (Slipstream/AI SDK)'))} | ≤ 0.50 | ${verdict(Number.isNaN(relayRatio) ? null : relayRatio <= 0.5)} |`,
  `| relay throughput (1) | ${val(h('1.', 'throughput ratio (Slipstream/AI SDK)'))}× | — | — |`,
  `| browser main-thread busy by CDP TaskDuration vs useChat + react-markdown / streamdown (4) | ${val(h('4.', 'TaskDuration ratio vs useChat+react-markdown'))} / ${val(h('4.', 'TaskDuration ratio vs useChat+streamdown'))} | — | — |`,
  `| browser main-thread CPU vs useChat + react-markdown (4) | ${val(h('4.', 'main-thread busy ratio vs useChat+react-markdown'))} | < 0.50 | ${verdict(Number.isNaN(busyRm) ? null : busyRm < 0.5)} |`,
  `| browser main-thread CPU vs useChat + streamdown (4) | ${val(h('4.', 'main-thread busy ratio vs useChat+streamdown'))} | < 0.50 | ${verdict(Number.isNaN(busySd) ? null : busySd < 0.5)} |`,
  `| browser JavaScript time vs useChat + react-markdown / streamdown (4) | ${val(h('4.', 'script time ratio vs useChat+react-markdown'))} / ${val(h('4.', 'script time ratio vs useChat+streamdown'))} | — | — |`,
  `| relay CPU per stream, 500 concurrent (5) | ${(() => { const a = n(h('5.', '500 streams edge CPU ms/stream')); const b = n(h('5.', '500 streams AI SDK CPU ms/stream')); return Number.isNaN(a / b) ? 'not run' : (a / b).toFixed(2); })()} | — | — |`,
  `| gzip size, framework-free client (6) | ${val(h('6.', 'framework-free client gzip ratio (Slipstream/AI SDK)'))} | — | — |`,
  `| gzip size, React chat hook + client (6) | ${val(h('6.', 'React chat gzip ratio (Slipstream/AI SDK)'))} | — | — |`,
  `| gzip size, React chat + markdown renderer vs useChat + react-markdown (6) | ${val(h('6.', 'React chat + markdown gzip ratio (Slipstream/AI SDK + react-markdown)'))} | — | — |`,
  `| gzip size, edge worker (6) | ${val(h('6.', 'edge worker gzip ratio (Slipstream/AI SDK)'))} | — | — |`,
  '',
  '| target | figure | verdict |',
  '|---|---|---|',
  `| edge adds < 5 ms TTFT and < 2 ms p99 per delta (2), edge in its own process | TTFT ${val(h('2.', 'added TTFT ms @50'))} / ${val(h('2.', 'added TTFT ms @125'))} ms; p99 per delta ${val(h('2.', 'added per-delta p99 ms @50'))} / ${val(h('2.', 'added per-delta p99 ms @125'))} ms (50 / 125 tok/s) | ${latencyStd === undefined ? 'not run' : `${latencyStd} at 50, ${latencyFast} at 125`} |`,
  `| the same, edge in the benchmark process (2) | TTFT ${val(h('2.', 'added TTFT ms @50 (edge in-process)'))} / ${val(h('2.', 'added TTFT ms @125 (edge in-process)'))} ms; p99 per delta ${val(h('2.', 'added per-delta p99 ms @50 (edge in-process)'))} / ${val(h('2.', 'added per-delta p99 ms @125 (edge in-process)'))} ms | ${h('2.', 'target @50 (edge in-process)') === undefined ? 'not run' : `${val(h('2.', 'target @50 (edge in-process)'))} at 50, ${val(h('2.', 'target @125 (edge in-process)'))} at 125`} |`,
  `| final OTPS within 0.1% of the sim's timestamps (3) | max error ${finalErrs.map((x) => `${x}%`).join(' / ')} (50 / 125 / 1,000 tok/s) | ${verdict(nan(finalErrs) ? null : finalErrs.every((x) => x <= 0.1))} |`,
  `| live OTPS within 10% (p90) on a fresh client's first reply, every content and chunking (3) | worst p90 per rate ${liveErrs.map((x) => `${x}%`).join(' / ')}; worst cell ${val(h('3.', 'live OTPS worst cell'))} | ${verdict(nan(liveErrs) ? null : liveErrs.every((x) => x <= 10))} |`,
  `| fast ÷ standard measured vs configured 2.5 (3) | ${val(h('3.', 'fast/standard measured by core'))} | — |`,
  `| zero long tasks in the browser test (4) | ${longWallCpu === undefined ? 'not run' : `${longWallCpu} (wall / CPU time)`} | ${longWallCpu === undefined ? 'not run' : String(longWallCpu) === '0 / 0' ? 'met' : String(longWallCpu).endsWith('/ 0') ? 'met by CPU time; missed by wall time' : 'missed'} |`,
  `| 500 streams complete with no loss (5) | ${val(lossless)} | ${verdict(lossless === undefined ? null : lossless === 'yes')} |`,
  `| the chat path (\`useFastChat\` + \`<ChatThread>\` + \`<Composer>\`, core included) ≤ 15 KB gz at start-up (6) | ${chatPathKb === undefined ? 'not run' : `${chatPathKb} KB`} | ${chatPathKb === undefined ? 'not run' : Number(chatPathKb) <= 15 ? 'met' : 'missed'} |`,
].join('\n');

const sections = results.map((r) => [`## ${r.title}`, '', `Command: \`${r.command}\``, '', r.notRun ? `**Not run.** ${r.notRun}` : r.markdown].join('\n'));
const externalSections = external.map((e) =>
  [`## ${e.name} (written by its package's engineer; output as printed)`, '', `Command: \`${e.command}\``, '', e.code === null ? `**Not run.** ${e.output}` : `Exit code ${e.code}, ${e.seconds.toFixed(0)} s.\n\n\`\`\`\n${e.output}\n\`\`\``].join('\n'),
);

const doc = [
  '# Slipstream benchmarks',
  '',
  `Generated by \`pnpm bench\` (bench/run.node.ts) on ${started.toISOString()}; took ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min.${only ? ` Subset: ${only.join(', ')}.` : ''}`,
  'Every figure below was measured in this run, on this machine; each section names the command that reproduces it alone. Medians over runs, with (min–max).',
  '',
  '## Machine',
  '',
  `- ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.type()} ${os.release()} (${os.arch()})`,
  `- Load average at start of write-out: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min). The machine is shared: other processes ran during these benchmarks, so absolute times are noisy; the ratios come from interleaved runs of each side in the same conditions.`,
  '',
  '## Versions',
  '',
  '| | version |',
  '|---|---|',
  ...versions.map(([k, v]) => `| ${k} | ${v} |`),
  '',
  closing,
  '',
  ...sections.flatMap((s) => [s, '']),
  ...externalSections.flatMap((s) => [s, '']),
].join('\n');

writeFileSync(`${benchDir}RESULTS.md`, doc);
process.stderr.write(`bench: wrote ${benchDir}RESULTS.md\n`);
