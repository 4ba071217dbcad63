/**
 * Resumable replies end to end in process: the hooks against the REAL edge handler (`resume: true`, its
 * memory reply log) in front of the sim. The hooks' `fetch` can cut the first connection after N text
 * events (as a lost network does: the bytes in flight are lost) and keep the client away for a while.
 */
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { createFastStream, notifyManager, type FastStreamState } from '@slipstream/core';
import { createSim, type Sim } from '@slipstream/sim';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { edgeOverSim } from './edge-over-sim.ts';
import { useFastChat } from '../src/hooks/use-fast-chat.ts';
import { useFastStream } from '../src/hooks/use-fast-stream.ts';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

interface Cut {
  /** Cut the first POST's stream after this many text events. */
  afterTexts: number;
  /** Refuse resumes (network error) for this long after the cut. */
  awayMs?: number;
}

function rig(cut?: Cut) {
  const sim: Sim = createSim({ ttftMs: 40, standardOtps: 120, jitter: 0, seed: 5 });
  const handler = edgeOverSim(sim, { resume: true });
  const seen: { method: string; path: string; lastEventId: string | null }[] = [];
  let cutAt: number | null = null;
  let posts = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(new URL(String(input), 'http://app.invalid'), init);
    const path = new URL(req.url).pathname;
    seen.push({ method: req.method, path, lastEventId: req.headers.get('last-event-id') });
    if (req.method === 'GET' && cutAt !== null && performance.now() - cutAt < (cut?.awayMs ?? 0)) throw new TypeError('Failed to fetch');
    const res = await handler.fetch(req);
    if (cut === undefined || req.method !== 'POST' || path !== '/api/chat' || posts++ > 0) return res;
    return cutAfter(res, cut.afterTexts, () => {
      cutAt = performance.now();
    });
  }) as typeof globalThis.fetch;
  return { sim, fetch, seen, handler };
}

/** The response, with its body erroring (and the edge's side closed) once `texts` text events went by. */
function cutAfter(res: Response, texts: number, onCut: () => void): Response {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let count = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) {
        c.close();
        return;
      }
      count += decoder.decode(value, { stream: true }).split('event: text\n').length - 1;
      if (count >= texts) {
        onCut();
        reader.cancel().catch(() => {});
        c.error(new TypeError('network error'));
        return;
      }
      c.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

const prompt = (words: string) => ({ messages: [{ role: 'user' as const, content: words }], speed: 'fast' as const, model: 'claude-opus-4-6' });

async function finished(result: { current: { status: string } }, timeout = 20_000): Promise<void> {
  await waitFor(() => expect(['done', 'error', 'aborted']).toContain(result.current.status), { timeout });
}

