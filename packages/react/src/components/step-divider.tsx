'use client';
/**
 * `<StepDivider>`: the boundary before one step (upstream request) of a multi-step reply, with that
 * step's served speed, TTFT and OTPS.
 *
 * @module
 */
import { forwardRef, memo, type ComponentPropsWithoutRef } from 'react';
import type { ReplyStep } from '@slipstream/core';
import { formatMs, formatRate } from '../format.ts';

export interface StepDividerProps extends ComponentPropsWithoutRef<'div'> {
  step: ReplyStep;
}

/**
 * "Step 2 · fast · TTFT 310 ms · 812 tok/s". The speed is the served one (`usage.speed`); while the step
 * streams it is the requested one, marked so, and the rate is the live estimate (`~`). `data-state` is
 * the step's status; `data-speed` the speed shown.
 *
 * @example
 * {message.steps.map((s) => <StepDivider key={s.step} step={s} />)}
 */
export const StepDivider = memo(
  forwardRef<HTMLDivElement, StepDividerProps>(function StepDivider({ step, ...props }, ref) {
    const m = step.metrics;
    const rate = step.status === 'streaming' ? m.liveOtps : m.otps.value !== null ? m.otps : m.liveOtps;
    const speed = step.servedSpeed ?? step.requestedSpeed;
    return (
      <div data-slipstream="step-divider" data-state={step.status} data-speed={speed} {...props} ref={ref}>
        <span data-part="label">Step {step.step + 1}</span>
        <span data-part="speed">{step.servedSpeed ?? `${step.requestedSpeed} (requested)`}</span>
        {m.ttftMs !== null && <span data-part="ttft">TTFT {formatMs(m.ttftMs)}</span>}
        {rate.value !== null && (
          <span data-part="otps">
            {rate.isEstimate ? '~' : ''}
            {formatRate(rate.value)} tok/s
          </span>
        )}
      </div>
    );
  }),
);
