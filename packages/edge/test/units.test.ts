/** Pure pieces: rate-limit header parsing, the speed decision, error classification, request mapping. */
import { APIConnectionError, APIUserAbortError, InternalServerError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { classifyUpstreamError, createMemoryFallbackStore, decideSpeed, hashKey, parseRateLimitHeaders, parseRetryAfterMs } from '../src/index.ts';
import { rememberRateLimit } from '../src/policy.ts';
import { chat, startRig, user, type Rig } from './helpers.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

describe('parseRateLimitHeaders', () => {
  it('reads fast and standard windows, re-serialising instants, and retry-after-ms over retry-after', () => {
    const h = new Headers({
      'anthropic-fast-output-tokens-limit': '200000',
      'anthropic-fast-output-tokens-remaining': '0',
      'anthropic-fast-output-tokens-reset': '2026-11-22T01:32:11Z',
      'anthropic-ratelimit-requests-remaining': '3999',
      'retry-after': '7',
      'retry-after-ms': '6500.5',
    });
    const e = parseRateLimitHeaders(h, 'fast', 12)!;
    expect(e).toEqual({
      speed: 'fast',
      t: 12,
      fast: {
        input: { limit: null, remaining: null, reset: null },
        output: { limit: 200000, remaining: 0, reset: '2026-11-22T01:32:11.000Z' },
      },
      standard: {
        requests: { limit: null, remaining: 3999, reset: null },
        tokens: { limit: null, remaining: null, reset: null },
        input: { limit: null, remaining: null, reset: null },
        output: { limit: null, remaining: null, reset: null },
      },
      retryAfterMs: 6500.5,
    });
  });

  it('returns undefined without rate-limit headers and drops junk values', () => {
    expect(parseRateLimitHeaders(new Headers({ 'content-type': 'x' }), 'standard', 0)).toBeUndefined();
    const junk = parseRateLimitHeaders(new Headers({ 'anthropic-fast-input-tokens-remaining': '12', 'anthropic-fast-input-tokens-reset': '<script>' }), 'fast', 0);
    expect(junk?.fast?.input).toEqual({ limit: null, remaining: 12, reset: null });
  });

  it('retry-after: seconds, an HTTP date, or nothing', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-11-22T00:00:00Z');
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfterMs(new Headers())).toBeUndefined();
  });
});

describe('decideSpeed', () => {
  const base = { fastCapable: true, maxTokens: 1000, keyMemory: undefined, conversationMemory: undefined, now: 1_000 };
  it.each([
    [{ policy: 'standard' as const }, { speed: 'standard' }],
    [{ policy: 'fast' as const }, { speed: 'fast' }],
    [{ policy: 'auto' as const }, { speed: 'fast' }],
    [{ policy: 'auto' as const, fastCapable: false }, { speed: 'standard', fallback: { reason: 'unsupported_model' } }],
    [{ policy: 'auto' as const, keyMemory: { standardUntil: 2_000, reason: 'rate_limited' as const } }, { speed: 'standard', fallback: { reason: 'remembered', until: 2_000 } }],
    [{ policy: 'auto' as const, keyMemory: { standardUntil: 500 } }, { speed: 'fast' }],
    [{ policy: 'auto' as const, conversationMemory: { standardUntil: 9_000 } }, { speed: 'standard', fallback: { reason: 'remembered', until: 9_000 } }],
    [{ policy: 'auto' as const, keyMemory: { fastOutputRemaining: 999, fastOutputResetAt: 5_000 } }, { speed: 'standard', fallback: { reason: 'budget_low', until: 5_000 } }],
    [{ policy: 'auto' as const, keyMemory: { fastOutputRemaining: 999, fastOutputResetAt: 900 } }, { speed: 'fast' }],
    [{ policy: 'fast' as const, keyMemory: { standardUntil: 9_000 } }, { speed: 'fast' }],
  ])('%j → %j', (input, expected) => {
    expect(decideSpeed({ ...base, ...input })).toEqual(expected);
  });

  it('fast on a model without fast mode is refused with field speed', () => {
    expect(decideSpeed({ ...base, policy: 'fast', fastCapable: false })).toMatchObject({ refuse: { kind: 'unsupported', status: 400, field: 'speed' } });
  });

  it('remembers a fast 429: key until retry-after, conversation until the later reset', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    const event = parseRateLimitHeaders(new Headers({ 'anthropic-fast-output-tokens-reset': '2026-11-22T00:00:30Z' }), 'fast', 0);
    expect(rememberRateLimit(event, 2_000, now, 60_000)).toEqual({ keyUntil: now + 2_000, conversationUntil: now + 30_000 });
    expect(rememberRateLimit(undefined, undefined, now, 60_000)).toEqual({ keyUntil: now + 60_000, conversationUntil: now + 60_000 });
  });
});

