'use client';
/**
 * `<OtpsMeter>`: live output tokens per second, with a sparkline, TTFT and an honest estimate marker.
 *
 * @module
 */
import { forwardRef, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import { formatMs, formatRate } from '../format.ts';
import { isActive, type MeterMetrics, type StreamStatus } from '../types.ts';
import { useCalmValue } from '../use-calm-value.ts';
import { Sparkline } from './sparkline.tsx';

/** What the meter shows, as passed to `getValueLabel`. */
export interface OtpsReading {
  /** Tokens per second, or `null` before there is a number. */
  value: number | null;
  isEstimate: boolean;
  /** `true` once the stream ended and the value is the final one. */
  final: boolean;
  /** `true` while streaming but too little has arrived for a number within the bound (`value` is `null`). */
  measuring: boolean;
}

export type OtpsMeterState = 'idle' | 'waiting' | 'streaming' | 'done' | 'stopped';

export interface OtpsMeterProps extends ComponentPropsWithoutRef<'div'> {
  /** The stream's metrics (core's `StreamMetrics`, or any object with these fields). */
  metrics: MeterMetrics;
  /** The stream's status. */
  status: StreamStatus;
  /** Top of the meter's range (`aria-valuemax`), tokens/s. Grows to fit a faster value. Default 250. */
  max?: number;
  /** Shortest time between two changes of the live number, in ms. Default 250 (4 per second). */
  updateIntervalMs?: number;
  /** Accessible name. Default `Output speed`. */
  label?: string;
  /** Overrides `aria-valuetext`. */
  getValueLabel?: (reading: OtpsReading) => string;
  /** Show the sparkline of `metrics.series`. Default `true`. */
  sparkline?: boolean;
  /** Show TTFT beside the number. Default `true`. */
  ttft?: boolean;
  /** Show effective OTPS (including TTFT) when final. Default `false`. */
  effective?: boolean;
}

/** The reading a meter shows for a state: live estimate while streaming, exact final value after. */
export function otpsReading(metrics: MeterMetrics, status: StreamStatus): OtpsReading {
  if (status === 'done' || status === 'error' || status === 'aborted') {
    if (metrics.otps.value !== null) return { value: metrics.otps.value, isEstimate: metrics.otps.isEstimate, final: true, measuring: false };
    return { value: metrics.liveOtps.value, isEstimate: true, final: true, measuring: false };
  }
  if (status === 'streaming') {
    const { value, isEstimate, state } = metrics.liveOtps;
    // Older producers have no `state`: a missing value while streaming is "measuring" too.
    const measuring = value === null && (state === undefined || state === 'measuring' || state === 'waiting');
    return { value, isEstimate, final: false, measuring };
  }
  return { value: null, isEstimate: false, final: false, measuring: false };
}

function defaultValueLabel({ value, isEstimate, final, measuring }: OtpsReading): string {
  if (value === null) return measuring ? 'measuring' : 'no reading yet';
  const n = `${formatRate(value)} tokens per second`;
  return isEstimate ? `about ${n}, estimate${final ? '' : ', live'}` : n;
}

function meterState(status: StreamStatus): OtpsMeterState {
  if (status === 'submitted') return 'waiting';
  if (status === 'streaming') return 'streaming';
  if (status === 'done') return 'done';
  if (status === 'error' || status === 'aborted') return 'stopped';
  return 'idle';
}

/**
 * Live output speed. While streaming it says "measuring…" until core has enough data for a number
 * within its bound (`liveOtps.state === 'measuring'`), then shows the rolling estimate (marked `≈` and
 * "estimate"), calmly: at most one change per `updateIntervalMs`. When the stream ends it shows the
 * exact value from the server's token count at once. Parts carry `data-part`; the root carries
 * `data-state`, `data-estimate` and, while measuring, `data-measuring`.
 *
 * @example
 * <OtpsMeter metrics={stream.metrics} status={stream.status} />
 */
export const OtpsMeter = forwardRef<HTMLDivElement, OtpsMeterProps>(function OtpsMeter(
  {
    metrics,
    status,
    max = 250,
    updateIntervalMs = 250,
    label = 'Output speed',
    getValueLabel = defaultValueLabel,
    sparkline = true,
    ttft = true,
    effective = false,
    ...props
  },
  ref,
) {
  const live = otpsReading(metrics, status);
  // Final numbers and "no number" show at once; live estimates change at a calm pace.
  const immediate = live.final || live.value === null;
  const calmValue = useCalmValue(live.value === null ? null : Number(formatRate(live.value)), updateIntervalMs, immediate);
  const series = useCalmValue(metrics.series, updateIntervalMs, immediate || !isActive(status));
  const reading: OtpsReading = { ...live, value: immediate ? live.value : calmValue };
  const state = meterState(status);
  const valueMax = reading.value === null ? max : Math.max(max, Math.ceil(reading.value));
  let ttftPart: ReactNode = null;
  if (ttft) {
    ttftPart = (
      <span data-part="ttft">
        <abbr title="time to first token">TTFT</abbr> {metrics.ttftMs === null ? '—' : formatMs(metrics.ttftMs)}
      </span>
    );
  }
  return (
    <div
      data-slipstream="otps-meter"
      data-state={state}
      data-estimate={reading.value !== null && reading.isEstimate ? '' : undefined}
      data-measuring={reading.value === null && reading.measuring ? '' : undefined}
      {...props}
      ref={ref}
    >
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={valueMax}
        // A meter needs a value (ARIA): before the first reading it is 0, and the value text says why.
        aria-valuenow={reading.value === null ? 0 : Math.round(reading.value * 10) / 10}
        aria-valuetext={getValueLabel(reading)}
        data-part="meter"
      >
        <span data-part="value" aria-hidden="true">
          {reading.value !== null && reading.isEstimate && <span data-part="approx">≈</span>}
          {reading.value === null ? (reading.measuring ? <span data-part="measuring">measuring…</span> : '—') : formatRate(reading.value)}
        </span>{' '}
        <span data-part="unit" aria-hidden="true">
          tok/s
        </span>
        {reading.value !== null && reading.isEstimate && (
          <span data-part="estimate" aria-hidden="true">
            {' '}
            estimate
          </span>
        )}
      </div>
      {sparkline && <Sparkline values={series ?? []} data-part="sparkline" />}
      {ttftPart}
      {effective && reading.final && metrics.effectiveOtps?.value != null && (
        <span data-part="effective">
          effective {formatRate(metrics.effectiveOtps.value)} tok/s
        </span>
      )}
    </div>
  );
});

/** Short alias. */
export { OtpsMeter as Meter };
