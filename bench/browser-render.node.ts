/**
 * Benchmark 4: browser render cost in headless Chromium. One 20,000-token markdown reply (prose, lists,
 * tables, code) streamed at 1,000 tokens/s (the sim's fast rate) through each stack:
 * - Slipstream: `useFastStream` + `<StreamingMarkdown>`;
 * - AI SDK: `useChat` (default options) + `react-markdown`;
 * - AI SDK: `useChat` + `streamdown`.
 * Every stack runs in a fresh page with the same instrumentation (browser/harness.ts); runs interleave.
 * Main-thread busy time is Chromium's own `TaskDuration` (CDP `Performance.getMetrics`) over the reply;
 * long tasks from `PerformanceObserver('longtask')`; commits from `<Profiler>`; final-frame latency is
 * last network byte → the frame showing the final text painted.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { startChild } from './lib/proc.node.ts';
import { main, type BenchResult } from './lib/result.ts';
import { fmt, fmtRange, median } from './lib/stats.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const TOKENS = Number(process.env.BENCH_BROWSER_TOKENS ?? 20_000);
const RUNS = Number(process.env.BENCH_BROWSER_RUNS ?? 3);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ALL_STACKS = [
  { app: 'slipstream-app', label: '**Slipstream** `useFastStream` + `<StreamingMarkdown>`' },
  { app: 'slipstream-highlight-app', label: '**Slipstream**, highlighting on (`highlight={highlightCode}`, lazy highlight.js)' },
  { app: 'aisdk-react-markdown-app', label: 'AI SDK `useChat` + `react-markdown`' },
  { app: 'aisdk-streamdown-app', label: 'AI SDK `useChat` + `streamdown`' },
  { app: 'aisdk-react-markdown-throttle-app', label: 'AI SDK `useChat({ throttle: 50 })` + `react-markdown`' },
] as const;
type App = (typeof ALL_STACKS)[number]['app'];
/** `BENCH_BROWSER_STACKS=slipstream-app,aisdk-streamdown-app` runs a subset (comma-separated app names). */
const ONLY = process.env.BENCH_BROWSER_STACKS?.split(',').map((x) => x.trim());
const STACKS = ALL_STACKS.filter((s) => !ONLY || ONLY.includes(s.app));

interface PageStats {
  startAt: number;
  firstByteAt: number;
  lastByteAt: number;
  paintedAt: number;
  commits: number;
  renderMs: number;
  longTasks: { start: number; duration: number }[];
  frames: number;
  slowFrames: number;
  maxFrameGapMs: number;
  finalChars: number;
  done: boolean;
  error: string | null;
}
interface Trace {
  traceEvents: { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }[];
}

const PHASES: Record<string, string[]> = {
  paint: ['Paint', 'PrePaint', 'Layerize', 'PaintImage', 'RasterTask'],
  gc: ['MajorGC', 'MinorGC', 'V8.GC_SCAVENGER', 'BlinkGC.AtomicPhase', 'V8.GCFinalizeMC'],
  hitTest: ['HitTest'],
};

/** Thread time on the renderer main thread in paint-side and GC events (ms), from the trace. */
function mainThreadPhases(trace: Trace): Record<string, number> {
  const main = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const keys = new Set(main.map((e) => `${e.pid}:${e.tid}`));
  const out: Record<string, number> = {};
  const byName = new Map<string, number>();
  for (const e of trace.traceEvents) {
    if (e.ph !== 'X' || !keys.has(`${e.pid}:${e.tid}`)) continue;
    byName.set(e.name, (byName.get(e.name) ?? 0) + (e.tdur ?? e.dur ?? 0) / 1000);
  }
  for (const [phase, names] of Object.entries(PHASES)) out[phase] = names.reduce((a, n) => a + (byName.get(n) ?? 0), 0);
  if (process.env.BENCH_TRACE_TOP) console.error([...byName].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([n, v]) => `${n}=${v.toFixed(0)}`).join(' '));
  return out;
}

