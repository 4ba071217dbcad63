import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSSEDecoder } from '../src/sse-decode.ts';
import { encodeComment, encodeSSEMessage } from '../src/sse-encode.ts';
import { decodeChunks, splitAt } from './helpers.ts';

const SEED = 20260201;

describe('createSSEDecoder: WHATWG rules', () => {
  it('dispatches on a blank line, with event, id and multi-line data joined by LF', () => {
    const { events } = decodeChunks(['event: a\nid: 7\ndata: one\ndata: two\n\n']);
    expect(events).toEqual([{ event: 'a', id: '7', data: 'one\ntwo' }]);
  });

  it('accepts CR, LF and CRLF line endings, mixed', () => {
    const { events } = decodeChunks(['data: a\r\rdata: b\n\ndata: c\r\n\r\n']);
    expect(events.map((e) => e.data)).toEqual(['a', 'b', 'c']);
  });

  it('treats CR at the end of a chunk and LF at the start of the next as one CRLF', () => {
    const { events } = decodeChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    expect(events).toEqual([{ data: 'a\nb' }]);
  });

  it('treats a lone CR at the end of a chunk as a line ending at once', () => {
    const events: string[] = [];
    const d = createSSEDecoder({ onEvent: (e) => events.push(e.data) });
    d.feed('data: a\r\r');
    expect(events).toEqual(['a']); // dispatched without waiting for the next chunk
    d.feed('data: b\n\n');
    expect(events).toEqual(['a', 'b']);
  });

  it('strips one leading BOM only', () => {
    expect(decodeChunks(['\uFEFFdata: a\n\n']).events).toEqual([{ data: 'a' }]);
    expect(decodeChunks(['\uFEFF', 'data: a\n\n']).events).toEqual([{ data: 'a' }]);
    // A second BOM is part of the field name, which is then unknown.
    const r = decodeChunks(['\uFEFF\uFEFFdata: a\n\n']);
    expect(r.events).toEqual([]);
    expect(r.errors[0]?.type).toBe('unknown-field');
  });

  it('reports comments and does not dispatch them', () => {
    const r = decodeChunks([': hb\n\n:raw\n\ndata: x\n\n']);
    expect(r.comments).toEqual(['hb', 'raw']);
    expect(r.events).toEqual([{ data: 'x' }]);
  });

  it('removes exactly one space after the colon; no colon means empty value', () => {
    const r = decodeChunks(['data:  two spaces\ndata:none\ndata\n\n']);
    expect(r.events).toEqual([{ data: ' two spaces\nnone\n' }]);
  });

  it('does not dispatch an event with no data lines, and dispatches an empty data line', () => {
    const r = decodeChunks(['event: x\n\ndata:\n\n']);
    expect(r.events).toEqual([{ data: '' }]);
  });

  it('handles retry and unknown fields per spec', () => {
    const r = decodeChunks(['retry: 1500\nretry: 1.5\nfoo: bar\ndata: x\n\n']);
    expect(r.retries).toEqual([1500]);
    expect(r.errors.map((e) => e.type)).toEqual(['invalid-retry', 'unknown-field']);
    expect(r.events).toEqual([{ data: 'x' }]);
  });

  it('ignores an id containing NUL', () => {
    expect(decodeChunks(['id: a\0b\ndata: x\n\n']).events).toEqual([{ data: 'x' }]);
  });

  it('field names are case-sensitive', () => {
    const r = decodeChunks(['Data: x\n\n']);
    expect(r.events).toEqual([]);
    expect(r.errors[0]?.type).toBe('unknown-field');
  });

  it('does not dispatch an unterminated event; reset({ consume }) processes the last line only', () => {
    const events: string[] = [];
    const d = createSSEDecoder({ onEvent: (e) => events.push(e.data) });
    d.feed('data: a\n\ndata: b');
    expect(events).toEqual(['a']);
    d.reset({ consume: true });
    d.feed('\n');
    expect(events).toEqual(['a']); // state was cleared after consuming
    d.feed('data: c\n\n');
    expect(events).toEqual(['a', 'c']);
  });

  it('caps its buffer: drops the oversized event with a typed error and recovers at the next event', () => {
    const big = 'x'.repeat(200);
    const r = decodeChunks(['data: ok1\n\ndata: ', big.slice(0, 100), big.slice(100), '\ndata: more\n\ndata: ok2\n\n'], 64);
    expect(r.errors.map((e) => e.type)).toEqual(['buffer-overflow']);
    expect(r.events.map((e) => e.data)).toEqual(['ok1', 'ok2']);
  });

  it('caps accumulated data lines too', () => {
    const r = decodeChunks(['data: 0123456789\n'.repeat(10), '\ndata: ok\n\n'], 64);
    expect(r.errors.map((e) => e.type)).toEqual(['buffer-overflow']);
    expect(r.events.map((e) => e.data)).toEqual(['ok']);
  });

  it('stays linear for a long line fed one character at a time', () => {
    const n = 200_000;
    const d = createSSEDecoder({ onEvent: () => {} });
    const startedAt = performance.now();
    d.feed('data: ');
    for (let i = 0; i < n; i++) d.feed('x');
    d.feed('\n\n');
    // Linear work here takes milliseconds; re-joining the line per chunk would take far longer.
    expect(performance.now() - startedAt).toBeLessThan(5_000);
  }, 30_000);
});

