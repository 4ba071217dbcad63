/**
 * Against a REAL protocol stream: the sim (wire-faithful Anthropic Messages API) behind the real edge
 * handler, both in-process. The hook's `fetch` routes to `handler.fetch(new Request(...))`, and the
 * edge's Anthropic SDK client routes to `sim.fetch`. No sockets.
 */
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { notifyManager } from '@slipstream/core';
import type { ChatHandlerOptions } from '@slipstream/edge';
import { createSim, type Sim } from '@slipstream/sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { edgeOverSim } from './edge-over-sim.ts';
import { useFastStream } from '../src/hooks/use-fast-stream.ts';
import { useFastChat } from '../src/hooks/use-fast-chat.ts';
import { ChatThread } from '../src/components/chat-thread.tsx';
import { SpeedBadge } from '../src/components/speed-badge.tsx';
import { OtpsMeter } from '../src/components/otps-meter.tsx';
import { CompareRace, type RaceResult } from '../src/components/compare-race.tsx';
import { Composer } from '../src/components/composer.tsx';
import { CostTicker } from '../src/components/cost-ticker.tsx';
import { RateLimitGauge } from '../src/components/rate-limit-gauge.tsx';
import userEvent from '@testing-library/user-event';
import { expectInert } from './helpers.ts';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
afterEach(cleanup);

interface Rig {
  sim: Sim;
  /** The `fetch` to hand to the hooks. */
  fetch: typeof fetch;
  /** Requests the edge received. */
  seen: Request[];
}