describe('classifyUpstreamError', () => {
  const headers = new Headers({ 'retry-after': '3', 'request-id': 'req_1', 'x-secret': 'do-not-echo' });
  it('maps SDK errors to safe typed protocol errors', () => {
    const rl = classifyUpstreamError(new RateLimitError(429, { type: 'error', error: { type: 'rate_limit_error', message: 'secret body' } }, 'secret body', headers));
    expect(rl).toMatchObject({ class: 'rate_limited', retryAfterMs: 3000, error: { kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 3000 } });
    expect(JSON.stringify(rl.error)).not.toMatch(/secret|do-not-echo/);
    const over = classifyUpstreamError(new InternalServerError(529, { type: 'error', error: { type: 'overloaded_error', message: 'x' } }, 'x', new Headers()));
    expect(over).toMatchObject({ class: 'retryable', error: { kind: 'overloaded', status: 529 } });
    expect(classifyUpstreamError(new APIConnectionError({ message: 'ECONNREFUSED 10.0.0.1' }))).toMatchObject({ class: 'retryable', error: { kind: 'network' } });
    expect(JSON.stringify(classifyUpstreamError(new APIConnectionError({ message: 'ECONNREFUSED 10.0.0.1' })).error)).not.toContain('10.0.0.1');
    expect(classifyUpstreamError(new APIUserAbortError()).class).toBe('aborted');
    const noRetry = new InternalServerError(500, { type: 'error', error: { type: 'api_error', message: 'x' } }, 'x', new Headers({ 'x-should-retry': 'false' }));
    expect(classifyUpstreamError(noRetry)).toMatchObject({ class: 'fatal', error: { kind: 'upstream', retryable: false } });
    expect(classifyUpstreamError(new Error('boom'))).toMatchObject({ class: 'fatal', error: { kind: 'upstream' } });
  });
});

describe('fallback store', () => {
  it('expires entries by its clock and hashes keys with SHA-256', async () => {
    let t = 0;
    const store = createMemoryFallbackStore(2, () => t);
    await store.set('a', { standardUntil: 5 }, 10);
    expect(await store.get('a')).toEqual({ standardUntil: 5 });
    t = 11;
    expect(await store.get('a')).toBeUndefined();
    await store.set('x', {}, 100);
    await store.set('y', {}, 100);
    await store.set('z', {}, 100);
    expect(await store.get('x')).toBeUndefined(); // bounded
    expect(await hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('mounting', () => {
  it('mounts with app.route and serves at a custom path', async () => {
    const { Hono } = await import('hono');
    const { createChatHandler } = await import('../src/index.ts');
    const parent = new Hono().route('/v2', createChatHandler({ apiKey: 'k', path: '/chat' }));
    const res = await parent.fetch(new Request('http://x/v2/chat', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }));
    expect(res.status).toBe(415);
    expect((await parent.fetch(new Request('http://x/v2/chat'))).status).toBe(405);
    expect((await parent.fetch(new Request('http://x/api/chat', { method: 'POST' }))).status).toBe(404);
  });
});

describe('default model', () => {
  it('is the first allowed model when the allow-list lacks the built-in default', async () => {
    const rig = await startRig({}, { allowedModels: ['claude-opus-4-6'] });
    try {
      const r = await chat(rig.chatUrl, { messages: user('Hi [[sim:tokens=3]]') });
      expect(r.find('done')?.data.model).toBe('claude-opus-4-6');
    } finally {
      await rig.close();
    }
  });
});

describe('request mapping (what the SDK sends to the sim)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({}, { system: { text: 'Edge rules.', cache: '1h' }, allowClientSystem: true });
  });
  afterAll(() => rig.close());

  it('sends the edge system prompt with cache_control, the client system, effort and thinking; relays thinking', async () => {
    const r = await chat(rig.chatUrl, {
      messages: user('Think [[sim:tokens=20]]'),
      system: 'Client rules.',
      effort: 'low',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      max_tokens: 2000,
    });
    const body = rig.sim.sim.requests()[0]!.body as Record<string, unknown>;
    expect(body['system']).toEqual([
      { type: 'text', text: 'Edge rules.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Client rules.' },
    ]);
    expect(body['output_config']).toEqual({ effort: 'low' });
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(body['max_tokens']).toBe(2000);
    expect(body).not.toHaveProperty('temperature');
    expect(r.names.indexOf('thinking')).toBeGreaterThan(r.names.indexOf('start'));
    expect(r.names.indexOf('thinking')).toBeLessThan(r.names.indexOf('text'));
    expect(r.names.at(-1)).toBe('done');
  });
});
