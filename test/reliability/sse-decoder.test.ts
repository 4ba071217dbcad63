/**
 * The SSE decoder and the protocol reader fed random and adversarial bytes: never a throw past the
 * API (the decoder reports through onError; the reader throws only ProtocolStreamError), never a loop
 * (bounded time per input, linear time on pathological inputs), and the same events under any split.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSSEDecoder, ProtocolStreamError, readProtocolStream, type SSEEvent } from '@slipstream/core';
import { createRng, fuzzSeed, type Rng } from './lib/prng.ts';
import { SectionRecorder } from './lib/report.ts';

const report = new SectionRecorder('30-sse-decoder', 'SSE decoder and protocol reader under random and adversarial bytes', 30);
const SEED = fuzzSeed(0x55e);
report.seed = SEED;
afterAll(() => report.flush());

const ATOMS = [
  'event: text\n',
  'event: done\r\n',
  'data: {"delta":"hi","index":0,"t":1}\n',
  'data: {\n',
  'data:\n',
  'data\n',
  ': hb\n',
  ':\n',
  'id: 1\n',
  'id: \u0000x\n',
  'retry: 100\n',
  'retry: x\n',
  'bogus: field\n',
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  '\uFEFF',
  '\u0000',
  'data: \ud800\n',
  'data: 😀\n',
  ':'.repeat(50),
  'event:' + 'e'.repeat(300) + '\n',
  'data: ' + 'x'.repeat(2_000) + '\n',
  '\r\r\r\n\n',
  'event: error\ndata: {"kind":"upstream","message":"m","retryable":false}\n\n',
];

function adversarialText(rng: Rng): string {
  const n = rng.int(0, 60);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (rng.bool(0.2)) s += String.fromCharCode(...Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 0xffff)));
    else s += rng.pick(ATOMS);
  }
  return s;
}

function split(rng: Rng, s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const n = rng.int(1, Math.max(1, Math.min(64, s.length - i)));
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

function decodeAll(chunks: string[], maxBufferSize?: number): { events: SSEEvent[]; errors: number; thrown: unknown } {
  const events: SSEEvent[] = [];
  let errors = 0;
  let thrown: unknown;
  const d = createSSEDecoder({ onEvent: (e) => events.push(e), onError: () => errors++, onComment: () => undefined, onRetry: () => undefined }, maxBufferSize !== undefined ? { maxBufferSize } : {});
  try {
    for (const c of chunks) d.feed(c);
    d.reset({ consume: true });
  } catch (err) {
    thrown = err;
  }
  return { events, errors, thrown };
}

describe('SSE decoder, random and adversarial text', () => {
  it('never throws, never loops, and yields the same events under any chunking (5,000 inputs)', () => {
    const rng = createRng(SEED);
    const N = 5_000;
    let thrown = 0;
    let mismatches = 0;
    let slow = 0;
    let events = 0;
    let worstMs = 0;
    let firstMismatch = '';
    for (let i = 0; i < N; i++) {
      const text = adversarialText(rng);
      const t0 = performance.now();
      const whole = decodeAll([text]);
      const pieces = decodeAll(split(rng, text));
      const ms = performance.now() - t0;
      worstMs = Math.max(worstMs, ms);
      // A loop would never return; 1 s per small input only guards against pathological slowness.
      if (ms > 1_000) slow++;
      if (whole.thrown !== undefined || pieces.thrown !== undefined) thrown++;
      events += whole.events.length;
      if (JSON.stringify(whole.events) !== JSON.stringify(pieces.events)) {
        mismatches++;
        firstMismatch ||= JSON.stringify(text).slice(0, 200);
      }
    }
    report.row({
      case: 'random + adversarial SSE text',
      tried: 'grammar of SSE atoms, CR/LF/CRLF, BOM, NUL, lone surrogates, long fields, random UTF-16; whole vs random 1–64-char chunks',
      count: N,
      observed: `${thrown} throws, ${mismatches} split-dependent results, ${events} events, worst ${worstMs.toFixed(1)} ms/input`,
      outcome: thrown === 0 && mismatches === 0 && slow === 0 ? 'pass' : 'fail',
    });
    expect(thrown).toBe(0);
    expect(mismatches, `first mismatching input: ${firstMismatch}`).toBe(0);
    expect(slow).toBe(0);
  });

  it('stays linear on pathological inputs (no quadratic blow-up, no hang)', () => {
    const MiB = 1024 * 1024;
    const cases: [string, () => string[]][] = [
      ['4 MiB of CR, 64-char chunks', () => split(createRng(1), '\r'.repeat(4 * MiB))],
      ['4 MiB single line, 1–64-char chunks', () => split(createRng(2), 'data: ' + 'x'.repeat(4 * MiB)).map((c) => c)],
      ['1 MiB of "data:\\n" lines, one event', () => ['data:\n'.repeat(MiB / 6)]],
      ['1 MiB fed one character at a time', () => Array.from('event: a\ndata: b\n\n'.repeat(MiB / 18))],
      ['9 MiB event past the 8 MiB buffer cap, then a good event', () => ['data: ', ...Array.from({ length: 9 }, () => 'y'.repeat(MiB)), '\n\n', 'data: ok\n\n']],
    ];
    const observed: string[] = [];
    let failures = 0;
    for (const [name, make] of cases) {
      const chunks = make();
      const t0 = performance.now();
      const r = decodeAll(chunks);
      const ms = performance.now() - t0;
      observed.push(`${name}: ${ms.toFixed(0)} ms`);
      if (r.thrown !== undefined || ms > 10_000) failures++;
      if (name.startsWith('9 MiB')) {
        // The oversized event is dropped with an error and decoding resumes at the next event.
        expect(r.errors).toBeGreaterThanOrEqual(1);
        expect(r.events.map((e) => e.data)).toEqual(['ok']);
      }
      expect(r.thrown).toBeUndefined();
      // Linear code does each in well under a second; quadratic code would take hours. 10 s absorbs a loaded CI box.
      expect(ms, name).toBeLessThan(10_000);
    }
    report.row({
      case: 'pathological sizes',
      tried: cases.map(([n]) => n).join('; '),
      count: cases.length,
      observed: observed.join('; '),
      outcome: failures === 0 ? 'pass' : 'fail',
    });
  });
});

function bytesStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[i++];
      if (next === undefined) c.close();
      else c.enqueue(next);
    },
  });
}

describe('readProtocolStream, random bytes', () => {
  it('ends with events or a ProtocolStreamError, nothing else, within bounded time (2,000 bodies)', async () => {
    const rng = createRng(SEED + 1);
    const enc = new TextEncoder();
    const N = 2_000;
    let otherErrors = 0;
    let protocolErrors = 0;
    let clean = 0;
    let slow = 0;
    let firstOther = '';
    for (let i = 0; i < N; i++) {
      const mode = rng.int(0, 2);
      let bytes: Uint8Array;
      if (mode === 0) bytes = Uint8Array.from({ length: rng.int(0, 2_048) }, () => rng.int(0, 255));
      else if (mode === 1) bytes = enc.encode(adversarialText(rng));
      else {
        // Mostly valid protocol with byte-level damage: a flipped byte, a cut, an injected 0xFF.
        const good = enc.encode('event: text\ndata: {"delta":"héllo 😀","index":0,"t":1}\n\nevent: done\ndata: {"stopReason":"end_turn"}\n\n'.repeat(rng.int(1, 4)));
        bytes = good.slice(0, rng.int(1, good.length));
        const at = rng.int(0, bytes.length - 1);
        bytes[at] = rng.pick([0xff, 0x00, 0x0a, 0x0d, 0x7b, 0xc3]);
      }
      const chunks: Uint8Array[] = [];
      for (let p = 0; p < bytes.length; ) {
        const n = rng.int(1, 97);
        chunks.push(bytes.slice(p, p + n));
        p += n;
      }
      const t0 = performance.now();
      try {
        for await (const _e of readProtocolStream(bytesStream(chunks))) {
          /* drain */
        }
        clean++;
      } catch (err) {
        if (err instanceof ProtocolStreamError) protocolErrors++;
        else {
          otherErrors++;
          firstOther ||= String(err);
        }
      }
      if (performance.now() - t0 > 2_000) slow++;
    }
    report.row({
      case: 'protocol reader, random/damaged bytes',
      tried: 'random bytes, adversarial SSE, valid protocol with a flipped byte or a cut, in 1–97-byte chunks',
      count: N,
      observed: `${clean} ended cleanly, ${protocolErrors} ProtocolStreamError, ${otherErrors} other throws, ${slow} slow`,
      outcome: otherErrors === 0 && slow === 0 ? 'pass' : 'fail',
    });
    expect(otherErrors, firstOther).toBe(0);
    expect(slow).toBe(0);
  });
});