function rig(simOptions: Parameters<typeof createSim>[0] = {}, edgeOptions: ChatHandlerOptions = {}): Rig {
  const sim = createSim({ ttftMs: 30, standardOtps: 400, jitter: 0, seed: 3, ...simOptions });
  const handler = edgeOverSim(sim, edgeOptions);
  const seen: Request[] = [];
  const edgeFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(new URL(String(input), 'http://app.invalid'), init);
    seen.push(req);
    return handler.fetch(req);
  }) as typeof fetch;
  return { sim, fetch: edgeFetch, seen };
}

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('against the sim through the edge', { timeout: 30_000 }, () => {
  it('streams a real reply: text, served fast, exact OTPS from usage, cost', async () => {
    const { fetch, sim } = rig();
    const { result } = renderHook(() => useFastStream({ fetch, speed: 'fast', model: 'claude-opus-4-6' }));
    act(() => result.current.start({ ...ask('Tell me about streaming.'), max_tokens: 120 }));
    await waitFor(() => expect(result.current.status).toBe('streaming'));
    await waitFor(() => expect(result.current.status).toBe('done'), { timeout: 10_000 });
    const s = result.current;
    expect(s.text.length).toBeGreaterThan(20);
    expect(s.servedSpeed).toBe('fast');
    expect(s.requestedSpeed).toBe('fast');
    expect(s.usage!.outputTokens).toBeGreaterThan(5);
    expect(s.metrics.otps.isEstimate).toBe(false);
    expect(s.metrics.otps.value).toBeGreaterThan(0);
    expect(s.metrics.ttftMs).toBeGreaterThanOrEqual(25);
    expect(s.cost?.totalUsd).toBeGreaterThan(0);
    expect(sim.stats().completedStreams).toBe(1);
  });

  it('stop() aborts through the edge to the sim and keeps the partial text', async () => {
    const { fetch, sim } = rig({ standardOtps: 60 });
    const { result } = renderHook(() => useFastStream({ fetch, speed: 'standard', model: 'claude-opus-4-6' }));
    act(() => result.current.start({ ...ask('Write a long essay.'), max_tokens: 2000 }));
    await waitFor(() => expect(result.current.text.length).toBeGreaterThan(10), { timeout: 10_000 });
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.status).toBe('aborted'));
    const kept = result.current.text;
    expect(kept.length).toBeGreaterThan(10);
    // The upstream request really stopped.
    await waitFor(() => expect(sim.stats().abortedStreams).toBe(1), { timeout: 5_000 });
    expect(sim.stats().activeStreams).toBe(0);
    expect(result.current.text).toBe(kept);
  });

  it('a mid-stream error keeps the partial text and shows a typed error', async () => {
    const { fetch, sim } = rig();
    sim.injectFaults({ fault: 'midstream_error', after: 20, count: 1 });
    function App() {
      const chat = useFastChat({ fetch, speed: 'standard', model: 'claude-opus-4-6', body: { max_tokens: 400 } });
      return (
        <>
          <button onClick={() => chat.send('Explain TCP.')}>send</button>
          <ChatThread messages={chat.messages} />
        </>
      );
    }
    render(<App />);
    act(() => screen.getByText('send').click());
    await waitFor(() => expect(screen.getByRole('alert')).toBeTruthy(), { timeout: 10_000 });
    const reply = screen.getAllByRole('article')[1]!;
    expect(reply.getAttribute('data-state')).toBe('error');
    const text = reply.querySelector('[data-slipstream="markdown"]')!.textContent!;
    expect(text.length).toBeGreaterThan(10);
  });

  it('auto falls back to standard when the fast budget is tiny, and the badge says why', async () => {
    const { fetch } = rig({ fastOutputTpm: 5 });
    let ended = 0;
    const end = () => void ended++;
    function App() {
      const s = useFastStream({ fetch, speed: 'auto', model: 'claude-opus-4-6', onFinish: end, onError: end });
      return (
        <>
          <button onClick={() => s.start({ ...ask('Hello there, explain caching.'), max_tokens: 200 })}>go</button>
          <SpeedBadge status={s.status} requestedSpeed={s.requestedSpeed} servedSpeed={s.servedSpeed} fallback={s.fallback} retryAfterMs={s.retryAfterMs} />
          <OtpsMeter metrics={s.metrics} status={s.status} />
          <output data-testid="status">{s.status}</output>
        </>
      );
    }
    const { container } = render(<App />);
    // The first request may be served fast while the sim's bucket drains; ask until auto falls back.
    for (let i = 1; i <= 4; i++) {
      act(() => screen.getByText('go').click());
      await waitFor(() => expect(ended).toBe(i), { timeout: 10_000 });
      await waitFor(() => expect(['done', 'error']).toContain(screen.getByTestId('status').textContent));
      if (container.querySelector('[data-slipstream="speed-badge"]')!.getAttribute('data-state') === 'fallback') break;
    }
    const badge = container.querySelector('[data-slipstream="speed-badge"]') as HTMLElement;
    expect(screen.getByTestId('status').textContent).toBe('done');
    expect(badge.dataset.state).toBe('fallback');
    expect(badge.dataset.served).toBe('standard');
    expect(badge.textContent).toContain('Fell back to standard');
    const tip = screen.getByRole('tooltip', { hidden: true });
    expect(badge.getAttribute('aria-describedby')).toBe(tip.id);
    expect(tip.textContent).toMatch(/rate limit|budget/);
  });

  it('CompareRace measures fast against standard on the same prompt', async () => {
    const { fetch } = rig({ standardOtps: 200, ttftMs: 20 });
    let result: RaceResult | null = null;
    render(
      <CompareRace
        prompt="Compare quicksort and mergesort."
        request={{ model: 'claude-opus-4-6', max_tokens: 150 }}
        options={{ fetch }}
        onFinish={(r) => (result = r)}
      />,
    );
    act(() => screen.getByRole('button', { name: 'Race' }).click());
    await waitFor(() => expect(result).not.toBeNull(), { timeout: 15_000 });
    const r = result as unknown as RaceResult;
    expect(r.fastServedFast).toBe(true);
    // The sim serves fast at 2.5x; network-side measurement in-process lands near it.
    expect(r.otpsRatio!).toBeGreaterThan(1.5);
    expect(r.ttftDiffMs).not.toBeNull();
    expect(screen.getByRole('status', { name: '' }).textContent ?? '').toBeDefined();
    expect(document.querySelector('[data-part="result"]')!.textContent).toMatch(/Fast streamed \d\.\d\d× the output tokens per second of standard/);
  });

  it('a whole chat UI: Composer sends, the gauge shows the fast budget from the sim, cost is exact, Esc stops', async () => {
    const { fetch, sim } = rig({ standardOtps: 150, fastOutputTpm: 90_000 });
    function App() {
      const chat = useFastChat({ fetch, speed: 'fast', model: 'claude-opus-4-6', body: { max_tokens: 1500 } });
      const s = chat.stream;
      const last = chat.messages[chat.messages.length - 1];
      return (
        <>
          <ChatThread messages={chat.messages} />
          <RateLimitGauge rateLimit={s.rateLimit} retryAfterMs={chat.retryAfterMs} />
          {last && last.role === 'assistant' && (
            <CostTicker
              cost={last.cost}
              usage={last.usage}
              model={last.model ?? null}
              servedSpeed={last.servedSpeed}
              requestedSpeed={last.requestedSpeed}
              estimatedOutputTokens={last.metrics?.outputTokens.value ?? null}
            />
          )}
          <Composer status={chat.status} onSend={chat.send} onStop={chat.stop} />
        </>
      );
    }
    const { container } = render(<App />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.type(box, 'Hi!{Enter}');
    await waitFor(() => expect(screen.getAllByRole('article')[1]!.getAttribute('data-state')).toBe('done'), { timeout: 10_000 });
    // The sim's anthropic-fast-output-* headers, relayed by the edge, drive the gauge.
    const gauge = screen.getByRole('meter', { name: 'Fast output budget' });
    expect(gauge.getAttribute('aria-valuemax')).toBe('90000');
    expect(Number(gauge.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    expect(container.querySelector('[data-slipstream="cost-ticker"]')!.getAttribute('data-state')).toBe('exact');
    expect(container.querySelector('[data-slipstream="cost-ticker"]')!.textContent).toMatch(/^\$\d/);

    // A long reply, stopped from the keyboard.
    await userEvent.type(box, 'Write a long essay about rivers.{Enter}');
    await waitFor(() => expect(screen.getAllByRole('article')[3]?.querySelector('[data-md]')).toBeTruthy(), { timeout: 10_000 });
    await userEvent.type(box, '{Escape}');
    await waitFor(() => expect(screen.getAllByRole('article')[3]!.getAttribute('data-state')).toBe('aborted'));
    expect(screen.getAllByRole('article')[3]!.textContent).toContain('Stopped');
    await waitFor(() => expect(sim.stats().abortedStreams).toBe(1), { timeout: 5_000 });
  });

  it('XSS from a real stream (the sim replies with its hostile payloads) renders inert', async () => {
    const { fetch } = rig({ standardOtps: 2000 });
    function App() {
      const chat = useFastChat({ fetch, speed: 'standard', model: 'claude-opus-4-6', body: { max_tokens: 4000 } });
      return (
        <>
          <button onClick={() => chat.send('[[sim:xss]] <img src=x onerror=alert(1)> [x](javascript:alert(1))')}>send</button>
          <ChatThread messages={chat.messages} />
        </>
      );
    }
    const { container } = render(<App />);
    act(() => screen.getByText('send').click());
    let checks = 0;
    await waitFor(
      () => {
        // Checked on every poll while streaming, then at the end.
        expectInert(container);
        checks++;
        expect(screen.getAllByRole('article')[1]?.getAttribute('data-state')).toBe('done');
      },
      { timeout: 15_000, interval: 5 },
    );
    expectInert(container);
    const reply = screen.getAllByRole('article')[1]!;
    expect(reply.textContent).toContain('<script>alert(1)</script>');
    expect(screen.getAllByRole('article')[0]!.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(checks).toBeGreaterThan(1);
  });
});
