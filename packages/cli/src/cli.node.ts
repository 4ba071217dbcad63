/**
 * `slipstream race "prompt"`: the CLI entry. `main(argv, io)` returns the exit code, so tests run it
 * in-process; `bin.node.ts` (the `slipstream` bin) runs it and exits with that code.
 * @module
 */
import Anthropic from '@anthropic-ai/sdk';
import { startSim, type StartSimOptions } from '@slipstream/sim/node';
import { USAGE, UsageError, parseArgs } from './args.ts';
import { RaceError, UnsupportedModelError, checkModel, race, type RaceProgress } from './race.ts';
import { buildReport, formatTable, type Source } from './report.ts';

export const EXIT = { ok: 0, error: 1, usage: 2, rateLimited: 3, unsupported: 4, api: 5 } as const;

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Options for the embedded sim (tests set high rates). */
  simOptions?: StartSimOptions;
}

const defaultIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  if (headers && typeof headers === 'object') return ((headers as Record<string, string>)[name] ?? null) as string | null;
  return null;
}

function retryAfterText(headers: unknown): string {
  const ms = Number(header(headers, 'retry-after-ms'));
  const s = Number(header(headers, 'retry-after'));
  const wait = Number.isFinite(ms) && ms > 0 ? ms / 1000 : Number.isFinite(s) && s > 0 ? s : null;
  return wait === null ? 'no retry-after was given' : `retry after ${wait < 10 ? wait.toFixed(1) : Math.ceil(wait)} s`;
}

/** Turn a failure into a message and an exit code. Never prints keys or upstream bodies. */
export function explain(err: unknown, model: string): { message: string; code: number } {
  if (err instanceof UsageError) return { message: `slipstream: ${err.message}\n\n${USAGE}`, code: EXIT.usage };
  if (err instanceof UnsupportedModelError) {
    return { message: `slipstream: ${err.message} Try --model claude-opus-4-6.`, code: EXIT.unsupported };
  }
  const cause = err instanceof RaceError ? err.cause : err;
  const where = err instanceof RaceError ? ` (${err.speed} request, after ${err.completedRuns} completed)` : '';
  if (cause instanceof Anthropic.APIError) {
    const status = cause.status;
    if (status === 429) {
      const fastRemaining = header(cause.headers, 'anthropic-fast-output-tokens-remaining');
      return {
        message:
          `slipstream: rate limited (429)${where}: ${retryAfterText(cause.headers)}.` +
          (err instanceof RaceError && err.speed === 'fast'
            ? ` Fast mode has its own rate limit${fastRemaining !== null ? ` (fast output tokens remaining: ${fastRemaining})` : ''}; wait, or race with fewer --runs or a smaller --max-tokens.`
            : ' Wait and try again.'),
        code: EXIT.rateLimited,
      };
    }
    if (status === 404) return { message: `slipstream: unknown model "${model}" (404 from the API)${where}.`, code: EXIT.unsupported };
    if (status === 400 && /speed|fast/iu.test(cause.message)) {
      return { message: `slipstream: ${model} cannot run at fast speed (400 from the API${where}). Try --model claude-opus-4-6.`, code: EXIT.unsupported };
    }
    if (status === 401 || status === 403) return { message: `slipstream: the API refused the key (${status})${where}. Check ANTHROPIC_API_KEY.`, code: EXIT.api };
    if (status === 529) return { message: `slipstream: the API is overloaded (529)${where}; try again shortly.`, code: EXIT.api };
    if (status !== undefined) return { message: `slipstream: API error ${status}${where}: ${cause.message.slice(0, 200)}`, code: EXIT.api };
    return { message: `slipstream: could not reach the API${where}: ${cause.message.slice(0, 200)}`, code: EXIT.api };
  }
  return { message: `slipstream: ${err instanceof Error ? err.message : String(err)}`, code: EXIT.error };
}

/** Run the CLI. Returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    const { message, code } = explain(err, '');
    io.stderr.write(`${message}\n`);
    return code;
  }
  if (args.command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }

  try {
    checkModel(args.model);
  } catch (err) {
    io.stderr.write(`${explain(err, args.model).message}\n`);
    return EXIT.unsupported;
  }
  const apiKey = io.env.ANTHROPIC_API_KEY;
  const source: Source = apiKey ? 'api' : 'sim';
  const sim = source === 'sim' ? await startSim({ port: 0, ...io.simOptions }) : null;
  const client = new Anthropic({ apiKey: apiKey || 'sk-ant-sim', maxRetries: 0, ...(sim ? { baseURL: sim.url } : {}) });
  const tty = io.stderr.isTTY === true;
  if (!args.json) io.stderr.write(source === 'sim' ? 'slipstream: no ANTHROPIC_API_KEY, racing against the embedded simulator\n' : 'slipstream: racing against the Anthropic API\n');
  const onProgress = tty
    ? (p: RaceProgress): void => {
        io.stderr.write(`\r\x1b[2K[${p.index}/${p.total}] ${p.speed} run ${p.run}: ${p.chars.toLocaleString('en-US')} chars, ${(p.elapsedMs / 1000).toFixed(1)} s`);
      }
    : undefined;
  try {
    const results = await race({ client, prompt: args.prompt, model: args.model, runs: args.runs, maxTokens: args.maxTokens, ...(onProgress ? { onProgress } : {}) });
    if (tty) io.stderr.write('\r\x1b[2K');
    const report = buildReport({ source, model: args.model, prompt: args.prompt, runs: args.runs, maxTokens: args.maxTokens }, results);
    io.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
    return EXIT.ok;
  } catch (err) {
    if (tty) io.stderr.write('\r\x1b[2K');
    const { message, code } = explain(err, args.model);
    io.stderr.write(`${message}\n`);
    return code;
  } finally {
    await sim?.close();
  }
}
