/**
 * Fits core's token-estimate model (`packages/core/src/token-model.ts`) to a real tokenizer, and reports
 * how close the fitted counter is on text it was not fitted on.
 *
 * Run: `pnpm --filter @slipstream/bench exec tsx fit-token-model.node.ts [--write]`
 *
 * The tokenizer is Anthropic's published Claude BPE (`@anthropic-ai/tokenizer`, the ranks the sim
 * streams with), without NFKC normalisation, as the sim counts. The corpus is real text found on the
 * machine, sorted and split by document into a fitting half and a held-out half:
 * - English prose and markdown: the README.md of every package in node_modules (code fences, tables
 *   and all), and this repo's READMEs;
 * - code: this repo's TypeScript sources, Python's standard library (`json`, `http`, `email`), the
 *   PostgreSQL SQL scripts, in code fences;
 * - JSON: every package.json in node_modules, in a ```json fence and as tool input;
 * - tables: the markdown tables of all of the above;
 * - CJK and Spanish: Rust by Example's Chinese, Japanese, Korean and Spanish editions (from the Rust
 *   toolchain's docs), their code blocks kept as fences.
 * Sources missing on a machine are skipped (the report lists what was read).
 *
 * The counter splits text like the tokenizer's pre-tokenizer; each piece's real token count is the
 * tokenizer's count for that piece alone (BPE merges never cross pieces), and the model stores the mean
 * per piece shape. Held-out error is measured the way the meter sees text: one counter over a whole
 * document, windows of 150 real tokens, estimated ÷ real − 1.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTokenizer } from '@anthropic-ai/tokenizer';
import { tokenize } from '@slipstream/sim';
import { PieceKind, TokenCounter, type ObservedPiece, type PieceShape } from '../packages/core/src/token-estimator.ts';
import { fmt, quantile } from './lib/stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const MODEL_FILE = join(root, 'packages/core/src/token-model.ts');
const WINDOW = 150;
const LETTER_CAP = 16;
const DIGIT_CAP = 8;
const PUNCT_CAP = 8;
const SYMBOL_CAP = 4;
const SPACE_CAP = 8;
const MIN_SAMPLES = 30;

type Group = 'prose' | 'code' | 'json' | 'table' | 'cjk' | 'spanish';
interface Doc {
  group: Group;
  name: string;
  text: string;
  kind: 'text' | 'tool_input';
}

// ---- corpus --------------------------------------------------------------------------------------

function files(dir: string, test: (name: string) => boolean, depth = 6): string[] {
  if (!existsSync(dir) || depth < 0) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git') out.push(...files(p, test, depth - 1));
    } else if (test(e.name)) out.push(p);
  }
  return out;
}

const read = (p: string): string => readFileSync(p, 'utf8');

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'" };
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/giu, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}

/** An mdBook page → markdown-ish text: code blocks become fences, block tags line breaks. */
function htmlToText(html: string): string[] {
  const main = html.slice(Math.max(0, html.indexOf('<main>')), html.lastIndexOf('</main>') > 0 ? html.lastIndexOf('</main>') : html.length);
  const text = main
    .replace(/<pre><code[^>]*?(?:language-(\w+))?[^>]*>([\s\S]*?)<\/code><\/pre>/gu, (_m, lang: string | undefined, code: string) => `\n\`\`\`${lang ?? ''}\n${code.replace(/<[^>]+>/gu, '')}\n\`\`\`\n`)
    .replace(/<\/(p|h[1-6]|li|ul|ol|blockquote|div|table|tr)>/gu, '\n\n')
    .replace(/<br\s*\/?>/gu, '\n')
    .replace(/<[^>]+>/gu, '');
  // Chapters of about 10 kB, so the held-out half has many documents.
  return decodeEntities(text)
    .replace(/\n{3,}/gu, '\n\n')
    .split(/\n(?=#|\S[^\n]{0,80}\n\n)/u)
    .reduce<string[]>((acc, part) => {
      const last = acc.at(-1);
      if (last !== undefined && last.length < 10_000) acc[acc.length - 1] = last + '\n' + part;
      else acc.push(part);
      return acc;
    }, []);
}

function tables(md: string): string[] {
  const out: string[] = [];
  for (const block of md.split(/\n(?!\|)/u)) {
    const lines = block.split('\n').filter((l) => l.startsWith('|'));
    if (lines.length >= 3) out.push(lines.join('\n') + '\n');
  }
  return out;
}

function corpus(): { docs: Doc[]; sources: string[] } {
  const docs: Doc[] = [];
  const sources: string[] = [];
  const add = (group: Group, name: string, text: string, kind: Doc['kind'] = 'text'): void => {
    if (text.trim().length > 200) docs.push({ group, name, text, kind });
  };
  const pnpmDir = join(root, 'node_modules/.pnpm');
  const readmes = files(pnpmDir, (n) => n === 'README.md' || n === 'readme.md').filter((p) => statSync(p).size > 1500 && statSync(p).size < 200_000);
  const ownReadmes = [join(root, 'README.md'), ...files(join(root, 'packages'), (n) => n === 'README.md', 2), join(root, 'bench/RESULTS.md')].filter(existsSync);
  sources.push(`${readmes.length} node_modules READMEs, ${ownReadmes.length} of this repo's READMEs`);
  for (const p of [...readmes, ...ownReadmes]) {
    const md = read(p);
    add('prose', p, md);
    for (const t of tables(md)) add('table', p, t);
  }
  const ts = files(join(root, 'packages'), (n) => n.endsWith('.ts') && !n.endsWith('.d.ts') && n !== 'token-model.ts', 3).filter((p) => p.includes('/src/'));
  const py = ['json', 'http', 'email'].flatMap((d) => files(`/root/.pyenv/versions/3.11.7/lib/python3.11/${d}`, (n) => n.endsWith('.py'), 0));
  const sql = files('/usr/share/postgresql/15', (n) => n.endsWith('.sql'), 0).filter((p) => statSync(p).size < 300_000);
  sources.push(`${ts.length} TypeScript files of this repo, ${py.length} Python files, ${sql.length} SQL files`);
  for (const [lang, list] of [['ts', ts], ['python', py], ['sql', sql]] as const) {
    for (const p of list) add('code', p, `\`\`\`${lang}\n${read(p)}\n\`\`\`\n`);
  }
  const pkgs = files(pnpmDir, (n) => n === 'package.json').filter((p) => statSync(p).size > 800);
  sources.push(`${pkgs.length} package.json files`);
  for (const [i, p] of pkgs.entries()) {
    const json = read(p);
    if (i % 2 === 0) add('json', p, `\`\`\`json\n${json}\n\`\`\`\n`);
    else add('json', p, JSON.stringify(JSON.parse(json)), 'tool_input');
  }
  const rbe = '/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/rust-by-example';
  for (const [lang, group] of [['zh', 'cjk'], ['ja', 'cjk'], ['ko', 'cjk'], ['es', 'spanish']] as const) {
    const p = join(rbe, lang, 'print.html');
    if (!existsSync(p)) continue;
    const parts = htmlToText(read(p));
    sources.push(`Rust by Example (${lang}): ${parts.length} chapters`);
    for (const part of parts) add(group, `${p}#${part.slice(0, 20)}`, part);
  }
  return { docs, sources };
}

// ---- fitting -------------------------------------------------------------------------------------

const enc = getTokenizer();
const cache = new Map<string, number>();
function realCount(text: string): number {
  let n = cache.get(text);
  if (n === undefined) {
    n = enc.encode(text, [], []).length;
    if (text.length < 64) cache.set(text, n);
  }
  return n;
}

class Mean {
  sum = 0;
  count = 0;
  add(x: number): void {
    this.sum += x;
    this.count++;
  }
  get mean(): number {
    return this.sum / this.count;
  }
}

const CLS = ['prose', 'code', 'table'] as const;
const clsIndex = (c: string): number => Math.max(0, CLS.indexOf(c as (typeof CLS)[number]));

type Key = { key: string; weight: number } | { han: number; kana: number; hangul: number; lead: boolean };

function keyOf(piece: ObservedPiece): Key | undefined {
  const s = piece.shape;
  if (s === undefined) {
    const n = [...piece.text].length;
    return { key: `W|${piece.newline ? 1 : 0}|${Math.min(n, SPACE_CAP)}`, weight: n > SPACE_CAP ? SPACE_CAP / n : 1 };
  }
  return shapeKey(s, piece.cls);
}

function shapeKey(s: PieceShape, cls: string): Key | undefined {
  const lead = s.lead ? 1 : 0;
  const capN = (cap: number): { n: number; weight: number } => ({ n: Math.min(s.n, cap), weight: s.n > cap ? cap / s.n : 1 });
  switch (s.kind) {
    case PieceKind.Letters: {
      if (s.cjk > 0) return s.cjk === s.n ? { han: s.cjk - s.kana - s.hangul, kana: s.kana, hangul: s.hangul, lead: s.lead } : undefined;
      const { n, weight } = capN(LETTER_CAP);
      if (s.other > 0) return { key: `O|${lead}|${n}`, weight };
      return { key: `L|${clsIndex(cls)}|${lead}|${s.letterCase}|${n}`, weight };
    }
    case PieceKind.Digits: {
      const { n, weight } = capN(DIGIT_CAP);
      return { key: `D|${lead}|${n}`, weight };
    }
    case PieceKind.Punct: {
      if (s.other > 0) {
        const { n, weight } = capN(SYMBOL_CAP);
        return { key: `S|${lead}|${n}`, weight };
      }
      const { n, weight } = capN(PUNCT_CAP);
      return { key: `P|${clsIndex(cls)}|${lead}|${n}`, weight };
    }
    default:
      return undefined;
  }
}

interface Model {
  letterCap: number;
  digitCap: number;
  punctCap: number;
  symbolCap: number;
  spaceCap: number;
  letters: number[];
  otherLetters: number[];
  digits: number[];
  punct: number[];
  symbols: number[];
  spaces: number[];
  hanPerChar: number;
  kanaPerChar: number;
  hangulPerChar: number;
  cjkLeadSpace: number;
}

function fit(docs: readonly Doc[]): Model {
  const means = new Map<string, Mean>();
  // Runs of CJK: tokens ≈ han·a + kana·b + hangul·c, by least squares (Japanese mixes Han and kana in one run).
  const xtx = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const xty = [0, 0, 0];
  const cjkLead = new Mean();
  const pending: { x: number[]; tokens: number }[] = [];
  for (const doc of docs) {
    const counter = new TokenCounter(doc.kind, (piece) => {
      const k = keyOf(piece);
      if (k === undefined) return;
      const real = realCount(piece.text);
      if ('han' in k) {
        const x = [k.han, k.kana, k.hangul];
        if (k.lead) pending.push({ x, tokens: real });
        else {
          for (let i = 0; i < 3; i++) {
            xty[i]! += x[i]! * real;
            for (let j = 0; j < 3; j++) xtx[i * 3 + j]! += x[i]! * x[j]!;
          }
        }
        return;
      }
      let m = means.get(k.key);
      if (m === undefined) means.set(k.key, (m = new Mean()));
      // A piece longer than the cap teaches the cap's value in proportion (value × n ÷ cap).
      m.add(real * k.weight);
    });
    counter.push(doc.text);
    counter.end();
  }
  const [han, kana, hangul] = solve3(xtx, xty);
  for (const p of pending) cjkLead.add(p.tokens - p.x[0]! * han - p.x[1]! * kana - p.x[2]! * hangul);
  const get = (keys: string[], fallback: number): number => {
    for (const k of keys) {
      const m = means.get(k);
      if (m !== undefined && m.count >= MIN_SAMPLES) return round(m.mean);
    }
    // Pool what there is over the candidates before giving up.
    let sum = 0;
    let count = 0;
    for (const k of keys) {
      const m = means.get(k);
      if (m !== undefined) {
        sum += m.sum;
        count += m.count;
      }
    }
    return round(count >= 5 ? sum / count : fallback);
  };
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
  const letters: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (const lead of [0, 1]) {
      for (const kase of [0, 1, 2, 3]) {
        for (const n of range(LETTER_CAP)) {
          const keys = [`L|${c}|${lead}|${kase}|${n}`, `L|0|${lead}|${kase}|${n}`, `L|1|${lead}|${kase}|${n}`, ...[0, 1, 2].flatMap((cc) => [0, 1, 2, 3].map((k) => `L|${cc}|${lead}|${k}|${n}`))];
          letters.push(get(keys, 1 + (n - 1) / 5));
        }
      }
    }
  }
  const otherLetters = [0, 1].flatMap((lead) => range(LETTER_CAP).map((n) => get([`O|${lead}|${n}`], 1 + n / 3)));
  const digits = [0, 1].flatMap((lead) => range(DIGIT_CAP).map((n) => get([`D|${lead}|${n}`], Math.ceil(n / 3))));
  const punct = [0, 1, 2].flatMap((c) => [0, 1].flatMap((lead) => range(PUNCT_CAP).map((n) => get([`P|${c}|${lead}|${n}`, `P|0|${lead}|${n}`, `P|1|${lead}|${n}`], 1 + n / 3))));
  const symbols = [0, 1].flatMap((lead) => range(SYMBOL_CAP).map((n) => get([`S|${lead}|${n}`], 1.5 * n)));
  const spaces = [0, 1].flatMap((nl) => range(SPACE_CAP).map((n) => get([`W|${nl}|${n}`], 1)));
  return {
    letterCap: LETTER_CAP,
    digitCap: DIGIT_CAP,
    punctCap: PUNCT_CAP,
    symbolCap: SYMBOL_CAP,
    spaceCap: SPACE_CAP,
    letters,
    otherLetters,
    digits,
    punct,
    symbols,
    spaces,
    hanPerChar: round(han),
    kanaPerChar: round(kana),
    hangulPerChar: round(hangul),
    cjkLeadSpace: round(cjkLead.count > 0 ? cjkLead.mean : 0),
  };
}

/** Solve a 3×3 linear system (Cramer's rule). */
function solve3(a: number[], b: number[]): [number, number, number] {
  const det = (m: number[]): number =>
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) - m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) + m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
  const d = det(a);
  const col = (i: number): number[] => a.map((v, k) => (k % 3 === i ? b[Math.floor(k / 3)]! : v));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ---- evaluation ----------------------------------------------------------------------------------

