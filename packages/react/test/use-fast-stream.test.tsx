import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { notifyManager } from '@slipstream/core';
import { Activity, StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useFastStream, type UseFastStreamOptions } from '../src/hooks/use-fast-stream.ts';
import { SpeedBadge } from '../src/components/speed-badge.tsx';
import { fakeFetch, reply, sseResponse } from './helpers.ts';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
afterEach(cleanup);

const hi = { messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('useFastStream', { timeout: 20_000 }, () => {
  it('streams a reply: submitted → streaming → done, with served speed, exact metrics, usage and cost', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse([{ wait: 30 }, ...reply({ every: 5 })], signal));
    const seen = new Set<string>();
    const { result } = renderHook(() => {
      const s = useFastStream({ fetch, endpoint: '/edge/chat' });
      seen.add(s.status);
      return s;
    });
    expect(result.current.status).toBe('idle');
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('done'));
    const s = result.current;
    expect(seen).toEqual(new Set(['idle', 'submitted', 'streaming', 'done']));
    expect(s.text).toBe('Hello from the fast lane. It streams quickly.');
    expect(s.servedSpeed).toBe('fast');
    expect(s.requestedSpeed).toBe('fast');
    expect(s.metrics.otps.isEstimate).toBe(false);
    expect(s.metrics.ttftMs).not.toBeNull();
    expect(s.usage?.outputTokens).toBe(11);
    expect(s.cost?.totalUsd).toBeGreaterThan(0);
    expect(fetch.calls[0]!.url).toBe('/edge/chat');
  });

  it('fills speed and model from options, and the body wins', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply(), signal));
    const { result, rerender } = renderHook((o: UseFastStreamOptions) => useFastStream(o), {
      initialProps: { fetch, speed: 'standard', model: 'claude-opus-4-6' },
    });
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(fetch.calls[0]!.body).toMatchObject({ speed: 'standard', model: 'claude-opus-4-6' });
    // Changing options does not recreate the store.
    const stream = result.current.stream;
    rerender({ fetch, speed: 'fast', model: 'claude-opus-4-6' });
    expect(result.current.stream).toBe(stream);
    act(() => result.current.start({ ...hi, speed: 'auto' }));
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(fetch.calls[1]!.body.speed).toBe('auto');
    act(() => result.current.start(hi));
    await waitFor(() => expect(fetch.calls).toHaveLength(3));
    expect(fetch.calls[2]!.body.speed).toBe('fast');
  });

  it('calls the latest callbacks without recreating the store', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply(), signal));
    const first = vi.fn();
    const second = vi.fn();
    const { result, rerender } = renderHook((o: UseFastStreamOptions) => useFastStream(o), {
      initialProps: { fetch, onFinish: first },
    });
    rerender({ fetch, onFinish: second });
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    expect(second.mock.calls[0]![0].usage.outputTokens).toBe(11);
  });

  it('stop() aborts the request and keeps the partial text', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ chunks: 20, every: 30, text: 'x'.repeat(200) }), signal));
    const { result } = renderHook(() => useFastStream({ fetch }));
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.text.length).toBeGreaterThan(20));
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.status).toBe('aborted'));
    expect(fetch.calls[0]!.signal?.aborted).toBe(true);
    const kept = result.current.text;
    expect(kept.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(result.current.text).toBe(kept);
    expect(result.current.error).toBeNull();
  });

  it('an error event keeps the partial text and reports a typed error', async () => {
    const onError = vi.fn();
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ errorAfter: { chunks: 3, message: 'Upstream broke' } }), signal));
    const { result } = renderHook(() => useFastStream({ fetch, onError }));
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.text).toBe('Hello from the fast lane. It st'.slice(0, result.current.text.length));
    expect(result.current.text.length).toBeGreaterThan(10);
    expect(result.current.error).toMatchObject({ kind: 'upstream', message: 'Upstream broke' });
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('reports a fallback, which the badge explains', async () => {
    const onFallback = vi.fn();
    const fetch = fakeFetch((_b, signal) =>
      sseResponse(
        reply({
          requested: 'standard',
          served: 'standard',
          fallback: { event: 'fallback', data: { from: 'fast', to: 'standard', reason: 'rate_limited', retryAfterMs: 20_000, t: 0 } },
        }),
        signal,
      ),
    );
    function App() {
      const s = useFastStream({ fetch, onFallback });
      return (
        <>
          <button onClick={() => s.start(hi)}>go</button>
          <SpeedBadge status={s.status} requestedSpeed={s.requestedSpeed} servedSpeed={s.servedSpeed} fallback={s.fallback} retryAfterMs={s.retryAfterMs} />
        </>
      );
    }
    const { container } = render(<App />);
    act(() => screen.getByText('go').click());
    await waitFor(() => expect(container.querySelector('[data-slipstream="speed-badge"]')?.getAttribute('data-state')).toBe('fallback'));
    expect(onFallback).toHaveBeenCalledWith(expect.objectContaining({ reason: 'rate_limited' }));
    expect(screen.getByRole('tooltip', { hidden: true }).textContent).toMatch(/rate limit.*Fast expected back in (19|20) s/);
  });

  it('retry() sends the last request again', async () => {
    const fetch = fakeFetch((_b, signal, n) =>
      sseResponse(n === 1 ? reply({ errorAfter: { chunks: 1, message: 'Overloaded' } }) : reply(), signal),
    );
    const { result } = renderHook(() => useFastStream({ fetch, speed: 'fast' }));
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('error'));
    act(() => result.current.retry());
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(fetch.calls).toHaveLength(2);
    expect(fetch.calls[1]!.body).toEqual(fetch.calls[0]!.body);
    expect(result.current.error).toBeNull();
    act(() => result.current.reset());
    await waitFor(() => expect(result.current.status).toBe('idle'));
    expect(result.current.text).toBe('');
  });

  it('counts retry-after down live after a 429', async () => {
    const fetch = fakeFetch(
      () =>
        new Response(JSON.stringify({ error: { kind: 'rate_limited', message: 'Slow down', retryable: true, retryAfterMs: 3000, status: 429 } }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '3' },
        }),
    );
    const { result } = renderHook(() => useFastStream({ fetch }));
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error?.kind).toBe('rate_limited');
    const first = result.current.retryAfterMs!;
    expect(first).toBeGreaterThan(2000);
    expect(first).toBeLessThanOrEqual(3000);
    await waitFor(() => expect(result.current.retryAfterMs!).toBeLessThan(first - 400), { timeout: 2000 });
  });

  it('aborts the request on unmount', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ chunks: 20, every: 50 }), signal));
    const { result, unmount } = renderHook(() => useFastStream({ fetch }));
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('streaming'));
    unmount();
    await Promise.resolve();
    await Promise.resolve();
    expect(fetch.calls[0]!.signal?.aborted).toBe(true);
  });

  it('is StrictMode-safe: one store, one request, streams to the end, aborts on real unmount', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ every: 5 }), signal));
    const streams = new Set<unknown>();
    const { result, unmount } = renderHook(
      () => {
        const s = useFastStream({ fetch });
        streams.add(s.stream);
        return s;
      },
      { wrapper: StrictMode },
    );
    // StrictMode may build a throw-away store in the lazy initializer; only one is ever used.
    const used = result.current.stream;
    await new Promise((r) => setTimeout(r, 0));
    act(() => result.current.start(hi));
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(result.current.stream).toBe(used);
    expect(fetch.calls).toHaveLength(1);
    expect(result.current.text).toContain('fast lane');
    act(() => result.current.start(hi));
    unmount();
    await Promise.resolve();
    await Promise.resolve();
    expect(fetch.calls[1]!.signal?.aborted).toBe(true);
  });

  it('gets a fresh store when an <Activity> is hidden and shown again', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ chunks: 20, every: 20 }), signal));
    let latest: ReturnType<typeof useFastStream> | null = null;
    function Inner() {
      latest = useFastStream({ fetch });
      return <p>{latest.status}</p>;
    }
    const { rerender } = render(
      <Activity mode="visible">
        <Inner />
      </Activity>,
    );
    act(() => latest!.start(hi));
    await waitFor(() => expect(latest!.status).toBe('streaming'));
    rerender(
      <Activity mode="hidden">
        <Inner />
      </Activity>,
    );
    await Promise.resolve();
    await Promise.resolve();
    // Hidden: effects cleaned up, the request aborted.
    expect(fetch.calls[0]!.signal?.aborted).toBe(true);
    rerender(
      <Activity mode="visible">
        <Inner />
      </Activity>,
    );
    await waitFor(() => expect(latest!.status).toBe('idle'));
    act(() => latest!.start(hi));
    await waitFor(() => expect(latest!.status).toBe('done'));
    expect(fetch.calls).toHaveLength(2);
  });

  it('renders on the server with the idle snapshot and sends nothing', () => {
    const fetch = fakeFetch(() => sseResponse(reply()));
    function App() {
      const s = useFastStream({ fetch });
      return <p data-status={s.status}>{s.text || 'empty'}</p>;
    }
    const html = renderToString(<App />);
    expect(html).toContain('data-status="idle"');
    expect(fetch.calls).toHaveLength(0);
  });
});
