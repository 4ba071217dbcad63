import Anthropic0x from 'anthropic-sdk-0x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { client, FAST_BETA, fastParams, sim } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  s = await sim();
});
afterAll(() => s.close());

describe('the real SDK 1.12.0 against the sim', () => {
  it('streams thinking and text with usage.speed fast and all rate-limit headers', async () => {
    const c = client(s.url);
    const stream = c.beta.messages.stream(fastParams('Explain streaming please', { thinking: { type: 'adaptive' } }));
    const texts: string[] = [];
    const thinking: string[] = [];
    const signatures: string[] = [];
    stream.on('text', (d) => texts.push(d));
    stream.on('thinking', (d) => thinking.push(d));
    stream.on('signature', (sig) => signatures.push(sig));
    const { response, request_id } = await stream.withResponse();
    const message = await stream.finalMessage();

    expect(response.status).toBe(200);
    expect(request_id).toMatch(/^req_/u);
    const names = [...response.headers.keys()];
    expect(names.filter((n) => n.startsWith('anthropic-fast-'))).toHaveLength(6);
    expect(names.filter((n) => n.startsWith('anthropic-ratelimit-'))).toHaveLength(12);
    expect(response.headers.get('anthropic-fast-input-tokens-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/u);

    expect(message.usage.speed).toBe('fast');
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(texts.length).toBeGreaterThan(3);
    expect(thinking.length).toBeGreaterThan(0);
    expect(signatures).toHaveLength(1);
    const text = message.content[1]!.type === 'text' ? message.content[1]!.text : '';
    expect(text).toBe(texts.join(''));
    // The sim's count is exact: it equals the tokens in the ground-truth record.
    const record = s.sim.streams().find((r) => r.requestId === request_id)!;
    expect(message.usage.output_tokens).toBe(record.outputTokens);
    expect(record.deltaTokens.every((k) => k >= 1)).toBe(true);
    expect(record.deltaTokens.reduce((a, b) => a + b, 0)).toBe(record.outputTokens);
    expect(record.end).toBe('complete');
  });

  it('reports usage.speed standard on standard requests, including the non-beta API', async () => {
    const c = client(s.url);
    const beta = await c.beta.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
    expect(beta.usage.speed).toBe('standard');
    const plain = await c.messages.stream({ model: 'claude-opus-4-8', max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(plain.usage.speed).toBe('standard');
  });

  it('answers non-streaming requests with a full Message', async () => {
    const c = client(s.url);
    const msg = await c.beta.messages.create(fastParams('Give me a short list', { max_tokens: 300 }));
    expect(msg.type).toBe('message');
    expect(msg.usage.speed).toBe('fast');
    expect(msg.stop_details).toBeNull();
    expect(msg._request_id).toMatch(/^req_/u);
    expect(msg.content[0]?.type).toBe('text');
  });

  it('plays tool use: input_json_delta fragments assemble into the input object', async () => {
    const c = client(s.url);
    const msg = await c.beta.messages
      .stream(
        fastParams('What is the weather? [[sim:tool]]', {
          tools: [{ name: 'get_weather', description: 'w', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
        }),
      )
      .finalMessage();
    expect(msg.stop_reason).toBe('tool_use');
    const tool = msg.content.find((b) => b.type === 'tool_use');
    expect(tool).toMatchObject({ name: 'get_weather', input: { location: 'San Francisco, CA' } });
    expect((tool as { id: string }).id).toMatch(/^toolu_/u);
  });

  it('logs what the SDK sent: Bearer auth, version 2026-10-21, betas header, stream helper', async () => {
    s.sim.reset();
    await client(s.url).beta.messages.stream(fastParams('hi')).finalMessage();
    const [entry] = s.sim.requests();
    expect(entry?.path).toBe('/v1/messages');
    expect(entry?.headers['authorization']).toBe('Bearer test');
    expect(entry?.headers['anthropic-version']).toBe('2026-10-21');
    expect(entry?.headers['anthropic-beta']).toBe(FAST_BETA);
    expect(entry?.headers['x-stainless-helper-method']).toBe('stream');
    expect(entry?.body).toMatchObject({ model: 'claude-opus-4-8', speed: 'fast', stream: true });
    expect((entry?.body as Record<string, unknown>)['betas']).toBeUndefined();
  });
});

describe('the 0.x SDK (0.74.0) against the sim', () => {
  it('works with x-api-key, anthropic-version 2023-06-01 and ?beta=true', async () => {
    s.sim.reset();
    const urls: string[] = [];
    const old = new Anthropic0x({
      baseURL: s.url,
      apiKey: 'test',
      maxRetries: 0,
      fetch: (input, init) => {
        urls.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
    });
    const msg = await old.beta.messages
      .stream({ model: 'claude-opus-4-8', max_tokens: 300, speed: 'fast', betas: [FAST_BETA], messages: [{ role: 'user', content: 'hello' }] })
      .finalMessage();
    expect(msg.usage.speed).toBe('fast');
    const [entry] = s.sim.requests();
    expect(entry?.headers['x-api-key']).toBe('test');
    expect(entry?.headers['anthropic-version']).toBe('2023-06-01');
    expect(entry?.path).toBe('/v1/messages');
    expect(urls).toEqual([`${s.url}/v1/messages?beta=true`]);
  });

  it('gets RateLimitError from the 0.x SDK too', async () => {
    const old = new Anthropic0x({ baseURL: s.url, apiKey: 'test', maxRetries: 0 });
    const err = await old.beta.messages
      .create({ model: 'claude-opus-4-8', max_tokens: 50, speed: 'fast', betas: [FAST_BETA], messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-sim-fault': 'rate_limit' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic0x.RateLimitError);
  });
});