/** |estimated ÷ real − 1| over windows of 150 real tokens, one counter over the whole document. */
function windowErrors(doc: Doc, estimate: 'model' | 'chars'): number[] {
  const pieces = tokenize(doc.text);
  const counter = new TokenCounter(doc.kind);
  const cum: number[] = [0];
  let chars = 0;
  for (const p of pieces) {
    chars += p.length;
    cum.push(estimate === 'model' ? cum.at(-1)! + counter.push(p) : chars / 4);
  }
  const errs: number[] = [];
  for (let i = 0; i + WINDOW <= pieces.length; i += WINDOW / 3) errs.push(Math.abs((cum[i + WINDOW]! - cum[i]!) / WINDOW - 1));
  return errs;
}

function modelSource(m: Model): string {
  const arr = (xs: number[], per: number): string => {
    const rows: string[] = [];
    for (let i = 0; i < xs.length; i += per) rows.push(`    ${xs.slice(i, i + per).join(', ')},`);
    return `[\n${rows.join('\n')}\n  ]`;
  };
  return `/**
 * Expected tokens per piece shape, fitted by \`bench/fit-token-model.node.ts\` to Anthropic's published
 * Claude tokenizer over real prose, markdown, code, tables, JSON and CJK/Spanish text. Generated: do
 * not edit by hand (re-run the script with \`--write\`). Read by \`token-estimator.ts\`.
 *
 * Layout (n = piece length in code points, 1…cap; longer pieces scale the cap's value by n ÷ cap):
 * - \`letters\`: [line class prose/code/table][leading space 0/1][case word/Word/WORD/mixed][n]
 * - \`otherLetters\` (non-ASCII letters), \`digits\`, \`symbols\` (non-ASCII punctuation): [leading space][n]
 * - \`punct\` (ASCII punctuation runs): [line class][leading space][n]
 * - \`spaces\` (whitespace runs): [has a line break 0/1][n]
 * - \`hanPerChar\`, \`kanaPerChar\`, \`hangulPerChar\`: tokens per CJK character; \`cjkLeadSpace\`: extra for a
 *   space before a CJK run.
 * @module
 */
export const TOKEN_MODEL = {
  letterCap: ${m.letterCap},
  digitCap: ${m.digitCap},
  punctCap: ${m.punctCap},
  symbolCap: ${m.symbolCap},
  spaceCap: ${m.spaceCap},
  letters: ${arr(m.letters, m.letterCap)},
  otherLetters: ${arr(m.otherLetters, m.letterCap)},
  digits: ${arr(m.digits, m.digitCap)},
  punct: ${arr(m.punct, m.punctCap)},
  symbols: ${arr(m.symbols, m.symbolCap)},
  spaces: ${arr(m.spaces, m.spaceCap)},
  hanPerChar: ${m.hanPerChar},
  kanaPerChar: ${m.kanaPerChar},
  hangulPerChar: ${m.hangulPerChar},
  cjkLeadSpace: ${m.cjkLeadSpace},
} as const;
`;
}

