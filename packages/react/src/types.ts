/**
 * Structural prop types for components. They match `@slipstream/core`'s `FastStreamState` and
 * `StreamMetrics`, but ask only for the fields a component reads, so components can be fed fixture
 * objects, another store, or a server-rendered snapshot.
 *
 * @module
 */
import type { Speed } from '@slipstream/core';

/** A number that may be an estimate (core's `Metric`). */
export interface MetricValue {
  value: number | null;
  isEstimate: boolean;
}

/** The live rate (core's `LiveMetric`); `state` says whether it is still measuring. */
export interface LiveMetricValue extends MetricValue {
  /** `measuring`: too little has arrived for a number within the meter's bound (core's `LiveState`). */
  state?: 'waiting' | 'measuring' | 'live' | 'final';
  /** Length of the window the value covers, ms. */
  windowMs?: number | null;
}

/** Stream lifecycle (core's `FastStreamState['status']`). */
export type StreamStatus = 'idle' | 'submitted' | 'streaming' | 'done' | 'error' | 'aborted';

/** The metrics `<OtpsMeter>` reads (a subset of core's `StreamMetrics`). */
export interface MeterMetrics {
  ttftMs: number | null;
  otps: MetricValue;
  liveOtps: LiveMetricValue;
  effectiveOtps?: MetricValue;
  outputTokens?: MetricValue;
  /** Rolling output-rate samples, oldest first. */
  series?: readonly number[];
}

export type { Speed };

/** Whether a status means a request is in flight. */
export function isActive(status: StreamStatus | undefined): boolean {
  return status === 'submitted' || status === 'streaming';
}