/** The renderer main thread's top-level tasks in a trace, with their CPU (thread) time. */
function mainThreadTasks(trace: Trace): { wallMs: number; cpuMs: number }[] {
  const main = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const keys = new Set(main.map((e) => `${e.pid}:${e.tid}`));
  return trace.traceEvents
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && keys.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
}

interface Sample {
  paintMs: number;
  cpuBusyMs: number;
  gcMs: number;
  cpuLongTasks: number;
  maxTaskCpuMs: number;
  busyMs: number;
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
  longTasks: number;
  longTaskMs: number;
  commitsPerS: number;
  renderMs: number;
  finalFrameMs: number;
  streamS: number;
  slowFrames: number;
  maxFrameGapMs: number;
  chars: number;
}

async function once(browser: Browser, base: string, app: App): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(`${base}/${app}?tokens=${TOKENS}`);
    await page.waitForFunction(() => typeof (globalThis as unknown as { __start?: unknown }).__start === 'function');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const metric = async (): Promise<Record<string, number>> => {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
    };
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    const before = await metric();
    await page.evaluate(() => (globalThis as unknown as { __start: () => void }).__start());
    await page.waitForFunction(() => (globalThis as unknown as { __H: { done: boolean } }).__H.done, undefined, { timeout: 10 * 60_000, polling: 250 });
    const after = await metric();
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as Trace;
    const cpuTasks = mainThreadTasks(trace);
    const phases = mainThreadPhases(trace);
    const h = await page.evaluate(() => (globalThis as unknown as { __H: PageStats }).__H);
    if (h.error) throw new Error(`${app}: ${h.error}`);
    const d = (k: string): number => ((after[k] ?? 0) - (before[k] ?? 0)) * 1000;
    const long = h.longTasks.filter((t) => t.start >= h.startAt && t.start <= h.paintedAt);
    const streamS = (h.lastByteAt - h.firstByteAt) / 1000;
    return {
      busyMs: d('TaskDuration'),
      scriptMs: d('ScriptDuration'),
      layoutMs: d('LayoutDuration'),
      styleMs: d('RecalcStyleDuration'),
      longTasks: long.length,
      longTaskMs: long.reduce((a, t) => a + t.duration, 0),
      cpuLongTasks: cpuTasks.filter((t) => t.cpuMs > 50).length,
      paintMs: phases.paint ?? 0,
      cpuBusyMs: cpuTasks.reduce((a, t) => a + t.cpuMs, 0),
      gcMs: phases.gc ?? 0,
      maxTaskCpuMs: cpuTasks.reduce((a, t) => Math.max(a, t.cpuMs), 0),
      commitsPerS: h.commits / ((h.paintedAt - h.startAt) / 1000),
      renderMs: h.renderMs,
      finalFrameMs: h.paintedAt - h.lastByteAt,
      streamS,
      slowFrames: h.slowFrames,
      maxFrameGapMs: h.maxFrameGapMs,
      chars: h.finalChars,
    };
  } finally {
    await context.close();
  }
}

