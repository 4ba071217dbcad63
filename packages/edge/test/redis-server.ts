/** A real `redis-server` for tests: a free port on 127.0.0.1, no persistence, stopped by its pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const REDIS_SERVER = process.env['SLIPSTREAM_REDIS_SERVER'] ?? '/usr/bin/redis-server';

export interface RunningRedis {
  url: string;
  port: number;
  pid: number;
  /** Stop it (SIGKILL: a crash, as a test of outages wants). */
  kill(): Promise<void>;
  /** Start it again on the same port (empty: it keeps nothing). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on ${port}: ${out.slice(-500)}`));
    }, 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`));
    });
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Start a redis-server on a free port. */
export async function startRedis(): Promise<RunningRedis> {
  if (!redisAvailable()) throw new Error(`${REDIS_SERVER} not found: run \`node scripts/provision-redis.node.mjs\` (pnpm test does)`);
  const port = await freePort();
  let child = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    kill: () => stopChild(child, 'SIGKILL'),
    async restart() {
      await stopChild(child, 'SIGKILL');
      child = await launch(port);
    },
    stop: () => stopChild(child, 'SIGTERM'),
  };
}
