import { afterEach, describe, expect, it, vi } from 'vitest';
import { CALIBRATION_STORAGE_KEY, createMemoryCalibrationStorage, createWebCalibrationStorage, type KeyValueStorage } from '../src/calibration.ts';
import { notifyManager } from '../src/notify.ts';
import type { TokenCalibration } from '../src/protocol.ts';
import { ESTIMATOR_VERSION, estimateTextTokens } from '../src/token-estimator.ts';
import { createFastStream, type FastStreamOptions } from '../src/store.ts';
import { retryAfterRemainingMs, type FastStreamState, type StreamStatus } from '../src/stream-state.ts';
import { controlledBody, doneEvent, fakeClock, mockFetch, settle, startEvent, usageOf } from './store-helpers.ts';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };

/** A sync-notifying store that records every status it passes through. */
function setup(answers: Parameters<typeof mockFetch>, options: FastStreamOptions = {}) {
  const clock = fakeClock(1000);
  const { fetch, calls } = mockFetch(...answers);
  const stream = createFastStream({ fetch, clock, notify: 'sync', ...options });
  const statuses: StreamStatus[] = [];
  stream.subscribe(() => {
    const s = stream.getSnapshot().status;
    if (statuses[statuses.length - 1] !== s) statuses.push(s);
  });
  return { stream, clock, calls, statuses };
}

afterEach(() => {
  notifyManager.setNotifyFunction((cb) => cb());
});

