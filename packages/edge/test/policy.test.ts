/** Every speed-policy path, end to end: browser protocol ⇄ edge ⇄ SDK ⇄ sim. */
import Anthropic from '@anthropic-ai/sdk';
import { FAST_MODE_BETA } from '@slipstream/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryFallbackStore } from '../src/index.ts';
import { chat, FAKE_KEY, post, startRig, user, type Rig } from './helpers.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

let rig: Rig;
let clockOffset = 0;
const now = () => Date.now() + clockOffset;
const store = createMemoryFallbackStore(1000, now);

/** What the sim was asked, in order: `fast` when the body said so. */
const askedSpeeds = () =>
  rig.sim.sim.requests().map((r) => ((r.body as { speed?: string } | undefined)?.speed === 'fast' ? 'fast' : 'standard'));

beforeAll(async () => {
  rig = await startRig({}, { fallbackStore: store, now, retryBaseMs: 20 });
});
afterAll(async () => {
  await rig.close();
});
beforeEach(async () => {
  rig.sim.sim.reset();
  await store.clear?.();
  clockOffset = 0;
  rig.logs.length = 0;
});

describe('speed policy', () => {
  it('fast: asks for fast with the beta and serves fast', async () => {
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=30]]'), speed: 'fast' });
    expect(r.res.status).toBe(200);
    expect(r.names[0]).toBe('ratelimit');
    expect(r.names.slice(-2)).toEqual(['usage', 'done']);
    expect(r.find('start')?.data).toMatchObject({ requestedSpeed: 'fast', policy: 'fast', attempt: 1, protocol: 2 });
    expect(r.find('done')?.data).toMatchObject({ speed: 'fast', usage: { outputTokens: 30 } });
    const sent = rig.sim.sim.requests()[0]!;
    expect(sent.headers['anthropic-beta']).toContain(FAST_MODE_BETA);
    expect((sent.body as { speed?: string }).speed).toBe('fast');
    expect(sent.headers['x-stainless-retry-count']).toBe('0');
  });

  it('standard: never asks for fast', async () => {
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=10]]'), speed: 'standard' });
    expect(r.find('start')?.data.requestedSpeed).toBe('standard');
    expect(r.find('done')?.data.speed).toBe('standard');
    expect(r.names).not.toContain('fallback');
    expect(askedSpeeds()).toEqual(['standard']);
  });

  it('auto (default): fast when it can be had', async () => {
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=10]]') });
    expect(r.find('start')?.data).toMatchObject({ requestedSpeed: 'fast', policy: 'auto' });
    expect(r.find('usage')?.data.speed).toBe('fast');
  });

  it('auto: a fast 429 falls back to standard at once, with fallback before start', async () => {
    rig.sim.sim.injectFaults({ fault: 'rate_limit', after: 3000, speed: 'fast' });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=10]]'), conversationId: 'conv-a' });
    expect(r.names.indexOf('fallback')).toBeLessThan(r.names.indexOf('start'));
    const fb = r.find('fallback')!.data;
    expect(fb).toMatchObject({ from: 'fast', to: 'standard', reason: 'rate_limited', retryAfterMs: 3000 });
    expect(Date.parse(fb.until!)).toBeGreaterThan(Date.now());
    expect(r.find('start')?.data).toMatchObject({ requestedSpeed: 'standard', attempt: 2 });
    expect(r.find('done')?.data.speed).toBe('standard');
    expect(askedSpeeds()).toEqual(['fast', 'standard']);
    // The 429's headers were forwarded, fast budget included.
    const rl = r.events.filter((e) => e.event === 'ratelimit');
    expect(rl[0]?.data).toMatchObject({ speed: 'fast', retryAfterMs: 3000, fast: { output: { remaining: 0 } } });
    // The fast SDK attempt was not retried by the SDK (no second fast request).
    expect(rig.sim.sim.requests()[0]!.headers['x-stainless-retry-count']).toBe('0');
  });

  it('auto: the fallback is sticky until the reset (no 429 round trip, no flip), then fast again', async () => {
    rig.sim.sim.injectFaults({ fault: 'rate_limit', after: 5000, speed: 'fast' });
    await chat(rig.chatUrl, { messages: user('one [[sim:tokens=5]]'), conversationId: 'conv-b' });
    const second = await chat(rig.chatUrl, { messages: user('two [[sim:tokens=5]]'), conversationId: 'conv-b' });
    expect(second.find('fallback')?.data).toMatchObject({ reason: 'remembered', from: 'fast', to: 'standard' });
    expect(second.find('start')?.data).toMatchObject({ requestedSpeed: 'standard', attempt: 1 });
    // Another conversation on the same key also skips the round trip while retry-after runs.
    const other = await chat(rig.chatUrl, { messages: user('three [[sim:tokens=5]]'), conversationId: 'conv-c' });
    expect(other.find('fallback')?.data.reason).toBe('remembered');
    expect(askedSpeeds()).toEqual(['fast', 'standard', 'standard', 'standard']);

    clockOffset = 6_000; // past retry-after and the reset
    const later = await chat(rig.chatUrl, { messages: user('four [[sim:tokens=5]]'), conversationId: 'conv-b' });
    expect(later.names).not.toContain('fallback');
    expect(later.find('done')?.data.speed).toBe('fast');
  });

  it('auto: goes standard pre-emptively when the last fast budget cannot cover max_tokens', async () => {
    await rig.close();
    rig = await startRig({ fastOutputTpm: 1000 }, { fallbackStore: store, now, retryBaseMs: 20 });
    const ask = (n: number) => chat(rig.chatUrl, { messages: user(`q${n} [[sim:tokens=300]]`), max_tokens: 800 });
    const a = await ask(1); // budget seen: 1000
    const b = await ask(2); // budget seen: ~700
    expect(a.find('done')?.data.speed).toBe('fast');
    expect(b.find('done')?.data.speed).toBe('fast');
    const rl = b.events.find((e) => e.event === 'ratelimit');
    expect(rl?.event === 'ratelimit' && rl.data.fast?.output.remaining).toBeLessThan(800);
    const c = await ask(3);
    expect(c.find('fallback')?.data).toMatchObject({ reason: 'budget_low', to: 'standard' });
    expect(c.find('done')?.data.speed).toBe('standard');
    expect(askedSpeeds()).toEqual(['fast', 'fast', 'standard']);
    await rig.close();
    rig = await startRig({}, { fallbackStore: store, now, retryBaseMs: 20 });
  });

  it('unsupported model: auto goes standard with a fallback, fast gets a clear 400', async () => {
    const auto = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=5]]'), model: 'claude-haiku-4-5' });
    expect(auto.find('fallback')?.data).toMatchObject({ reason: 'unsupported_model', to: 'standard' });
    expect(auto.find('done')?.data).toMatchObject({ speed: 'standard', model: 'claude-haiku-4-5' });
    const sent = rig.sim.sim.requests()[0]!;
    expect((sent.body as { speed?: string }).speed).toBeUndefined();

    const res = await post(rig.chatUrl, { messages: user('Hi'), model: 'claude-haiku-4-5', speed: 'fast' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { kind: 'unsupported', field: 'speed', status: 400, retryable: false } });
    expect(rig.sim.sim.requests()).toHaveLength(1); // nothing sent upstream
  });

  it('fast: a fast 429 with a short retry-after is waited out once, a long one is an error', async () => {
    rig.sim.sim.injectFaults({ fault: 'rate_limit', after: 150, speed: 'fast' });
    const short = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=5]]'), speed: 'fast' });
    expect(short.find('done')?.data.speed).toBe('fast');
    expect(short.find('start')?.data.attempt).toBe(2);
    expect(askedSpeeds()).toEqual(['fast', 'fast']);

    rig.sim.sim.reset();
    rig.sim.sim.injectFaults({ fault: 'rate_limit', after: 30_000, speed: 'fast' });
    const long = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=5]]'), speed: 'fast' });
    expect(long.names).not.toContain('start');
    expect(long.names.at(-1)).toBe('error');
    expect(long.find('error')?.data).toMatchObject({ kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 30_000 });
    expect(askedSpeeds()).toEqual(['fast']);
  });

  it('529 before the first token: retried with backoff, then served', async () => {
    rig.sim.sim.injectFaults({ fault: 'overloaded', count: 2 });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=8]]'), speed: 'fast' });
    expect(r.find('start')?.data.attempt).toBe(3);
    expect(r.find('done')?.data).toMatchObject({ speed: 'fast', timings: { attempts: 3 } });
    expect(r.names).not.toContain('error');
    expect(rig.sim.stats().requests.byStatus['529']).toBe(2);
    expect(rig.logs.filter((l) => (l as { recovered?: boolean }).recovered === true)).toHaveLength(2);
  });

  it('auto: fast still overloaded after the retries falls back to standard (reason overloaded)', async () => {
    rig.sim.sim.injectFaults({ fault: 'overloaded', count: 10, speed: 'fast' });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=8]]') });
    expect(r.find('fallback')?.data).toMatchObject({ reason: 'overloaded', to: 'standard' });
    expect(r.find('done')?.data.speed).toBe('standard');
    expect(askedSpeeds()).toEqual(['fast', 'fast', 'fast', 'standard']);
  });

  it('mid-stream error: partial text delivered, then a typed error; no retry', async () => {
    rig.sim.sim.injectFaults({ fault: 'midstream_error', after: 10 });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=100]]') });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.names.at(-1)).toBe('error');
    expect(r.names).not.toContain('done');
    expect(r.find('error')?.data).toMatchObject({ kind: 'overloaded', retryable: true });
    expect(rig.sim.sim.requests()).toHaveLength(1);
  });

  it('truncated upstream stream: typed error, no retry', async () => {
    rig.sim.sim.injectFaults({ fault: 'truncate', after: 10 });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=100]]') });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.find('error')?.data).toMatchObject({ kind: 'upstream' });
    expect(rig.sim.sim.requests()).toHaveLength(1);
  });

  it('a dropped upstream connection mid-stream: typed error, no retry', async () => {
    rig.sim.sim.injectFaults({ fault: 'drop', after: 10 });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=100]]') });
    // The TCP reset may discard text still in flight, so only the shape is fixed.
    expect(r.names[1]).toBe('start');
    expect(r.names.at(-1)).toBe('error');
    expect(r.names).not.toContain('done');
    expect(r.find('error')?.data.retryable).toBe(true);
    expect(rig.sim.sim.requests()).toHaveLength(1);
  });

  it('a 500 is retried, but not when upstream says x-should-retry: false', async () => {
    rig.sim.sim.injectFaults({ fault: 'api_error' });
    const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=5]]'), speed: 'standard' });
    expect(r.find('start')?.data.attempt).toBe(2);

    const strict = await startRig(
      {},
      {
        // The sim answers `x-should-retry: <v>` when asked with `x-sim-should-retry: <v>`.
        createClient: ({ apiKey, baseURL }) =>
          new Anthropic({ apiKey, baseURL: baseURL ?? null, maxRetries: 0, defaultHeaders: { 'x-sim-should-retry': 'false' } }),
      },
    );
    try {
      strict.sim.sim.injectFaults({ fault: 'api_error' });
      const refused = await chat(strict.chatUrl, { messages: user('Hi [[sim:tokens=5]]'), speed: 'standard' });
      expect(refused.names).toEqual(['ratelimit', 'error']);
      expect(refused.find('error')?.data).toMatchObject({ kind: 'upstream', status: 500, retryable: false });
      expect(strict.sim.sim.requests()).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('relays exactly the text the sim sends directly (same seed, same prompt)', async () => {
    const prompt = 'Explain streaming [[sim:tokens=120]]';
    const viaEdge = await chat(rig.chatUrl, { messages: user(prompt), speed: 'fast', max_tokens: 500 });
    const client = new Anthropic({ apiKey: FAKE_KEY, baseURL: rig.sim.url, maxRetries: 0 });
    const direct = await client.beta.messages
      .stream({ model: 'claude-opus-4-8', max_tokens: 500, speed: 'fast', betas: [FAST_MODE_BETA], messages: user(prompt) })
      .finalMessage();
    const directText = direct.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
    expect(viaEdge.text).toBe(directText);
    expect(viaEdge.find('done')?.data.usage.outputTokens).toBe(direct.usage.output_tokens);
  });
});
