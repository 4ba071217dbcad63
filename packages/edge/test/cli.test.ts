/** `pnpm edge`: the Node CLI prints its address first, serves chats, and stops cleanly on SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { collect, post, user } from './helpers.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const root = fileURLToPath(new URL('../../../', import.meta.url));
const children: ChildProcess[] = [];

function startCli(args: string[]): Promise<{ child: ChildProcess; lines: string[]; url: string }> {
  const env = { ...process.env };
  delete env['ANTHROPIC_API_KEY'];
  delete env['ANTHROPIC_BASE_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/edge/src/cli.node.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output; got: ${lines.join('\n')}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const m = /^listening on (http:\/\/\S+)$/.exec(lines[0] ?? '');
      if (!m) {
        clearTimeout(timer);
        reject(new Error(`first line was: ${line}`));
      } else if (lines.length >= 3) {
        clearTimeout(timer);
        resolve({ child, lines, url: m[1]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

let sim: RunningSim | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  await sim?.close();
});

describe('pnpm edge', () => {
  it('without a key: starts the embedded sim, says so, serves a chat, stops on SIGTERM', async () => {
    const { child, lines, url } = await startCli(['--port', '0']);
    expect(lines[2]).toMatch(/embedded sim/);
    const events = await collect(await post(`${url}/api/chat`, { messages: user('Hi [[sim:tokens=6]]') }));
    expect(events.at(-1)?.event).toBe('done');
    child.kill('SIGTERM');
    expect(await stopped(child)).toBe(0);
  });

  it('--upstream points it at a running sim', async () => {
    sim = await startSim({ port: 0, ttftMs: 10, standardOtps: 0 });
    const { child, lines, url } = await startCli(['--port', '0', '--upstream', sim.url]);
    expect(lines[2]).toBe(`upstream: ${sim.url}`);
    const events = await collect(await post(`${url}/api/chat`, { messages: user('Hi [[sim:tokens=6]]') }));
    expect(events.at(-1)?.event).toBe('done');
    expect(sim.sim.requests()).toHaveLength(1);
    child.kill('SIGINT');
    expect(await stopped(child)).toBe(0);
  });

  it('--tools examples mounts the example tool set: a 4-tool loop runs from a shell', async () => {
    sim ??= await startSim({ port: 0, ttftMs: 10, standardOtps: 0 });
    const { child, url } = await startCli(['--port', '0', '--upstream', sim.url, '--tools', 'examples']);
    const events = await collect(
      await post(`${url}/api/chat`, { messages: user('Add a TTL to the LRU cache [[sim:tools=list_files,read_file,write_file,run_checks]]') }),
    );
    const done = events.at(-1);
    expect(done?.event === 'done' && done.data).toMatchObject({ finishReason: 'stop', steps: 5 });
    expect(events.filter((e) => e.event === 'tool_result').map((e) => e.event === 'tool_result' && e.data.error)).toEqual([undefined, undefined, undefined, undefined]);
    child.kill('SIGTERM');
    expect(await stopped(child)).toBe(0);
  });

  it('--resume keeps replies in this process: start has a replyId and GET /api/chat/{replyId} replays it; a bad --detach-ms is refused', async () => {
    sim ??= await startSim({ port: 0, ttftMs: 10, standardOtps: 0 });
    const { child, url } = await startCli(['--port', '0', '--upstream', sim.url, '--resume', '--detach-ms', '5000']);
    const events = await collect(await post(`${url}/api/chat`, { messages: user('Hi [[sim:tokens=6]]') }));
    const start = events.find((e) => e.event === 'start');
    const replyId = start?.event === 'start' ? start.data.replyId : undefined;
    expect(replyId).toBeDefined();
    const replay = await collect(await fetch(`${url}/api/chat/${replyId}`, { headers: { 'last-event-id': '0' } }));
    expect(replay.map((e) => e.event)).toEqual(events.map((e) => e.event));
    child.kill('SIGTERM');
    expect(await stopped(child)).toBe(0);
    const bad = spawn(process.execPath, ['--import', 'tsx', 'packages/edge/src/cli.node.ts', '--port', '0', '--detach-ms', 'soon'], { cwd: root, stdio: 'ignore' });
    children.push(bad);
    expect(await stopped(bad)).toBe(2);
  });

  it('refuses a bad port with a usage line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/edge/src/cli.node.ts', '--port', 'nope'], { cwd: root, stdio: 'ignore' });
    children.push(child);
    expect(await stopped(child)).toBe(2);
  });
});
