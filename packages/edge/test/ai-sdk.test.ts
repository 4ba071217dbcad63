/**
 * The AI SDK bridge against the sim, read with the AI SDK's own parser (`readUIMessageStream` from
 * `ai`, what `useChat` runs): text, the fast-mode metadata, a fallback, abort reaching upstream, and
 * bad input refused before any upstream call.
 */
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema, type UIMessage } from 'ai';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiSdkChatHandler, type SlipstreamMessageMetadata } from '../src/ai-sdk.ts';
import { createChatHandler, createMemoryStore } from '../src/index.ts';
import { collect, FAKE_KEY, post, serveFetch, user, waitFor, type Served } from './helpers.ts';

type Message = UIMessage<SlipstreamMessageMetadata>;

let sim: RunningSim;
let bridge: Served;
let native: Served;

beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 7 });
  const options = { apiKey: FAKE_KEY, baseURL: sim.url, heartbeatMs: 1_000 };
  // With a store, native replies would be resumable (a closed connection only starts the detach time);
  // the bridge's are not: useChat's stop is a closed connection, so it must abort at once.
  bridge = await serveFetch(createAiSdkChatHandler({ ...options, store: createMemoryStore() }).fetch);
  native = await serveFetch(createChatHandler(options).fetch);
});
afterAll(async () => {
  await bridge?.close();
  await native?.close();
  await sim?.close();
});

/** What `useChat` sends: UI messages with parts, the chat id, and the transport's extra body. */
function uiBody(text: string, extra: Record<string, unknown> = {}) {
  return { id: `chat-${Math.random()}`, trigger: 'submit-message', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }], ...extra };
}

/** Read a bridge response the way `useChat` does; returns the last assembled message and the raw chunks. */
async function readAsUseChat(res: Response): Promise<{ message: Message | undefined; chunks: { type: string }[]; errors: string[] }> {
  const [a, b] = res.body!.tee();
  const chunks: { type: string }[] = [];
  const errors: string[] = [];
  const parsed = parseJsonEventStream({ stream: a, schema: uiMessageChunkSchema });
  const reading = (async () => {
    const reader = parsed.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if (r.value.success) chunks.push(r.value.value);
      else errors.push(String(r.value.error));
    }
  })();
  const stream = parseJsonEventStream({ stream: b, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(r, controller) {
        if (r.success) controller.enqueue(r.value);
      },
    }),
  );
  let message: Message | undefined;
  for await (const m of readUIMessageStream<Message>({ stream, onError: (e) => errors.push(String(e)) })) message = m;
  await reading;
  return { message, chunks, errors };
}

const textOf = (m: Message | undefined) => (m?.parts ?? []).flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');

describe('createAiSdkChatHandler (UI message stream protocol)', () => {
  it('streams the same text as the native protocol, with the fast-mode facts as metadata', async () => {
    const prompt = 'Hello bridge [[sim:tokens=60]]';
    const res = await post(`${bridge.url}/api/chat`, uiBody(prompt, { speed: 'fast' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const { message, chunks, errors } = await readAsUseChat(res);
    expect(errors).toEqual([]);
    expect(chunks.map((c) => c.type)).toContain('text-delta');
    expect(chunks.at(-1)?.type).toBe('finish');

    const nativeEvents = await collect(await post(`${native.url}/api/chat`, { messages: user(prompt), speed: 'fast' }));
    const nativeText = nativeEvents.flatMap((e) => (e.event === 'text' ? [e.data.delta] : [])).join('');
    expect(textOf(message)).toBe(nativeText);
    expect(textOf(message).length).toBeGreaterThan(20);

    const meta = message?.metadata;
    expect(meta).toMatchObject({ requestedSpeed: 'fast', policy: 'fast', servedSpeed: 'fast', outputTokens: 60, attempts: 1 });
    expect(meta?.ttftMs).toBeGreaterThan(0);
    expect(meta?.otps).toBeGreaterThan(0);
    expect(meta?.cost?.totalUsd).toBeGreaterThan(0);
    expect(meta?.fallback).toBeUndefined();
  });

  it('a fast 429 under auto falls back to standard, and the metadata says why', async () => {
    sim.sim.reset();
    sim.sim.injectFaults({ fault: 'rate_limit', after: 4000, speed: 'fast' });
    const { message, errors } = await readAsUseChat(await post(`${bridge.url}/api/chat`, uiBody('Hi [[sim:tokens=10]]', { speed: 'auto' })));
    expect(errors).toEqual([]);
    expect(message?.metadata?.fallback).toMatchObject({ from: 'fast', to: 'standard', reason: 'rate_limited' });
    expect(message?.metadata?.servedSpeed).toBe('standard');
    expect(textOf(message).length).toBeGreaterThan(0);
  });

  it('a client abort stops the upstream stream', async () => {
    sim.sim.reset();
    const ac = new AbortController();
    const res = await post(`${bridge.url}/api/chat`, uiBody('Long [[sim:tokens=4000]]'), { signal: ac.signal });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('text-delta')) seen += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await waitFor(() => sim.stats().activeStreams === 0, 5_000);
    const record = sim.sim.streams().at(-1);
    expect(record?.end).toBe('client_abort');
    expect(record?.outputTokens ?? 4000).toBeLessThan(4000);
  });

  it('bad input is a 400 naming the field, before any upstream request', async () => {
    sim.sim.reset();
    const tool = await post(`${bridge.url}/api/chat`, {
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'tool-weather', toolCallId: 't1', state: 'input-available', input: {} }] }],
    });
    expect(tool.status).toBe(400);
    expect(((await tool.json()) as { error: { field: string } }).error.field).toBe('messages[0].parts[0].type');
    const speed = await post(`${bridge.url}/api/chat`, uiBody('Hi', { speed: 'warp' }));
    expect(speed.status).toBe(400);
    expect(((await speed.json()) as { error: { field: string } }).error.field).toBe('speed');
    expect(sim.stats().requests.total).toBe(0);
  });
});
