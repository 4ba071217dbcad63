import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePartialJson } from '../src/partial-json.ts';
import type { JsonValue } from '../src/protocol.ts';

/** `p` is what a prefix of `full`'s text may denote: strings are prefixes, everything else is final. */
function isPartialOf(p: JsonValue | undefined, full: JsonValue): boolean {
  if (p === undefined) return true;
  if (typeof p === 'string') return typeof full === 'string' && full.startsWith(p);
  if (p === null || typeof p !== 'object') return Object.is(p, full) || p === full;
  if (Array.isArray(p)) {
    if (!Array.isArray(full) || p.length > full.length) return false;
    return p.every((v, i) => isPartialOf(v, full[i] as JsonValue));
  }
  if (full === null || typeof full !== 'object' || Array.isArray(full)) return false;
  return Object.keys(p).every((k) => Object.prototype.hasOwnProperty.call(full, k) && isPartialOf(p[k] as JsonValue, full[k] as JsonValue));
}

describe('parsePartialJson', () => {
  it.each<[string, JsonValue | undefined]>([
    ['', undefined],
    ['  ', undefined],
    ['{', {}],
    ['{"pa', {}],
    ['{"path"', {}],
    ['{"path":', {}],
    ['{"path": "', { path: '' }],
    ['{"path": "src/ma', { path: 'src/ma' }],
    ['{"path": "src/main.ts", ', { path: 'src/main.ts' }],
    ['{"path": "a", "n": 12', { path: 'a' }],
    ['{"path": "a", "n": 12,', { path: 'a', n: 12 }],
    ['{"n": -', {}],
    ['{"n": 1.5e', {}],
    ['{"ok": tr', {}],
    ['{"ok": true', { ok: true }],
    ['{"ok": nul', {}],
    ['{"v": null}', { v: null }],
    ['[', []],
    ['[1, 2', [1]],
    ['[1, 2]', [1, 2]],
    ['[1, "a', [1, 'a']],
    ['[1,', [1]],
    ['{"a": [{"b": "c', { a: [{ b: 'c' }] }],
    ['{"a": {"b": [', { a: { b: [] } }],
    ['"line\\', 'line'],
    ['"tab\\t', 'tab\t'],
    ['"u\\u00', 'u'],
    ['"u\\u00e9', 'ué'],
    ['"pair \\ud83d', 'pair '],
    ['"pair \\ud83d\\ude00', 'pair 😀'],
    ['"a\\\\"', 'a\\'],
    ['"a\\"b', 'a"b'],
    ['["a\\\\", 1]', ['a\\', 1]],
    ['"ends \\\\', 'ends \\'],
    ['"ends \\\\\\', 'ends \\'],
    ['"lit \\\\u12', 'lit \\u12'],
    ['"raw\ttab"', 'raw\ttab'],
    ['"ok\\n then \\q bad"', 'ok\n then '],
    ['42', undefined],
    ['42 ', 42],
    ['{"a": 1} trailing', { a: 1 }],
  ])('%j → %j', (text, value) => {
    expect(parsePartialJson(text)).toEqual(value);
  });

  it('keeps a number at the very end when told the text is complete', () => {
    expect(parsePartialJson('42', { complete: true })).toBe(42);
    expect(parsePartialJson('[1, 2', { complete: true })).toEqual([1, 2]);
    expect(parsePartialJson('[1, 2.', { complete: true })).toEqual([1]);
  });

  it('returns what came before a fault in text that is not JSON', () => {
    expect(parsePartialJson('{"a": 1, b: 2}')).toEqual({ a: 1 });
    expect(parsePartialJson('[1, 2,, 3]')).toEqual([1, 2]);
    expect(parsePartialJson('[01]')).toEqual([]);
    expect(parsePartialJson('"bad \\x escape"')).toBe('bad ');
    expect(parsePartialJson('nope')).toBeUndefined();
  });

  it('treats "__proto__" as data', () => {
    const v = parsePartialJson('{"__proto__": {"polluted": 1}, "x": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not recurse: deep nesting is fine', () => {
    const depth = 100_000;
    const v = parsePartialJson('['.repeat(depth));
    expect(Array.isArray(v)).toBe(true);
    expect(parsePartialJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeDefined();
  });

  it('every prefix of any JSON text parses without throwing to a partial of its value; the whole text to the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const full = JSON.parse(text) as JsonValue;
        for (let k = 0; k <= text.length; k++) {
          const p = parsePartialJson(text.slice(0, k));
          if (!isPartialOf(p, full)) throw new Error(`prefix ${JSON.stringify(text.slice(0, k))} gave ${JSON.stringify(p)}`);
        }
        expect(parsePartialJson(text, { complete: true })).toEqual(full);
        // Only a bare top-level number is ambiguous without `complete`.
        if (typeof full !== 'number') expect(parsePartialJson(text)).toEqual(full);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('grows as text arrives: a later prefix never loses what an earlier one showed', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        let prev: JsonValue | undefined;
        for (let k = 0; k <= text.length; k++) {
          const p = parsePartialJson(text.slice(0, k));
          if (prev !== undefined && p !== undefined && !isPartialOf(prev, p)) {
            throw new Error(`${JSON.stringify(prev)} then ${JSON.stringify(p)} at ${k}`);
          }
          if (p !== undefined) prev = p;
        }
      }),
      { seed: 12, numRuns: 200 },
    );
  });
});
