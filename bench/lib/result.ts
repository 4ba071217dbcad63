/**
 * The shape every benchmark file reports, and the standalone entry helper: each `bench/*.node.ts` can run
 * alone (`pnpm --filter @slipstream/bench exec tsx relay.node.ts`) or under `run.node.ts`, which collects
 * the JSON written to `BENCH_OUT`.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface BenchResult {
  /** Section title in RESULTS.md. */
  title: string;
  /** Command that produced the figures. */
  command: string;
  /** Markdown body (tables, notes). */
  markdown: string;
  /** Headline figures for the closing note (name → value). */
  headline?: Record<string, string | number>;
  /** Set when the benchmark could not run: why. */
  notRun?: string;
}

/** Run `fn`, print the markdown, and write the JSON to `BENCH_OUT` when set. Exit code 1 on a throw. */
export async function main(title: string, command: string, fn: () => Promise<Omit<BenchResult, 'title' | 'command'>>): Promise<void> {
  let result: BenchResult;
  const load0 = loadavg()[0] ?? 0;
  try {
    const r = await fn();
    const load = `\n- Machine load while this ran (1-min load average, 2 cores): ${load0.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end.`;
    result = { title, command, ...r, markdown: r.markdown ? `${r.markdown}${load}` : r.markdown };
  } catch (err) {
    const why = err instanceof Error ? `${err.message.split('\n')[0]}` : String(err);
    console.error(err);
    result = { title, command, markdown: '', notRun: `failed: ${why}` };
  }
  console.log(`## ${result.title}\n`);
  console.log(result.notRun ? `Not run: ${result.notRun}` : result.markdown);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(result, null, 2));
  process.exit(result.notRun ? 1 : 0);
}
