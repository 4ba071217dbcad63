import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.node.ts', import.meta.url));
const children: ChildProcess[] = [];

function run(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
});

describe('pnpm sim (cli.node.ts)', () => {
  it('prints "listening on http://HOST:PORT" first, serves, and exits 0 on SIGTERM', async () => {
    const child = run(['--port', '0', '--seed', '3', '--ttft-ms', '5', '--standard-otps', '2000', '--chunking', 'token']);
    const line = await firstLine(child);
    expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/u);
    const url = line.slice('listening on '.length);
    const stats = await fetch(`${url}/_sim/stats`);
    expect(stats.status).toBe(200);
    const reply = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 100, stream: true, messages: [{ role: 'user', content: '[[sim:tokens=30]]' }] }),
    });
    await reply.text();
    const [record] = (await (await fetch(`${url}/_sim/streams`)).json()) as { deltaTokens: number[] }[];
    expect(record!.deltaTokens).toEqual(Array.from({ length: 30 }, () => 1));
    process.kill(child.pid!, 'SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('bad flags give a clear message and exit code 2', async () => {
    const child = run(['--port', 'abc']);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    expect(await exitCode(child)).toBe(2);
    expect(err).toMatch(/--port expects a non-negative integer/u);
    const unknown = run(['--turbo']);
    expect(await exitCode(unknown)).toBe(2);
    expect(await exitCode(run(['--chunking', 'words']))).toBe(2);
  });

  it('--help documents every flag and exits 0', async () => {
    const child = run(['--help']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    expect(await exitCode(child)).toBe(0);
    for (const flag of ['--port', '--host', '--ttft-ms', '--standard-otps', '--fast-multiplier', '--fast-input-tpm', '--fast-output-tpm', '--prefill-tps', '--chunking', '--seed']) {
      expect(out).toContain(flag);
    }
  });
});
