/**
 * A tool's input, generated from its JSON Schema `input_schema`: objects (nested), arrays, strings,
 * numbers, booleans, enums, `const`, `anyOf`/`oneOf`, with the bounds the schema states. Property names
 * steer the values (a `path` looks like a path, a `query` like a search), and code-carrying strings
 * (`content`, `code`, `patch`, `diff`, …) get hundreds of tokens of source, as a model writing a diff would.
 * @module
 */
import { kebabCase, pascalCase, tsModule, unifiedDiff } from './codegen.ts';
import type { Rng } from './random.ts';

/** What the generated values are about. */
export interface InputContext {
  rng: Rng;
  /** A few words from the user's request. */
  topic: string;
  /**
   * A project path the conversation already names (in the user's request or an earlier tool result),
   * used for `path`-like properties instead of an invented one, as a model reads the file it was told
   * about or that a listing showed.
   */
  knownPath?: string;
}

const PATH_IN_TEXT = /(?:^|[\s"'`(\[])((?:[\w.-]+\/)*[\w-]+\.(?:ts|tsx|js|mjs|json|md|py|go|rs|java|css|html|yaml|yml|toml))(?=$|[\s"'`),\].:;])/gu;

/**
 * The project path a request is most likely about: the first path the ask names, else the path from
 * earlier tool results that shares the most words with the ask; `undefined` when none is named.
 */
export function knownPathFor(ask: string, earlierResults: readonly string[]): string | undefined {
  const named = [...ask.matchAll(PATH_IN_TEXT)].map((m) => m[1]!);
  if (named.length > 0) return named[0];
  const seen = [...new Set(earlierResults.flatMap((text) => [...text.matchAll(PATH_IN_TEXT)].map((m) => m[1]!)))];
  if (seen.length === 0) return undefined;
  const words = new Set(ask.toLowerCase().split(/[^a-z0-9]+/u).filter((w) => w.length > 2));
  let best: string | undefined;
  let bestScore = 0;
  for (const path of seen) {
    const score = path.toLowerCase().split(/[^a-z0-9]+/u).filter((w) => words.has(w)).length;
    if (score > bestScore) {
      best = path;
      bestScore = score;
    }
  }
  return best;
}

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** String properties whose values are source code or a patch. */
const CODE_PROP = /^(content|contents|code|source|source_code|patch|diff|file_text|new_str|new_string|new_content|body|script)$/iu;
const DIFF_PROP = /patch|diff/iu;
const MAX_DEPTH = 6;

/** The project path the tools of one conversation agree on (same topic → same path). */
export function pathFor(topic: string): string {
  return `src/lib/${kebabCase(pascalCase(topic, 'Store'))}.ts`;
}

function typeOf(s: Schema): string {
  const t = s['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (isObject(s['properties'])) return 'object';
  if (s['items'] !== undefined) return 'array';
  return 'string';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function numberFor(name: string, s: Schema, ctx: InputContext, integer: boolean): number {
  const exMin = num(s['exclusiveMinimum']);
  const exMax = num(s['exclusiveMaximum']);
  let lo = num(s['minimum']) ?? (exMin !== undefined ? exMin + (integer ? 1 : 0.01) : undefined);
  let hi = num(s['maximum']) ?? (exMax !== undefined ? exMax - (integer ? 1 : 0.01) : undefined);
  // Name-shaped defaults: a line number, a result count, a temperature-like ratio.
  const [dlo, dhi] = /line/iu.test(name) ? [1, 200] : /limit|max|count|top|num|size/iu.test(name) ? [3, 20] : [1, 100];
  lo ??= hi !== undefined ? Math.min(dlo, hi) : dlo;
  hi ??= Math.max(lo, dhi);
  if (hi < lo) hi = lo;
  if (integer) return ctx.rng.int(Math.ceil(lo), Math.max(Math.ceil(lo), Math.floor(hi)));
  return Math.round((lo + ctx.rng.next() * (hi - lo)) * 100) / 100;
}

function stringFor(name: string, s: Schema, ctx: InputContext): string {
  const { rng, topic } = ctx;
  const className = pascalCase(topic, 'Store');
  let value: string;
  switch (s['format']) {
    case 'date-time':
      value = `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T0${rng.int(0, 9)}:${rng.int(10, 59)}:00Z`;
      break;
    case 'date':
      value = `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}`;
      break;
    case 'uri':
    case 'url':
      value = `https://example.com/docs/${kebabCase(className)}`;
      break;
    case 'email':
      value = 'dev@example.com';
      break;
    case 'uuid':
      value = `${rng.int(0x10000000, 0x7fffffff).toString(16)}-${rng.int(0x1000, 0xffff).toString(16)}-4${rng.int(0x100, 0xfff).toString(16)}-a${rng.int(0x100, 0xfff).toString(16)}-${rng.int(0x10000000, 0x7fffffff).toString(16)}0000`;
      break;
    default:
      value = stringByName(name, ctx, className);
  }
  const max = num(s['maxLength']);
  const min = num(s['minLength']);
  if (max !== undefined && value.length > max) value = value.slice(0, Math.max(0, max));
  if (min !== undefined && value.length < min) value = value.padEnd(min, ' ok');
  return value;
}

function stringByName(name: string, ctx: InputContext, className: string): string {
  const { rng, topic } = ctx;
  if (CODE_PROP.test(name)) {
    return DIFF_PROP.test(name) ? unifiedDiff(rng, ctx.knownPath ?? pathFor(topic), className) : tsModule(rng, className);
  }
  if (/old_str|old_string|search_text/iu.test(name)) return `  constructor(options: ${className}Options, now: () => number = Date.now) {`;
  if (/path|file/iu.test(name)) return ctx.knownPath ?? pathFor(topic);
  if (/dir|folder/iu.test(name)) return 'src/lib';
  if (/query|^q$|search|pattern|keyword|term/iu.test(name)) return topic === 'this topic' ? className : topic;
  if (/command|cmd/iu.test(name)) return `pnpm vitest run test/${kebabCase(className)}.test.ts`;
  if (/url|link|href/iu.test(name)) return `https://example.com/docs/${kebabCase(className)}`;
  if (/location|city|place/iu.test(name)) return 'San Francisco, CA';
  if (/lang/iu.test(name)) return 'typescript';
  if (/message|commit|summary|title/iu.test(name)) return `Add ${topic} handling to ${className}`;
  if (/reason|description|explanation|note/iu.test(name)) return `The ${topic} logic needs a bounded size and an expiry.`;
  if (/name|identifier|symbol/iu.test(name)) return className;
  if (/^id$|_id$|Id$/u.test(name)) return `${kebabCase(className)}-${rng.int(100, 999)}`;
  return `${topic} ${name.replace(/_/gu, ' ')}`.trim();
}

function valueFor(name: string, schema: unknown, ctx: InputContext, depth: number): unknown {
  const s = isObject(schema) ? schema : {};
  if ('const' in s) return s['const'];
  const choices = s['enum'];
  if (Array.isArray(choices) && choices.length > 0) return ctx.rng.pick(choices);
  const alternatives = s['anyOf'] ?? s['oneOf'];
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const concrete = alternatives.find((a) => !(isObject(a) && a['type'] === 'null'));
    return valueFor(name, concrete ?? alternatives[0], ctx, depth);
  }
  if (Array.isArray(s['allOf']) && s['allOf'].length > 0) return valueFor(name, s['allOf'][0], ctx, depth);
  switch (typeOf(s)) {
    case 'object':
      return objectFor(s, ctx, depth);
    case 'array': {
      const min = num(s['minItems']) ?? 1;
      const max = num(s['maxItems']) ?? Math.max(min, 3);
      const n = ctx.rng.int(Math.min(min, max), Math.min(max, Math.max(min, 3)));
      const item = name.endsWith('s') ? name.slice(0, -1) : name;
      if (depth >= MAX_DEPTH) return [];
      return Array.from({ length: n }, () => valueFor(item, s['items'], ctx, depth + 1));
    }
    case 'integer':
      return numberFor(name, s, ctx, true);
    case 'number':
      return numberFor(name, s, ctx, false);
    case 'boolean':
      return ctx.rng.next() < 0.5;
    case 'null':
      return null;
    default:
      return stringFor(name, s, ctx);
  }
}

function objectFor(s: Schema, ctx: InputContext, depth: number): Record<string, unknown> {
  const props = isObject(s['properties']) ? s['properties'] : {};
  const required = new Set(Array.isArray(s['required']) ? s['required'].filter((r): r is string => typeof r === 'string') : []);
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    // Required properties always; optional ones while the input is shallow, as a model tends to fill them.
    if (!required.has(name) && depth >= 3) continue;
    out[name] = valueFor(name, prop, ctx, depth + 1);
  }
  return out;
}

/** An input object for a tool's `input_schema`. */
export function inputFor(schema: unknown, ctx: InputContext): Record<string, unknown> {
  return objectFor(isObject(schema) ? schema : {}, ctx, 0);
}
