/**
 * `slipstream` CLI as a library: the race, its report and the CLI entry, for scripting and tests.
 * @module
 */
export { main, explain, EXIT, type CliIO } from './cli.node.ts';
export { parseArgs, USAGE, UsageError, DEFAULT_MODEL, DEFAULT_RUNS, DEFAULT_MAX_TOKENS, type ParsedArgs, type RaceArgs } from './args.ts';
export { race, checkModel, RaceError, UnsupportedModelError, type RaceOptions, type RaceProgress, type RunResult } from './race.ts';
export { buildReport, formatTable, type RaceReport, type SpeedSummary, type Spread, type Source } from './report.ts';
export { replyMetrics, type ReplyMetrics, type ReplyTiming } from './metrics.ts';
