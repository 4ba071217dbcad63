/**
 * A tolerant parser for JSON that is still arriving: a tool call's input streams as partial JSON text
 * (`tool_input_delta`), and the UI wants to show what it holds so far.
 *
 * @module
 */
import type { JsonValue } from './protocol.ts';

/** Options for {@link parsePartialJson}. */
export interface PartialJsonOptions {
  /**
   * The text is complete: a number at its very end is kept (while streaming, `12` may yet become
   * `123`, so it is dropped). @default false
   */
  complete?: boolean;
}

type Frame =
  | { kind: 'array'; value: JsonValue[] }
  | { kind: 'object'; value: { [key: string]: JsonValue }; key: string | undefined };

// What the parser expects next.
const VALUE = 0;
/** Right after `[`: a value or `]`. */
const VALUE_OR_END = 1;
const KEY = 2;
/** Right after `{`: a key or `}`. */
const KEY_OR_END = 3;
const COLON = 4;
const COMMA_OR_END = 5;
const DONE = 6;

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const LITERALS: Readonly<Record<string, readonly [string, JsonValue]>> = { t: ['true', true], f: ['false', false], n: ['null', null] };
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * Parse a prefix of a JSON text into the value it denotes so far.
 *
 * - An open string is closed (a half-sent escape, or a high surrogate still waiting for its pair, is
 *   left out); an open object or array is closed.
 * - A key whose value has not started is dropped, as are dangling commas, colons and half-sent
 *   literals (`tr`). A number at the very end is dropped unless `complete` (it may still grow).
 * - Containers and strings appear as soon as they open, so the value only grows as text arrives:
 *   every string is a prefix of its final value, and every number, literal and key is final.
 * - Text that is not a prefix of any JSON text yields what came before the fault.
 *
 * Never throws, never recurses (any depth is fine), and runs in time linear in `text`.
 *
 * @param text - The JSON text received so far.
 * @param options - See {@link PartialJsonOptions}.
 * @returns The value so far, or `undefined` when no value has started.
 * @example
 * parsePartialJson('{"path": "src/ma'); // { path: 'src/ma' }
 * parsePartialJson('{"n": 12');          // {}  (12 may become 123)
 * parsePartialJson('[1, 2', { complete: true }); // [1, 2]
 */
export function parsePartialJson(text: string, options?: PartialJsonOptions): JsonValue | undefined {
  const complete = options?.complete === true;
  const n = text.length;
  const stack: Frame[] = [];
  let root: JsonValue | undefined;
  let expect = VALUE;
  let i = 0;

  const attach = (value: JsonValue): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = value;
    else if (top.kind === 'array') top.value.push(value);
    else {
      define(top.value, top.key as string, value);
      top.key = undefined;
    }
  };
  const afterValue = (): void => {
    expect = stack.length === 0 ? DONE : COMMA_OR_END;
  };

  while (expect !== DONE) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const c = text[i] as string;
    const top = stack[stack.length - 1];

    if (expect === VALUE || expect === VALUE_OR_END) {
      if (c === ']' && expect === VALUE_OR_END) {
        stack.pop();
        i++;
        afterValue();
      } else if (c === '{') {
        const value: { [key: string]: JsonValue } = {};
        attach(value);
        stack.push({ kind: 'object', value, key: undefined });
        expect = KEY_OR_END;
        i++;
      } else if (c === '[') {
        const value: JsonValue[] = [];
        attach(value);
        stack.push({ kind: 'array', value });
        expect = VALUE_OR_END;
        i++;
      } else if (c === '"') {
        const s = readString(text, i + 1);
        attach(s.value);
        if (!s.closed) break;
        i = s.end;
        afterValue();
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        let j = i + 1;
        while (j < n && isNumberChar(text.charCodeAt(j))) j++;
        // At the end of the text a number may still grow: keep it only once something ends it.
        if (j >= n && !complete) break;
        const literal = text.slice(i, j);
        if (!NUMBER.test(literal)) break;
        attach(Number(literal));
        i = j;
        afterValue();
      } else {
        const lit = LITERALS[c];
        if (lit === undefined || !text.startsWith(lit[0], i)) break;
        attach(lit[1]);
        i += lit[0].length;
        afterValue();
      }
    } else if (expect === KEY || expect === KEY_OR_END) {
      if (c === '}' && expect === KEY_OR_END) {
        stack.pop();
        i++;
        afterValue();
      } else if (c === '"') {
        const s = readString(text, i + 1);
        // A key is only worth showing once it is whole and its value has begun.
        if (!s.closed || top === undefined || top.kind !== 'object') break;
        top.key = s.value;
        i = s.end;
        expect = COLON;
      } else break;
    } else if (expect === COLON) {
      if (c !== ':') break;
      i++;
      expect = VALUE;
    } else {
      // COMMA_OR_END
      if (top === undefined) break;
      if (c === ',') {
        i++;
        expect = top.kind === 'array' ? VALUE : KEY;
      } else if ((c === ']' && top.kind === 'array') || (c === '}' && top.kind === 'object')) {
        stack.pop();
        i++;
        afterValue();
      } else break;
    }
  }
  return root;
}

