/**
 * Starts the demo once for the whole run: `server.node.ts --port 0` in a child process (the same
 * entry `pnpm demo` uses), which builds the app with Vite, starts the embedded sim and serves both on
 * one origin. The URL goes to the tests through `SLIPSTREAM_DEMO_URL`; teardown stops that process by
 * its own pid.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DEMO_DIR = fileURLToPath(new URL('../apps/demo/', import.meta.url));

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.SLIPSTREAM_DEMO_URL) return async () => {}; // an already running demo (local debugging)

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.node.ts', '--port', '0'], {
    cwd: DEMO_DIR,
    env: { ...process.env, ANTHROPIC_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`demo did not start in 120 s\n${stdout}\n${stderr}`)), 120_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited (${code}) before listening\n${stdout}\n${stderr}`));
    });
  });
  process.env.SLIPSTREAM_DEMO_URL = url;

  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}
