'use client';
/**
 * `<RateLimitGauge>`: the fast-mode budget left and when it resets.
 *
 * @module
 */
import { forwardRef, type ComponentPropsWithoutRef } from 'react';
import { fastRetryIn, readFastBudget, replyFastSpend, type RateLimitEvent, type ReplyStep } from '@slipstream/core';
import { formatCountdown, formatInt } from '../format.ts';
import { useNow } from '../use-now.ts';

export type RateLimitGaugeState = 'unknown' | 'ok' | 'low' | 'exhausted';

export interface RateLimitGaugeProps extends ComponentPropsWithoutRef<'div'> {
  /** The latest `ratelimit` event (core's `FastStreamState['rateLimit']`). */
  rateLimit: RateLimitEvent | null;
  /** Which fast budget to show. Default `output`. */
  dimension?: 'input' | 'output';
  /**
   * Live retry-after from a fast 429, in ms (the hooks' `retryAfterMs`): exact, shown as it is while
   * positive, beside the reset. With no budget known, a running retry-after still says the fast budget
   * is spent. When tokens spent after the headers leave the bucket empty, the gauge works out when it
   * has a token back itself and shows that instead if it is later, marked `≈` (core's `fastRetryIn`).
   */
  retryAfterMs?: number | null;
  /**
   * The reply's steps (`state.steps`, `message.steps`). The output budget is then read from them: the
   * last fast headers they read (else `rateLimit`) and the output tokens of the steps served fast after
   * those headers (core's `replyFastSpend`), so an agent loop that moved to standard part-way counts
   * only its fast steps. Replaces `spentTokens`; output dimension only.
   */
  steps?: readonly ReplyStep[];
  /**
   * Tokens of this dimension charged after `rateLimit` was read: the headers come before the reply, so
   * a fast reply's own output tokens are not in them. Pass `steps` instead for a reply from the kit (a
   * multi-step reply's total would count standard steps, and steps its later headers already count);
   * this is for budgets tracked some other way. The figure left and the reset are then estimated
   * (marked `≈`); see `readFastBudget` from `@slipstream/core`. Default 0.
   */
  spentTokens?: number;
  /**
   * Read the budget as a token bucket that refills between responses (as Anthropic's limits do), so
   * the figure left rises towards the reset instead of standing still (marked `≈`). Default `false`.
   */
  refill?: boolean;
  /** Share of the budget under which the state is `low`. Default 0.2. */
  lowThreshold?: number;
  /** Accessible name. Default `Fast output budget` / `Fast input budget`. */
  label?: string;
  /** Clock for the reset countdown; defaults to a 1 s ticking `Date.now()`. */
  now?: number;
}

/**
 * A meter of the fast-mode token budget left (`anthropic-fast-*-remaining` of `-limit`), with live
 * countdowns to when fast takes requests again (a fast 429's retry-after, or the token bucket's own
 * wait, marked `≈`, after spending emptied it) and to the budget's reset (both when both apply: fast
 * takes requests again at the first, the budget is full at the second). Every estimated figure is marked
 * `≈`; figures from the headers are not. `data-state` is `unknown` (no fast headers seen), `ok`, `low`
 * or `exhausted`; `data-estimate` is `true` while the figure left is modelled (tokens spent after the
 * headers, or refill).
 *
 * @example
 * <RateLimitGauge rateLimit={stream.rateLimit} steps={stream.steps} retryAfterMs={stream.retryAfterMs} refill />
 */
export const RateLimitGauge = forwardRef<HTMLDivElement, RateLimitGaugeProps>(function RateLimitGauge(
  { rateLimit: rateLimitProp, dimension = 'output', retryAfterMs = null, steps, spentTokens: spentProp = 0, refill = false, lowThreshold = 0.2, label, now: nowProp, ...props },
  ref,
) {
  let rateLimit = rateLimitProp;
  let spentTokens = spentProp;
  if (steps !== undefined && dimension === 'output') {
    const spend = replyFastSpend(steps, rateLimitProp);
    rateLimit = spend.rateLimit ?? rateLimitProp;
    spentTokens = spend.spentTokens;
  }
  const first = readFastBudget(rateLimit, { dimension, spentTokens, refill, now: nowProp ?? Date.now() });
  const ticking = nowProp === undefined && first.resetAt !== null && first.resetAt > Date.now();
  const tickNow = useNow(ticking, 1000);
  const now = nowProp ?? tickNow;
  const reading = readFastBudget(rateLimit, { dimension, spentTokens, refill, now });
  const { limit, remaining, resetAt, estimate } = reading;
  const resetInMs = resetAt !== null ? Math.max(0, resetAt - now) : null;
  // An exact retry-after as given, or the bucket's own wait when spending left it empty (an estimate).
  const wait = fastRetryIn(reading, retryAfterMs, now);
  const waiting = wait !== null;
  const name = label ?? `Fast ${dimension} budget`;
  const approx = estimate ? '≈' : '';

  let state: RateLimitGaugeState = 'unknown';
  if (limit !== null && remaining !== null && limit > 0) {
    state = remaining <= 0 ? 'exhausted' : remaining / limit < lowThreshold ? 'low' : 'ok';
  }
  if (waiting) state = 'exhausted';

  const parts: string[] = [];
  if (limit !== null && remaining !== null) parts.push(`${approx}${formatInt(remaining)} of ${formatInt(limit)} tokens per minute left`);
  else parts.push(waiting ? 'fast budget spent' : 'budget not known yet');
  if (wait) parts.push(`retry in ${wait.estimate ? '≈' : ''}${formatCountdown(wait.ms)}`);
  if (resetInMs !== null && resetInMs > 0) {
    // Only tokens spent after the headers move the reset; refilling alone leaves the reported one exact.
    const reset = `resets in ${spentTokens > 0 ? approx : ''}${formatCountdown(resetInMs)}`;
    // A retry-after that ends with the reset says the same thing once.
    if (!wait || formatCountdown(wait.ms) !== formatCountdown(resetInMs)) parts.push(reset);
  }
  const text = parts.join(', ');

  return (
    <div data-slipstream="rate-limit-gauge" data-state={state} data-dimension={dimension} data-estimate={String(estimate)} {...props} ref={ref}>
      <div
        role="meter"
        aria-label={name}
        aria-valuemin={0}
        aria-valuemax={limit ?? undefined}
        // ARIA requires a value; while the budget is unknown it is 0 and the value text says "not known yet".
        aria-valuenow={limit !== null && remaining !== null ? Math.max(0, Math.min(remaining, limit)) : 0}
        aria-valuetext={text}
        data-part="meter"
      >
        <span data-part="bar" aria-hidden="true">
          <span
            data-part="fill"
            style={{ width: limit && remaining !== null ? `${Math.max(0, Math.min(100, (remaining / limit) * 100))}%` : '0%' }}
          />
        </span>
      </div>
      <span data-part="text">{text}</span>
    </div>
  );
});

/** Short alias. */
export { RateLimitGauge as Gauge };