describe('resumable replies against the real edge and the sim', { timeout: 60_000 }, () => {
  it('useFastStream: a connection cut mid-reply and kept away 2 s resumes: same text, one upstream request, honest meter', async () => {
    const body = prompt('Tell me about rivers [[sim:tokens=500]]');
    const whole = rig();
    const a = renderHook(() => useFastStream({ fetch: whole.fetch }));
    // The first reply of the process pays for warming up (SDK, JIT): measure the second.
    for (let i = 0; i < 2; i++) {
      act(() => a.result.current.start(body));
      await waitFor(() => expect(a.result.current.status).not.toBe('done'));
      await finished(a.result);
    }
    expect(sessionStorage.length).toBe(0); // the record goes with the reply
    expect(a.result.current.status).toBe('done');
    expect(a.result.current.replyId).toMatch(/^[0-9a-f-]{36}$/);

    const cut = rig({ afterTexts: 80, awayMs: 2000 });
    const away: number[] = [];
    const b = renderHook(() => useFastStream({ fetch: cut.fetch }));
    act(() => b.result.current.start(body));
    await waitFor(() => {
      const r = b.result.current.reconnecting;
      if (r !== null) away.push(r.attempt);
      expect(b.result.current.reconnecting).not.toBeNull();
    }, { timeout: 10_000 });
    await finished(b.result);
    const s = b.result.current;
    expect(s.error).toBeNull();
    expect(s.status).toBe('done');
    expect(s.text).toBe(a.result.current.text);
    expect(s.reconnecting).toBeNull();
    // One upstream request, which ran to its end while the client was away.
    expect(cut.sim.requests()).toHaveLength(1);
    expect(cut.sim.streams()[0]?.end).toBe('complete');
    const gets = cut.seen.filter((x) => x.method === "GET");
    expect(gets.length).toBeGreaterThan(1); // refused while away, then back
    expect(gets.map((g) => g.path)).toEqual(gets.map(() => `/api/chat/${s.replyId}`));
    expect(Number(gets[0]?.lastEventId)).toBeGreaterThan(0);

    // The 2 s away is not generation time: OTPS and TTFT as uninterrupted (loose: real timers, shared CPU).
    const m0 = a.result.current.metrics;
    const m1 = s.metrics;
    expect(m0.otps.isEstimate).toBe(false);
    expect(Math.abs((m1.otps.value as number) / (m0.otps.value as number) - 1)).toBeLessThan(0.1);
    expect(Math.abs((m1.effectiveOtps.value as number) / (m0.effectiveOtps.value as number) - 1)).toBeLessThan(0.1);
    expect(Math.abs((m1.ttftMs as number) - (m0.ttftMs as number))).toBeLessThan(100);
    console.log(
      `[resume] uninterrupted: ttft ${m0.ttftMs?.toFixed(0)} ms, otps ${m0.otps.value?.toFixed(1)}, effective ${m0.effectiveOtps.value?.toFixed(1)}; ` +
        `2 s away: ttft ${m1.ttftMs?.toFixed(0)} ms, otps ${m1.otps.value?.toFixed(1)}, effective ${m1.effectiveOtps.value?.toFixed(1)}, ${gets.length} GETs`,
    );
  });

  it('useFastStream: stop() stops a resumable reply at the edge (the sim sees the upstream aborted)', async () => {
    const r = rig();
    const { result } = renderHook(() => useFastStream({ fetch: r.fetch }));
    act(() => result.current.start(prompt('Long [[sim:tokens=3000]]')));
    await waitFor(() => expect(result.current.text.length).toBeGreaterThan(50), { timeout: 10_000 });
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.status).toBe('aborted'));
    await waitFor(() => expect(r.sim.streams()[0]?.end).toBe('client_abort'), { timeout: 5000 });
    const stop = r.seen.find((x) => x.method === 'POST' && x.path.endsWith('/stop'));
    expect(stop?.path).toBe(`/api/chat/${result.current.replyId}/stop`);
  });

  it('useFastChat: a page reload mid-reply (unmount, mount again) resumes the reply under its user message, with all its text', async () => {
    const body = 'Write about the sea [[sim:tokens=500]]';
    const ref = rig();
    const a = renderHook(() => useFastChat({ fetch: ref.fetch, speed: 'fast', model: 'claude-opus-4-6' }));
    act(() => a.result.current.send(body));
    await finished(a.result);
    const reference = a.result.current.messages[1]!.content;
    a.unmount();
    sessionStorage.clear();

    const r = rig();
    const first = renderHook(() => useFastChat({ fetch: r.fetch, speed: 'fast', model: 'claude-opus-4-6' }));
    act(() => first.result.current.send(body));
    await waitFor(() => expect(first.result.current.messages[1]?.content.length ?? 0).toBeGreaterThan(40), { timeout: 10_000 });
    const conversationId = first.result.current.conversationId;
    first.unmount(); // the page goes away; the edge keeps the reply going
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith('slipstream:reply:'))).toEqual(['slipstream:reply:chat:/api/chat']);

    const again = renderHook(() => useFastChat({ fetch: r.fetch, speed: 'fast', model: 'claude-opus-4-6' }));
    expect(again.result.current.conversationId).toBe(conversationId);
    await waitFor(() => expect(again.result.current.messages).toHaveLength(2));
    expect(again.result.current.messages[0]).toMatchObject({ role: 'user', content: body });
    await finished(again.result);
    expect(again.result.current.messages[1]).toMatchObject({ role: 'assistant', status: 'done', content: reference });
    expect(r.sim.requests()).toHaveLength(1);
    expect(r.seen.filter((x) => x.method === 'GET').map((x) => x.lastEventId)).toEqual(['0']);
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith('slipstream:reply:'))).toEqual([]);
  });

  it('100 concurrent core streams, connections cut at random points (some twice, some reconnections refused): every text whole, one upstream request each', async () => {
    const sim: Sim = createSim({ ttftMs: 5, standardOtps: 2000, jitter: 0, seed: 9 });
    const handler = edgeOverSim(sim, { resume: true });
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let cuts = 0;
    let refused = 0;
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(new URL(String(input), 'http://app.invalid'), init);
      if (req.method === 'GET' && random() < 0.2) {
        refused++;
        throw new TypeError('Failed to fetch');
      }
      const res = await handler.fetch(req);
      if (req.method === 'POST' && new URL(req.url).pathname.endsWith('/stop')) return res;
      if (random() >= 0.67) return res;
      // Two thirds of connections break: a first one after its `start` (before it there is no replyId,
      // so nothing to resume: that case fails as a network error, tested in core), a resumed one anywhere.
      if (req.method === 'POST') return cutAfter(res, 1 + Math.floor(random() * 60), () => cuts++);
      return cutAfterBytes(res, Math.floor(random() * 6000), () => cuts++);
    }) as typeof globalThis.fetch;
    const plain = (async (input: RequestInfo | URL, init?: RequestInit) => handler.fetch(new Request(new URL(String(input), 'http://app.invalid'), init))) as typeof globalThis.fetch;

    const prompts = Array.from({ length: 10 }, (_, i) => prompt(`Topic ${i}: explain it [[sim:tokens=${200 + i * 20}]]`));
    const run = (fetch: typeof globalThis.fetch, body: ReturnType<typeof prompt>): Promise<FastStreamState> =>
      new Promise((resolve) => {
        const end = (state: FastStreamState): void => resolve(state);
        const stream = createFastStream({ fetch, notify: 'sync', calibration: false, resume: { baseDelayMs: 5, maxDelayMs: 40, storage: false }, onFinish: end, onError: (_e, state) => end(state) });
        stream.start(body);
      });
    const reference = await Promise.all(prompts.map((p) => run(plain, p)));
    expect(reference.every((r) => r.status === 'done')).toBe(true);
    const before = sim.requests().length;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => run(flaky, prompts[i % 10]!)));
    const failed = results.filter((r) => r.status !== 'done').map((r) => `${r.status} ${r.error?.kind} ${r.error?.message}`);
    expect(failed).toEqual([]);
    const wrong = results.filter((r, i) => r.text !== reference[i % 10]!.text).length;
    expect(wrong, 'replies whose text differs from the uninterrupted one').toBe(0);
    expect(sim.requests().length - before, 'upstream requests for 100 replies').toBe(100);
    expect(cuts).toBeGreaterThan(50);
    console.log(`[resume] 100 concurrent replies: ${cuts} connections cut, ${refused} reconnections refused, 0 lost or repeated characters`);
  });
});

/** The response, with its body failing like a broken connection after `bytes` bytes (if it is that long). */
function cutAfterBytes(res: Response, bytes: number, onCut: () => void): Response {
  if (res.body === null) return res;
  const reader = res.body.getReader();
  let seen = 0;
  let broken = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (broken) {
        c.error(new TypeError('network error'));
        return;
      }
      const { done, value } = await reader.read();
      if (done) {
        c.close();
        return;
      }
      if (seen + value.byteLength <= bytes) {
        seen += value.byteLength;
        c.enqueue(value);
        return;
      }
      // These bytes arrive, then the read fails; the edge sees its side closed.
      const head = value.subarray(0, bytes - seen);
      seen = bytes;
      onCut();
      reader.cancel().catch(() => {});
      broken = true;
      if (head.byteLength > 0) c.enqueue(head.slice());
      else c.error(new TypeError('network error'));
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}
