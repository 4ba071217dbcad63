import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolStreamError } from '../src/errors.ts';
import type { ProtocolEvent } from '../src/protocol.ts';
import { readProtocolStream } from '../src/read-protocol-stream.ts';
import { encodeComment, encodeEvent } from '../src/sse-encode.ts';
import { byteStream, collect, splitAt } from './helpers.ts';

const utf8 = new TextEncoder();

function protocolText(deltas: readonly string[]): { text: string; expected: ProtocolEvent[] } {
  const expected: ProtocolEvent[] = [
    {
      event: 'start',
      data: { protocol: 2, messageId: 'msg_1', model: 'claude-opus-4-6', requestedSpeed: 'fast', policy: 'auto', attempt: 1, t: 5 },
    },
    ...deltas.map((delta, i): ProtocolEvent => ({ event: 'text', data: { delta, step: 0, index: 0, t: 10 + i } })),
  ];
  const text = expected.map((e) => encodeEvent(e.event, e.data as never) + (e.event === 'start' ? encodeComment() : '')).join('');
  return { text, expected };
}

describe('readProtocolStream', () => {
  it('yields typed events, skips unknown names, reports comments', async () => {
    const comments: string[] = [];
    const text = `: hb\n\nevent: future\ndata: {"x":1}\n\ndata: {"untyped":true}\n\n${encodeEvent('text', { delta: 'hi', step: 0, index: 0, t: 1 })}`;
    const events = await collect(readProtocolStream(byteStream([utf8.encode(text)]), { onComment: (c) => comments.push(c) }));
    expect(events).toEqual([{ event: 'text', data: { delta: 'hi', step: 0, index: 0, t: 1 } }]);
    expect(comments).toEqual(['hb']);
  });

  it('any split of the bytes, including inside multi-byte UTF-8, gives the same events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 12 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 40 }),
        async (deltas, cuts) => {
          const { text, expected } = protocolText(deltas.map((d) => `${d}é😀\n`));
          const bytes = utf8.encode(text);
          const events = await collect(readProtocolStream(byteStream(splitAt(bytes, cuts))));
          expect(events).toEqual(expected);
        },
      ),
      { seed: 20260201, numRuns: 200 },
    );
  }, 30_000);

  it('decodes a character split across chunks byte by byte', async () => {
    const { text, expected } = protocolText(['naïve 😀 日本']);
    const bytes = utf8.encode(text);
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(await collect(readProtocolStream(byteStream(chunks)))).toEqual(expected);
  });

  it('throws a typed error on bad JSON and on non-object data', async () => {
    const bad = readProtocolStream(byteStream([utf8.encode('event: text\ndata: {nope\n\n')]));
    await expect(collect(bad)).rejects.toMatchObject({ name: 'ProtocolStreamError', type: 'invalid-json', event: 'text' });
    const arr = readProtocolStream(byteStream([utf8.encode('event: done\ndata: [1]\n\n')]));
    await expect(collect(arr)).rejects.toBeInstanceOf(ProtocolStreamError);
  });

  it('throws a typed error when an event overflows the buffer', async () => {
    const body = byteStream([utf8.encode(`event: text\ndata: ${'x'.repeat(100)}\n\n`)]);
    await expect(collect(readProtocolStream(body, { maxBufferSize: 50 }))).rejects.toMatchObject({ type: 'buffer-overflow' });
  });

  it('drops an event left without its blank line at the end', async () => {
    const text = `${encodeEvent('text', { delta: 'a', step: 0, index: 0, t: 1 })}event: text\ndata: {"delta":"b","index":0,"t":2}\n`;
    const events = await collect(readProtocolStream(byteStream([utf8.encode(text)])));
    expect(events).toHaveLength(1);
  });

  it('stops and cancels the body when the signal aborts', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(utf8.encode(encodeEvent('text', { delta: 'a', step: 0, index: 0, t: 1 })));
      },
      cancel() {
        cancelled = true;
      },
    });
    const ac = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const e of readProtocolStream(body, { signal: ac.signal })) {
        if (e.event === 'text') seen.push(e.data.delta);
        ac.abort(new Error('stop'));
      }
    })();
    await expect(run).rejects.toThrow('stop');
    expect(seen).toEqual(['a']);
    expect(cancelled).toBe(true);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(utf8.encode(encodeEvent('text', { delta: 'a', step: 0, index: 0, t: 1 })));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _ of readProtocolStream(body)) break;
    expect(cancelled).toBe(true);
  });
});

describe('readProtocolStream: events before a bad one', () => {
  it('yields the good events of the same chunk before throwing', async () => {
    const text = `${encodeEvent('text', { delta: 'a', step: 0, index: 0, t: 1 })}event: text\ndata: {bad\n\n`;
    const seen: string[] = [];
    const run = (async () => {
      for await (const e of readProtocolStream(byteStream([utf8.encode(text)]))) if (e.event === 'text') seen.push(e.data.delta);
    })();
    await expect(run).rejects.toMatchObject({ type: 'invalid-json' });
    expect(seen).toEqual(['a']);
  });
});
