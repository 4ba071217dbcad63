import Anthropic from '@anthropic-ai/sdk';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_BETA } from './helpers.ts';

const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));

let mf: Miniflare | undefined;
let url: string;

beforeAll(async () => {
  // Bundle the web-standard entry, unchanged, into a Worker module.
  const result = await build({
    stdin: {
      contents: `import { createSim } from ${JSON.stringify(ENTRY)};\nconst sim = createSim({ ttftMs: 5, standardOtps: 4000, jitter: 0 });\nexport default { fetch: (req, env, ctx) => sim.fetch(req, env, ctx) };\n`,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['worker', 'browser'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const script = result.outputFiles[0]!.text;
  expect(script).not.toMatch(/from\s+["']node:/u);
  // `enable_request_signal` lets workerd fire request.signal when the client disconnects; everything
  // else runs without any flag (checked by hand: only the abort test needs it).
  mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01', compatibilityFlags: ['enable_request_signal'], host: '127.0.0.1', port: 0 });
  url = (await mf.ready).toString().replace(/\/$/u, '');
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

describe('the sim in workerd (miniflare)', () => {
  it('streams a fast reply to the real SDK', async () => {
    const c = new Anthropic({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    const stream = c.beta.messages.stream({
      model: 'claude-opus-4-8', max_tokens: 500, speed: 'fast', betas: [FAST_BETA], thinking: { type: 'adaptive' },
      messages: [{ role: 'user', content: 'Explain fast mode [[sim:tokens=120]]' }],
    });
    const { response } = await stream.withResponse();
    const msg = await stream.finalMessage();
    expect(response.headers.get('anthropic-fast-output-tokens-limit')).toBe('200000');
    expect(msg.usage.speed).toBe('fast');
    expect(msg.usage.output_tokens).toBe(120);
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
  });

  it('answers errors and control endpoints there too', async () => {
    const c = new Anthropic({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    const err = await c.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as { requests: { total: number } };
    expect(stats.requests.total).toBeGreaterThanOrEqual(2);
  });

  it('approximates drop by erroring the stream', async () => {
    const c = new Anthropic({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    const err = await c.beta.messages
      .stream(
        { model: 'claude-opus-4-8', max_tokens: 500, speed: 'fast', betas: [FAST_BETA], messages: [{ role: 'user', content: '[[sim:tokens=100]]' }] },
        { headers: { 'x-sim-fault': 'drop', 'x-sim-fault-after': '10' } },
      )
      .finalMessage()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it('413 request_too_large and config over HTTP work in workerd', async () => {
    expect((await fetch(`${url}/_sim/config`, { method: 'POST', body: JSON.stringify({ maxBodyBytes: 1000 }) })).status).toBe(200);
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(2000) }] }),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(await res.text())).toMatchObject({ error: { type: 'request_too_large' } });
    await fetch(`${url}/_sim/config`, { method: 'POST', body: JSON.stringify({ maxBodyBytes: 32 * 1024 * 1024 }) });
  });

  it('notices a client abort there too', async () => {
    await fetch(`${url}/_sim/config`, { method: 'POST', body: JSON.stringify({ standardOtps: 100 }) });
    await fetch(`${url}/_sim/reset`, { method: 'POST' });
    const c = new Anthropic({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    const stream = c.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 3000, messages: [{ role: 'user', content: '[[sim:tokens=2000]]' }] });
    let texts = 0;
    stream.on('text', () => {
      texts += 1;
      if (texts === 3) stream.abort();
    });
    await stream.finalMessage().catch(() => undefined);
    let stats = { activeStreams: 1, abortedStreams: 0, tokensEmitted: 0 };
    for (let i = 0; i < 100 && stats.activeStreams !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stats = (await (await fetch(`${url}/_sim/stats`)).json()) as typeof stats;
    }
    expect(stats.activeStreams).toBe(0);
    expect(stats.abortedStreams).toBe(1);
    expect(stats.tokensEmitted).toBeLessThan(200);
    await fetch(`${url}/_sim/config`, { method: 'POST', body: JSON.stringify({ standardOtps: 4000 }) });
  });
});
