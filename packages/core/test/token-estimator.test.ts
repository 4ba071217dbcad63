import { countTokens } from '@slipstream/sim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenCounter, estimateTextTokens, scaledTokens } from '../src/token-estimator.ts';

function count(text: string, kind?: 'text' | 'thinking' | 'tool_input'): TokenCounter {
  const c = new TokenCounter(kind);
  c.push(text);
  return c;
}

// Characters the simulator's replies are made of, plus the awkward ones (CJK, accents, tabs, CR).
const alphabet = fc.constantFrom(
  ...'aZq', 'word', 'streaming', 'x'.repeat(13), ...'0', '12345', ' ', '  ', '    ', '\n', '\n\n', '\t', '\r', '\u00a0',
  ...',.;:(){}[]|-*#`', '```ts\n', '\n```\n', '| a | b |\n', '|---|---|\n', 'é', '日本語', 'ñ',
);

describe('TokenCounter', () => {
  it('counts pieces, not characters', () => {
    expect(count('Hello, world!').total).toBe(4); // "Hello" "," " world" "!"
    expect(count('internationalization').total).toBe(4); // 20 letters: split every 6
    expect(count('12345').total).toBe(2); // "123" "45"
    expect(count('a\n\n\nb').total).toBe(3); // a line-break run is one piece
    expect(count('    return x;').total).toBe(4); // "    return" is 10 characters: split; " x" ";"
    expect(count('日本語').total).toBe(3);
  });

  it('matches the simulator tokenizer on its kind of text, so it is exact against the sim', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (pieces) => {
        // A final non-space piece: trailing spaces wait to see what follows them.
        const text = `${pieces.join('')}.`;
        expect(count(text).total).toBe(countTokens(text));
      }),
      { numRuns: 300 },
    );
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
        expect(c.total).toBe(whole.total);
        expect(added).toBe(whole.total);
        expect(c.tokens).toEqual(whole.tokens);
        expect(c.chars).toEqual(whole.chars);
      }),
      { numRuns: 300 },
    );
  });

  it('tells code fences, table lines, CJK and prose apart', () => {
    const c = count('Some prose here.\n```ts\nconst x = 1;\n```\n| a | b |\n|---|---|\nAnd 日本 too.\n');
    expect(c.tokens.code).toBeGreaterThan(0);
    expect(c.tokens.table).toBe(count('| a | b |\n|---|---|\n').total);
    expect(c.tokens.cjk).toBe(2);
    expect(c.tokens.prose + c.tokens.code + c.tokens.table + c.tokens.cjk).toBe(c.total);
    expect(c.chars.prose + c.chars.code + c.chars.table + c.chars.cjk).toBe('Some prose here.\n```ts\nconst x = 1;\n```\n| a | b |\n|---|---|\nAnd 日本 too.\n'.length);
    // After the closing fence the text is prose again.
    expect(count('```\nx\n```\nplain words').tokens.prose).toBe(2);
  });

  it('counts tool input (JSON) and thinking with the same rules; tool input is code', () => {
    const json = '{"path":"src/a.ts","code":"const x = 1;"}';
    const c = count(json, 'tool_input');
    expect(c.tokens.code).toBe(countTokens(json));
    expect(c.total).toBe(c.tokens.code);
    expect(count('I should check.', 'thinking').total).toBe(4);
  });

  it('scales each class by its calibration', () => {
    const c = count('words here\n| a |\n');
    expect(scaledTokens(c.tokens, { prose: 2, table: 0.5 })).toBeCloseTo(c.tokens.prose * 2 + c.tokens.table * 0.5, 10);
    expect(estimateTextTokens('Hello, world!', { prose: 0.75 })).toBe(3);
  });
});