describe('createFastStream: state machine', () => {
  it('starts idle with a stable, frozen snapshot equal to the server snapshot', () => {
    const stream = createFastStream();
    const s = stream.getSnapshot();
    expect(s.status).toBe('idle');
    expect(s.text).toBe('');
    expect(s.metrics.ttftMs).toBeNull();
    expect(stream.getSnapshot()).toBe(s);
    expect(stream.getServerSnapshot()).toBe(s);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('idle → submitted → streaming → done, with text, usage, served speed, cost and callbacks', async () => {
    const body = controlledBody();
    const onFinish = vi.fn();
    const onDelta = vi.fn();
    const onEvent = vi.fn();
    const { stream, clock, calls, statuses } = setup([body], {
      endpoint: '/x/chat',
      headers: () => ({ authorization: 'Bearer t' }),
      onFinish,
      onDelta,
      onEvent,
    });
    stream.start({ ...hello, speed: 'fast' });
    expect(stream.getSnapshot().status).toBe('submitted');
    await settle();
    expect(calls[0]?.url).toBe('/x/chat');
    expect(calls[0]?.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ ...hello, speed: 'fast' });
    expect(calls[0]?.init.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json' });

    clock.advance(100);
    body.event('start', startEvent());
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'streaming', messageId: 'msg_1', requestedSpeed: 'fast', attempt: 1 });
    body.event('text', { delta: 'Hel', step: 0, index: 0, t: 10 });
    body.event('thinking', { delta: 'hmm', step: 0, index: 0, t: 11 });
    await settle();
    clock.advance(100);
    body.event('text', { delta: 'lo!', step: 0, index: 0, t: 20 });
    body.event('usage', { ...usageOf(3), speed: 'fast', t: 21 });
    body.event('done', doneEvent(3));
    await settle();

    const s = stream.getSnapshot();
    expect(statuses).toEqual(['submitted', 'streaming', 'done']);
    expect(s).toMatchObject({ status: 'done', text: 'Hello!', thinking: 'hmm', servedSpeed: 'fast', stopReason: 'end_turn', error: null });
    expect(s.usage).toEqual(usageOf(3));
    // The edge sent no cost, so it is computed from the table: fast Opus 4.6, 10 in × $30/M + 3 out × $150/M.
    expect(s.cost?.totalUsd).toBeCloseTo((10 * 30 + 3 * 150) / 1e6, 12);
    expect(s.edge).toEqual({ firstDeltaT: 10, lastDeltaT: 20, totalT: 25, attempts: 1 });
    expect(onFinish).toHaveBeenCalledTimes(1);
    expect(onFinish.mock.calls[0]?.[0]).toBe(s);
    expect(onDelta.mock.calls).toEqual([
      ['Hel', 'text'],
      ['hmm', 'thinking'],
      ['lo!', 'text'],
    ]);
    expect(onEvent).toHaveBeenCalledTimes(6);
    expect(body.cancelled).toBe(true); // the store stops reading after done
  });

  it('stop() during submitted aborts the fetch: aborted, no error', async () => {
    const onError = vi.fn();
    const { stream, calls, statuses } = setup(['hang'], { onError });
    stream.start(hello);
    await settle();
    stream.stop();
    expect(stream.getSnapshot()).toMatchObject({ status: 'aborted', error: null, text: '' });
    expect((calls[0]?.init.signal as AbortSignal).aborted).toBe(true);
    await settle();
    expect(statuses).toEqual(['submitted', 'aborted']);
    expect(onError).not.toHaveBeenCalled();
  });

  it('stop() while streaming keeps the partial text and ignores what comes later', async () => {
    const body = controlledBody();
    const { stream, calls, statuses } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('start', startEvent());
    body.event('text', { delta: 'partial', step: 0, index: 0, t: 1 });
    await settle();
    stream.stop();
    expect((calls[0]?.init.signal as AbortSignal).aborted).toBe(true);
    body.event('text', { delta: ' more', step: 0, index: 0, t: 2 });
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'aborted', text: 'partial', error: null });
    expect(statuses).toEqual(['submitted', 'streaming', 'aborted']);
    stream.stop(); // no-op
    expect(stream.getSnapshot().status).toBe('aborted');
  });

  it('an error event before the first delta: error, no text', async () => {
    const body = controlledBody();
    const onError = vi.fn();
    const { stream, statuses } = setup([body], { onError });
    stream.start(hello);
    await settle();
    body.event('error', { kind: 'overloaded', message: 'Upstream is overloaded', status: 529, retryable: true, t: 3 });
    await settle();
    const s = stream.getSnapshot();
    expect(s).toMatchObject({ status: 'error', text: '', error: { kind: 'overloaded', status: 529 } });
    expect(statuses).toEqual(['submitted', 'error']);
    expect(onError).toHaveBeenCalledWith(s.error, s);
  });

  it('an error event after deltas keeps the text beside the typed error', async () => {
    const body = controlledBody();
    const { stream, clock } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('start', startEvent());
    body.event('text', { delta: 'Half an ans', step: 0, index: 0, t: 1 });
    await settle();
    clock.advance(50);
    body.event('error', { kind: 'stalled', message: 'Upstream stalled', retryable: true, retryAfterMs: 2000, t: 9 });
    body.event('text', { delta: 'ignored', step: 0, index: 0, t: 10 });
    await settle();
    const s = stream.getSnapshot();
    expect(s).toMatchObject({ status: 'error', text: 'Half an ans', error: { kind: 'stalled' } });
    expect(s.retryAt).toBe(1050 + 2000);
    expect(retryAfterRemainingMs(s, 1550)).toBe(1500);
    expect(retryAfterRemainingMs(s, 9999)).toBe(0);
  });

  it('a fallback event: fallback info, onFallback, a retry-after countdown; served speed from usage', async () => {
    const body = controlledBody();
    const onFallback = vi.fn();
    const { stream, clock } = setup([body], { onFallback });
    stream.start({ ...hello, speed: 'auto' });
    await settle();
    clock.advance(10);
    const fallback = { from: 'fast' as const, to: 'standard' as const, reason: 'rate_limited' as const, retryAfterMs: 30_000, t: 5 };
    body.event('ratelimit', { speed: 'fast', fast: { input: { limit: 10, remaining: 0, reset: null }, output: { limit: 10, remaining: 0, reset: null } }, retryAfterMs: 30_000, t: 4 });
    body.event('fallback', fallback);
    body.event('start', startEvent({ requestedSpeed: 'standard', attempt: 2 }));
    body.event('text', { delta: 'ok', step: 0, index: 0, t: 6 });
    body.event('usage', { ...usageOf(1), speed: 'standard', t: 7 });
    body.event('done', doneEvent(1, { speed: 'standard' }));
    await settle();
    const s = stream.getSnapshot();
    expect(s).toMatchObject({ status: 'done', fallback, requestedSpeed: 'standard', servedSpeed: 'standard', attempt: 2, policy: 'auto' });
    expect(s.rateLimit?.fast?.output.remaining).toBe(0);
    expect(s.retryAt).toBe(1010 + 30_000);
    expect(onFallback).toHaveBeenCalledWith(fallback);
  });

  it('a non-2xx JSON error body becomes that error, with retry-after from the header', async () => {
    const res = new Response(JSON.stringify({ error: { kind: 'rate_limited', message: 'Fast limit reached', status: 429, retryable: true } }), {
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
    });
    const { stream, statuses } = setup([res]);
    stream.start(hello);
    await settle();
    const s = stream.getSnapshot();
    expect(s.error).toEqual({ kind: 'rate_limited', message: 'Fast limit reached', status: 429, retryable: true, retryAfterMs: 7000 });
    expect(s.retryAt).toBe(1000 + 7000);
    expect(statuses).toEqual(['submitted', 'error']);
  });

  it('a non-JSON or unknown answer is a protocol error', async () => {
    const { stream } = setup([new Response('<html>Bad gateway</html>', { status: 502 })]);
    stream.start(hello);
    await settle();
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'protocol', status: 502, retryable: true });

    const { stream: s2 } = setup([new Response('<html>hi</html>', { status: 200, headers: { 'content-type': 'text/html' } })]);
    s2.start(hello);
    await settle();
    expect(s2.getSnapshot().error).toMatchObject({ kind: 'protocol', status: 200, retryable: false });

    const { stream: s3 } = setup([
      new Response('', { status: 200, headers: { 'content-type': 'text/event-stream', 'x-slipstream-protocol': '1' } }),
    ]);
    s3.start(hello);
    await settle();
    expect(s3.getSnapshot().error?.message).toMatch(/edge speaks Slipstream protocol 1; this client speaks protocol 2/);
  });

  it('a fetch rejection is a network error', async () => {
    const { stream, statuses } = setup([new TypeError('Failed to fetch')]);
    stream.start(hello);
    await settle();
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'network', retryable: true });
    expect(stream.getSnapshot().error?.message).toMatch(/Failed to fetch/);
    expect(statuses).toEqual(['submitted', 'error']);
  });

  it('a stream that ends without done or error is a network error; the text is kept', async () => {
    const body = controlledBody();
    const { stream } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('start', startEvent());
    body.event('text', { delta: 'cut', step: 0, index: 0, t: 1 });
    body.close();
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'error', text: 'cut', error: { kind: 'network', message: expect.stringMatching(/ended early/) } });
  });

  it('a connection dropped mid-stream is a network error; the text is kept', async () => {
    const body = controlledBody();
    const { stream } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('text', { delta: 'cut', step: 0, index: 0, t: 1 });
    await settle();
    body.error(new TypeError('socket hang up'));
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'error', text: 'cut', error: { kind: 'network' } });
  });

  it('bad JSON mid-stream is a protocol error; the text is kept', async () => {
    const body = controlledBody();
    const { stream } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('text', { delta: 'good', step: 0, index: 0, t: 1 });
    body.send('event: text\ndata: {oops\n\n');
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'error', text: 'good', error: { kind: 'protocol' } });
    expect(body.cancelled).toBe(true);
  });

  it('an invalid body fails with invalid_request and never fetches', async () => {
    const { stream, calls } = setup([]);
    stream.start({ messages: [{ role: 'assistant', content: 'x' }] });
    await settle();
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'invalid_request', field: 'messages[0].role', retryable: false });
    expect(calls).toHaveLength(0);
  });

  it('merges defaults under the body', async () => {
    const body = controlledBody();
    const { stream, calls } = setup([body], { defaults: { speed: 'fast', model: 'claude-opus-4-8' } });
    stream.start({ ...hello, model: 'claude-opus-4-6' });
    await settle();
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ ...hello, speed: 'fast', model: 'claude-opus-4-6' });
    expect(stream.getSnapshot().policy).toBe('fast');
  });

  it('retry() re-sends the last request', async () => {
    const { stream, calls } = setup([new TypeError('offline'), controlledBody()]);
    stream.retry(); // nothing to retry yet
    expect(stream.getSnapshot().status).toBe('idle');
    stream.start({ ...hello, speed: 'fast' });
    await settle();
    expect(stream.getSnapshot().status).toBe('error');
    stream.retry();
    expect(stream.getSnapshot()).toMatchObject({ status: 'submitted', error: null, text: '' });
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.init.body).toBe(calls[0]?.init.body);
  });

  it('starting while streaming aborts the previous request and ignores its late events', async () => {
    const first = controlledBody();
    const second = controlledBody();
    const { stream, calls } = setup([first, second]);
    stream.start(hello);
    await settle();
    first.event('text', { delta: 'old', step: 0, index: 0, t: 1 });
    await settle();
    stream.start({ messages: [{ role: 'user', content: 'Again' }] });
    expect((calls[0]?.init.signal as AbortSignal).aborted).toBe(true);
    expect(stream.getSnapshot()).toMatchObject({ status: 'submitted', text: '' });
    await settle();
    first.event('text', { delta: 'stale', step: 0, index: 0, t: 2 });
    second.event('text', { delta: 'new', step: 0, index: 0, t: 1 });
    await settle();
    expect(stream.getSnapshot().text).toBe('new');
  });

  it('reset() goes back to idle; destroy() stops everything', async () => {
    const body = controlledBody();
    const { stream, calls } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('text', { delta: 'x', step: 0, index: 0, t: 1 });
    await settle();
    stream.reset();
    expect(stream.getSnapshot()).toMatchObject({ status: 'idle', text: '', request: null });
    expect((calls[0]?.init.signal as AbortSignal).aborted).toBe(true);
    const listener = vi.fn();
    stream.subscribe(listener);
    stream.destroy();
    expect(() => stream.start(hello)).toThrow(/destroy/);
    expect(listener).not.toHaveBeenCalled();
  });

  it('methods work detached', async () => {
    const { fetch } = mockFetch('hang');
    const { start, stop, getSnapshot, subscribe } = createFastStream({ fetch, notify: 'sync' });
    const unsubscribe = subscribe(() => {});
    start(hello);
    stop();
    expect(getSnapshot().status).toBe('aborted');
    unsubscribe();
  });
});

