/**
 * Workers in workerd (Miniflare) sharing one Durable Object namespace, each on its own socket (so every
 * request is a real HTTP connection that a client can drop): the fallback memory (a fast 429 seen by
 * Worker A is known to Worker B) and resumable replies (a reply produced on A resumes, or is stopped,
 * on B; one left alone past the detach time is aborted upstream). Worker D hides `ctx.waitUntil`: the
 * control showing that it is what keeps a producer running after its client left.
 */
import { request } from 'node:http';
import { Miniflare } from 'miniflare';
import { readProtocolStream, type ProtocolEvent } from '@slipstream/core';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_KEY, sleep, user, waitFor } from '../helpers.ts';
import { postChat, resumeChat, stopChat, textOf, type WireEvent } from '../resume-helpers.ts';
import { STALLED_CLIENT_MS } from '../../src/event-stream.ts';
import { bundle } from './build.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const DETACH_MS = 1_500;
let sim: RunningSim;
let mf: Miniflare;
const chat: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };

beforeAll(async () => {
  // One token per delta, so "dropped at token 200" is the 200th text event.
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 5, chunking: 'token' });
  const script = await bundle('worker-do');
  const worker = (name: string, extra: Record<string, string> = {}) => ({
    name,
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat', 'enable_request_signal'],
    bindings: { SIM_URL: sim.url, ANTHROPIC_API_KEY: FAKE_KEY, DETACH_MS: String(DETACH_MS), ...extra },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    durableObjects: { SLIPSTREAM_STATE: name === 'edge-a' ? { className: 'SlipstreamState' } : { className: 'SlipstreamState', scriptName: 'edge-a' } },
  });
  mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    workers: [worker('edge-a'), worker('edge-b'), worker('edge-c', { WAIT_MS: '0' }), worker('edge-d', { NO_WAIT_UNTIL: '1' })],
  });
  await mf.ready;
  for (const k of ['a', 'b', 'c', 'd'] as const) chat[k] = new URL('/api/chat', await mf.unsafeGetDirectURL(`edge-${k}`)).href;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await sim?.close();
});

async function chatVia(url: string, prompt: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: prompt }], conversationId: 'conv-do' }),
  });
  const events: ProtocolEvent[] = [];
  for await (const e of readProtocolStream(res.body!)) events.push(e);
  return events;
}

/** Durable Object calls (Worker subrequests) a Worker made, by operation, since the last reset. */
async function doCalls(which: keyof typeof chat, reset = false): Promise<Record<string, number>> {
  const url = new URL('/__do-calls', chat[which]);
  if (reset) url.searchParams.set('reset', '1');
  return (await (await fetch(url)).json()) as Record<string, number>;
}

/**
 * POST a chat over a raw HTTP connection and destroy the socket after `n` text events: a lost network,
 * seen at once by the server. (An aborted `fetch` leaves undici's socket to close in its own time.)
 */
function dropAfter(url: string, body: unknown, n: number): Promise<{ replyId: string; lastId: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let buffer = '';
      let texts = 0;
      let replyId = '';
      let lastId = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(frame)?.[1];
          if (id !== undefined) lastId = Number(id);
          if (frame.startsWith('event: start')) replyId = String((JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as { replyId: string }).replyId);
          if (frame.startsWith('event: text') && ++texts >= n) {
            req.destroy();
            return resolve({ replyId, lastId });
          }
        }
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const fallbackOf = (events: ProtocolEvent[]) => events.find((e) => e.event === 'fallback')?.data as { reason?: string } | undefined;
const texts = (n: number) => (e: WireEvent, all: WireEvent[]) => e.event === 'text' && all.filter((x) => x.event === 'text').length >= n;

