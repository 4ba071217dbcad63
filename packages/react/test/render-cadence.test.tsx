/**
 * Render cadence: 5,000 tokens streamed at 1,000 tokens/s must cause at most ~60 React commits per
 * second. happy-dom's requestAnimationFrame fires on setImmediate (no display), so this test installs a
 * 60 Hz, vsync-aligned requestAnimationFrame like a browser's; core's store schedules through it.
 */
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { encodeEvent, notifyManager } from '@slipstream/core';
import { Profiler, StrictMode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useFastStream } from '../src/hooks/use-fast-stream.ts';
import { OtpsMeter } from '../src/components/otps-meter.tsx';
import { SpeedBadge } from '../src/components/speed-badge.tsx';
import { StreamingMarkdown } from '../src/markdown/streaming-markdown.tsx';
import { fakeFetch } from './helpers.ts';

const FRAME_MS = 1000 / 60;

beforeAll(() => {
  notifyManager.setNotifyFunction((cb) => act(cb));
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
    const now = performance.now();
    const next = Math.ceil((now + 0.01) / FRAME_MS) * FRAME_MS;
    return setTimeout(() => cb(performance.now()), next - now) as unknown as number;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => clearTimeout(id));
});
afterAll(() => {
  notifyManager.setNotifyFunction((cb) => cb());
  vi.unstubAllGlobals();
});
afterEach(cleanup);

const TOKENS = 5000;
const TOKENS_PER_SECOND = 1000;
const TOKENS_PER_EVENT = 4;

type Timed = { dueMs: number; chunk: string };

/** 5,000 one-word tokens with markdown structure, each event due at an absolute time (1,000 tokens/s). */
function pacedReply(): Timed[] {
  const out: Timed[] = [
    { dueMs: 0, chunk: encodeEvent('start', { protocol: 2, messageId: 'msg_r', model: 'claude-opus-4-6', requestedSpeed: 'fast', policy: 'fast', attempt: 1, t: 0 }) },
  ];
  let sent = 0;
  let n = 0;
  while (sent < TOKENS) {
    let delta = '';
    for (let k = 0; k < TOKENS_PER_EVENT; k++, n++) {
      delta += n % 120 === 0 ? `\n\n## Part ${n / 120}\n\n` : n % 12 === 11 ? 'end. ' : n % 40 === 0 ? '**word** ' : 'word ';
    }
    sent += TOKENS_PER_EVENT;
    out.push({ dueMs: (sent / TOKENS_PER_SECOND) * 1000, chunk: encodeEvent('text', { delta, step: 0, index: 0, t: sent }) });
  }
  const usage = { inputTokens: 10, outputTokens: TOKENS, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  const last = (TOKENS / TOKENS_PER_SECOND) * 1000;
  out.push({ dueMs: last, chunk: encodeEvent('usage', { ...usage, speed: 'fast', t: last }) });
  out.push({
    dueMs: last,
    chunk: encodeEvent('done', {
      stopReason: 'end_turn',
      finishReason: 'stop',
      steps: 1,
      usage,
      speed: 'fast',
      model: 'claude-opus-4-6',
      timings: { firstDeltaT: 0, lastDeltaT: last, totalT: last, attempts: 1 },
      cost: null,
      t: last,
    }),
  });
  return out;
}

/** A protocol response whose events are written at their due times, measured from the first read. */
function realTimeResponse(events: Timed[], signal: AbortSignal | null): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const t0 = performance.now();
      for (const e of events) {
        if (signal?.aborted) return controller.error(new DOMException('aborted', 'AbortError'));
        const delay = t0 + e.dueMs - performance.now();
        if (delay > 0.5) await new Promise((r) => setTimeout(r, delay));
        controller.enqueue(enc.encode(e.chunk));
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'x-slipstream-protocol': '2' } });
}

describe('render cadence', () => {
  it('5,000 tokens at 1,000 tokens/s: at most ~60 React commits per second', async () => {
    const fetch = fakeFetch((_b, signal) => realTimeResponse(pacedReply(), signal));
    const commits: number[] = [];
    function App() {
      const s = useFastStream({ fetch });
      return (
        <>
          <button onClick={() => s.start({ messages: [{ role: 'user', content: 'Go' }], speed: 'fast' })}>go</button>
          <SpeedBadge status={s.status} requestedSpeed={s.requestedSpeed} servedSpeed={s.servedSpeed} />
          <OtpsMeter metrics={s.metrics} status={s.status} />
          <StreamingMarkdown streaming={s.status === 'streaming'} announce data-testid="md">
            {s.text}
          </StreamingMarkdown>
          <output data-testid="status">{s.status}</output>
        </>
      );
    }
    render(
      <StrictMode>
        <Profiler id="app" onRender={() => commits.push(performance.now())}>
          <App />
        </Profiler>
      </StrictMode>,
    );
    const before = commits.length;
    const t0 = performance.now();
    act(() => screen.getByText('go').click());
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('done'), { timeout: 20_000, interval: 50 });
    const seconds = (performance.now() - t0) / 1000;
    const n = commits.length - before;
    const perSecond = n / seconds;
    // Recorded for the README: commits, seconds, commits per second.
    console.info(`[render-cadence] ${TOKENS} tokens, ${n} commits in ${seconds.toFixed(2)} s = ${perSecond.toFixed(1)} commits/s`);
    expect(seconds).toBeGreaterThan(4.5); // the stream really was paced at ~1,000 tokens/s
    expect(perSecond).toBeLessThanOrEqual(60 * 1.2);
    // ...and it really rendered progressively, not once at the end.
    expect(perSecond).toBeGreaterThan(5);
    // Everything arrived and rendered.
    expect(screen.getByTestId('md').querySelectorAll('h2').length).toBeGreaterThan(40);
  }, 30_000);
});
