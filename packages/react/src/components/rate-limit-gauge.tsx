'use client';
/**
 * `<RateLimitGauge>`: the fast-mode budget left and when it resets.
 *
 * @module
 */
import { forwardRef, type ComponentPropsWithoutRef } from 'react';
import type { RateLimitEvent } from '@slipstream/core';
import { formatCountdown, formatInt } from '../format.ts';
import { useNow } from '../use-now.ts';

export type RateLimitGaugeState = 'unknown' | 'ok' | 'low' | 'exhausted';

export interface RateLimitGaugeProps extends ComponentPropsWithoutRef<'div'> {
  /** The latest `ratelimit` event (core's `FastStreamState['rateLimit']`). */
  rateLimit: RateLimitEvent | null;
  /** Which fast budget to show. Default `output`. */
  dimension?: 'input' | 'output';
  /** Live retry-after from a 429, in ms (the hooks' `retryAfterMs`); shown while positive. */
  retryAfterMs?: number | null;
  /** Share of the budget under which the state is `low`. Default 0.2. */
  lowThreshold?: number;
  /** Accessible name. Default `Fast output budget` / `Fast input budget`. */
  label?: string;
  /** Clock for the reset countdown; defaults to a 1 s ticking `Date.now()`. */
  now?: number;
}

/**
 * A meter of the fast-mode token budget left (`anthropic-fast-*-remaining` of `-limit`), with a live
 * countdown to its reset. `data-state` is `unknown` (no fast headers seen), `ok`, `low` or `exhausted`.
 *
 * @example
 * <RateLimitGauge rateLimit={stream.rateLimit} retryAfterMs={stream.retryAfterMs} />
 */
export const RateLimitGauge = forwardRef<HTMLDivElement, RateLimitGaugeProps>(function RateLimitGauge(
  { rateLimit, dimension = 'output', retryAfterMs = null, lowThreshold = 0.2, label, now: nowProp, ...props },
  ref,
) {
  const budget = rateLimit?.fast?.[dimension] ?? null;
  const resetAt = budget?.reset ? Date.parse(budget.reset) : Number.NaN;
  const ticking = nowProp === undefined && Number.isFinite(resetAt) && resetAt > Date.now();
  const tickNow = useNow(ticking, 1000);
  const now = nowProp ?? tickNow;
  const resetInMs = Number.isFinite(resetAt) ? Math.max(0, resetAt - now) : null;
  const limit = budget?.limit ?? null;
  const remaining = budget?.remaining ?? null;
  const name = label ?? `Fast ${dimension} budget`;

  let state: RateLimitGaugeState = 'unknown';
  if (limit !== null && remaining !== null && limit > 0) {
    state = remaining <= 0 ? 'exhausted' : remaining / limit < lowThreshold ? 'low' : 'ok';
  }
  if (retryAfterMs !== null && retryAfterMs > 0 && state !== 'unknown') state = 'exhausted';

  const parts: string[] = [];
  if (limit !== null && remaining !== null) parts.push(`${formatInt(remaining)} of ${formatInt(limit)} tokens per minute left`);
  else parts.push('budget not known yet');
  if (retryAfterMs !== null && retryAfterMs > 0) parts.push(`retry in ${formatCountdown(retryAfterMs)}`);
  else if (resetInMs !== null && resetInMs > 0) parts.push(`resets in ${formatCountdown(resetInMs)}`);
  const text = parts.join(', ');

  return (
    <div data-slipstream="rate-limit-gauge" data-state={state} data-dimension={dimension} {...props} ref={ref}>
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
