/**
 * `pnpm demo [--port N] [--host H] [--no-build]`: builds the app, starts the embedded simulator
 * (unless `ANTHROPIC_API_KEY` is set) and serves the app plus `POST /api/chat` on one origin.
 * The first line printed is `listening on http://HOST:PORT`. Ctrl-C / SIGTERM stops everything.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, startDemo } from './demo.node.ts';

const USAGE = `usage: pnpm demo [--port N] [--host H] [--no-build]

  --port N     port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H     interface to bind (default 127.0.0.1)
  --no-build   serve the existing apps/demo/dist instead of building first

Without ANTHROPIC_API_KEY the embedded simulator answers; with it, the real Anthropic API does.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: { port?: string; host?: string; 'no-build'?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    // `pnpm demo -- --port 1` forwards a literal `--`; drop it.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'no-build': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer 0..65535, got "${values.port}"`);

// Progress is held back until the server listens, so `listening on …` is the first line printed.
const early: string[] = [];
const demo = await startDemo({
  port,
  host: values.host ?? '127.0.0.1',
  build: values['no-build'] ? 'if-missing' : 'always',
  log: (line) => early.push(line),
});
console.log(`listening on ${demo.url}`);
for (const line of early) console.log(line);
console.log(
  demo.sim
    ? `upstream: embedded simulator at ${demo.sim.url} (no ANTHROPIC_API_KEY set); sim controls at ${demo.url}/api/sim/*`
    : 'upstream: Anthropic API (ANTHROPIC_API_KEY is set)',
);
console.log('press Ctrl-C to stop');

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping`);
  const force = setTimeout(() => process.exit(1), 3000);
  force.unref();
  demo.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
