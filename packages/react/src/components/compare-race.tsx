'use client';
/**
 * `<CompareRace>`: the same prompt streamed at fast and standard, side by side, started together, with
 * the measured ratio when both finish.
 *
 * @module
 */
import { forwardRef, useCallback, useEffect, useRef, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import type { ChatRequest, FastStreamState } from '@slipstream/core';
import { useFastStream, type UseFastStreamOptions, type UseFastStreamResult } from '../hooks/use-fast-stream.ts';
import { StreamingMarkdown } from '../markdown/streaming-markdown.tsx';
import { isActive } from '../types.ts';
import { formatMs } from '../format.ts';
import { OtpsMeter } from './otps-meter.tsx';
import { SpeedBadge } from './speed-badge.tsx';

/** The measured outcome of a race. */
export interface RaceResult {
  /** Fast headline OTPS ÷ standard headline OTPS; `null` until both have exact numbers. */
  otpsRatio: number | null;
  /** Fast TTFT − standard TTFT, ms (fast mode is not expected to change TTFT). */
  ttftDiffMs: number | null;
  fastOtps: number | null;
  standardOtps: number | null;
  /** `false` when the fast lane was served standard (fell back): the ratio then compares like with like. */
  fastServedFast: boolean;
}

/** The race result from two finished states, or `null` while either is still running or failed. */
export function raceResult(fast: FastStreamState, standard: FastStreamState): RaceResult | null {
  if (fast.status !== 'done' || standard.status !== 'done') return null;
  const f = fast.metrics.otps.value;
  const s = standard.metrics.otps.value;
  const ft = fast.metrics.ttftMs;
  const st = standard.metrics.ttftMs;
  return {
    otpsRatio: f !== null && s !== null && s > 0 ? f / s : null,
    ttftDiffMs: ft !== null && st !== null ? ft - st : null,
    fastOtps: f,
    standardOtps: s,
    fastServedFast: fast.servedSpeed === 'fast',
  };
}

/** The default sentence for a result. */
export function describeRace(r: RaceResult): string {
  const parts: string[] = [];
  if (r.otpsRatio !== null) parts.push(`Fast streamed ${r.otpsRatio.toFixed(2)}× the output tokens per second of standard`);
  else parts.push('Output speeds could not be compared');
  if (r.ttftDiffMs !== null) {
    const d = Math.round(r.ttftDiffMs);
    parts.push(`time to first token ${d === 0 ? 'was the same' : `differed by ${d > 0 ? '+' : '−'}${formatMs(Math.abs(d))}`}`);
  }
  let s = `${parts.join('; ')}.`;
  if (!r.fastServedFast) s += ' The fast lane was served standard (fell back).';
  return s;
}

export interface CompareRaceProps extends Omit<ComponentPropsWithoutRef<'section'>, 'prompt'> {
  /** The prompt both lanes get. */
  prompt: string;
  /** Other request fields (model, system, max_tokens …); `speed` is set per lane. */
  request?: Omit<Partial<ChatRequest>, 'messages' | 'speed'>;
  /** Store options shared by both lanes (endpoint, headers, fetch …). */
  options?: UseFastStreamOptions;
  /** Start as soon as mounted and whenever `prompt` changes. Default `false` (a Start button is shown). */
  autoStart?: boolean;
  /** Label of the start button. Default `Race`. */
  startLabel?: string;
  /** Called once when both lanes are done. */
  onFinish?: (result: RaceResult) => void;
  /** Renders the result line instead of {@link describeRace}. */
  renderResult?: (result: RaceResult) => ReactNode;
}

function Lane({ title, lane, s }: { title: string; lane: 'fast' | 'standard'; s: UseFastStreamResult }): ReactNode {
  return (
    <div data-part="lane" data-lane={lane} data-state={s.status} aria-label={`${title} lane`} role="group">
      <div data-part="lane-header">
        <strong>{title}</strong>
        <SpeedBadge
          status={s.status}
          requestedSpeed={s.requestedSpeed}
          servedSpeed={s.servedSpeed}
          policy={s.policy}
          fallback={s.fallback}
          retryAfterMs={s.retryAfterMs}
        />
      </div>
      <OtpsMeter metrics={s.metrics} status={s.status} label={`${title} output speed`} />
      <StreamingMarkdown streaming={isActive(s.status)} partial={s.status === 'aborted' || s.status === 'error'}>
        {s.text}
      </StreamingMarkdown>
      {s.error && (
        <div role="alert" data-part="error">
          {s.error.message}
        </div>
      )}
    </div>
  );
}

/**
 * Two lanes, `speed: "fast"` and `speed: "standard"`, started in the same tick with the same request.
 * When both finish, the measured OTPS ratio and TTFT difference are shown in a polite status region.
 *
 * @example
 * <CompareRace prompt="Explain quicksort" options={{ endpoint: '/api/chat' }} />
 */
export const CompareRace = forwardRef<HTMLElement, CompareRaceProps>(function CompareRace(
  { prompt, request, options, autoStart = false, startLabel = 'Race', onFinish, renderResult, ...props },
  ref,
) {
  // Both lanes share one endpoint, and a race is one measurement: a lane whose connection drops
  // reconnects, but nothing is kept for a reload (two lanes would share one record).
  const laneOptions: UseFastStreamOptions = { ...options, resume: options?.resume === false ? false : { ...(typeof options?.resume === 'object' ? options.resume : {}), storage: false } };
  const fast = useFastStream(laneOptions);
  const standard = useFastStream(laneOptions);
  const requestRef = useRef(request);
  requestRef.current = request;
  const onFinishRef = useRef(onFinish);
  onFinishRef.current = onFinish;

  const { start: startFast } = fast;
  const { start: startStandard } = standard;
  const start = useCallback(() => {
    const base = { ...requestRef.current, messages: [{ role: 'user' as const, content: prompt }] };
    // Same tick, same request: only the speed differs.
    startFast({ ...base, speed: 'fast' });
    startStandard({ ...base, speed: 'standard' });
  }, [prompt, startFast, startStandard]);

  useEffect(() => {
    if (autoStart && prompt.trim() !== '') start();
  }, [autoStart, prompt, start]);

  const result = raceResult(fast, standard);
  const reported = useRef<RaceResult | null>(null);
  useEffect(() => {
    if (result && reported.current === null) {
      reported.current = result;
      onFinishRef.current?.(result);
    }
    if (!result) reported.current = null;
  }, [result]);

  const running = isActive(fast.status) || isActive(standard.status);
  const state = running ? 'running' : result ? 'done' : fast.status === 'idle' ? 'idle' : 'stopped';
  return (
    <section data-slipstream="compare-race" data-state={state} aria-label="Fast versus standard" {...props} ref={ref}>
      {!autoStart && (
        <div data-part="controls">
          <button type="button" data-part="start" onClick={start} disabled={running || prompt.trim() === ''}>
            {startLabel}
          </button>
          {running && (
            <button
              type="button"
              data-part="stop"
              onClick={() => {
                fast.stop();
                standard.stop();
              }}
            >
              Stop
            </button>
          )}
        </div>
      )}
      <div data-part="lanes">
        <Lane title="Fast" lane="fast" s={fast} />
        <Lane title="Standard" lane="standard" s={standard} />
      </div>
      <div data-part="result" role="status" aria-live="polite">
        {result ? (renderResult ? renderResult(result) : describeRace(result)) : null}
      </div>
    </section>
  );
});

/** Short alias. */
export { CompareRace as Race };
