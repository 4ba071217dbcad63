/**
 * The same Worker bundle served by Bun (`Bun.serve`) and Deno (`Deno.serve`), when their binaries are
 * available: the root devDependencies `bun` and `deno` (npm), BUN_BIN / DENO_BIN, or on PATH.
 * Skipped only when none is found.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_KEY } from '../helpers.ts';
import { bundle } from './build.ts';
import { abortDuringSilence, abortReachesSim, fallback, fastReply } from './scenarios.ts';

// The suite shares the machine with others: generous limits (the edge project has no default timeout).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
/** At most ~100 ms worth of tokens after an abort (50 ms slack for a loaded CI machine). */
const ABORT_TAIL_MS = 150;
/** Timing tests retry: a starved CPU can miss a bound once; a broken abort path misses it by seconds, every time. */
const TIMING = { retry: 2 };

/**
 * The runtime's own binary, never a launcher: npm's `bun`/`deno` packages install `.bin` shims that
 * start the binary as a child, so a SIGTERM to the shim would leave the server running.
 */
function findBin(envName: string, name: 'bun' | 'deno'): string | undefined {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
    const bin = join(pkgDir, name === 'bun' ? 'bin/bun.exe' : 'deno');
    if (existsSync(bin)) return bin;
  } catch {
    // Not installed from npm: look on PATH.
  }
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : undefined;
}

const GLUE = {
  bun: `import worker from './worker.mjs';
const env = { SIM_URL: process.env.SIM_URL, ANTHROPIC_API_KEY: process.env.EDGE_KEY, HEARTBEAT_MS: '200' };
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', idleTimeout: 60, fetch: (req) => worker.fetch(req, env) });
console.log('listening on http://127.0.0.1:' + server.port);
`,
  deno: `import worker from './worker.mjs';
const env = { SIM_URL: Deno.env.get('SIM_URL'), ANTHROPIC_API_KEY: Deno.env.get('EDGE_KEY'), HEARTBEAT_MS: '200' };
Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log('listening on http://127.0.0.1:' + port) }, (req) => worker.fetch(req, env));
`,
};

for (const runtime of ['bun', 'deno'] as const) {
  const bin = findBin(runtime === 'bun' ? 'BUN_BIN' : 'DENO_BIN', runtime);
  describe.skipIf(bin === undefined)(`${runtime} (${bin ?? 'not installed'})`, () => {
    let sim: RunningSim;
    let child: ChildProcess;
    let dir: string;
    let chatUrl: string;

    beforeAll(async () => {
      sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 13 });
      dir = await mkdtemp(join(tmpdir(), `slipstream-${runtime}-`));
      await writeFile(join(dir, 'worker.mjs'), await bundle('worker'));
      await writeFile(join(dir, 'serve.mjs'), GLUE[runtime]);
      const args = runtime === 'bun' ? ['serve.mjs'] : ['run', '--quiet', '--allow-net', '--allow-env', '--allow-read', 'serve.mjs'];
      child = spawn(bin!, args, { cwd: dir, env: { ...process.env, SIM_URL: sim.url, EDGE_KEY: FAKE_KEY, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
      const base = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', (line) => {
          const m = /^listening on (\S+)$/.exec(line);
          if (m) resolve(m[1]!);
          else reject(new Error(`unexpected first line: ${line}`));
        });
        child.once('exit', (code) => reject(new Error(`${runtime} exited ${code}`)));
      });
      chatUrl = `${base}/api/chat`;
    });

    afterAll(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await sim?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('streams a fast reply', () => fastReply(chatUrl, sim));
    it('falls back on a fast 429', () => fallback(chatUrl, sim));
    it('a client abort reaches the sim within ~100 ms', TIMING, async () => {
      const { tokenMs, wallMs, end } = await abortReachesSim(chatUrl, sim);
      expect(end).toBe('client_abort');
      expect(tokenMs).toBeLessThan(ABORT_TAIL_MS);
      expect(wallMs).toBeLessThan(1_000);
    });
    it('an abort during a silent TTFT reaches the sim (request signal, or the next heartbeat)', TIMING, async () => {
      const ms = await abortDuringSilence(chatUrl, sim);
      expect(ms).not.toBeNull();
      expect(ms!).toBeLessThan(200 + 250);
    });
  });
}
