/**
 * The core store facing a broken or hostile edge (a misbehaving proxy, a wrong deployment, an
 * attacker on the path): whatever the response, the store ends in a terminal state with a typed error,
 * keeps the text it already showed, never throws out of its API and never leaves a rejection unhandled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFastStream, PROTOCOL_HEADER, PROTOCOL_VERSION, type ErrorKind } from '@slipstream/core';
import { eventually, ProcessGuard } from './lib/guards.ts';
import { createRng, fuzzSeed, type Rng } from './lib/prng.ts';
import { SectionRecorder } from './lib/report.ts';

const report = new SectionRecorder('35-store-hostile', 'Client store against a broken or hostile edge', 35);
const SEED = fuzzSeed(0x5707e);
report.seed = SEED;
const guard = new ProcessGuard();
beforeAll(() => guard.install());
afterAll(() => {
  guard.uninstall();
  report.flush();
});

const KINDS: readonly ErrorKind[] = ['invalid_request', 'unauthorized', 'forbidden', 'rate_limited', 'overloaded', 'upstream', 'stalled', 'network', 'unsupported', 'aborted', 'protocol'];
const enc = new TextEncoder();
const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const START = sse('start', { protocol: 1, messageId: 'msg_1', model: 'claude-opus-4-8', requestedSpeed: 'standard', policy: 'standard', attempt: 1, t: 1 });
const TEXT = (d: string): string => sse('text', { delta: d, step: 0, index: 0, t: 2 });
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };

type Maker = (rng: Rng) => { what: string; response: () => Response | Promise<Response>; textBefore: string };

function body(parts: (string | Uint8Array)[], opts: { errorAfter?: boolean; hang?: boolean } = {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const p = parts[i++];
      if (p !== undefined) c.enqueue(typeof p === 'string' ? enc.encode(p) : p);
      else if (opts.hang) return new Promise<void>(() => undefined);
      else if (opts.errorAfter) c.error(new TypeError('network error'));
      else c.close();
      return undefined;
    },
  });
}

const MAKERS: Record<string, Maker> = {
  '200 HTML instead of SSE': () => ({ what: 'html', textBefore: '', response: () => new Response('<html>proxy login</html>', { status: 200, headers: { 'content-type': 'text/html' } }) }),
  '200 JSON instead of SSE': () => ({ what: 'json', textBefore: '', response: () => new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } }) }),
  '200 SSE without protocol header': () => ({ what: 'no header', textBefore: 'hi', response: () => new Response(body([START, TEXT('hi'), sse('done', { stopReason: 'end_turn' })]), { status: 200, headers: { 'content-type': 'text/event-stream' } }) }),
  'empty 200 body': () => ({ what: 'empty', textBefore: '', response: () => new Response(body([]), { status: 200, headers: SSE_HEADERS }) }),
  'invalid JSON in an event': (rng) => {
    const t = `partial ${rng.int(0, 99)}`;
    return { what: 'bad json', textBefore: t, response: () => new Response(body([START, TEXT(t), 'event: text\ndata: {"delta": nope}\n\n']), { status: 200, headers: SSE_HEADERS }) };
  },
  'event payload not an object': () => ({ what: 'array payload', textBefore: 'x', response: () => new Response(body([START, TEXT('x'), 'event: done\ndata: [1,2]\n\n']), { status: 200, headers: SSE_HEADERS }) }),
  'ends after text without done/error': (rng) => {
    const t = 'y'.repeat(rng.int(1, 50));
    return { what: 'silent end', textBefore: t, response: () => new Response(body([START, TEXT(t)]), { status: 200, headers: SSE_HEADERS }) };
  },
  'network error mid-stream': (rng) => {
    const t = `z${rng.int(0, 9)}`;
    return { what: 'reset', textBefore: t, response: () => new Response(body([START, TEXT(t)], { errorAfter: true }), { status: 200, headers: SSE_HEADERS }) };
  },
  'fetch rejects': () => ({ what: 'reject', textBefore: '', response: () => Promise.reject(new TypeError('fetch failed')) }),
  '502 HTML from a proxy': () => ({ what: '502', textBefore: '', response: () => new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } }) }),
  '500 with a non-ErrorBody JSON': () => ({ what: '500 json', textBefore: '', response: () => new Response('{"message":"x"}', { status: 500, headers: { 'content-type': 'application/json' } }) }),
  '429 with junk retry-after': () => ({ what: '429', textBefore: '', response: () => new Response('{"error":{"kind":"rate_limited"}}', { status: 429, headers: { 'content-type': 'application/json', 'retry-after': 'soon' } }) }),
  'ErrorBody with hostile fields': () => ({
    what: 'hostile ErrorBody',
    textBefore: '',
    response: () => new Response(JSON.stringify({ error: { kind: '__proto__', message: { toString: 1 }, retryable: 'yes', retryAfterMs: -1, __proto__: { polluted: 1 } } }), { status: 400, headers: { 'content-type': 'application/json' } }),
  }),
  'events after done': () => ({ what: 'after done', textBefore: 'a', response: () => new Response(body([START, TEXT('a'), sse('done', { stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, speed: 'standard', model: 'm', timings: { firstDeltaT: 1, lastDeltaT: 1, totalT: 1, attempts: 1 }, cost: null, t: 3 }), TEXT('LATE')]), { status: 200, headers: SSE_HEADERS }) }),
  'random bytes as SSE': (rng) => ({ what: 'random', textBefore: '', response: () => new Response(body([Uint8Array.from({ length: rng.int(1, 600) }, () => rng.int(0, 255))]), { status: 200, headers: SSE_HEADERS }) }),
  'huge single event (9 MiB)': () => ({ what: 'huge', textBefore: 'ok', response: () => new Response(body([START, TEXT('ok'), `event: text\ndata: {"delta":"${'x'.repeat(9 * 1024 * 1024)}`, '"}\n\n']), { status: 200, headers: SSE_HEADERS }) }),
};

describe('store vs a hostile edge', () => {
  it('always ends typed, keeps shown text, never throws or leaks a rejection', async () => {
    const rng = createRng(SEED);
    const names = Object.keys(MAKERS);
    type Entry = { n: number; problems: string[]; ends: Map<string, number> };
    const perCase = new Map<string, Entry>();
    const ROUNDS = 6;
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) {
        if (name.startsWith('huge') && round > 0) continue;
        const made = (MAKERS[name] as Maker)(rng);
        const entry: Entry = perCase.get(name) ?? { n: 0, problems: [], ends: new Map<string, number>() };
        perCase.set(name, entry);
        entry.n++;
        const store = createFastStream({ endpoint: 'http://edge.test/api/chat', fetch: (async () => made.response()) as typeof fetch, notify: 'sync' });
        let threw: unknown;
        try {
          store.start({ messages: [{ role: 'user', content: 'hi' }] });
        } catch (err) {
          threw = err;
        }
        const ended = await eventually(() => ['done', 'error', 'aborted'].includes(store.getSnapshot().status), 10_000);
        const s = store.getSnapshot();
        const end = s.status === 'error' ? `error(${String(s.error?.kind)})` : s.status;
        entry.ends.set(end, (entry.ends.get(end) ?? 0) + 1);
        if (threw !== undefined) entry.problems.push(`start() threw ${String(threw)}`);
        if (!ended) entry.problems.push(`no terminal state in 10 s (status ${s.status})`);
        if (s.status === 'error' && (!s.error || !KINDS.includes(s.error.kind) || typeof s.error.message !== 'string')) entry.problems.push(`untyped error ${JSON.stringify(s.error).slice(0, 100)}`);
        if (made.textBefore !== '' && !s.text.startsWith(made.textBefore)) entry.problems.push(`text lost: had "${made.textBefore.slice(0, 20)}", now "${s.text.slice(0, 20)}"`);
        if (s.text.includes('LATE')) entry.problems.push('text accepted after done');
        if (({} as Record<string, unknown>).polluted !== undefined) entry.problems.push('Object.prototype polluted');
        store.destroy();
      }
    }
    await new Promise((r) => setTimeout(r, 20));
    const { unhandled, uncaught } = guard.drain();
    const all: string[] = [];
    for (const [name, e] of perCase) {
      report.row({
        case: name,
        tried: `createFastStream whose fetch answers: ${name}`,
        count: e.n,
        observed: `ends: ${[...e.ends].map(([k, v]) => `${v}× ${k}`).join(', ')}` + (e.problems.length ? `; PROBLEMS: ${e.problems.slice(0, 2).join('; ')}` : ''),
        outcome: e.problems.length === 0 ? 'pass' : 'fail',
      });
      all.push(...e.problems.map((p) => `${name}: ${p}`));
    }
    report.row({
      case: 'process-level',
      tried: 'unhandled rejections and uncaught exceptions during all of the above',
      count: [...perCase.values()].reduce((n, e) => n + e.n, 0),
      observed: `${unhandled.length} unhandled rejections, ${uncaught.length} uncaught exceptions`,
      inTotals: false,
      outcome: unhandled.length + uncaught.length === 0 ? 'pass' : 'fail',
    });
    expect(all, all.join('\n')).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(uncaught).toEqual([]);
  }, 60_000);
});
