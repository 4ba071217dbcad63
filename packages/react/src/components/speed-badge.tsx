'use client';
/**
 * `<SpeedBadge>`: which speed was served, and why not fast when it fell back.
 *
 * @module
 */
import { forwardRef, useId, useState, type ComponentPropsWithoutRef, type SyntheticEvent } from 'react';
import type { FallbackEvent, FallbackReason, Speed, SpeedPolicy } from '@slipstream/core';
import { formatCountdown } from '../format.ts';
import { isActive, type StreamStatus } from '../types.ts';

export type SpeedBadgeState = 'idle' | 'pending' | 'fast' | 'standard' | 'fallback';

const REASONS: Record<FallbackReason, string> = {
  rate_limited: 'Fast mode hit its rate limit.',
  remembered: 'Fast mode was rate limited recently, so this conversation stays on standard for now.',
  budget_low: 'The fast output budget left is too small for this request.',
  unsupported_model: 'This model has no fast mode.',
  overloaded: 'Fast mode was overloaded.',
  spend_limit: 'Your fast-mode allowance for now is used up.',
};

/** A sentence explaining a fallback reason. */
export function fallbackReasonText(reason: FallbackReason): string {
  return REASONS[reason] ?? `Fast mode was unavailable (${String(reason)}).`;
}

export interface SpeedBadgeProps extends ComponentPropsWithoutRef<'span'> {
  status: StreamStatus;
  /** Speed asked of upstream for the attempt now streaming (from `start`). */
  requestedSpeed: Speed | null;
  /** Speed actually served, from `usage.speed`. */
  servedSpeed: Speed | null;
  /** The policy the client asked for. */
  policy?: SpeedPolicy | null;
  /** The fallback that happened on this reply, if any. */
  fallback?: FallbackEvent | null;
  /** Live time until fast is expected back, in ms (the hooks' `retryAfterMs`). */
  retryAfterMs?: number | null;
  /** Overrides the reason sentence in the tooltip. */
  getReasonLabel?: (reason: FallbackReason) => string;
}

/** The user's handler first; ours only if it did not `preventDefault()`. */
function after<E extends SyntheticEvent>(user: ((e: E) => void) | undefined, ours: (e: E) => void): (e: E) => void {
  return (e) => {
    user?.(e);
    if (!e.defaultPrevented) ours(e);
  };
}

/** The badge state for a stream. */
export function speedBadgeState(p: Pick<SpeedBadgeProps, 'status' | 'requestedSpeed' | 'servedSpeed' | 'fallback'>): SpeedBadgeState {
  if (p.fallback && p.servedSpeed !== 'fast') return 'fallback';
  if (p.servedSpeed === 'fast') return 'fast';
  if (p.servedSpeed === 'standard') return 'standard';
  if (isActive(p.status)) return 'pending';
  if (p.status === 'done' && p.requestedSpeed) return p.requestedSpeed;
  return 'idle';
}

const LABELS: Record<SpeedBadgeState, string> = {
  idle: 'Not started',
  pending: 'Waiting',
  fast: 'Fast',
  standard: 'Standard',
  fallback: 'Fell back to standard',
};

/**
 * The visible label. Before the served speed is known the badge says what it does know: the speed
 * asked for (the reply may already be streaming; `usage.speed` confirms it at the end), or that the
 * reply stopped or failed before any speed was served. Never a placeholder word.
 */
function badgeLabel(state: SpeedBadgeState, status: SpeedBadgeProps['status'], requested: Speed | null): string {
  if (state === 'pending') return requested ? `Asked ${requested}` : LABELS.pending;
  if (state !== 'idle') return LABELS[state];
  if (status === 'aborted') return requested ? `Asked ${requested}, stopped` : 'Stopped';
  if (status === 'error') return requested ? `Asked ${requested}, not served` : 'Not served';
  return LABELS.idle;
}

/**
 * A badge for the served speed: `pending` until the server says, then `fast` or `standard`, or
 * `fell back to standard` with the reason and the retry-after countdown in a tooltip (`role="tooltip"`,
 * linked with `aria-describedby`, shown on hover and focus, Escape hides it). When the requested and
 * served speeds differ, both are shown.
 *
 * @example
 * <SpeedBadge status={s.status} requestedSpeed={s.requestedSpeed} servedSpeed={s.servedSpeed}
 *   fallback={s.fallback} retryAfterMs={s.retryAfterMs} />
 */
export const SpeedBadge = forwardRef<HTMLSpanElement, SpeedBadgeProps>(function SpeedBadge(
  {
    status,
    requestedSpeed,
    servedSpeed,
    policy = null,
    fallback = null,
    retryAfterMs = null,
    getReasonLabel = fallbackReasonText,
    onMouseEnter,
    onMouseLeave,
    onFocus,
    onBlur,
    onKeyDown,
    ...props
  },
  ref,
) {
  const tooltipId = useId();
  const [open, setOpen] = useState(false);
  const state = speedBadgeState({ status, requestedSpeed, servedSpeed, fallback });
  const asked: Speed | null = fallback ? fallback.from : requestedSpeed;
  const differs = asked !== null && servedSpeed !== null && asked !== servedSpeed;

  const lines: string[] = [];
  if (fallback) {
    lines.push(getReasonLabel(fallback.reason));
    const wait = retryAfterMs ?? null;
    if (wait !== null && wait > 0) lines.push(`Fast expected back in ${formatCountdown(wait)}.`);
  }
  if (differs) lines.push(`Requested ${asked}, served ${servedSpeed}.`);
  else if (state === 'pending' && (policy || requestedSpeed))
    lines.push(`Requested ${requestedSpeed ?? policy}; the served speed is confirmed when the reply ends (usage.speed).`);
  const hasTooltip = lines.length > 0;

  return (
    <span
      data-slipstream="speed-badge"
      data-state={state}
      data-requested={asked ?? undefined}
      data-served={servedSpeed ?? undefined}
      tabIndex={hasTooltip ? 0 : undefined}
      aria-describedby={hasTooltip ? tooltipId : undefined}
      {...props}
      ref={ref}
      onMouseEnter={after(onMouseEnter, () => setOpen(true))}
      onMouseLeave={after(onMouseLeave, () => setOpen(false))}
      onFocus={after(onFocus, () => setOpen(true))}
      onBlur={after(onBlur, () => setOpen(false))}
      onKeyDown={after(onKeyDown, (e) => e.key === 'Escape' && setOpen(false))}
    >
      <span data-part="label">{badgeLabel(state, status, requestedSpeed)}</span>
      {differs && state !== 'fallback' && (
        <span data-part="requested">
          {' '}
          (requested {asked}, served {servedSpeed})
        </span>
      )}
      {hasTooltip && (
        <span role="tooltip" id={tooltipId} data-part="tooltip" data-state={open ? 'open' : 'closed'} hidden={!open}>
          {lines.join(' ')}
        </span>
      )}
    </span>
  );
});

/** Short alias. */
export { SpeedBadge as Badge };
