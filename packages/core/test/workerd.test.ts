// Core is runtime-neutral: the bundled entry runs in workerd (Miniflare) without nodejs_compat, where
// there is no requestAnimationFrame, no DOM and no node: modules. The worker drives the whole path:
// encode events → bytes → createFastStream (fetch stubbed with a streamed Response) → done.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WORKER = `
import { createFastStream, encodeEvent, encodeComment, validateChatRequest, PROTOCOL_HEADER, PROTOCOL_VERSION } from './core.js';

const usage = { inputTokens: 10, outputTokens: 4, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
const events = [
  encodeComment(),
  encodeEvent('start', { protocol: 1, messageId: 'msg_w', model: 'claude-opus-4-8', requestedSpeed: 'fast', policy: 'fast', attempt: 1, t: 1 }),
  encodeEvent('text', { delta: 'Hé', index: 0, t: 2 }),
  encodeEvent('text', { delta: 'llo 😀', index: 0, t: 3 }),
  encodeEvent('usage', { ...usage, speed: 'fast', t: 4 }),
  encodeEvent('done', { stopReason: 'end_turn', usage, speed: 'fast', model: 'claude-opus-4-8', cost: null, t: 5,
    timings: { firstDeltaT: 2, lastDeltaT: 3, totalT: 5, attempts: 1 } }),
];

export default {
  async fetch() {
    const bytes = new TextEncoder().encode(events.join(''));
    const fakeFetch = async () => {
      const body = new ReadableStream({
        start(c) {
          // One byte per chunk: splits every multi-byte character.
          for (const b of bytes) c.enqueue(new Uint8Array([b]));
          c.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) } });
    };
    const state = await new Promise((resolve) => {
      const stream = createFastStream({ fetch: fakeFetch, onFinish: resolve, onError: (e, s) => resolve(s) });
      stream.start({ messages: [{ role: 'user', content: 'hi' }], speed: 'fast' });
    });
    const invalid = validateChatRequest({ messages: [] });
    return Response.json({ status: state.status, text: state.text, servedSpeed: state.servedSpeed, cost: state.cost,
      otpsExact: state.metrics.otps.isEstimate === false, invalidField: invalid.ok ? null : invalid.field });
  },
};
`;

let mf: Miniflare;

beforeAll(async () => {
  // The root entry and the validator subpath, as one module (the store imports the validator lazily).
  const core = await build({
    stdin: { contents: "export * from './index.ts'; export * from './validate.ts';", resolveDir: new URL('../src', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    format: 'esm',
    write: false,
    platform: 'neutral',
  });
  mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'worker.js', contents: WORKER },
      { type: 'ESModule', path: 'core.js', contents: core.outputFiles[0]?.text ?? '' },
    ],
    compatibilityDate: '2026-04-01',
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

describe('core in workerd (Miniflare, no nodejs_compat)', () => {
  it('decodes a byte-split stream through createFastStream to done', async () => {
    const res = await mf.dispatchFetch('http://localhost/');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'done', text: 'Héllo 😀', servedSpeed: 'fast', otpsExact: true, invalidField: 'messages' });
    // Fast Opus 4.8: 10 × $30/M + 4 × $150/M.
    expect((body.cost as { totalUsd: number }).totalUsd).toBeCloseTo(0.0009, 12);
  }, 30_000);
});