describe('createFastStream: snapshots and notifications', () => {
  it('returns the same snapshot until something changes, and never mutates an old one', async () => {
    const body = controlledBody();
    const { stream } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('text', { delta: 'a', step: 0, index: 0, t: 1 });
    await settle();
    const a = stream.getSnapshot();
    expect(stream.getSnapshot()).toBe(a);
    body.event('text', { delta: 'b', step: 0, index: 0, t: 2 });
    await settle();
    const b = stream.getSnapshot();
    expect(b).not.toBe(a);
    expect(a.text).toBe('a');
    expect(b.text).toBe('ab');
    expect(Object.isFrozen(b)).toBe(true);
  });

  it("'frame' mode: 1000 deltas in a burst reach listeners as a few notifications, timestamps exact", async () => {
    const body = controlledBody();
    const clock = fakeClock(0);
    const { fetch } = mockFetch(body);
    const stream = createFastStream({ fetch, clock });
    let notifications = 0;
    stream.subscribe(() => notifications++);
    stream.start(hello);
    await settle();
    for (let i = 0; i < 1000; i++) {
      clock.advance(1);
      body.event('text', { delta: 'x', step: 0, index: 0, t: i });
      // Let each chunk be read on its own, like separate network reads.
      await Promise.resolve();
      await Promise.resolve();
      await Promise.resolve();
    }
    body.event('done', doneEvent(1000));
    await settle(20);
    const s = stream.getSnapshot();
    expect(s.status).toBe('done');
    expect(s.text).toHaveLength(1000);
    expect(notifications).toBeGreaterThan(0);
    expect(notifications).toBeLessThanOrEqual(5);
    // Stamps come from reads, not from notifications: many distinct arrival times were seen.
    expect(s.metrics.gaps.count).toBeGreaterThan(100);
  });

  it('a numeric notify interval batches too; sync notifies per change', async () => {
    const run = async (notify: FastStreamOptions['notify']) => {
      const body = controlledBody();
      const { fetch } = mockFetch(body);
      const stream = createFastStream({ fetch, notify });
      let n = 0;
      stream.subscribe(() => n++);
      stream.start(hello);
      await settle();
      for (let i = 0; i < 100; i++) {
        body.event('text', { delta: 'x', step: 0, index: 0, t: i });
        await Promise.resolve();
        await Promise.resolve();
        await Promise.resolve();
      }
      body.event('done', doneEvent(100));
      await settle(60);
      return n;
    };
    expect(await run(50)).toBeLessThanOrEqual(4);
    expect(await run('sync')).toBeGreaterThanOrEqual(100);
  }, 30_000);

  it('notifies through notifyManager (tests can wrap it in act)', async () => {
    const wrapped = vi.fn((cb: () => void) => cb());
    notifyManager.setNotifyFunction(wrapped);
    const { stream } = setup(['hang']);
    stream.start(hello);
    expect(wrapped).toHaveBeenCalled();
    stream.stop();
  });

  it('notifies over a copy of the listener set', async () => {
    const { fetch } = mockFetch('hang');
    const stream = createFastStream({ fetch, notify: 'sync' });
    const calls: string[] = [];
    const unsubscribeB = stream.subscribe(() => calls.push('b'));
    let unsubscribeA = (): void => {};
    unsubscribeA = stream.subscribe(() => {
      calls.push('a');
      unsubscribeA();
      unsubscribeB();
      stream.subscribe(() => calls.push('late'));
    });
    stream.start(hello);
    expect(calls).toEqual(['b', 'a']);
    stream.stop();
  });

  it('does not notify when nothing changed', async () => {
    const { fetch } = mockFetch('hang');
    const stream = createFastStream({ fetch, notify: 'sync' });
    const listener = vi.fn();
    stream.subscribe(listener);
    stream.stop(); // nothing in flight
    stream.retry(); // nothing to retry
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('createFastStream: metrics through the store', () => {
  it('stamps at arrival with the injected clock and calibrates the next reply', async () => {
    const first = controlledBody();
    const second = controlledBody();
    const { stream, clock } = setup([first, second]);
    stream.start(hello); // sent at 1000
    await settle();
    clock.t = 1200;
    first.event('start', startEvent());
    first.event('text', { delta: 'one two three four five six seven eight', step: 0, index: 0, t: 200 });
    await settle();
    clock.t = 1300;
    first.event('text', { delta: ' nine ten eleven twelve', step: 0, index: 0, t: 300 });
    await settle();
    clock.t = 1600;
    first.event('text', { delta: ' a b c d e f g h. ', step: 0, index: 0, t: 600 });
    await settle();
    // Streaming: the counter's estimate of the text so far (about one token per word and per "."),
    // the headline (estimate − 1) / 0.4 s.
    const counted = estimateTextTokens('one two three four five six seven eight nine ten eleven twelve a b c d e f g h. ');
    expect(counted).toBeGreaterThan(20);
    expect(counted).toBeLessThan(22);
    let m: FastStreamState['metrics'] = stream.getSnapshot().metrics;
    expect(m.ttftMs).toBe(200);
    expect(m.otps.value).toBeCloseTo((counted - 1) / 0.4, 9);
    expect(m.otps.isEstimate).toBe(true);
    expect(m.outputTokens).toEqual({ value: Math.round(counted), isEstimate: true });
    first.event('done', doneEvent(30));
    await settle();
    m = stream.getSnapshot().metrics;
    // Exact: (30 − 1) / 0.4 = 72.5; effective 30 / 0.6 = 50.
    expect(m.otps).toEqual({ value: 72.5, isEstimate: false });
    expect(m.effectiveOtps.value).toBeCloseTo(50, 10);
    expect(m.liveOtps).toMatchObject({ value: 72.5, isEstimate: false, state: 'final' });
    expect(m.gaps).toEqual({ p50: 200, p90: 280, max: 300, count: 2 });

    // Next reply: calibrated at 30 real ÷ ~21 counted ≈ 1.43 per counted prose token.
    clock.t = 5000;
    stream.start(hello);
    await settle();
    clock.t = 5100;
    second.event('start', startEvent());
    second.event('text', { delta: 'Hi', step: 0, index: 0, t: 1 });
    await settle();
    clock.t = 5200;
    second.event('text', { delta: ' there', step: 0, index: 0, t: 2 });
    await settle();
    m = stream.getSnapshot().metrics;
    expect(m.outputTokens).toEqual({ value: Math.round((estimateTextTokens('Hi there') * 30) / counted), isEstimate: true }); // ≈ 2 × 1.43
    expect(m.ttftMs).toBe(100);
  });
});

describe('createFastStream: hardening', () => {
  it('a malformed event the store relies on is a protocol error; the text is kept', async () => {
    const body = controlledBody();
    const { stream } = setup([body]);
    stream.start(hello);
    await settle();
    body.event('text', { delta: 'ok', step: 0, index: 0, t: 1 });
    body.send('event: text\ndata: {"index":0,"t":2}\n\n');
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'error', text: 'ok', error: { kind: 'protocol', message: expect.stringMatching(/delta/) } });
  });

  it('a throwing headers() hook becomes a typed error, not an unhandled rejection', async () => {
    const { stream, calls } = setup(['hang'], {
      headers: () => {
        throw new Error('no token');
      },
    });
    stream.start(hello);
    await settle();
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'network', message: expect.stringMatching(/no token/) });
    expect(calls).toHaveLength(0);
  });

  it('checks bodies against configurable limits, or not at all', async () => {
    const long = { messages: [{ role: 'user' as const, content: 'x'.repeat(20) }] };
    const { stream } = setup([], { limits: { maxMessageChars: 10 } });
    stream.start(long);
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'invalid_request', field: 'messages[0].content' });
    const { stream: unchecked, calls } = setup(['hang'], { limits: false });
    unchecked.start({ messages: [] });
    await settle();
    expect(calls).toHaveLength(1);
    unchecked.stop();
  });

  it('a throwing user callback does not break the stream', async () => {
    const body = controlledBody();
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onUncaught);
    const { stream } = setup([body], {
      onDelta: () => {
        throw new Error('user bug');
      },
    });
    stream.start(hello);
    await settle();
    body.event('text', { delta: 'a', step: 0, index: 0, t: 1 });
    body.event('done', doneEvent(1));
    await settle();
    process.off('uncaughtException', onUncaught);
    expect(stream.getSnapshot()).toMatchObject({ status: 'done', text: 'a' });
  });
});

