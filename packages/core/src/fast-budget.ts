/**
 * The fast-mode budget between responses: what the last `anthropic-fast-*` headers said, the tokens a
 * reply spent after them (headers arrive before the reply they belong to), and the refill since. Pure
 * functions of the `ratelimit` event and a clock, so every UI reads the same figures.
 *
 * @module
 */
import type { RateLimitEvent } from './protocol.ts';

/** The fast budget at a moment, as {@link readFastBudget} reads it. */
export interface FastBudgetReading {
  /** Tokens per minute; `null` when no fast headers were seen. */
  limit: number | null;
  /** Whole tokens left now; `null` when unknown. */
  remaining: number | null;
  /** Epoch ms when the budget is full again; `null` when unknown. */
  resetAt: number | null;
  /** The figures include tokens spent after the headers were read (modelled, not reported). */
  estimate: boolean;
}

/**
 * The fast budget left at `now`, from the last `anthropic-fast-*` headers and the tokens spent since.
 * Reported figures are used as they are, except: past `reset` the budget is full, and with `refill`
 * (or any `spentTokens`) the budget is read as the API's token bucket: refilled continuously at `limit`
 * per minute and full at `reset`, so its level now is `limit − (reset − now) × limit per minute`, and
 * tokens spent after the headers push the reset later by `spent ÷ limit` minutes. A level below 0 (a
 * reply overdrew the budget) shows as 0 until it has refilled. `estimate` says the figure is modelled.
 *
 * @example
 * const b = readFastBudget(s.rateLimit, { spentTokens: s.servedSpeed === 'fast' ? (s.usage?.outputTokens ?? 0) : 0 });
 * if (b.remaining === 0) console.log(`fast budget spent; full again at ${new Date(b.resetAt ?? 0).toISOString()}`);
 */
export function readFastBudget(
  rateLimit: RateLimitEvent | null,
  options: { dimension?: 'input' | 'output'; spentTokens?: number; refill?: boolean; now?: number } = {},
): FastBudgetReading {
  const { dimension = 'output', spentTokens = 0, refill = false, now = Date.now() } = options;
  const budget = rateLimit?.fast?.[dimension] ?? null;
  const limit = budget?.limit ?? null;
  const reported = budget?.remaining ?? null;
  const parsed = budget?.reset ? Date.parse(budget.reset) : Number.NaN;
  const reportedReset = Number.isFinite(parsed) ? parsed : null;
  if (limit === null || reported === null) return { limit, remaining: reported, resetAt: reportedReset, estimate: false };
  const spent = Math.max(0, spentTokens);
  if (reportedReset === null || limit <= 0) {
    return spent > 0 ? { limit, remaining: Math.max(0, reported - spent), resetAt: null, estimate: true } : { limit, remaining: reported, resetAt: null, estimate: false };
  }
  if (spent === 0 && !refill) return { limit, remaining: now >= reportedReset ? limit : reported, resetAt: reportedReset, estimate: false };
  const perMs = limit / 60_000;
  const resetAt = reportedReset + spent / perMs;
  const level = Math.max(0, Math.min(limit, Math.floor(limit - Math.max(0, resetAt - now) * perMs)));
  // Without spending, the model only ever adds what has refilled since the report (a reset rounded up to
  // the second reads a little low at first).
  const remaining = spent === 0 ? Math.max(reported, level) : level;
  return { limit, remaining, resetAt, estimate: remaining !== reported || spent > 0 };
}

/** Milliseconds until a {@link readFastBudget} reading has `tokens` back (0 if it has; `null` if unknown). */
export function msUntilFastTokens(reading: FastBudgetReading, tokens: number, now: number): number | null {
  const { limit, remaining, resetAt } = reading;
  if (limit === null || remaining === null) return null;
  if (remaining >= tokens) return 0;
  if (resetAt === null || limit <= 0) return null;
  return Math.max(0, resetAt - ((limit - Math.min(tokens, limit)) * 60_000) / limit - now);
}

