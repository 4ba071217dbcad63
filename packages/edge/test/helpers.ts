/** Test helpers: serve a handler on 127.0.0.1:0, post chats, read protocol events. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { readProtocolStream, type ChatRequest, type ProtocolEvent } from '@slipstream/core';
import { startSim, type RunningSim, type StartSimOptions } from '@slipstream/sim/node';
import { createChatHandler, type ChatHandlerOptions } from '../src/index.ts';

// Assembled at run time so no key-shaped literal is committed (secret scanners cannot tell a fake).
export const FAKE_KEY = ['sk', 'ant', 'test', 'SECRET', '4f9c2e71d0b8a6'].join('-');

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serveFetch(fetch: (req: Request) => Response | Promise<Response>): Promise<Served> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A sim and an edge in front of it. */
export interface Rig {
  sim: RunningSim;
  edge: Served;
  chatUrl: string;
  logs: unknown[];
  close(): Promise<void>;
}

export async function startRig(simOptions: StartSimOptions = {}, edgeOptions: ChatHandlerOptions = {}): Promise<Rig> {
  const sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 7, ...simOptions });
  const logs: unknown[] = [];
  const handler = createChatHandler({
    apiKey: FAKE_KEY,
    baseURL: sim.url,
    heartbeatMs: 1_000,
    onError: (e) => logs.push(e),
    ...edgeOptions,
  });
  const edge = await serveFetch(handler.fetch);
  return {
    sim,
    edge,
    chatUrl: `${edge.url}/api/chat`,
    logs,
    close: async () => {
      await edge.close();
      await sim.close();
    },
  };
}

export function user(text: string): { role: 'user'; content: string }[] {
  return [{ role: 'user', content: text }];
}

export function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

export async function collect(res: Response): Promise<ProtocolEvent[]> {
  if (!res.body) throw new Error('no body');
  const events: ProtocolEvent[] = [];
  for await (const e of readProtocolStream(res.body)) events.push(e);
  return events;
}

export async function chat(url: string, body: Partial<ChatRequest> & { messages: ChatRequest['messages'] }) {
  const res = await post(url, body);
  const events = await collect(res);
  const text = events.flatMap((e) => (e.event === 'text' ? [e.data.delta] : [])).join('');
  const names = events.map((e) => e.event);
  const find = <K extends ProtocolEvent['event']>(name: K) =>
    events.find((e) => e.event === name) as Extract<ProtocolEvent, { event: K }> | undefined;
  return { res, events, text, names, find };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(check: () => boolean, timeoutMs = 5_000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await sleep(stepMs);
  }
}

/** Output tokens per second of a fast reply in the test rigs (standardOtps 400 × the sim's 2.5). */
export const FAST_TPS = 1000;

/**
 * What the sim emitted after the client aborted: tokens, how many ms of streaming they are worth at
 * `tokPerSec` (the "≤ ~100 ms of tokens" bound), and the wall-clock tail. On a CPU-starved machine the
 * wall-clock tail can stretch while few tokens flow; a broken abort path streams for seconds either way.
 */
export function afterAbort(record: { deltaTimes: number[]; deltaTokens: number[] }, abortAt: number, tokPerSec = FAST_TPS) {
  let tokens = 0;
  record.deltaTimes.forEach((t, i) => {
    if (t > abortAt) tokens += record.deltaTokens[i] ?? 0;
  });
  return { tokens, tokenMs: (tokens / tokPerSec) * 1000, wallMs: (record.deltaTimes.at(-1) ?? abortAt) - abortAt };
}
