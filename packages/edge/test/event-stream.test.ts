/** The protocol event stream: exact bytes, heartbeats only when silent, one abort point, idempotent close. */
import { describe, expect, it, vi } from 'vitest';
import { createEventStream } from '../src/event-stream.ts';

vi.setConfig({ testTimeout: 30_000 });

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('createEventStream', () => {
  it('writes named events with one JSON data line, and comments', async () => {
    const out = createEventStream({ heartbeatMs: 0 });
    out.send('text', { delta: 'a\nb', step: 0, index: 0, t: 5 });
    out.comment('hb');
    out.close();
    out.close(); // idempotent
    expect(await readAll(out.body)).toBe('event: text\ndata: {"delta":"a\\nb","step":0,"index":0,"t":5}\n\n: hb\n\n');
  });

  it('sends heartbeats only while nothing else is written', async () => {
    vi.useFakeTimers();
    try {
      const out = createEventStream({ heartbeatMs: 100 });
      const text = readAll(out.body);
      vi.advanceTimersByTime(260); // silent: heartbeats
      for (let i = 0; i < 10; i++) {
        out.send('text', { delta: 'x', step: 0, index: 0, t: i });
        vi.advanceTimersByTime(40); // busy: none
      }
      out.close();
      const raw = await text;
      const firstText = raw.indexOf('event: text');
      expect((raw.slice(0, firstText).match(/: hb\n\n/g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(raw.slice(firstText)).not.toContain(': hb');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a body cancel and a request signal both abort its signal; later writes are dropped', async () => {
    const a = createEventStream({ heartbeatMs: 0 });
    await a.body.cancel('gone');
    expect(a.signal.aborted).toBe(true);
    expect(a.cancelled).toBe(true);
    expect(() => a.send('text', { delta: 'late', step: 0, index: 0, t: 1 })).not.toThrow();

    const ac = new AbortController();
    const b = createEventStream({ heartbeatMs: 0, requestSignal: ac.signal });
    const text = readAll(b.body);
    b.send('text', { delta: 'x', step: 0, index: 0, t: 1 });
    ac.abort();
    expect(b.signal.aborted).toBe(true);
    expect(await text).toBe('event: text\ndata: {"delta":"x","step":0,"index":0,"t":1}\n\n');
  });

  it('resumable: a client that reads nothing while bytes wait is gone after stalledMs; one that reads slowly never is', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const gone: string[] = [];
    const make = (name: string) =>
      createEventStream({ heartbeatMs: 0, resumable: { record: () => {}, onClientGone: () => gone.push(name), stalledMs: 300 } });
    const deaf = make('deaf');
    const slow = make('slow');
    const reader = slow.body.getReader();
    let reading = true;
    const reads = (async () => {
      while (reading) {
        await sleep(150); // far slower than the writer: the queue only grows, but it moves
        await reader.read();
      }
    })();
    const started = Date.now();
    for (let i = 0; Date.now() - started < 1_200; i++) {
      for (const out of [deaf, slow]) out.send('text', { delta: 'x', step: 0, index: 0, t: i });
      await sleep(10);
    }
    expect(gone).toEqual(['deaf']);
    expect(deaf.cancelled).toBe(false); // gone only starts the detach time: the reply runs on
    // Its body was closed (nothing more is queued for nobody): what was queued reads out, then it ends.
    expect(await readAll(deaf.body)).toMatch(/^event: text\n/);
    reading = false;
    await reads;
    slow.close();
  });
});
