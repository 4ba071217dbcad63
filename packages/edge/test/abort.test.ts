/** A client that goes away stops the upstream request at once (proven with the sim's ground truth). */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readProtocolStream } from '@slipstream/core';
import { afterAbort, post, startRig, user, waitFor, type Rig } from './helpers.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
/** At most ~100 ms worth of tokens after an abort (50 ms slack for a loaded CI machine; typical: 1–20 ms). */
const ABORT_TAIL_MS = 150;
/** Wall-clock bound: generous for a starved CPU, far below the seconds a broken abort path streams for. */
const WALL_MS = 1_000;
/** Timing tests retry: a starved CPU can miss a bound once; a broken abort path misses it by seconds, every time. */
const TIMING = { retry: 2 };

let rig: Rig;
const epochNow = () => performance.timeOrigin + performance.now();

beforeAll(async () => {
  // Fast = 1000 tok/s: a 3000-token reply would run 3 s.
  rig = await startRig({ standardOtps: 400, ttftMs: 20 });
});
afterAll(async () => {
  await rig.close();
});
beforeEach(() => rig.sim.sim.reset());

async function abortAfterText(signalAbort: (ac: AbortController, body: ReadableStream<Uint8Array>) => Promise<void>) {
  const ac = new AbortController();
  const res = await post(rig.chatUrl, { messages: user('Long one [[sim:tokens=3000]]') }, { signal: ac.signal });
  expect(res.status).toBe(200);
  let texts = 0;
  let abortAt = 0;
  try {
    for await (const e of readProtocolStream(res.body!)) {
      if (e.event === 'text') texts += 1;
      if (texts === 5) {
        abortAt = epochNow();
        await signalAbort(ac, res.body!);
        break;
      }
    }
  } catch {
    // the aborted fetch rejects the reader; expected
  }
  expect(abortAt).toBeGreaterThan(0);
  await waitFor(() => rig.sim.stats().activeStreams === 0, 5_000);
  const record = rig.sim.sim.streams()[0]!;
  return { abortAt, record };
}

describe('abort reaches the sim', () => {
  it('fetch abort: upstream stops within ~100 ms and the active stream count returns to 0', TIMING, async () => {
    const { abortAt, record } = await abortAfterText(async (ac) => ac.abort());
    expect(record.end).toBe('client_abort');
    const tail = afterAbort(record, abortAt);
    expect(tail.tokenMs).toBeLessThan(ABORT_TAIL_MS);
    expect(tail.wallMs).toBeLessThan(WALL_MS);
    expect(record.disconnectedAt! - abortAt).toBeLessThan(WALL_MS);
    expect(record.outputTokens).toBeLessThan(3000);
    const stats = rig.sim.stats();
    expect(stats.activeStreams).toBe(0);
    expect(stats.abortedStreams).toBe(1);
    expect(stats.tokensAfterDisconnect.every((n) => n === 0)).toBe(true);
  });

  it('reader cancel (the browser stops reading, connection kept) also stops upstream', TIMING, async () => {
    const res = await post(rig.chatUrl, { messages: user('Long one [[sim:tokens=3000]]') });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while ((seen.match(/event: text/g) ?? []).length < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    const abortAt = epochNow();
    await reader.cancel();
    await waitFor(() => rig.sim.stats().activeStreams === 0, 5_000);
    const record = rig.sim.sim.streams()[0]!;
    expect(record.end).toBe('client_abort');
    expect(afterAbort(record, abortAt).tokenMs).toBeLessThan(ABORT_TAIL_MS);
    expect(afterAbort(record, abortAt).wallMs).toBeLessThan(WALL_MS);
  });

  it('an abort during TTFT (before any token) cancels the upstream request too', TIMING, async () => {
    rig.sim.sim.configure({ ttftMs: 2_000 });
    try {
      const ac = new AbortController();
      const res = await post(rig.chatUrl, { messages: user('Hi [[sim:tokens=50]]') }, { signal: ac.signal });
      expect(res.status).toBe(200);
      await waitFor(() => rig.sim.stats().activeStreams === 1 || rig.sim.sim.requests().length === 1, 2_000);
      ac.abort();
      await waitFor(() => rig.sim.stats().activeStreams === 0 && rig.sim.sim.streams().every((s) => s.end !== undefined), 3_000);
      expect(rig.sim.sim.streams()[0]?.outputTokens ?? 0).toBe(0);
    } finally {
      rig.sim.sim.configure({ ttftMs: 20 });
    }
  });
});

describe('both abort paths reach upstream on their own (handler.fetch, no server)', () => {
  const start = async (signal?: AbortSignal) => {
    const { createChatHandler } = await import('../src/index.ts');
    const app = createChatHandler({ apiKey: 'k', baseURL: rig.sim.url, heartbeatMs: 0 });
    const init: RequestInit = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: user('Long one [[sim:tokens=3000]]') }),
    };
    if (signal) init.signal = signal;
    const res = await app.fetch(new Request('http://edge.test/api/chat', init));
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while ((seen.match(/event: text/g) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    return reader;
  };

  it('the runtime request signal alone', TIMING, async () => {
    const ac = new AbortController();
    const reader = await start(ac.signal);
    const abortAt = epochNow();
    ac.abort();
    await waitFor(() => rig.sim.stats().activeStreams === 0, 5_000);
    expect(afterAbort(rig.sim.sim.streams()[0]!, abortAt).tokenMs).toBeLessThan(ABORT_TAIL_MS);
    expect(afterAbort(rig.sim.sim.streams()[0]!, abortAt).wallMs).toBeLessThan(WALL_MS);
    await reader.cancel().catch(() => {});
  });

  it('the response stream cancel alone', TIMING, async () => {
    const reader = await start();
    const abortAt = epochNow();
    await reader.cancel();
    await waitFor(() => rig.sim.stats().activeStreams === 0, 5_000);
    expect(rig.sim.sim.streams()[0]!.end).toBe('client_abort');
    expect(afterAbort(rig.sim.sim.streams()[0]!, abortAt).tokenMs).toBeLessThan(ABORT_TAIL_MS);
    expect(afterAbort(rig.sim.sim.streams()[0]!, abortAt).wallMs).toBeLessThan(WALL_MS);
  });
});
