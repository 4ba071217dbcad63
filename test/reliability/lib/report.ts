/**
 * Counters the tests collect, and the generator of test/reliability/RESULTS.md.
 *
 * Each test file owns a section. In `afterAll` it writes its rows to `.results/<section>.json`, then,
 * holding a directory lock, regenerates RESULTS.md from every section file present. The last file to
 * finish therefore writes a table containing every section of the run. Nothing in RESULTS.md is typed
 * by hand: every figure comes from a counter a test incremented.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const RELIABILITY_DIR = join(HERE, '..');
export const RESULTS_DIR = join(RELIABILITY_DIR, '.results');
export const RESULTS_MD = join(RELIABILITY_DIR, 'RESULTS.md');
export const REPO_ROOT = join(RELIABILITY_DIR, '..', '..');

export type Outcome = 'pass' | 'fail' | 'skip' | 'known-bug';

export interface Row {
  /** What was exercised: a fault, an input class, a load case. */
  case: string;
  /** What was tried, in a few words. */
  tried: string;
  /** How many times / requests / inputs. */
  count: number;
  /** What happened, from counters (e.g. "0 5xx, 0 throws, 10000 × 4xx"). */
  observed: string;
  outcome: Outcome;
  /** false for summary/scan rows that re-count inputs already counted by other rows. @default true */
  inTotals?: boolean;
}

export interface Section {
  id: string;
  title: string;
  order: number;
  /** When this section's file finished (ISO). */
  at: string;
  durationMs: number;
  seed?: number;
  rows: Row[];
  notes: string[];
}

export class SectionRecorder {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  private readonly started = Date.now();
  seed: number | undefined;
  constructor(
    readonly id: string,
    readonly title: string,
    readonly order: number,
  ) {}
  row(r: Row): Row {
    const existing = this.rows.findIndex((x) => x.case === r.case);
    if (existing >= 0) this.rows[existing] = r;
    else this.rows.push(r);
    return r;
  }
  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
  /** Write this section and regenerate RESULTS.md. Call from afterAll. */
  flush(): void {
    const section: Section = {
      id: this.id,
      title: this.title,
      order: this.order,
      at: new Date().toISOString(),
      durationMs: Date.now() - this.started,
      rows: this.rows,
      notes: this.notes,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${this.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(section, null, 2));
    renameSync(`${file}.tmp`, file);
    withLock(() => writeResults());
  }
}

function withLock(fn: () => void): void {
  const lock = join(RESULTS_DIR, '.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 30 s is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock);
      } catch {
        /* raced with its owner */
      }
      if (Date.now() > deadline) throw new Error('RESULTS.md lock not acquired in 10 s');
      const until = Date.now() + 20;
      while (Date.now() < until) {
        /* brief spin; files finish seconds apart */
      }
    }
  }
  try {
    fn();
  } finally {
    rmdirSync(lock);
  }
}

function readSections(): Section[] {
  if (!existsSync(RESULTS_DIR)) return [];
  const out: Section[] = [];
  for (const name of readdirSync(RESULTS_DIR)) {
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(RESULTS_DIR, name), 'utf8')) as Section);
    } catch {
      /* half-written by a killed run: skip */
    }
  }
  return out.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
const anchor = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const cell = (s: string | number): string => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const MARK: Record<Outcome, string> = { pass: '✅ pass', fail: '❌ FAIL', skip: '⏭ skipped', 'known-bug': '🐞 known bug' };

/** The soak's rows, from the JSON comment in bench/soak-results.md, if it has been run. */
function soakRows(): Row[] {
  const file = join(REPO_ROOT, 'bench', 'soak-results.md');
  if (!existsSync(file)) return [];
  const m = /<!-- soak-json (.*) -->/.exec(readFileSync(file, 'utf8'));
  try {
    return m?.[1] ? (JSON.parse(m[1]) as { rows: Row[] }).rows : [];
  } catch {
    return [];
  }
}

