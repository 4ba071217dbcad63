/**
 * The fast-mode budget between responses: what the last `anthropic-fast-*` headers said, the tokens a
 * reply's fast steps spent after them (headers arrive before the reply they belong to), the refill
 * since, and when fast takes a request again (exact from a `retry-after`, else estimated). Pure
 * functions of the `ratelimit` event, the reply's steps and a clock, so every UI reads the same figures.
 *
 * @module
 */
import type { RateLimitEvent } from './protocol.ts';
import type { ReplyStep } from './stream-state.ts';

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

/** What a reply spent on the fast output budget after the last fast headers it read; see {@link replyFastSpend}. */
export interface ReplyFastSpend {
  /** The last `ratelimit` event with the fast budget read for the reply; `null` when none was. */
  rateLimit: RateLimitEvent | null;
  /**
   * Output tokens of the reply's fast steps produced after `rateLimit` was read (all of its fast steps'
   * when `rateLimit` is `null`: they count against whatever older headers the caller holds).
   */
  spentTokens: number;
}

/**
 * Output tokens one step drew from the fast output budget: all it produced (text, thinking and tool
 * input: the API's OTPM counts every output token) when it ran fast, 0 when it ran on standard. Input
 * tokens never count here: they are a separate fast budget (`anthropic-fast-input-*`), charged when a
 * request is admitted, so they are in that request's own headers. A step's speed is the served one
 * (`usage.speed`), or while it streams or after it broke off, the one asked (fast never silently
 * serves standard). Exact from the step's usage; the live estimate before it.
 */
export function fastStepOutputTokens(step: ReplyStep): number {
  if ((step.servedSpeed ?? step.requestedSpeed) !== 'fast') return 0;
  return Math.max(0, step.usage?.outputTokens ?? step.metrics.outputTokens.value ?? 0);
}

/**
 * The fast headers a reply's steps last read and the fast output tokens spent after them: the inputs of
 * {@link readFastBudget} (and the gauge's `rateLimit` and `spentTokens`) for that reply. In an agent
 * loop each step's request gets its own headers, which already count the steps before it (output is
 * charged as it is produced), and a step that ran on standard (after a mid-loop 429 or a low budget)
 * spends nothing from the fast budget, so only fast steps from the one that read the headers count;
 * summing the reply's `usage.outputTokens` would subtract standard steps and steps already counted.
 *
 * @param steps - The reply's steps (`state.steps`, `message.steps`); each keeps its `fastRateLimit`.
 * @param latest - The reply's last `ratelimit` event (`state.rateLimit`): when it carries the fast
 *   budget and no step read it (a refused attempt after the last step, before or instead of the
 *   standard step it led to), it is the newest reading and nothing was spent after it.
 * @example
 * const { rateLimit, spentTokens } = replyFastSpend(s.steps, s.rateLimit);
 * const b = readFastBudget(rateLimit, { spentTokens, refill: true });
 */
export function replyFastSpend(steps: readonly ReplyStep[], latest: RateLimitEvent | null = null): ReplyFastSpend {
  if (latest?.fast !== undefined && !steps.some((s) => s.fastRateLimit !== undefined && sameReading(s.fastRateLimit, latest))) {
    return { rateLimit: latest, spentTokens: 0 };
  }
  let from = -1;
  for (let i = steps.length - 1; i >= 0 && from < 0; i--) if (steps[i]?.fastRateLimit !== undefined) from = i;
  let spentTokens = 0;
  for (let i = Math.max(0, from); i < steps.length; i++) spentTokens += fastStepOutputTokens(steps[i]!);
  return { rateLimit: from < 0 ? null : steps[from]!.fastRateLimit!, spentTokens };
}

/** The same headers: the same object, or the same figures after a round trip through storage. */
function sameReading(a: RateLimitEvent, b: RateLimitEvent): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
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
 * const { rateLimit, spentTokens } = replyFastSpend(s.steps, s.rateLimit);
 * const b = readFastBudget(rateLimit, { spentTokens, refill: true });
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


/** When fast takes a request again, as {@link fastRetryIn} reads it. */
export interface FastRetryWait {
  /** Milliseconds from `now`; always positive. */
  ms: number;
  /** Modelled from the token bucket, not given by a `retry-after` header: show it as an estimate (`≈`). */
  estimate: boolean;
}

/**
 * How long until fast takes a request again. A fast 429's `retry-after` is the API's own answer for the
 * headers it came with: exact, and used as it is while it runs. When the budget reads 0 without one
 * (headers that said 0 left with no `retry-after`, or tokens spent after the headers that emptied the
 * bucket, which also outlast an earlier `retry-after`), the wait is when the token bucket has a token
 * back ({@link msUntilFastTokens} of 1): an estimate. `null` when neither says to wait.
 *
 * @param retryAfterMs - What is left of a `retry-after` (the hooks' `retryAfterMs`); `null` for none.
 * @example
 * const wait = fastRetryIn(readFastBudget(rl, { spentTokens, refill: true, now }), s.retryAfterMs, now);
 * if (wait) label = `retry in ${wait.estimate ? '≈' : ''}${Math.ceil(wait.ms / 1000)} s`;
 */
export function fastRetryIn(reading: FastBudgetReading, retryAfterMs: number | null, now: number): FastRetryWait | null {
  const exact = retryAfterMs !== null && retryAfterMs > 0 ? retryAfterMs : 0;
  // Headers read as they are (nothing spent after them): their retry-after says it, to the second.
  if (exact > 0 && !reading.estimate) return { ms: exact, estimate: false };
  const bucket = reading.remaining === 0 ? (msUntilFastTokens(reading, 1, now) ?? 0) : 0;
  // A tie goes to the estimate: the figure is the same, and that it is modelled is not lost.
  if (bucket > 0 && bucket >= exact) return { ms: bucket, estimate: true };
  return exact > 0 ? { ms: exact, estimate: false } : null;
}
