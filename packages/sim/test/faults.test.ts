import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { client, fastParams, post, sim, waitFor } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  // Slow enough (500 tok/s standard, 1250 fast) that a reply spans a few timer ticks.
  s = await sim({ standardOtps: 500 });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

const fault = (name: string, after?: number) => ({
  headers: { 'x-sim-fault': name, ...(after === undefined ? {} : { 'x-sim-fault-after': String(after) }) },
});

describe('faults through the SDK', () => {
  it('overloaded → OverloadedError (529) at maxRetries 0', async () => {
    const err = await client(s.url).beta.messages.stream(fastParams('hi'), fault('overloaded')).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    expect((err as APIError).status).toBe(529);
  });

  it('an injected overloaded fault is retried by the SDK and the retry succeeds', async () => {
    s.sim.injectFaults({ fault: 'overloaded', count: 1 });
    const msg = await client(s.url, { maxRetries: 2 }).beta.messages.create(fastParams('hi'));
    expect(msg.usage.speed).toBe('fast');
    expect(s.sim.stats().requests.byStatus).toEqual({ '200': 1, '529': 1 });
  });

  it('api_error → InternalServerError; x-sim-should-retry: false stops SDK retries', async () => {
    const err = await client(s.url, { maxRetries: 2 })
      .messages.create(
        { model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-sim-fault': 'api_error', 'x-sim-should-retry': 'false' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(s.sim.requests()).toHaveLength(1);
  });

  it('midstream_error → plain APIError of type overloaded_error; partial text is kept', async () => {
    const stream = client(s.url).beta.messages.stream(fastParams('[[sim:tokens=200]]'), fault('midstream_error', 20));
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err).not.toBeInstanceOf(Anthropic.OverloadedError);
    const e = err as APIError;
    expect(e.status).toBeUndefined();
    expect(e.type).toBe('overloaded_error');
    expect(e.headers?.get('request-id')).toMatch(/^req_/u);
    const partial = stream.currentMessage?.content[0];
    expect(partial?.type === 'text' && partial.text.length > 0).toBe(true);
    expect(texts.join('')).toBe(partial?.type === 'text' ? partial.text : '');
    const [record] = s.sim.streams();
    expect(record?.end).toBe('fault');
    expect(record?.outputTokens).toBe(20);
  });

  it('truncate → the stream ends without message_stop', async () => {
    const err = await client(s.url).beta.messages.stream(fastParams('[[sim:tokens=100]]'), fault('truncate', 10)).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect(String((err as Error).message)).toMatch(/stream ended without producing a Message/u);
  });

  it('slow_headers trips the SDK header timeout; a short delay only shifts TTFT', async () => {
    const err = await client(s.url, { timeout: 150 }).beta.messages.create(fastParams('hi'), fault('slow_headers', 1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    const t0 = performance.now();
    const stream = client(s.url).beta.messages.stream(fastParams('hi'), fault('slow_headers', 120));
    await stream.withResponse();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    expect((await stream.finalMessage()).usage.speed).toBe('fast');
  });

  it('stall stops sending mid-stream; the client abort ends it and the sim records client_abort', async () => {
    const stream = client(s.url).beta.messages.stream(fastParams('[[sim:tokens=100]]'), fault('stall', 10));
    let deltas = 0;
    stream.on('text', () => {
      deltas += 1;
    });
    await waitFor(() => deltas > 0);
    await new Promise((r) => setTimeout(r, 150));
    expect(s.sim.stats().activeStreams).toBe(1);
    stream.abort();
    await stream.done().catch(() => undefined);
    await waitFor(() => s.sim.stats().activeStreams === 0);
    const [record] = s.sim.streams();
    expect(record?.end).toBe('client_abort');
    expect(record?.outputTokens).toBe(10);
    expect(s.sim.stats().tokensAfterDisconnect).toEqual([0]);
  });

  it('drop resets the connection mid-stream', async () => {
    const err = await client(s.url).beta.messages.stream(fastParams('[[sim:tokens=100]]'), fault('drop', 10)).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await waitFor(() => s.sim.stats().activeStreams === 0);
    expect(s.sim.streams()[0]?.end).toBe('fault');
    // The sim keeps serving.
    expect((await client(s.url).beta.messages.create(fastParams('hi'))).usage.speed).toBe('fast');
  });

  it('drop: every delta written before the reset reaches the client', async () => {
    // Fast is 1250 tok/s here: the 10 tokens fall due within a few ms and are written in the same tick as
    // the reset, while Node's http response still holds them corked.
    let deltas = 0;
    const stream = client(s.url).beta.messages.stream(fastParams('[[sim:tokens=100]]'), fault('drop', 10));
    stream.on('streamEvent', (e) => {
      if (e.type === 'content_block_delta') deltas++;
    });
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await waitFor(() => s.sim.stats().activeStreams === 0);
    const [record] = s.sim.streams();
    expect(record?.end).toBe('fault');
    expect(record?.deltaTokens.reduce((a, b) => a + b, 0)).toBe(10);
    expect(deltas).toBe(record?.deltaTokens.length);
  });

  it('an unknown x-sim-fault is a 400', async () => {
    const res = await post(s.url, { model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-sim-fault': 'meteor' });
    expect(res.status).toBe(400);
  });
});

describe('fault queue: count, rate share, speed filter', () => {
  const body = (speed?: 'fast') => ({
    model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], ...(speed ? { speed } : {}),
  });

  it('hits only requests of the given speed, `count` times', async () => {
    s.sim.injectFaults({ fault: 'api_error', count: 2, speed: 'fast' });
    const beta = { 'anthropic-beta': 'fast-mode-2026-02-01' };
    expect((await post(s.url, body())).status).toBe(200);
    expect((await post(s.url, body('fast'), beta)).status).toBe(500);
    expect((await post(s.url, body('fast'), beta)).status).toBe(500);
    expect((await post(s.url, body('fast'), beta)).status).toBe(200);
  });

  it('a rate share hits some requests, repeatably for a seed', async () => {
    const run = async (): Promise<number[]> => {
      s.sim.reset();
      s.sim.injectFaults({ fault: 'overloaded', rate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await post(s.url, body())).status);
      return out;
    };
    const a = await run();
    expect(a.filter((x) => x === 529).length).toBeGreaterThan(3);
    expect(a.filter((x) => x === 200).length).toBeGreaterThan(3);
  });
});

describe('several configured rate faults', () => {
  it('each hits its own share of requests', async () => {
    const { createSim } = await import('../src/index.ts');
    const mixed = createSim({ ttftMs: 0, standardOtps: 0, jitter: 0, seed: 4, faults: [{ fault: 'overloaded', rate: 0.5 }, { fault: 'api_error', rate: 0.3 }] });
    const counts: Record<number, number> = {};
    for (let i = 0; i < 400; i++) {
      const res = await mixed.fetch(
        new Request('http://sim.test/v1/messages', {
          method: 'POST',
          headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: `q${i} [[sim:tokens=1]]` }] }),
        }),
      );
      await res.arrayBuffer();
      counts[res.status] = (counts[res.status] ?? 0) + 1;
    }
    expect(counts[529]! / 400).toBeGreaterThan(0.4);
    expect(counts[529]! / 400).toBeLessThan(0.6);
    expect(counts[500]! / 400).toBeGreaterThan(0.2);
    expect(counts[500]! / 400).toBeLessThan(0.4);
    expect(counts[200]! / 400).toBeGreaterThan(0.1);
  });
});

