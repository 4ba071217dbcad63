/**
 * Resumable replies across processes: three `pnpm edge --store redis://…` processes on one real Redis
 * and one sim. A reply dropped on one process resumes on another with the same text and one upstream
 * request; a stop sent to a third aborts it; a reply left alone past the detach time is aborted
 * upstream and answers 404.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { user, waitFor } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';
import { postChat, resumeChat, stopChat, textOf, type WireEvent } from './resume-helpers.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DETACH_MS = 1_000;

interface Edge {
  child: ChildProcess;
  chatUrl: string;
  stderr: string[];
}
const edges: Edge[] = [];
let sim: RunningSim;
let redis: RunningRedis;

function startEdge(args: string[]): Promise<Edge> {
  const env = { ...process.env };
  delete env['ANTHROPIC_API_KEY'];
  delete env['ANTHROPIC_BASE_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/edge/src/cli.node.ts', '--port', '0', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

beforeAll(async () => {
  // One token per delta, so "dropped at token 200" is the 200th text event.
  [sim, redis] = await Promise.all([startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 13, chunking: 'token' }), startRedis()]);
  const args = ['--upstream', sim.url, '--store', redis.url, '--store-timeout-ms', '5000', '--detach-ms', String(DETACH_MS)];
  await Promise.all([0, 1, 2].map(() => startEdge(args)));
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

const texts = (n: number) => (e: WireEvent, all: WireEvent[]) => e.event === 'text' && all.filter((x) => x.event === 'text').length >= n;

describe('resumable replies shared through Redis by three edge processes', () => {
  it('a 1,000-token reply dropped at token 200 on A resumes on B: identical text, exactly one upstream request', async () => {
    const [a, b] = edges as [Edge, Edge, Edge];
    const body = { messages: user('Explain tides to a sailor [[sim:tokens=1000]]') };
    const reference = await postChat(a.chatUrl, body);
    expect(reference.events.at(-1)?.event).toBe('done');
    sim.sim.reset();

    const dropped = await postChat(a.chatUrl, body, texts(200));
    expect(textOf(dropped.events).length).toBeGreaterThan(0);
    expect(dropped.events.filter((e) => e.event === 'text')).toHaveLength(200);
    const resumed = await resumeChat(b.chatUrl, dropped.replyId!, dropped.lastId);
    expect(resumed.status).toBe(200);
    expect(resumed.events[0]?.id).toBe(dropped.lastId + 1);
    expect(resumed.events.at(-1)?.event).toBe('done');
    expect(textOf(dropped.events) + textOf(resumed.events)).toBe(textOf(reference.events));
    expect(resumed.events.at(-1)?.data['usage']).toMatchObject({ outputTokens: 1000 });
    expect(sim.sim.stats().requests.total).toBe(1);
    expect(sim.sim.streams().map((s) => s.end)).toEqual(['complete']);
  });

  it('a stop POSTed to C aborts the reply running on A (its stream and a resumer on B end with `aborted`)', async () => {
    const [a, b, c] = edges as [Edge, Edge, Edge];
    let replyId = '';
    let resumer: ReturnType<typeof resumeChat> | undefined;
    let stop: ReturnType<typeof stopChat> | undefined;
    let stoppedAt = 0;
    const count = (all: WireEvent[]) => all.filter((x) => x.event === 'text').length;
    const first = await postChat(a.chatUrl, { messages: user('A long essay [[sim:tokens=8000]]') }, (e, all) => {
      if (e.event === 'start') replyId = String(e.data['replyId']);
      if (resumer === undefined && count(all) >= 20) resumer = resumeChat(b.chatUrl, replyId, e.id!);
      if (stop === undefined && count(all) >= 100) {
        stoppedAt = Date.now();
        stop = stopChat(c.chatUrl, replyId);
      }
      return false;
    });
    const endedAt = Date.now();
    expect((await stop)?.body).toEqual({ stopped: true });
    expect(first.events.at(-1)).toMatchObject({ event: 'error', data: { kind: 'aborted' } });
    expect((await resumer)!.events.at(-1)).toMatchObject({ event: 'error', data: { kind: 'aborted' } });
    // Seen by A within its meta poll (250 ms), with generous slack for a loaded machine.
    expect(endedAt - stoppedAt).toBeLessThan(3_000);
    await waitFor(() => sim.sim.streams()[0]?.end !== undefined, 5_000);
    expect(sim.sim.streams()[0]).toMatchObject({ end: 'client_abort' });
    expect(sim.sim.streams()[0]!.outputTokens).toBeLessThan(8000);
    expect(sim.sim.stats().requests.total).toBe(1);
  });

  it('a reply left without a client past the detach time is aborted upstream; resuming it on B or stopping it on C is 404', async () => {
    const [a, b, c] = edges as [Edge, Edge, Edge];
    const droppedAt = Date.now();
    const dropped = await postChat(a.chatUrl, { messages: user('Nobody will read this [[sim:tokens=8000]]') }, texts(20));
    await waitFor(() => sim.sim.streams()[0]?.end !== undefined, 15_000);
    const record = sim.sim.streams()[0]!;
    expect(record.end).toBe('client_abort');
    expect(record.disconnectedAt! - droppedAt).toBeGreaterThanOrEqual(DETACH_MS);
    expect(record.outputTokens).toBeLessThan(8000);
    const late = await resumeChat(b.chatUrl, dropped.replyId!, dropped.lastId);
    expect(late.status).toBe(404);
    expect(late.body).toMatchObject({ error: { kind: 'not_found' } });
    expect(late.body?.error.message).toMatch(/no client was attached/);
    expect((await stopChat(c.chatUrl, dropped.replyId!)).status).toBe(404);
  });
});
