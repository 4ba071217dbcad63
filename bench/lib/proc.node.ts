/**
 * Child processes for benchmarks: each server (sim, relay) runs in its own Node process so its CPU time
 * can be read on its own (`process.cpuUsage()` over IPC) and the client's measurements stay clean.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface Child {
  url: string;
  proc: ChildProcess;
  /** Send a request over IPC and wait for the matching reply. */
  ask<T = unknown>(type: string, payload?: unknown): Promise<T>;
  close(): Promise<void>;
}

let nextId = 1;

/**
 * Fork `script` (a .ts file run through tsx) with one JSON argument. The child must print
 * `listening on URL` on stdout and answer IPC `{ id, type }` messages with `{ id, result }`.
 */
export async function startChild(script: string, config: unknown, timeoutMs = 30_000): Promise<Child> {
  const proc = fork(script, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script}: no "listening on" within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/u.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}\n${stderr}`));
    });
  });
  const pending = new Map<number, (v: unknown) => void>();
  proc.on('message', (msg: { id: number; result: unknown }) => {
    pending.get(msg.id)?.(msg.result);
    pending.delete(msg.id);
  });
  return {
    url,
    proc,
    ask<T>(type: string, payload?: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (v: unknown) => void);
        proc.send({ id, type, payload });
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        }, 3000).unref();
      });
    },
  };
}

/** In a child: answer IPC requests with `handlers[type](payload)`. */
export function serveIpc(handlers: Record<string, (payload: unknown) => unknown>): void {
  process.on('message', async (msg: { id: number; type: string; payload: unknown }) => {
    const handler = handlers[msg.type];
    const result = handler ? await handler(msg.payload) : { error: `unknown ${msg.type}` };
    process.send?.({ id: msg.id, result });
  });
  process.on('disconnect', () => process.exit(0));
}

/** CPU time of this process in ms (user + system). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