/** Soak figures written by `bench/soak.node.ts`, if it has been run. */
function soakSection(): string[] {
  const file = join(REPO_ROOT, 'bench', 'soak-results.md');
  if (!existsSync(file)) return [];
  try {
    const m = /<!-- soak-json (.*) -->/.exec(readFileSync(file, 'utf8'));
    if (!m?.[1]) return [];
    const soak = JSON.parse(m[1]) as { at: string; rows: Row[] };
    const lines = [
      '',
      `## Load: \`bench/soak.node.ts\` (a benchmark, not part of \`pnpm test\`; figures from its last run, ${soak.at})`,
      '',
      '| Case | What was tried | How many | Observed | Outcome |',
      '|---|---|---:|---|---|',
    ];
    for (const r of soak.rows) lines.push(`| ${cell(r.case)} | ${cell(r.tried)} | ${r.count} | ${cell(r.observed)} | ${MARK[r.outcome]} |`);
    lines.push('', 'Full soak report with RSS over time: [bench/soak-results.md](../../bench/soak-results.md).');
    return lines;
  } catch {
    return [];
  }
}

export function renderResults(sections: Section[]): string {
  const all = sections.flatMap((s) => s.rows);
  const count = (o: Outcome): number => all.filter((r) => r.outcome === o).length;
  const counted = (rows: Row[]): number => rows.reduce((n, r) => n + (r.inTotals === false ? 0 : r.count), 0);
  const total = counted(all);
  const lines: string[] = [
    '# Reliability and security results',
    '',
    '<!-- Generated by the `reliability` Vitest project (test/reliability). Do not edit by hand: run',
    '     `pnpm vitest run --project reliability` and commit the regenerated file. -->',
    '',
    `Generated ${new Date().toISOString()} on Node ${process.version} (${process.platform}/${process.arch}).`,
    `${all.length} cases, ${total.toLocaleString('en-US')} individual requests/inputs/streams: ` +
      `${count('pass')} pass, ${count('fail')} fail, ${count('known-bug')} known bug, ${count('skip')} skipped.`,
    '',
    '| Area | Cases | Requests / inputs / streams | Pass | Fail | Known bug |',
    '|---|---:|---:|---:|---:|---:|',
    ...sections.map((sec) => {
      const n = (o: Outcome): number => sec.rows.filter((r) => r.outcome === o).length;
      return `| [${sec.title}](#${anchor(sec.title)}) | ${sec.rows.length} | ${counted(sec.rows).toLocaleString('en-US')} | ${n('pass')} | ${n('fail')} | ${n('known-bug')} |`;
    }),
    ...(() => {
      const rows = soakRows();
      if (rows.length === 0) return [];
      const n = (o: Outcome): number => rows.filter((r) => r.outcome === o).length;
      return [`| Load: bench/soak.node.ts (last run, see below) | ${rows.length} | ${rows.filter((r) => !r.case.includes('memory')).reduce((a, r) => a + r.count, 0).toLocaleString('en-US')} | ${n('pass')} | ${n('fail')} | ${n('known-bug')} |`];
    })(),
    '',
  ];
  for (const s of sections) {
    lines.push(
      `## ${s.title}`,
      '',
      `_File finished ${s.at}, ${(s.durationMs / 1000).toFixed(1)} s${s.seed !== undefined ? `, seed ${s.seed}` : ''}._`,
      '',
      '| Case | What was tried | How many | Observed | Outcome |',
      '|---|---|---:|---|---|',
    );
    for (const r of s.rows) lines.push(`| ${cell(r.case)} | ${cell(r.tried)} | ${r.count} | ${cell(r.observed)} | ${MARK[r.outcome]} |`);
    if (s.notes.length > 0) {
      lines.push('');
      for (const n of s.notes) lines.push(`- ${n}`);
    }
    lines.push('');
  }
  lines.push(...soakSection(), '');
  return lines.join('\n');
}

export function writeResults(): void {
  const text = renderResults(readSections());
  writeFileSync(`${RESULTS_MD}.tmp`, text);
  renameSync(`${RESULTS_MD}.tmp`, RESULTS_MD);
}