describe('workerd: Workers sharing one Durable Object namespace', () => {
  it('a fast 429 on Worker A makes Worker B serve "remembered" with no fast request', async () => {
    sim.sim.reset();
    sim.sim.injectFaults({ fault: 'rate_limit', after: 20_000, speed: 'fast' });
    const a = await chatVia(chat.a, 'one [[sim:tokens=6]]');
    expect(fallbackOf(a)?.reason).toBe('rate_limited');
    const b = await chatVia(chat.b, 'two [[sim:tokens=6]]');
    expect(fallbackOf(b)?.reason).toBe('remembered');
    expect(b.at(-1)?.event).toBe('done');
    const fast = sim.sim.requests().filter((r) => (r.body as { speed?: string }).speed === 'fast');
    expect(fast).toHaveLength(1);
  });

  it('a 1,000-token reply dropped at token 200 on A keeps running (waitUntil) and resumes on B: identical text, one upstream request', async () => {
    const body = { messages: user('Explain tides to a sailor [[sim:tokens=1000]]'), conversationId: 'conv-resume' };
    sim.sim.reset();
    const reference = await postChat(chat.a, body);
    expect(reference.events.at(-1)?.event).toBe('done');
    sim.sim.reset();
    await Promise.all([doCalls('a', true), doCalls('b', true), doCalls('c', true)]);

    const dropped = await postChat(chat.a, body, texts(200));
    const atDrop = sim.sim.streams()[0]!.outputTokens;
    // Nobody is attached now: the producer must keep reading upstream (the Worker was told to wait for it).
    await sleep(600);
    const away = sim.sim.streams()[0]!;
    expect(away.end).toBeUndefined();
    expect(away.outputTokens).toBeGreaterThan(atDrop + 40);

    // B long-polls the reply's object; C (waitMs 0) polls it every 50 ms, for comparison.
    const t0 = Date.now();
    const timed = (p: ReturnType<typeof resumeChat>) => p.then((r) => ({ ...r, ms: Date.now() - t0 }));
    const [resumed, polled] = await Promise.all([timed(resumeChat(chat.b, dropped.replyId!, dropped.lastId)), timed(resumeChat(chat.c, dropped.replyId!, dropped.lastId))]);
    expect(polled.events.map((e) => e.id)).toEqual(resumed.events.map((e) => e.id));
    expect(resumed.status).toBe(200);
    expect(resumed.events[0]?.id).toBe(dropped.lastId + 1);
    expect(resumed.events.at(-1)?.event).toBe('done');
    expect(textOf(dropped.events) + textOf(resumed.events)).toBe(textOf(reference.events));
    expect(resumed.events.at(-1)?.data['usage']).toMatchObject({ outputTokens: 1000 });
    expect(sim.sim.stats().requests.total).toBe(1);
    expect(sim.sim.streams().map((s) => s.end)).toEqual(['complete']);

    // Subrequests: the producer batches its appends, the resumer long-polls (no poll loop).
    const [onA, onB, onC] = await Promise.all([doCalls('a'), doCalls('b'), doCalls('c')]);
    const events = resumed.events.at(-1)?.id ?? 0;
    console.log(
      `workerd DO calls for a ${events}-event reply: producer on A ${JSON.stringify(onA)}; ` +
        `resumer on B (long poll) ${JSON.stringify(onB)}, done after ${resumed.ms} ms; resumer on C (50 ms poll) ${JSON.stringify(onC)}, done after ${polled.ms} ms`,
    );
    expect(onA['reply-append']).toBeLessThan(events / 4);
    expect(onB['reply-read']).toBeLessThan(events / 4);
  });

  it('while a reply is idle (3 s to its first token), a long-polling resumer makes a few reads where a 50 ms poller makes dozens', async () => {
    sim.sim.reset();
    sim.sim.configure({ ttftMs: 3_000 });
    try {
      const dropped = await postChat(chat.a, { messages: user('Think first [[sim:tokens=20]]') }, (e) => e.event === 'start');
      await Promise.all([doCalls('b', true), doCalls('c', true)]);
      const [held, polled] = await Promise.all([resumeChat(chat.b, dropped.replyId!, dropped.lastId), resumeChat(chat.c, dropped.replyId!, dropped.lastId)]);
      expect(held.events.at(-1)?.event).toBe('done');
      expect(polled.events.map((e) => e.id)).toEqual(held.events.map((e) => e.id));
      const [onB, onC] = await Promise.all([doCalls('b'), doCalls('c')]);
      console.log(`workerd DO reads over a 3 s idle wait: long poll (B) ${onB['reply-read']}, 50 ms poll (C) ${onC['reply-read']}`);
      expect(onB['reply-read']!).toBeLessThan(onC['reply-read']! / 3);
    } finally {
      sim.sim.configure({ ttftMs: 20 });
    }
  });

  it('a stop POSTed to B aborts the reply produced on A: its stream ends `aborted` and the sim shows the abort', async () => {
    sim.sim.reset();
    let replyId = '';
    let stop: ReturnType<typeof stopChat> | undefined;
    let stoppedAt = 0;
    const first = await postChat(chat.a, { messages: user('A long essay [[sim:tokens=8000]]') }, (e, all) => {
      if (e.event === 'start') replyId = String(e.data['replyId']);
      if (stop === undefined && all.filter((x) => x.event === 'text').length >= 100) {
        stoppedAt = Date.now();
        stop = stopChat(chat.b, replyId);
      }
      return false;
    });
    const endedAt = Date.now();
    expect((await stop)?.body).toEqual({ stopped: true });
    expect(first.events.at(-1)).toMatchObject({ event: 'error', data: { kind: 'aborted' } });
    expect(endedAt - stoppedAt).toBeLessThan(3_000);
    await waitFor(() => sim.sim.streams()[0]?.end !== undefined, 5_000);
    expect(sim.sim.streams()[0]).toMatchObject({ end: 'client_abort' });
    expect(sim.sim.streams()[0]!.outputTokens).toBeLessThan(8000);
    expect(sim.sim.stats().requests.total).toBe(1);
  });

  it('a reply left without a client past the detach time is aborted upstream; resuming or stopping it on B is 404', async () => {
    sim.sim.reset();
    const droppedAt = Date.now();
    // Standard speed (400 tokens/s here): the reply would run 20 s.
    const dropped = await dropAfter(chat.a, { messages: user('Nobody will read this [[sim:tokens=8000]]'), speed: 'standard' }, 20);
    await waitFor(() => sim.sim.streams()[0]?.end !== undefined, 15_000);
    const record = sim.sim.streams()[0]!;
    expect(record.end).toBe('client_abort');
    // workerd never says the client left (see event-stream.ts): the edge notices it stopped reading.
    expect(record.disconnectedAt! - droppedAt).toBeGreaterThanOrEqual(DETACH_MS);
    expect(record.disconnectedAt! - droppedAt).toBeLessThan(DETACH_MS + STALLED_CLIENT_MS + 3_000);
    expect(record.outputTokens).toBeLessThan(8000);
    // The producer aborts upstream, then writes the detached mark: one store round trip later.
    await sleep(200);
    const late = await resumeChat(chat.b, dropped.replyId!, dropped.lastId);
    expect(late.status).toBe(404);
    expect(late.body).toMatchObject({ error: { kind: 'not_found' } });
    expect(late.body?.error.message).toMatch(/no client was attached/);
    expect((await stopChat(chat.b, dropped.replyId!)).status).toBe(404);
  });

  it('control: without waitUntil, workerd ends the producer when its client drops (upstream aborted long before the detach time)', async () => {
    sim.sim.reset();
    const droppedAt = Date.now();
    await postChat(chat.d, { messages: user('Cut short [[sim:tokens=8000]]') }, texts(20));
    await waitFor(() => sim.sim.streams()[0]?.end !== undefined, 10_000);
    const record = sim.sim.streams()[0]!;
    expect(record.end).toBe('client_abort');
    expect(record.disconnectedAt! - droppedAt).toBeLessThan(DETACH_MS);
  });
});
