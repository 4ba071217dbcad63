import { connect } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { client, fastParams, sim, waitFor } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  // 100 tok/s standard, 250 fast: a 2000-token reply would take seconds, so aborts land mid-stream.
  s = await sim({ standardOtps: 100 });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

describe('@hono/node-server', () => {
  it('fires the request AbortSignal when a raw client socket closes mid-response', async () => {
    let aborted = false;
    const server = await new Promise<Server>((resolve) => {
      const srv = serve(
        {
          port: 0,
          hostname: '127.0.0.1',
          fetch: (req: Request) => {
            req.signal.addEventListener('abort', () => {
              aborted = true;
            });
            // A body that never ends, like a stalled stream.
            return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('x')) }));
          },
        },
        () => resolve(srv as Server),
      ) as Server;
    });
    const port = (server.address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.destroy();
    await waitFor(() => aborted);
    expect(aborted).toBe(true);
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  });
});

describe('client disconnects', () => {
  it('a raw socket closing mid-stream stops the sim at once (AbortSignal really fires under @hono/node-server)', async () => {
    const { hostname, port } = new URL(s.url);
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 4000, stream: true, messages: [{ role: 'user', content: '[[sim:tokens=2000]]' }] });
    const socket = connect(Number(port), hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `POST /v1/messages HTTP/1.1\r\nhost: ${hostname}\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString();
    });
    await waitFor(() => (received.match(/content_block_delta/gu) ?? []).length >= 3);
    socket.destroy();
    const closedAt = performance.timeOrigin + performance.now();
    await waitFor(() => s.sim.stats().activeStreams === 0);
    const [record] = s.sim.streams();
    expect(record?.end).toBe('client_abort');
    expect(record?.disconnectedAt).toBeGreaterThanOrEqual(closedAt - 5);
    expect(record?.disconnectedAt! - closedAt).toBeLessThan(2000);
    const tokensAtAbort = record!.outputTokens;
    expect(tokensAtAbort).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 100));
    // Nothing more was generated after the disconnect.
    expect(s.sim.streams()[0]?.outputTokens).toBe(tokensAtAbort);
    expect(s.sim.stats()).toMatchObject({ activeStreams: 0, abortedStreams: 1, completedStreams: 0, tokensEmitted: tokensAtAbort });
    expect(s.sim.stats().tokensAfterDisconnect).toEqual([0]);
  });

  it('SDK stream.abort() closes the socket and the sim stops; unsent tokens are not counted', async () => {
    const stream = client(s.url).beta.messages.stream(fastParams('[[sim:tokens=2000]]', { max_tokens: 4000 }));
    let texts = 0;
    stream.on('text', () => {
      texts += 1;
      if (texts === 5) stream.abort();
    });
    await expect(stream.finalMessage()).rejects.toThrow(/aborted/iu);
    expect(stream.aborted).toBe(true);
    await waitFor(() => s.sim.stats().activeStreams === 0);
    const [record] = s.sim.streams();
    expect(record?.end).toBe('client_abort');
    expect(record?.outputTokens).toBeLessThan(1000);
    expect(s.sim.stats().tokensAfterDisconnect).toEqual([0]);
    expect(s.sim.stats().abortedStreams).toBe(1);
  });

  it('an AbortSignal passed to the SDK during TTFT also stops the sim before any token', async () => {
    s.sim.configure({ ttftMs: 400 });
    const ac = new AbortController();
    const stream = client(s.url).beta.messages.stream(fastParams('hello there'), { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(stream.finalMessage()).rejects.toThrow();
    await waitFor(() => s.sim.stats().activeStreams === 0);
    expect(s.sim.streams()[0]).toMatchObject({ end: 'client_abort', outputTokens: 0 });
    s.sim.configure({ ttftMs: 5 });
  });
});
