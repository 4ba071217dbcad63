'use client';
/**
 * `<RateLimitGauge>`: the fast-mode budget left and when it resets.
 *
 * @module
 */
import { forwardRef, type ComponentPropsWithoutRef } from 'react';
import { readFastBudget, type RateLimitEvent } from '@slipstream/core';
import { formatCountdown, formatInt } from '../format.ts';
import { useNow } from '../use-now.ts';

export type RateLimitGaugeState = 'unknown' | 'ok' | 'low' | 'exhausted';

export interface RateLimitGaugeProps extends ComponentPropsWithoutRef<'div'> {
  /** The latest `ratelimit` event (core's `FastStreamState['rateLimit']`). */
  rateLimit: RateLimitEvent | null;
  /** Which fast budget to show. Default `output`. */
  dimension?: 'input' | 'output';
  /**
   * Live retry-after from a fast 429, in ms (the hooks' `retryAfterMs`); shown while positive, beside
   * the reset. With no budget known, a running retry-after still says the fast budget is spent.
   */
  retryAfterMs?: number | null;
  /**
   * Tokens of this dimension charged after `rateLimit` was read: the headers come before the reply, so
   * a fast reply's own output tokens are not in them (pass its `usage.outputTokens`, or the live
   * estimate while it streams). The figure left and the reset are then estimated (marked `≈`); see
   * `readFastBudget` from `@slipstream/core`. Default 0.
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
 * countdowns to the retry-after of a fast 429 and to the budget's reset (both when both apply: fast
 * takes requests again at the first, the budget is full at the second). `data-state` is `unknown` (no
 * fast headers seen), `ok`, `low` or `exhausted`; `data-estimate` is `true` while the figures include
 * `spentTokens`.
 *
 * @example
 * <RateLimitGauge rateLimit={stream.rateLimit} retryAfterMs={stream.retryAfterMs} />
 */
export const RateLimitGauge = forwardRef<HTMLDivElement, RateLimitGaugeProps>(function RateLimitGauge(
  { rateLimit, dimension = 'output', retryAfterMs = null, spentTokens = 0, refill = false, lowThreshold = 0.2, label, now: nowProp, ...props },
  ref,
) {
  const first = readFastBudget(rateLimit, { dimension, spentTokens, refill, now: nowProp ?? Date.now() });
  const ticking = nowProp === undefined && first.resetAt !== null && first.resetAt > Date.now();
  const tickNow = useNow(ticking, 1000);
  const now = nowProp ?? tickNow;
  const { limit, remaining, resetAt, estimate } = readFastBudget(rateLimit, { dimension, spentTokens, refill, now });
  const resetInMs = resetAt !== null ? Math.max(0, resetAt - now) : null;
  const waiting = retryAfterMs !== null && retryAfterMs > 0;
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
  if (waiting) parts.push(`retry in ${formatCountdown(retryAfterMs)}`);
  if (resetInMs !== null && resetInMs > 0) {
    // Only tokens spent after the headers move the reset; refilling alone leaves the reported one exact.
    const reset = `resets in ${spentTokens > 0 ? approx : ''}${formatCountdown(resetInMs)}`;
    // A retry-after that ends with the reset says the same thing once.
    if (!waiting || formatCountdown(retryAfterMs) !== formatCountdown(resetInMs)) parts.push(reset);
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
