#!/usr/bin/env node
/**
 * `slipstream-sim` (the published bin; `pnpm sim` in this repo): run the sim as a local HTTP server.
 * @module
 */
import { parseArgs } from 'node:util';
import { startSim, type StartSimOptions } from './server.node.ts';
import { CHUNKINGS, type Chunking } from './chunking.ts';
import { DEFAULT_OPTIONS } from './core.ts';

/** Default port of the CLI (`--port 0` picks a free one). */
export const DEFAULT_PORT = 4010;

const HELP = `Usage: slipstream-sim [options]    (in this repo: pnpm sim)

A simulated Anthropic Messages API (POST /v1/messages) with fast mode, rate limits and faults.

Options:
  --port N              port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host H              host to bind (default 127.0.0.1)
  --ttft-ms N           time to first token in ms, both speeds (default ${DEFAULT_OPTIONS.ttftMs})
  --standard-otps N     standard output tokens/s; 0 = unlimited (default ${DEFAULT_OPTIONS.standardOtps})
  --fast-multiplier N   fast rate = standard × N (default ${DEFAULT_OPTIONS.fastMultiplier})
  --jitter N            relative timing jitter (default ${DEFAULT_OPTIONS.jitter})
  --fast-input-tpm N    fast input tokens per minute (default ${DEFAULT_OPTIONS.fastInputTpm})
  --fast-output-tpm N   fast output tokens per minute (default ${DEFAULT_OPTIONS.fastOutputTpm})
  --prefill-tps N       uncached input tokens prefilled per second before the first token;
                        0 = instant (default ${DEFAULT_OPTIONS.prefillTokensPerSecond})
  --chunking P          delta sizes: api (like the real API, the default) or token (one token per delta)
  --seed N              seed for text, token counts and ids (default ${DEFAULT_OPTIONS.seed})
  --help                show this help

Control endpoints: GET /_sim/stats, /_sim/streams, /_sim/requests; POST /_sim/reset, /_sim/faults, /_sim/config.
Per-request faults: header x-sim-fault: NAME (+ x-sim-fault-after: N).
`;

const NUMERIC_FLAGS = {
  'ttft-ms': 'ttftMs',
  'standard-otps': 'standardOtps',
  'fast-multiplier': 'fastMultiplier',
  jitter: 'jitter',
  'fast-input-tpm': 'fastInputTpm',
  'fast-output-tpm': 'fastOutputTpm',
  seed: 'seed',
  'prefill-tps': 'prefillTokensPerSecond',
} as const;

/** A bad command line. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function number(flag: string, raw: string, integer: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} expects a ${integer ? 'non-negative integer' : 'non-negative number'}, got '${raw}'`);
  }
  return n;
}

function parse(argv: string[]): StartSimOptions | 'help' {
  const options = Object.fromEntries(
    ['port', 'host', 'chunking', ...Object.keys(NUMERIC_FLAGS)].map((name) => [name, { type: 'string' as const }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v['help']) return 'help';
  const out: StartSimOptions = { port: DEFAULT_PORT, host: '127.0.0.1' };
  if (typeof v['port'] === 'string') {
    out.port = number('port', v['port'], true);
    if (out.port > 65535) throw new UsageError(`--port must be at most 65535, got ${out.port}`);
  }
  if (typeof v['host'] === 'string') {
    if (v['host'] === '') throw new UsageError('--host must not be empty');
    out.host = v['host'];
  }
  if (typeof v['chunking'] === 'string') {
    if (!(CHUNKINGS as readonly string[]).includes(v['chunking'])) throw new UsageError(`--chunking must be one of ${CHUNKINGS.join(', ')}, got '${v['chunking']}'`);
    out.chunking = v['chunking'] as Chunking;
  }
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const raw = v[flag];
    if (typeof raw === 'string') out[key] = number(flag, raw, flag === 'seed');
  }
  return out;
}

async function main(): Promise<void> {
  let options: StartSimOptions | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\nRun with --help for usage.\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const running = await startSim(options);
  process.stdout.write(`listening on ${running.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, stopping\n`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`sim: ${(err as Error).message}\n`);
  process.exit(1);
});
