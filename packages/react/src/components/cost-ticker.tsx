'use client';
/**
 * `<CostTicker>`: what this reply costs, and what the other speed would have cost.
 *
 * @module
 */
import { forwardRef, type ComponentPropsWithoutRef } from 'react';
import { cost as priceOf, type Cost, type ModelPrice, type Speed, type Usage } from '@slipstream/core';
import { formatUsd } from '../format.ts';

export interface CostTickerProps extends ComponentPropsWithoutRef<'div'> {
  /** Final cost from the server (`done.cost`), when known. */
  cost: Cost | null;
  /** Usage so far (`usage` event), if any. */
  usage: Usage | null;
  model: string | null;
  /** Served speed (`usage.speed`); falls back to `requestedSpeed` while unknown. */
  servedSpeed: Speed | null;
  requestedSpeed?: Speed | null;
  /** Estimated output tokens while streaming (`metrics.outputTokens.value`): makes the cost run live. */
  estimatedOutputTokens?: number | null;
  /** Price overrides, as for core's `cost()`. */
  pricing?: Record<string, ModelPrice>;
  /** Show what the other speed would cost. Default `true`. */
  compare?: boolean;
}

const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };

/**
 * A running cost. While streaming it estimates from the estimated output tokens (marked `≈`); once the
 * server reports usage it is exact. With `compare`, it shows the same usage at the other speed
 * (fast is 6x standard on Opus).
 *
 * @example
 * <CostTicker cost={s.cost} usage={s.usage} model={s.model} servedSpeed={s.servedSpeed}
 *   estimatedOutputTokens={s.metrics.outputTokens.value} />
 */
export const CostTicker = forwardRef<HTMLDivElement, CostTickerProps>(function CostTicker(
  { cost, usage, model, servedSpeed, requestedSpeed = null, estimatedOutputTokens = null, pricing, compare = true, ...props },
  ref,
) {
  const speed = servedSpeed ?? requestedSpeed;
  const exact = cost !== null || (usage !== null && usage.outputTokens > 0);
  let u: Usage | null = usage;
  if (!exact && estimatedOutputTokens !== null) u = { ...(usage ?? ZERO_USAGE), outputTokens: estimatedOutputTokens };
  const current = cost ?? (u && model ? priceOf(u, model, speed, pricing) : null);
  const other: Speed = speed === 'fast' ? 'standard' : 'fast';
  const alt = compare && u && model ? priceOf(u, model, other, pricing) : null;
  const estimate = !exact && current !== null;
  const altDiffers = alt !== null && current !== null && Math.abs(alt.totalUsd - current.totalUsd) > 1e-12;
  return (
    <div
      data-slipstream="cost-ticker"
      data-state={current === null ? 'unknown' : estimate ? 'estimate' : 'exact'}
      data-speed={speed ?? undefined}
      {...props}
      ref={ref}
    >
      <span data-part="value">
        {estimate && <span data-part="approx" aria-label="about">≈</span>}
        {current === null ? '—' : formatUsd(current.totalUsd)}
      </span>
      {estimate && <span data-part="estimate"> estimate</span>}
      {altDiffers && (
        <span data-part="compare">
          {' '}
          ({other} would be {formatUsd(alt.totalUsd)})
        </span>
      )}
    </div>
  );
});

/** Short alias. */
export { CostTicker as Ticker };
