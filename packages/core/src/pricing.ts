/**
 * Prices and the cost of one reply. Plain data, overridable.
 *
 * @module
 */
import { lookupModel } from './models.ts';
import type { Cost, Speed, Usage } from './protocol.ts';

/** Standard rates in US dollars per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Multiplies every rate (input, output, cache) when `usage.speed` is `fast`. */
  fastMultiplier?: number;
}

const price = (p: ModelPrice): Readonly<ModelPrice> => Object.freeze(p);

/**
 * Built-in prices (USD per MTok, standard rates). Fast mode is 6x the standard Opus rates across the
 * whole context window: $30 in / $150 out.
 */
export const PRICING: Readonly<Record<string, Readonly<ModelPrice>>> = Object.freeze({
  'claude-opus-4-8': price({ inputPerMTok: 5, outputPerMTok: 25, fastMultiplier: 6 }),
  'claude-opus-4-6': price({ inputPerMTok: 5, outputPerMTok: 25, fastMultiplier: 6 }),
  'claude-sonnet-4-6': price({ inputPerMTok: 3, outputPerMTok: 15 }),
  'claude-haiku-4-5': price({ inputPerMTok: 1, outputPerMTok: 5 }),
});

/**
 * Prompt-caching multipliers, applied to the input rate in force (standard or fast): a 5-minute cache
 * write costs 1.25x input, a 1-hour write 2x, a cache read 0.1x.
 */
export const CACHE_MULTIPLIERS = Object.freeze({ write5m: 1.25, write1h: 2, read: 0.1 } as const);

/** Options for {@link cost}. */
export interface CostOptions {
  /** The TTL cache writes were made with; `Usage` does not split them. @default '5m' */
  cacheWriteTtl?: '5m' | '1h';
}

const PER_MTOK = 1_000_000;

/**
 * Costs are rounded to 1e-10 USD (a ten-thousandth of a micro-dollar): far below any price step, and
 * it drops binary float noise (`0.0014999999999999998` → `0.0015`) before the figures reach the wire.
 */
const round = (usd: number): number => Math.round(usd * 1e10) / 1e10;

/**
 * The cost of one reply in US dollars.
 *
 * @param usage - Token counts; `inputTokens` excludes cache reads and writes, as Anthropic reports it.
 * @param model - Model id; dated snapshot ids fall back to their alias.
 * @param speed - The speed *served* (`usage.speed`); `null` (not reported) is billed as standard.
 * @param table - Prices to use instead of {@link PRICING} (looked up first, then {@link PRICING}).
 * @returns `null` when the model is in neither table.
 * @example
 * cost({ inputTokens: 1000, outputTokens: 1000, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, 'claude-opus-4-6', 'fast')
 * // { inputUsd: 0.03, outputUsd: 0.15, cacheReadUsd: 0, cacheWriteUsd: 0, totalUsd: 0.18 }
 */
export function cost(
  usage: Usage,
  model: string,
  speed: Speed | null,
  table?: Record<string, ModelPrice>,
  options: CostOptions = {},
): Cost | null {
  const p = lookupModel(model, table, PRICING);
  if (p === undefined) return null;
  const m = speed === 'fast' ? (p.fastMultiplier ?? 1) : 1;
  const input = (p.inputPerMTok * m) / PER_MTOK;
  const output = (p.outputPerMTok * m) / PER_MTOK;
  const write = options.cacheWriteTtl === '1h' ? CACHE_MULTIPLIERS.write1h : CACHE_MULTIPLIERS.write5m;

  const inputUsd = round(usage.inputTokens * input);
  const outputUsd = round(usage.outputTokens * output);
  const cacheReadUsd = round(usage.cacheReadInputTokens * input * CACHE_MULTIPLIERS.read);
  const cacheWriteUsd = round(usage.cacheCreationInputTokens * input * write);
  return {
    inputUsd,
    outputUsd,
    cacheReadUsd,
    cacheWriteUsd,
    totalUsd: round(inputUsd + outputUsd + cacheReadUsd + cacheWriteUsd),
  };
}
