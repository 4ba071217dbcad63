import { countTokens } from '@slipstream/sim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenCounter, estimateTextTokens, scaledTokens } from '../src/token-estimator.ts';
import { TOKEN_MODEL } from '../src/token-model.ts';
import { REAL_TEXT } from './fixtures/real-text.ts';

function count(text: string, kind?: 'text' | 'thinking' | 'tool_input'): TokenCounter {
  const c = new TokenCounter(kind);
  c.push(text);
  return c;
}

// Characters replies are made of, plus the awkward ones (CJK, accents, emoji, tabs, CR, NBSP).
const alphabet = fc.constantFrom(
  ...'aZq', 'word', 'streaming', 'x'.repeat(13), ...'0', '12345', ' ', '  ', '    ', '\n', '\n\n', '\t', '\r', '\u00a0',
  ...',.;:(){}[]|-*#`', '```ts\n', '\n```\n', '| a | b |\n', '|---|---|\n', 'é', '日本語', 'ñ', '한국어', 'ひらがな', '😀', '…', '→', '，', "'", "'s", 'ABC', 'camelCase', 'Word', '½',
);

describe('TokenCounter', () => {
  it('counts pieces, not characters, with the expected tokens of each', () => {
    // "Hello" "," " world" "!": four pieces of one token each.
    expect(count('Hello, world!').total).toBeCloseTo(4, 0);
    // A long rare word is several tokens; a common short one is one.
    expect(count('internationalization').total).toBeGreaterThan(2);
    expect(count(' the').total).toBeCloseTo(1, 1);
    // CJK is about a token a character, whatever its length in bytes.
    expect(count('日本語').total).toBeGreaterThan(2);
    expect(count('日本語').total).toBeLessThan(4);
  });

  it('splits text exactly as the tokenizer does before merging', () => {
    // The pre-tokenizer of the BPE the sim streams with (`@anthropic-ai/tokenizer`).
    const PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const pieces: string[] = [];
        const c = new TokenCounter('text', (p) => pieces.push(p.text));
        c.push(text);
        c.end();
        expect(pieces).toEqual(text.match(PATTERN) ?? []);
      }),
      { numRuns: 300 },
    );
    const pieces: string[] = [];
    const c = new TokenCounter('text', (p) => pieces.push(p.text));
    c.push("don't\n\n    return it's'rain");
    c.end();
    expect(pieces).toEqual(['don', "'t", '\n\n   ', ' return', ' it', "'s", "'", 'rain']);
  });

  it('is within 10% of the real tokenizer on real text of every kind, with no calibration', () => {
    for (const [kind, text] of Object.entries(REAL_TEXT)) {
      const c = count(text);
      c.end();
      const real = countTokens(text);
      // CJK is fitted over Chinese, Japanese and Korean together; single scripts stray a little more.
      const bound = ['chinese', 'japanese', 'korean'].includes(kind) ? 0.15 : 0.1;
      expect(Math.abs(c.total / real - 1), kind).toBeLessThan(bound);
      // chars ÷ 4 is far off on most of them.
      if (kind !== 'table' && kind !== 'markdown') expect(Math.abs(text.length / 4 / real - 1), kind).toBeGreaterThan(Math.abs(c.total / real - 1));
    }
  });

  it('gives the same count however the text is cut into deltas', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, cuts) => {
        const text = pieces.join('');
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const c = new TokenCounter();
        let from = 0;
        let added = 0;
        for (const to of [...at, text.length]) {
          added += c.push(text.slice(from, to));
          from = to;
        }
        const whole = count(text);
        expect(c.total).toBeCloseTo(whole.total, 9);
        expect(added).toBeCloseTo(whole.total, 9);
        for (const k of ['prose', 'code', 'table', 'cjk'] as const) expect(c.tokens[k]).toBeCloseTo(whole.tokens[k], 9);
        expect(c.chars).toEqual(whole.chars);
      }),
      { numRuns: 300 },
    );
  });

  it('tells code fences, table lines, CJK and prose apart', () => {
    const text = 'Some prose here.\n```ts\nconst x = 1;\n```\n| a | b |\n|---|---|\nAnd 日本 too.\n';
    const c = count(text);
    expect(c.tokens.code).toBeGreaterThan(0);
    const table = count('| a | b |\n|---|---|\n');
    table.end();
    expect(c.tokens.table).toBeCloseTo(table.total, 9);
    expect(c.tokens.cjk).toBeCloseTo(2 * TOKEN_MODEL.hanPerChar + TOKEN_MODEL.cjkLeadSpace, 9);
    expect(c.tokens.prose + c.tokens.code + c.tokens.table + c.tokens.cjk).toBeCloseTo(c.total, 9);
    expect(c.chars.prose + c.chars.code + c.chars.table + c.chars.cjk).toBe(text.length);
    // After the closing fence the text is prose again.
    expect(count('```\nx\n```\nplain words').tokens.prose).toBeGreaterThan(1.5);
  });

  it('counts tool input (JSON) and thinking with the same rules; tool input is code', () => {
    const json = '{"path":"src/a.ts","code":"const x = 1;","lines":[1,2,3],"ok":true}';
    const c = count(json, 'tool_input');
    c.end();
    expect(c.total).toBe(c.tokens.code);
    expect(Math.abs(c.tokens.code / countTokens(json) - 1)).toBeLessThan(0.15);
    expect(count('I should check.', 'thinking').total).toBeCloseTo(count('I should check.').total, 9);
  });

  it('scales each class by its calibration', () => {
    const c = count('words here\n| a |\n');
    expect(scaledTokens(c.tokens, { prose: 2, table: 0.5 })).toBeCloseTo(c.tokens.prose * 2 + c.tokens.table * 0.5, 10);
    expect(estimateTextTokens('Hello, world!', { prose: 0.75 })).toBeCloseTo(0.75 * count('Hello, world!').total, 9);
  });
});
