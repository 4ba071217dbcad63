/**
 * Command-line parsing for `slipstream`. Pure: no I/O, so tests can check every flag.
 * @module
 */

/** The default model: fast-capable in core's table and in the sim. */
export const DEFAULT_MODEL = 'claude-opus-4-6';
export const DEFAULT_RUNS = 3;
export const DEFAULT_MAX_TOKENS = 1024;

export interface RaceArgs {
  command: 'race';
  prompt: string;
  model: string;
  runs: number;
  maxTokens: number;
  json: boolean;
}
export type ParsedArgs = RaceArgs | { command: 'help' };

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: slipstream race "prompt" [options]

Runs the same prompt at standard and at fast speed, alternating, and prints what each served:
served speed (usage.speed), output tokens, time to first token, output tokens per second (headline:
after the first token; effective: whole request), cost, and the measured speed-up with its spread.

With ANTHROPIC_API_KEY set it calls the Anthropic API (billed to that key; fast mode is priced at 6x);
without it, an embedded simulator (standard about 50 tokens/s, fast 2.5x) answers instead, and the
output says so.

Options:
  --model M        model to race (default ${DEFAULT_MODEL}; it must support fast mode)
  --runs N         runs per speed, 1-20 (default ${DEFAULT_RUNS})
  --max-tokens N   max_tokens per request, 1-128000 (default ${DEFAULT_MAX_TOKENS})
  --json           print the results as JSON on stdout instead of a table
  -h, --help       show this help

Exit codes: 0 done, 1 unexpected error, 2 bad arguments, 3 rate limited (429), 4 model cannot run fast
or is unknown, 5 API error (auth, overloaded, network).`;

function intFlag(name: string, raw: string | undefined, lo: number, hi: number): number {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${name} needs a value`);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`${name} must be a whole number from ${lo} to ${hi}, got "${raw}"`);
  return n;
}

/** Parse `argv` (without node and script). Throws {@link UsageError}. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'race') throw new UsageError(`unknown command "${command}" (the command is "race")`);
  const out: RaceArgs = { command: 'race', prompt: '', model: DEFAULT_MODEL, runs: DEFAULT_RUNS, maxTokens: DEFAULT_MAX_TOKENS, json: false };
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => (inline !== undefined ? inline : rest[++i]);
    switch (name) {
      case '--model': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError('--model needs a value');
        out.model = v;
        break;
      }
      case '--runs':
        out.runs = intFlag('--runs', value(), 1, 20);
        break;
      case '--max-tokens':
        out.maxTokens = intFlag('--max-tokens', value(), 1, 128_000);
        break;
      case '--json':
        if (inline !== undefined) throw new UsageError('--json takes no value');
        out.json = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option "${name}"`);
        positional.push(arg);
    }
  }
  if (positional.length === 0) throw new UsageError('missing the prompt: slipstream race "your prompt"');
  if (positional.length > 1) throw new UsageError(`one prompt expected, got ${positional.length} arguments (quote the prompt)`);
  out.prompt = positional[0] as string;
  if (out.prompt.trim() === '') throw new UsageError('the prompt is empty');
  return out;
}