describe('createFastStream: proxy-buffering verdict', () => {
  it('flags a reply the edge produced over a second that arrived in one read at the end', async () => {
    const body = controlledBody();
    const { stream, clock } = setup([body]);
    stream.start(hello);
    await settle();
    clock.t = 3000;
    // One network read carrying everything, although the edge stamped the deltas 0 … 980 ms.
    const { encodeEvent } = await import('../src/sse-encode.ts');
    let all = encodeEvent('start', startEvent());
    for (let i = 0; i < 50; i++) all += encodeEvent('text', { delta: 'word ', step: 0, index: 0, t: i * 20 });
    all += encodeEvent('done', doneEvent(50));
    body.send(all);
    await settle();
    const s = stream.getSnapshot();
    expect(s.status).toBe('done');
    expect(s.metrics.proxyBuffered).toBe(true);
    expect(s.metrics.otps.value).toBeNull(); // no time passed between first and last delta: no honest rate
  });
});

describe('createFastStream: token calibration', () => {
  const MODEL = 'claude-opus-4-6';
  const edgeCal = (scale: number, sampleTokens: number): TokenCalibration => ({
    model: MODEL,
    charsPerToken: 3.5,
    sampleTokens,
    estimator: { version: ESTIMATOR_VERSION, scale: { prose: scale }, classTokens: { prose: sampleTokens } },
  });
  const words = (n: number): string => ' word'.repeat(n);

  function kvStorage(): KeyValueStorage & { map: Map<string, string> } {
    const map = new Map<string, string>();
    return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
  }

  it("uses the edge's calibration from start for a brand-new client, from the first delta", async () => {
    const body = controlledBody();
    const { stream } = setup([body], { calibration: createMemoryCalibrationStorage() });
    stream.start(hello);
    await settle();
    body.event('start', startEvent({ calibration: edgeCal(1.25, 10_000) }));
    body.event('text', { delta: words(40), step: 0, index: 0, t: 1 });
    await settle();
    expect(stream.getSnapshot().metrics.outputTokens.value).toBe(50); // 40 counted × 1.25
  });

  it('stores what each reply teaches per model, so a new store (a returning user) starts calibrated without the edge', async () => {
    const kv = kvStorage();
    const first = controlledBody();
    const a = setup([first], { calibration: createWebCalibrationStorage(kv) }).stream;
    a.start(hello);
    await settle();
    first.event('start', startEvent());
    first.event('text', { delta: words(100), step: 0, index: 0, t: 1 });
    first.event('done', doneEvent(120));
    await settle();
    expect(JSON.parse(kv.map.get(`${CALIBRATION_STORAGE_KEY}${MODEL}`) as string)).toMatchObject({ model: MODEL, sampleTokens: 120 });

    const second = controlledBody();
    const b = setup([second], { calibration: createWebCalibrationStorage(kv) }).stream;
    b.start(hello);
    await settle();
    second.event('start', startEvent()); // an edge isolate with no calibration yet
    second.event('text', { delta: words(50), step: 0, index: 0, t: 1 });
    await settle();
    expect(b.getSnapshot().metrics.outputTokens.value).toBe(60); // 50 × 1.2
  });

  it('prefers the calibration measured over more tokens, stored or from the edge', async () => {
    const storage = createMemoryCalibrationStorage();
    storage.save(edgeCal(1.5, 50_000));
    const body = controlledBody();
    const { stream } = setup([body], { calibration: storage });
    stream.start(hello);
    await settle();
    body.event('start', startEvent({ calibration: edgeCal(1.25, 100) }));
    body.event('text', { delta: words(40), step: 0, index: 0, t: 1 });
    await settle();
    expect(stream.getSnapshot().metrics.outputTokens.value).toBe(60); // the stored 1.5
  });

  it('ignores a malformed calibration from the wire', async () => {
    const body = controlledBody();
    const { stream } = setup([body], { calibration: false });
    stream.start(hello);
    await settle();
    body.event('start', startEvent({ calibration: { model: MODEL, charsPerToken: -3, sampleTokens: 1 } }));
    body.event('text', { delta: words(40), step: 0, index: 0, t: 1 });
    await settle();
    expect(stream.getSnapshot().metrics.outputTokens.value).toBe(40);
  });
});