/**
 * Read a string body starting after its opening quote. Unclosed: the text so far, minus a half-sent
 * escape or a high surrogate whose pair has not arrived.
 */
function readString(text: string, start: number): { value: string; end: number; closed: boolean } {
  // Find the closing quote with native indexOf: a quote is escaped when an odd run of backslashes
  // precedes it. Each backslash is counted for one quote at most, so the scan stays linear.
  let q = start;
  for (;;) {
    q = text.indexOf('"', q);
    if (q === -1) break;
    let k = q - 1;
    while (k >= start && text.charCodeAt(k) === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) {
      const value = decode(text.slice(start, q));
      return value === undefined ? slowString(text, start) : { value, end: q + 1, closed: true };
    }
    q++;
  }
  let raw = text.slice(start);
  // A half-sent escape at the end: a lone backslash, or \u with fewer than four hex digits.
  const tail = Math.max(0, raw.length - 6);
  const u = /\\u[0-9a-fA-F]{0,3}$/.exec(raw.slice(tail));
  if (u !== null && trailingBackslashes(raw, tail + u.index + 1) % 2 === 1) raw = raw.slice(0, tail + u.index);
  else if (trailingBackslashes(raw, raw.length) % 2 === 1) raw = raw.slice(0, -1);
  const value = decode(raw);
  return value === undefined ? slowString(text, start) : open([value]);
}

/** How many backslashes end `s.slice(0, end)`. */
function trailingBackslashes(s: string, end: number): number {
  let k = end - 1;
  while (k >= 0 && s.charCodeAt(k) === 0x5c) k--;
  return end - 1 - k;
}

/**
 * A complete string body decoded natively; `undefined` when JSON.parse refuses it (a bad escape, or a
 * raw control character, which the careful path lets through as a body without escapes does).
 */
function decode(raw: string): string | undefined {
  if (raw.indexOf('\\') === -1) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * The careful path for a string JSON.parse refuses: decode escape by escape and stop before the first
 * bad one (the string is then treated as still open). Raw control characters are let through.
 */
function slowString(text: string, start: number): { value: string; end: number; closed: boolean } {
  const n = text.length;
  const pieces: string[] = [];
  let from = start;
  let i = start;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      pieces.push(text.slice(from, i));
      return { value: pieces.join(''), end: i + 1, closed: true };
    }
    if (code !== 0x5c) {
      i++;
      continue;
    }
    pieces.push(text.slice(from, i));
    const e = text[i + 1];
    if (e === undefined) return open(pieces);
    if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (hex.length < 4 || !/^[0-9a-fA-F]{4}$/.test(hex)) return open(pieces);
      pieces.push(String.fromCharCode(Number.parseInt(hex, 16)));
      i += 6;
    } else {
      const ch = ESCAPES[e];
      if (ch === undefined) return open(pieces);
      pieces.push(ch);
      i += 2;
    }
    from = i;
  }
  pieces.push(text.slice(from, n));
  return open(pieces);
}

function open(pieces: string[]): { value: string; end: number; closed: boolean } {
  let value = pieces.join('');
  const last = value.charCodeAt(value.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) value = value.slice(0, -1);
  return { value, end: -1, closed: false };
}

function define(obj: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  // "__proto__" is data in JSON: define it, never assign through it.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isNumberChar(code: number): boolean {
  // 0-9 . e E + -
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d;
}