async function run(): Promise<Omit<BenchResult, 'title' | 'command'>> {
  if (!existsSync(CHROMIUM)) return { markdown: '', notRun: `no Chromium at ${CHROMIUM} (run node scripts/provision-chromium.node.mjs)` };
  const server = await startChild(here('./lib/browser-server.node.ts'), { standardOtps: 400, fastMultiplier: 2.5, ttftMs: 300, apps: STACKS.map((s) => s.app) }, 120_000);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const samples = new Map<App, Sample[]>(STACKS.map((s) => [s.app, []]));
    const failures: string[] = [];
    const buildErrors = await server.ask<Record<string, string>>('buildErrors');
    for (const s of STACKS) {
      if (buildErrors[s.app]) {
        failures.push(`${s.label}: bundle did not build: ${buildErrors[s.app]}`);
        continue;
      }
      try {
        await once(browser, server.url, s.app); // warm-up (also checks the stack works)
      } catch (err) {
        failures.push(`${s.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
    for (let r = 0; r < RUNS; r++) {
      for (const s of STACKS) {
        if (failures.some((f) => f.startsWith(s.label))) continue;
        samples.get(s.app)!.push(await once(browser, server.url, s.app));
      }
    }
    const col = (app: App, f: (x: Sample) => number, digits = 0): string => {
      const v = samples.get(app)!.map(f);
      return v.length ? fmtRange(v, digits) : 'not run';
    };
    const rows = STACKS.map(
      (s) =>
        `| ${s.label} | **${col(s.app, (x) => x.cpuBusyMs)}** | ${col(s.app, (x) => x.busyMs)} | ${col(s.app, (x) => x.scriptMs)} | ${col(s.app, (x) => x.layoutMs + x.styleMs)} | ${col(s.app, (x) => x.paintMs)} | ${col(s.app, (x) => x.longTasks)} | ${col(s.app, (x) => x.cpuLongTasks)} | ${col(s.app, (x) => x.maxTaskCpuMs)} | ${col(s.app, (x) => x.commitsPerS)} | ${col(s.app, (x) => x.finalFrameMs)} | ${col(s.app, (x) => x.slowFrames)} | ${col(s.app, (x) => x.streamS, 1)} | ${col(s.app, (x) => x.chars)} |`,
    );
    const med = (app: App, f: (x: Sample) => number): number => median(samples.get(app)?.map(f) ?? []);
    const ours = med('slipstream-app', (x) => x.cpuBusyMs);
    const rm = med('aisdk-react-markdown-app', (x) => x.cpuBusyMs);
    const sd = med('aisdk-streamdown-app', (x) => x.cpuBusyMs);
    const oursWall = med('slipstream-app', (x) => x.busyMs);
    const rmWall = med('aisdk-react-markdown-app', (x) => x.busyMs);
    const sdWall = med('aisdk-streamdown-app', (x) => x.busyMs);
    const oursScript = med('slipstream-app', (x) => x.scriptMs);
    const rmScript = med('aisdk-react-markdown-app', (x) => x.scriptMs);
    const sdScript = med('aisdk-streamdown-app', (x) => x.scriptMs);
    const oursLong = med('slipstream-app', (x) => x.longTasks);
    const oursCpuLong = med('slipstream-app', (x) => x.cpuLongTasks);
    const hl = med('slipstream-highlight-app', (x) => x.cpuBusyMs);
    const hlLong = med('slipstream-highlight-app', (x) => x.longTasks);
    const hlCpuLong = med('slipstream-highlight-app', (x) => x.cpuLongTasks);
    const headline: Record<string, string> = {
      'highlighting on: main-thread busy ratio vs useChat+streamdown': fmt(hl / sd, 2),
      'highlighting on: long tasks wall/CPU (median)': `${fmt(hlLong, 0)} / ${fmt(hlCpuLong, 0)}`,
      'main-thread busy ratio vs useChat+react-markdown': fmt(ours / rm, 2),
      'main-thread busy ratio vs useChat+streamdown': fmt(ours / sd, 2),
      'TaskDuration ratio vs useChat+react-markdown': fmt(oursWall / rmWall, 2),
      'TaskDuration ratio vs useChat+streamdown': fmt(oursWall / sdWall, 2),
      'script time ratio vs useChat+react-markdown': fmt(oursScript / rmScript, 2),
      'script time ratio vs useChat+streamdown': fmt(oursScript / sdScript, 2),
      'Slipstream long tasks wall/CPU (median)': `${fmt(oursLong, 0)} / ${fmt(oursCpuLong, 0)}`,
    };
    return {
      markdown: [
        `Headless Chromium (\`/usr/bin/chromium\`), 1280×900, production React (profiling build). One ${TOKENS.toLocaleString('en-US')}-token markdown reply at the sim's fast rate of 1,000 tokens/s (TTFT 300 ms), ${RUNS} runs per stack after a warm-up, interleaved, fresh page each. Median (min–max). Times in ms.`,
        '',
        '| stack | main-thread CPU (trace) | main-thread busy (CDP TaskDuration) | script | style + layout | paint (trace) | long tasks > 50 ms (wall) | tasks > 50 ms CPU | longest task CPU ms | React commits/s | final-frame latency | frames > 50 ms | stream s | final chars |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
        '',
        `- Main-thread CPU time, Slipstream ÷ AI SDK: ${headline['main-thread busy ratio vs useChat+react-markdown']} vs \`useChat\` + \`react-markdown\`, ${headline['main-thread busy ratio vs useChat+streamdown']} vs \`useChat\` + \`streamdown\` (target < 0.5: ${Number.isNaN(ours) ? 'not run' : ours / Math.min(rm, sd) < 0.5 ? 'met' : 'missed'} against the cheaper of the two). By CDP \`TaskDuration\` instead: ${headline['TaskDuration ratio vs useChat+react-markdown']} and ${headline['TaskDuration ratio vs useChat+streamdown']}.`,
        '- Two measures of main-thread time. "CPU (trace)" sums the thread (CPU) time of every top-level `RunTask` on the renderer main thread in a Chromium trace taken over the reply: only the page\'s own work counts. CDP `TaskDuration` sums the same tasks\' durations as Chromium\'s Performance domain reports them, which on this loaded machine also absorbs time the renderer waited for a core; a stack that paints more frames (more, smaller tasks) is exposed to that more often. The CPU figure is the headline.',
        `- JavaScript time alone (CDP \`ScriptDuration\`), Slipstream ÷ AI SDK: ${fmt(oursScript / rmScript, 2)} vs \`react-markdown\`, ${fmt(oursScript / sdScript, 2)} vs \`streamdown\`. The rest of the busy time is style, layout, paint and compositing, which grow with the number of frames that show new text (React commits/s).`,
        `- Long tasks for Slipstream: ${fmt(oursLong, 0)} by wall time (PerformanceObserver), ${fmt(oursCpuLong, 0)} by CPU time (target 0: ${Number.isNaN(oursLong) ? 'not run' : oursLong === 0 ? 'met' : oursCpuLong === 0 ? 'met by CPU time, missed by wall time' : 'missed'}).`,
        '- Long tasks are counted two ways. The browser\'s `longtask` entries use wall time, which on this shared 2-core machine includes time the renderer was descheduled by other processes; the trace\'s `RunTask` events carry thread (CPU) time, which only the page\'s own work fills.',
        '- All figures cover `__start()` to the final painted frame; script/style/layout come from CDP `Performance.getMetrics`, paint (Paint + PrePaint + Layerize) from the trace. "Stream s" is first → last network byte as seen by the page, so a stack that fell behind would show a longer stream and a longer final-frame latency.',
        `- With syntax highlighting on (\`@slipstream/react/highlight\`: highlight.js core and grammars loaded lazily, settled code blocks only, one block per idle slot), main-thread CPU ÷ \`useChat\` + \`streamdown\` (which highlights with Shiki): ${headline['highlighting on: main-thread busy ratio vs useChat+streamdown']} (target ≤ 0.5: ${Number.isNaN(hl) ? 'not run' : hl / sd <= 0.5 ? 'met' : 'missed'}); long tasks wall/CPU ${headline['highlighting on: long tasks wall/CPU (median)']} (target 0). The window ends at the final painted frame; a block closed in the last idle slots may be highlighted just after it.`,
        '- `useChat` runs with its defaults (no `throttle`), as in the AI SDK docs; the last row adds its documented 50 ms throttle, for reference (the ratios above use the default rows).',
        ...failures.map((f) => `- Not run: ${f}`),
      ].join('\n'),
      headline,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

await main('4. Browser render cost', 'pnpm --filter @slipstream/bench exec tsx browser-render.node.ts', run);
