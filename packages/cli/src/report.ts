/**
 * Summaries, the table and the JSON document of a race. Pure functions of the results.
 * @module
 */
import type { Speed } from '@slipstream/core';
import type { RunResult } from './race.ts';

export type Source = 'api' | 'sim';

export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
}

export interface SpeedSummary {
  /** Served speeds seen, e.g. `["fast"]`; more than one means the API served a mix. */
  served: (Speed | null)[];
  outputTokens: Spread;
  ttftMs: Spread;
  otps: Spread;
  effectiveOtps: Spread;
  costUsd: Spread;
}

export interface RaceReport {
  source: Source;
  model: string;
  prompt: string;
  runs: number;
  maxTokens: number;
  standard: { summary: SpeedSummary; runs: RunResult[] };
  fast: { summary: SpeedSummary; runs: RunResult[] };
  /** Headline OTPS fast ÷ standard: median of the medians, and min–max over the run pairs. */
  speedup: Spread & { basis: 'headline OTPS, fast ÷ standard' };
}

function spread(values: (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, min: null, max: null };
  const mid = (v.length - 1) / 2;
  const median = ((v[Math.floor(mid)] as number) + (v[Math.ceil(mid)] as number)) / 2;
  return { median, min: v[0] as number, max: v[v.length - 1] as number };
}

function summarize(runs: RunResult[]): SpeedSummary {
  return {
    served: [...new Set(runs.map((r) => r.served))],
    outputTokens: spread(runs.map((r) => r.outputTokens)),
    ttftMs: spread(runs.map((r) => r.ttftMs)),
    otps: spread(runs.map((r) => r.otps)),
    effectiveOtps: spread(runs.map((r) => r.effectiveOtps)),
    costUsd: spread(runs.map((r) => r.costUsd)),
  };
}

export function buildReport(
  meta: { source: Source; model: string; prompt: string; runs: number; maxTokens: number },
  results: { standard: RunResult[]; fast: RunResult[] },
): RaceReport {
  const standard = summarize(results.standard);
  const fast = summarize(results.fast);
  const pairs = results.fast.map((f, i) => {
    const s = results.standard[i];
    return f.otps !== null && s?.otps ? f.otps / s.otps : null;
  });
  const pairSpread = spread(pairs);
  const median = fast.otps.median !== null && standard.otps.median ? fast.otps.median / standard.otps.median : null;
  return {
    ...meta,
    standard: { summary: standard, runs: results.standard },
    fast: { summary: fast, runs: results.fast },
    speedup: { median, min: pairSpread.min, max: pairSpread.max, basis: 'headline OTPS, fast ÷ standard' },
  };
}

const num = (v: number | null, digits: number): string => (v === null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
function cell(s: Spread, digits: number, unit: string, runs: number): string {
  if (s.median === null) return '—';
  const base = `${num(s.median, digits)}${unit}`;
  const lo = num(s.min, digits);
  const hi = num(s.max, digits);
  return runs > 1 && lo !== hi ? `${base} (${lo}–${hi})` : base;
}
const usd = (s: Spread, runs: number): string => {
  if (s.median === null) return '—';
  const d = s.median < 0.01 ? 5 : 4;
  const base = `$${s.median.toFixed(d)}`;
  const lo = (s.min ?? 0).toFixed(d);
  const hi = (s.max ?? 0).toFixed(d);
  return runs > 1 && lo !== hi ? `${base} ($${lo}–$${hi})` : base;
};
const served = (s: SpeedSummary): string => s.served.map((x) => x ?? 'not reported').join(' + ');

/** The human-readable table. */
export function formatTable(r: RaceReport): string {
  const source =
    r.source === 'sim'
      ? 'simulator (no ANTHROPIC_API_KEY set; simulated rates, not a measurement of Anthropic)'
      : 'Anthropic API (ANTHROPIC_API_KEY)';
  const rows: [string, string, string][] = [
    ['', 'standard', 'fast'],
    ['served speed', served(r.standard.summary), served(r.fast.summary)],
    ['output tokens', cell(r.standard.summary.outputTokens, 0, '', r.runs), cell(r.fast.summary.outputTokens, 0, '', r.runs)],
    ['TTFT', cell(r.standard.summary.ttftMs, 0, ' ms', r.runs), cell(r.fast.summary.ttftMs, 0, ' ms', r.runs)],
    ['OTPS (after first token)', cell(r.standard.summary.otps, 1, ' tok/s', r.runs), cell(r.fast.summary.otps, 1, ' tok/s', r.runs)],
    ['OTPS (effective, whole request)', cell(r.standard.summary.effectiveOtps, 1, ' tok/s', r.runs), cell(r.fast.summary.effectiveOtps, 1, ' tok/s', r.runs)],
    ['cost per reply', usd(r.standard.summary.costUsd, r.runs), usd(r.fast.summary.costUsd, r.runs)],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = rows.map(([a, b, c]) => `  ${a.padEnd(w0)}   ${b.padEnd(w1)}   ${c}`.trimEnd());
  const s = r.speedup;
  const spreadText = s.min !== null && s.max !== null && r.runs > 1 ? ` (${num(s.min, 2)}×–${num(s.max, 2)}× over ${r.runs} run pairs)` : '';
  const mixed = [r.standard.summary, r.fast.summary].some((x) => x.served.length > 1)
    ? '\n  note: the API served a mix of speeds; see --json for each run.'
    : r.fast.summary.served.includes('standard')
      ? '\n  note: fast was requested but standard was served (usage.speed).'
      : '';
  return [
    `slipstream race · ${r.model} · ${r.runs} run${r.runs === 1 ? '' : 's'} per speed · max_tokens ${r.maxTokens}`,
    `source: ${source}`,
    '',
    ...lines,
    '',
    `  speed-up (headline OTPS, fast ÷ standard): ${s.median === null ? '—' : `${num(s.median, 2)}×`}${spreadText}`,
    `  medians; (min–max) over runs. TTFT and OTPS are stamped when bytes arrive.${mixed}`,
    '',
  ].join('\n');
}