// ---- main ----------------------------------------------------------------------------------------

const { docs, sources } = corpus();
const train = docs.filter((_, i) => i % 2 === 0);
const test = docs.filter((_, i) => i % 2 === 1);
const t0 = performance.now();
const model = fit(train);
console.log(`Corpus: ${sources.join('; ')}. ${docs.length} documents (${train.length} fitted, ${test.length} held out); fitted in ${fmt((performance.now() - t0) / 1000, 1)} s.`);
if (process.argv.includes('--write')) {
  writeFileSync(MODEL_FILE, modelSource(model));
  console.log(`wrote ${MODEL_FILE} (re-run without --write to evaluate it)`);
} else {
  console.log('');
  console.log(`Held-out documents, windows of ${WINDOW} real tokens (as the live meter sees them), |estimate ÷ real − 1|:`);
  console.log('');
  console.log('| text | documents | windows | chars ÷ 4 p90 / median % | counter p90 / median % | counter bias (sum est ÷ sum real − 1) % |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const group of ['prose', 'code', 'json', 'table', 'cjk', 'spanish'] as const) {
    const g = test.filter((d) => d.group === group);
    if (g.length === 0) continue;
    const model = g.flatMap((d) => windowErrors(d, 'model'));
    const chars = g.flatMap((d) => windowErrors(d, 'chars'));
    let est = 0;
    let real = 0;
    for (const d of g) {
      const c = new TokenCounter(d.kind);
      c.push(d.text);
      c.end();
      est += c.total;
      real += realCount(d.text);
    }
    const pct = (x: number): string => fmt(x * 100, 1);
    console.log(`| ${group} | ${g.length} | ${model.length} | ${pct(quantile(chars, 0.9))} / ${pct(quantile(chars, 0.5))} | ${pct(quantile(model, 0.9))} / ${pct(quantile(model, 0.5))} | ${fmt((est / real - 1) * 100, 1)} |`);
  }
}
enc.free();
