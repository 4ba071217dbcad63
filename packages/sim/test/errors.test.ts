import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { API_HEADERS, client, FAST_BETA, fastParams, post, sim } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  s = await sim({ maxBodyBytes: 64 * 1024 });
});
afterAll(() => s.close());

function expectErrorBody(text: string, type: string, requestId: string | null): void {
  const body = JSON.parse(text) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body.type).toBe('error');
  expect(body.error.type).toBe(type);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.request_id).toBe(requestId);
}

describe('errors through the SDK', () => {
  it('400 BadRequestError for fast on a standard-only model, with a clear message', async () => {
    const err = await client(s.url)
      .beta.messages.create({ ...fastParams('hi'), model: 'claude-haiku-4-5' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as APIError).message).toMatch(/fast mode is not supported for model claude-haiku-4-5/u);
  });

  it('404 NotFoundError for an unknown model', async () => {
    const err = await client(s.url)
      .messages.create({ model: 'claude-nope', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as APIError).requestID).toMatch(/^req_/u);
  });

  it('413 ContentTooLargeError for an oversized body', async () => {
    const err = await client(s.url)
      .messages.create({ model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'x'.repeat(100_000) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect((err as APIError).type).toBe('request_too_large');
  });

  it('400 for max_tokens above the model limit', async () => {
    const err = await client(s.url)
      .messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64_001, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as APIError).message).toMatch(/maximum allowed number of output tokens/u);
  });

  it('400 for fast on claude-opus-4-8 without the beta header; opus-4-6 downgrades explicitly', async () => {
    const c = client(s.url);
    const err = await c.messages.create({ model: 'claude-opus-4-8', max_tokens: 10, speed: 'fast', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const downgraded = await c.messages.create({ model: 'claude-opus-4-6', max_tokens: 50, speed: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(downgraded.usage.speed).toBe('standard');
    const granted = await c.beta.messages.create({ ...fastParams('hi'), model: 'claude-opus-4-6' });
    expect(granted.usage.speed).toBe('fast');
  });
});

describe('bad input over raw HTTP never crashes the sim', () => {
  const valid = { model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
  const cases: [string, unknown, number, string][] = [
    ['malformed JSON', '{"model": ', 400, 'invalid_request_error'],
    ['a JSON array', '[1,2]', 400, 'invalid_request_error'],
    ['missing model', { ...valid, model: undefined }, 400, 'invalid_request_error'],
    ['max_tokens as string', { ...valid, max_tokens: '10' }, 400, 'invalid_request_error'],
    ['missing messages', { ...valid, messages: undefined }, 400, 'invalid_request_error'],
    ['empty messages', { ...valid, messages: [] }, 400, 'invalid_request_error'],
    ['bad role', { ...valid, messages: [{ role: 'tool', content: 'x' }] }, 400, 'invalid_request_error'],
    ['content as number', { ...valid, messages: [{ role: 'user', content: 5 }] }, 400, 'invalid_request_error'],
    ['block without type', { ...valid, messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 400, 'invalid_request_error'],
    ['bad speed', { ...valid, speed: 'turbo' }, 400, 'invalid_request_error'],
    ['stream as string', { ...valid, stream: 'yes' }, 400, 'invalid_request_error'],
    ['bad thinking', { ...valid, thinking: { type: 'enabled' } }, 400, 'invalid_request_error'],
    ['temperature on opus-4-8 under 2026-10-21', { ...valid, temperature: 0.5 }, 400, 'invalid_request_error'],
    ['empty body', '', 400, 'invalid_request_error'],
    ['null', 'null', 400, 'invalid_request_error'],
  ];
  for (const [name, body, status, type] of cases) {
    it(`${name} → ${status} ${type}`, async () => {
      const res = await post(s.url, body);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('request-id')).toMatch(/^req_/u);
      expectErrorBody(res.text, type, res.headers.get('request-id'));
    });
  }

  it('accepts temperature under 2023-06-01 and on models that allow it', async () => {
    expect((await post(s.url, { ...valid, temperature: 0.5 }, { 'anthropic-version': '2023-06-01' })).status).toBe(200);
    expect((await post(s.url, { ...valid, model: 'claude-sonnet-4-6', temperature: 0.5 })).status).toBe(200);
  });

  it('401 without a key, 400 without anthropic-version', async () => {
    const noKey = await fetch(`${s.url}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(valid),
    });
    expect(noKey.status).toBe(401);
    expectErrorBody(await noKey.text(), 'authentication_error', noKey.headers.get('request-id'));
    const noVersion = await fetch(`${s.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: JSON.stringify(valid) });
    expect(noVersion.status).toBe(400);
  });

  it('413 request_too_large on a raw oversized body, and the sim keeps serving', async () => {
    const res = await post(s.url, JSON.stringify({ ...valid, pad: 'y'.repeat(200_000) }));
    expect(res.status).toBe(413);
    expectErrorBody(res.text, 'request_too_large', res.headers.get('request-id'));
    expect((await post(s.url, valid)).status).toBe(200);
  });

  it('unknown paths get a JSON 404; the query string is ignored on /v1/messages', async () => {
    const res = await fetch(`${s.url}/v2/nothing`);
    expect(res.status).toBe(404);
    expect(JSON.parse(await res.text())).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const beta = await fetch(`${s.url}/v1/messages?beta=true`, { method: 'POST', headers: API_HEADERS, body: JSON.stringify(valid) });
    expect(beta.status).toBe(200);
    await beta.text();
  });

  it('repeated anthropic-beta headers are merged', async () => {
    const headers = new Headers(API_HEADERS);
    headers.append('anthropic-beta', 'other-beta');
    headers.append('anthropic-beta', FAST_BETA);
    const res = await fetch(`${s.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ ...valid, speed: 'fast' }) });
    expect(res.status).toBe(200);
    expect(JSON.parse(await res.text())).toMatchObject({ usage: { speed: 'fast' } });
  });
});