// Arbitrary SSE streams built from pieces that exercise every rule.
const lineEnding = fc.constantFrom('\n', '\r', '\r\n');
const fieldText = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''));
const linePiece = fc.oneof(
  fc.tuple(fc.constantFrom('data', 'event', 'id', 'retry', 'data'), fc.constantFrom(':', ': ', ':  '), fieldText).map(
    ([f, sep, v]) => `${f}${sep}${v}`,
  ),
  fieldText.map((c) => `:${c}`),
  fc.constant('data'),
  fc.constant(''),
);
const sseStream = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(linePiece, lineEnding), { maxLength: 40 }))
  .map(([bom, lines]) => (bom ? '\uFEFF' : '') + lines.map(([l, e]) => l + e).join(''));

describe('createSSEDecoder: properties', () => {
  it('any split of the text gives the same events, comments and retries', () => {
    fc.assert(
      fc.property(sseStream, fc.array(fc.nat({ max: 400 }), { maxLength: 30 }), (text, cuts) => {
        const whole = decodeChunks([text]);
        const parts = decodeChunks(splitAt(text, cuts));
        const oneByOne = decodeChunks([...text]);
        expect(parts.events).toEqual(whole.events);
        expect(parts.comments).toEqual(whole.comments);
        expect(parts.retries).toEqual(whole.retries);
        expect(oneByOne.events).toEqual(whole.events);
      }),
      { seed: SEED, numRuns: 500 },
    );
  }, 30_000);

  it('encoder → decoder round-trips arbitrary messages (newlines, unicode, empty)', () => {
    const noBreak = fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/[\r\n\0]/g, ''));
    const message = fc.record(
      {
        event: noBreak.filter((s) => s !== ''),
        id: noBreak,
        data: fc.string({ unit: 'binary', maxLength: 60 }),
      },
      { requiredKeys: ['data'] },
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat({ max: 600 }), { maxLength: 20 }), (msgs, cuts) => {
        const text = msgs.map((m) => encodeSSEMessage(m) + encodeComment('hb')).join('');
        const { events, comments } = decodeChunks(splitAt(text, cuts));
        // Every line ending in data comes back as LF.
        expect(events).toEqual(msgs.map((m) => ({ ...m, data: m.data.replace(/\r\n|\r/g, '\n') })));
        expect(comments).toHaveLength(msgs.length);
      }),
      { seed: SEED, numRuns: 300 },
    );
  }, 30_000);
});
