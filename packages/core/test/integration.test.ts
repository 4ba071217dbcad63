// Store ← real SSE bytes over a real socket: a node:http server on 127.0.0.1 writes protocol v1 events
// with known delays, in odd chunk splits (including inside multi-byte characters), and the store, using
// the global fetch, must report TTFT and OTPS close to those delays.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '../src/protocol.ts';
import { loadValidator } from '../src/request-check.ts';
import { encodeComment, encodeEvent } from '../src/sse-encode.ts';
import { createFastStream } from '../src/store.ts';
import type { FastStreamState } from '../src/stream-state.ts';

// The store checks each body with a validator it loads lazily (a small chunk in a page, prefetched when
// the store is created, long before a user sends). Under Vitest that load is a TypeScript transform that
// can take hundreds of ms on a loaded machine, which is not what this test times: load it first.
await loadValidator();

const DELTAS = 50;
const FIRST_DELTA_MS = 200;
const GAP_MS = 20;
const DELTA_TEXT = 'é😀x'; // 1 token per delta by construction: usage says DELTAS tokens

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const immediate = () => new Promise((r) => setImmediate(r));

/** Write `text` as 3 pieces at odd byte offsets, cutting through multi-byte characters. */
async function writeSplit(res: ServerResponse, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const cuts = [Math.floor(bytes.length / 3) | 1, Math.floor((2 * bytes.length) / 3) | 1];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    res.write(bytes.subarray(prev, cut));
    prev = cut;
    await immediate();
  }
}

let server: Server;
let base = '';
let closedEarly = false;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  res.socket?.setNoDelay(true);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) });
  let closed = false;
  res.on('close', () => {
    closed = true;
    if (!res.writableFinished) closedEarly = true;
  });
  res.flushHeaders();
  const started = performance.now();
  await writeSplit(res, encodeComment());
  await sleep(FIRST_DELTA_MS / 2);
  await writeSplit(res, encodeEvent('start', { protocol: 2, messageId: 'msg_it', model: 'claude-opus-4-6', requestedSpeed: 'fast', policy: 'fast', attempt: 1, t: 1 }));
  const slow = req.url === '/slow';
  for (let i = 0; i < (slow ? 10_000 : DELTAS); i++) {
    // Deltas are scheduled against the start time so timer drift does not accumulate.
    const due = FIRST_DELTA_MS + i * GAP_MS - (performance.now() - started);
    if (due > 0) await sleep(due);
    if (closed) return;
    await writeSplit(res, encodeEvent('text', { delta: DELTA_TEXT, step: 0, index: 0, t: Math.round(performance.now() - started) }));
  }
  const usage = { inputTokens: 12, outputTokens: DELTAS, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  await writeSplit(res, encodeEvent('usage', { ...usage, speed: 'fast', t: 1 }));
  await writeSplit(
    res,
    encodeEvent('done', {
      stopReason: 'end_turn',
      finishReason: 'stop',
      steps: 1,
      usage,
      speed: 'fast',
      model: 'claude-opus-4-6',
      timings: { firstDeltaT: FIRST_DELTA_MS, lastDeltaT: FIRST_DELTA_MS + (DELTAS - 1) * GAP_MS, totalT: 1200, attempts: 1 },
      cost: null,
      t: 1200,
    }),
  );
  res.end();
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function waitFor(stream: ReturnType<typeof createFastStream>, done: (s: FastStreamState) => boolean, timeoutMs = 20_000) {
  return new Promise<FastStreamState>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out in status ${stream.getSnapshot().status}`)), timeoutMs);
    const check = () => {
      const s = stream.getSnapshot();
      if (done(s)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(s);
      }
    };
    const unsubscribe = stream.subscribe(check);
    check();
  });
}

describe('integration: store ← real SSE over a real socket', () => {
  it('reports TTFT and OTPS within generous slack of the server timing', async () => {
    const stream = createFastStream({ endpoint: `${base}/api/chat` });
    stream.start({ messages: [{ role: 'user', content: 'Go' }], speed: 'fast' });
    const s = await waitFor(stream, (x) => x.status === 'done' || x.status === 'error');
    expect(s.error).toBeNull();
    expect(s.status).toBe('done');
    expect(s.text).toBe(DELTA_TEXT.repeat(DELTAS));
    expect(s.servedSpeed).toBe('fast');

    const m = s.metrics;
    // TTFT: the server waits 200 ms; allow connection setup and scheduler noise.
    expect(m.ttftMs).not.toBeNull();
    expect(m.ttftMs as number).toBeGreaterThanOrEqual(FIRST_DELTA_MS - 10);
    expect(m.ttftMs as number).toBeLessThan(FIRST_DELTA_MS + 400);
    // Headline: (50 − 1) tokens over 49 × 20 ms = 50 tokens/s.
    const ideal = (DELTAS - 1) / (((DELTAS - 1) * GAP_MS) / 1000);
    expect(m.otps.isEstimate).toBe(false);
    expect(m.otps.value as number).toBeGreaterThan(ideal * 0.6);
    expect(m.otps.value as number).toBeLessThan(ideal * 1.4);
    // Effective: 50 tokens over ~1.18 s ≈ 42 tokens/s.
    const idealEffective = DELTAS / ((FIRST_DELTA_MS + (DELTAS - 1) * GAP_MS) / 1000);
    expect(m.effectiveOtps.value as number).toBeGreaterThan(idealEffective * 0.6);
    expect(m.effectiveOtps.value as number).toBeLessThan(idealEffective * 1.4);
    // Gaps: about 20 ms each; nothing buffered.
    expect(m.gaps.count).toBeGreaterThan(DELTAS / 2);
    expect(m.gaps.p50 as number).toBeGreaterThan(GAP_MS * 0.5);
    expect(m.gaps.p50 as number).toBeLessThan(GAP_MS * 3);
    expect(m.proxyBuffered).toBe(false);
    expect(m.series.length).toBeGreaterThan(3);
    stream.destroy();
  }, 30_000);

  it('stop() closes the connection to the server', async () => {
    closedEarly = false;
    const stream = createFastStream({ endpoint: `${base}/slow` });
    stream.start({ messages: [{ role: 'user', content: 'Go' }] });
    await waitFor(stream, (x) => x.text.length > 0);
    stream.stop();
    expect(stream.getSnapshot().status).toBe('aborted');
    const deadline = Date.now() + 5_000;
    while (!closedEarly && Date.now() < deadline) await sleep(20);
    expect(closedEarly).toBe(true);
    stream.destroy();
  }, 30_000);
});