describe('control endpoints over HTTP', () => {
  it('queues faults, changes config, reports stats/streams/requests and resets', async () => {
    const q = await fetch(`${s.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ fault: 'overloaded', count: 1 }) });
    expect(q.status).toBe(200);
    const msg = { model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
    expect((await post(s.url, msg)).status).toBe(529);
    expect((await post(s.url, msg)).status).toBe(200);
    const stats = (await (await fetch(`${s.url}/_sim/stats`)).json()) as { requests: { byStatus: Record<string, number> } };
    expect(stats.requests.byStatus).toEqual({ '200': 1, '529': 1 });
    const streams = (await (await fetch(`${s.url}/_sim/streams`)).json()) as unknown[];
    expect(streams).toHaveLength(1);
    const requests = (await (await fetch(`${s.url}/_sim/requests`)).json()) as { body: unknown }[];
    expect(requests[0]?.body).toEqual(msg);

    expect((await fetch(`${s.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ ttftMs: 7, standardOtps: 900 }) })).status).toBe(200);
    const bad = await fetch(`${s.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ ttftMs: -1 }) });
    expect(bad.status).toBe(400);
    expect((await fetch(`${s.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ nope: 1 }) })).status).toBe(400);
    expect((await fetch(`${s.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ fault: 'meteor' }) })).status).toBe(400);
    expect((await fetch(`${s.url}/_sim/faults`, { method: 'POST', body: '{' })).status).toBe(400);

    expect((await fetch(`${s.url}/_sim/reset`, { method: 'POST' })).status).toBe(200);
    expect(s.sim.stats().requests.total).toBe(0);
    expect(s.sim.requests()).toEqual([]);
    s.sim.configure({ ttftMs: 5, standardOtps: 500 });
  });
});
