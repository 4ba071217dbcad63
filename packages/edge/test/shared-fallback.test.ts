/**
 * Three edge processes (`pnpm edge --store redis://…`) on one real Redis: a fast 429 seen by one is
 * known to the others, and the store's outage never fails a reply.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { chat, user, waitFor } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Edge {
  child: ChildProcess;
  chatUrl: string;
  stderr: string[];
}
const edges: Edge[] = [];
let sim: RunningSim;
let redis: RunningRedis;
let firstLimitAt = 0;

function startEdge(args: string[]): Promise<Edge> {
  const env = { ...process.env };
  delete env['ANTHROPIC_API_KEY'];
  delete env['ANTHROPIC_BASE_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/edge/src/cli.node.ts', '--port', '0', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edge did not start: ${stderr.join('\n')}`)), 30_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (!m) return reject(new Error(`first line was: ${line}`));
      const edge = { child, chatUrl: `${m[1]}/api/chat`, stderr };
      edges.push(edge);
      resolve(edge);
    });
    child.once('exit', (code) => reject(new Error(`edge exited ${code}: ${stderr.join('\n')}`)));
  });
}

const fastRequests = () => sim.sim.requests().filter((r) => (r.body as { speed?: string }).speed === 'fast').length;

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 11 }), startRedis()]);
  // A killed Redis refuses connections at once (the CLI's client fails fast while disconnected), so a
  // long timeout does not slow the outage down; it keeps a busy CI machine from looking like one.
  await Promise.all([0, 1, 2].map(() => startEdge(['--upstream', sim.url, '--store', redis.url, '--store-timeout-ms', '5000'])));
});
afterAll(async () => {
  await Promise.all(
    edges.map(
      (e) =>
        new Promise<void>((resolve) => {
          if (e.child.exitCode !== null) return resolve();
          e.child.once('exit', () => resolve());
          e.child.kill('SIGTERM');
        }),
    ),
  );
  await redis?.stop();
  await sim?.close();
});
beforeEach(() => sim.sim.reset());

describe('fallback memory shared through Redis by three edge processes', () => {
  it('a fast 429 seen by one process makes the other two serve standard ("remembered") with no fast request', async () => {
    const [a, b, c] = edges as [Edge, Edge, Edge];
    // retry-after 3 s: long enough for the checks below, short enough that the key-level memory is gone
    // before the next test's own 429.
    firstLimitAt = Date.now();
    sim.sim.injectFaults({ fault: 'rate_limit', after: 3_000, speed: 'fast' });
    const first = await chat(a.chatUrl, { messages: user('one [[sim:tokens=8]]'), conversationId: 'conv-shared' });
    expect(first.find('fallback')?.data).toMatchObject({ reason: 'rate_limited', to: 'standard' });
    expect(fastRequests()).toBe(1);

    for (const edge of [b, c]) {
      const r = await chat(edge.chatUrl, { messages: user('two [[sim:tokens=8]]'), conversationId: 'conv-shared' });
      expect(r.find('fallback')?.data).toMatchObject({ reason: 'remembered', to: 'standard' });
      expect(r.find('done')?.data.speed).toBe('standard');
    }
    // Another conversation on the same key, on another process: still no 429 round trip.
    const other = await chat(c.chatUrl, { messages: user('three [[sim:tokens=8]]'), conversationId: 'conv-other' });
    expect(other.find('fallback')?.data.reason).toBe('remembered');
    expect(fastRequests()).toBe(1);
  });

  it('Redis killed mid-run: replies keep completing from local memory; after a restart the memory is shared again', async () => {
    const [a, b] = edges as [Edge, Edge, Edge];
    await redis.kill();
    const during = await Promise.all(
      [a, b, a, b].map((e, i) => chat(e.chatUrl, { messages: user(`outage ${i} [[sim:tokens=6]]`), conversationId: `out-${i}` })),
    );
    for (const r of during) {
      expect(r.res.status).toBe(200);
      expect(r.find('done')?.data.usage.outputTokens).toBe(6);
    }
    // Each process that needed the store said that it went away (once per outage: see state-store.test.ts).
    await waitFor(() => [a, b].every((e) => e.stderr.some((l) => /store unavailable/.test(l))), 10_000);
    await redis.restart();
    // The client reconnects on its own; recovery is noticed on the next store operation (probed at most
    // once a second while degraded), so drive requests until both processes say the store is back.
    const recovered = () => [a, b].every((e) => e.stderr.some((l) => /answers again/.test(l)));
    for (let i = 0; i < 40 && !recovered(); i++) {
      await Promise.all([a, b].map((e) => chat(e.chatUrl, { messages: user(`probe ${i} [[sim:tokens=2]]`) })));
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(edges.slice(0, 2).every((e) => e.stderr.some((l) => /answers again/.test(l)))).toBe(true);
    sim.sim.reset();
    // The first test's key-level memory (retry-after 3 s) must have run out, or A would not ask for fast.
    await new Promise((r) => setTimeout(r, Math.max(0, firstLimitAt + 3_200 - Date.now())));
    sim.sim.injectFaults({ fault: 'rate_limit', after: 20_000, speed: 'fast' });
    const hit = await chat(a.chatUrl, { messages: user('after [[sim:tokens=4]]'), conversationId: 'conv-after' });
    expect(hit.find('fallback')?.data.reason).toBe('rate_limited');
    const seen = await chat(b.chatUrl, { messages: user('after b [[sim:tokens=4]]'), conversationId: 'conv-after' });
    expect(seen.find('fallback')?.data.reason).toBe('remembered');
    expect(fastRequests()).toBe(1);
  });
});
