import { describe, expect, it } from 'vitest';
import {
  MetricsRecorder,
  detectProxyBuffering,
  effectiveOtps,
  gapStats,
  headlineOtps,
  percentile,
  ttftMs,
  type DeltaArrival,
} from '../src/metrics.ts';
import { ESTIMATOR_VERSION, estimateTextTokens } from '../src/token-estimator.ts';

describe('metric definitions', () => {
  it('TTFT is request sent → first content delta', () => {
    expect(ttftMs(1000, 1200)).toBe(200);
    expect(ttftMs(1000, null)).toBeNull();
  });

  it('headline OTPS = tokens after the first ÷ (last − first delta)', () => {
    expect(headlineOtps(101, 1000, 2000)).toBe(100);
    expect(headlineOtps(1, 1000, 2000)).toBeNull();
    expect(headlineOtps(50, 1000, 1000)).toBeNull();
  });

  it('effective OTPS = all tokens ÷ (last delta − request sent)', () => {
    expect(effectiveOtps(100, 0, 2000)).toBe(50);
    expect(effectiveOtps(0, 0, 2000)).toBeNull();
  });

  it('percentiles interpolate between closest ranks', () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(25);
    expect(percentile([10, 20, 30, 40], 90)).toBeCloseTo(37, 10);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(gapStats([150, 50, 150, 50])).toEqual({ p50: 100, p90: 150, max: 150, count: 4 });
    expect(gapStats([])).toEqual({ p50: null, p90: null, max: null, count: 0 });
  });
});

// Hand-computed fixture. Request sent at 1000 ms. Content deltas (arrival ms: chars):
//   1200: 4, 1250: 8, 1400: 12, 1450: 4, 1600: 8  → 36 chars; exact usage.output_tokens = 11.
// TTFT 200. Headline exact (11 − 1) / 0.4 s = 25. Effective exact 11 / 0.6 s = 18.33.
// With 4 chars/token the estimate is 9 tokens: headline (9 − 1) / 0.4 = 20, effective 9 / 0.6 = 15.
// Gaps 50, 150, 50, 150 → p50 100, p90 150, max 150.
// Live (1.5 s window, so it starts at the first delta and excludes it):
//   1250: 8 chars = 2 tok / 0.05 s = 40;  1400: 20 chars = 5 tok / 0.2 s = 25;  1600: 32 chars = 8 tok / 0.4 s = 20.
//   Series samples ≥ 100 ms apart: 1250, 1400, 1600 (1450 is only 50 ms after 1400) → [40, 25, 20].
const FIXTURE: [number, number][] = [
  [1200, 4],
  [1250, 8],
  [1400, 12],
  [1450, 4],
  [1600, 8],
];

// Character counts with the plain 4 chars/token rule and a fixed window with no readiness threshold,
// so the arithmetic stays by hand; the content-aware estimate and adaptive window have their own tests.
const PLAIN = { charsPerToken: 4, windowMs: 1500, liveWindow: { readyMs: 0, readyTokens: 0, readyReads: 1 } };

function recordFixture(opts?: ConstructorParameters<typeof MetricsRecorder>[0]): MetricsRecorder {
  const r = new MetricsRecorder({ ...PLAIN, ...opts });
  r.markSent(1000);
  FIXTURE.forEach(([at, chars], i) => r.recordDelta(at, chars, 10 + i * 100));
  return r;
}

describe('MetricsRecorder', () => {
  it('estimates while streaming, flagged as estimates', () => {
    const m = recordFixture().snapshot();
    expect(m.ttftMs).toBe(200);
    expect(m.otps).toEqual({ value: 20, isEstimate: true });
    expect(m.effectiveOtps.value).toBeCloseTo(15, 10);
    expect(m.effectiveOtps.isEstimate).toBe(true);
    expect(m.outputTokens).toEqual({ value: 9, isEstimate: true });
    expect(m.liveOtps).toMatchObject({ value: 20, isEstimate: true, state: 'live', windowMs: 400, windowStartAt: 1200, windowTokens: 8 });
    expect(m.series).toEqual([40, 25, 20]);
    expect(m.gaps).toEqual({ p50: 100, p90: 150, max: 150, count: 4 });
    expect(m.proxyBuffered).toBeNull();
    expect([m.sentAt, m.firstDeltaAt, m.lastDeltaAt]).toEqual([1000, 1200, 1600]);
  });

  it('is exact once finished with usage.output_tokens, and the live figure snaps to the headline', () => {
    const r = recordFixture();
    r.finish(11);
    const m = r.snapshot();
    expect(m.otps).toEqual({ value: 25, isEstimate: false });
    expect(m.effectiveOtps.value).toBeCloseTo(11 / 0.6, 10);
    expect(m.effectiveOtps.isEstimate).toBe(false);
    expect(m.liveOtps).toMatchObject({ value: 25, isEstimate: false, state: 'final' });
    expect(m.outputTokens).toEqual({ value: 11, isEstimate: false });
    expect(m.ttftMs).toBe(200);
    expect(m.proxyBuffered).toBe(false);
    // Calibration for the next reply: 36 chars / 11 tokens.
    expect(r.calibratedCharsPerToken()).toBeCloseTo(36 / 11, 10);
  });

  it('uses a calibrated chars-per-token for estimates', () => {
    const m = recordFixture({ charsPerToken: 2 }).snapshot();
    expect(m.outputTokens.value).toBe(18);
    expect(m.otps.value).toBeCloseTo(17 / 0.4, 10);
  });

  it('keeps the live rate to a rolling window', () => {
    // 200 ms window at 1600 covers (1400, 1600]: 4 + 8 chars = 3 tokens / 0.2 s = 15.
    expect(recordFixture({ windowMs: 200 }).snapshot().liveOtps.value).toBeCloseTo(15, 10);
  });

  it('stays an estimate after an abort without usage, and exposes no calibration', () => {
    const r = recordFixture();
    r.finish();
    expect(r.snapshot().otps.isEstimate).toBe(true);
    expect(r.snapshot().liveOtps.isEstimate).toBe(true);
    expect(r.calibratedCharsPerToken()).toBeUndefined();
  });

  it('counts gaps between network reads, not between deltas of one read', () => {
    const r = new MetricsRecorder();
    r.markSent(0);
    r.recordDelta(100, 1, 1);
    r.recordDelta(100, 1, 2);
    r.recordDelta(130, 1, 3);
    expect(r.snapshot().gaps).toEqual({ p50: 30, p90: 30, max: 30, count: 1 });
  });

  it('returns the same snapshot object until something changes', () => {
    const r = recordFixture();
    const a = r.snapshot();
    expect(r.snapshot()).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    r.recordDelta(1700, 4, 600);
    expect(r.snapshot()).not.toBe(a);
  });

  it('bounds the series', () => {
    const r = new MetricsRecorder({ ...PLAIN, seriesSize: 5 });
    r.markSent(0);
    for (let i = 0; i < 50; i++) r.recordDelta(100 + i * 100, 4, i);
    expect(r.snapshot().series).toHaveLength(5);
  });
});

describe('detectProxyBuffering', () => {
  const spaced = (n: number, everyMs: number): DeltaArrival[] =>
    Array.from({ length: n }, (_, i) => ({ at: 1000 + i * everyMs, chars: 5, t: 100 + i * everyMs }));

  it('says no for a stream that arrives as it is produced', () => {
    expect(detectProxyBuffering(spaced(50, 20))).toBe(false);
  });

  it('says yes when the edge produced text over a second but it all arrived in one burst at the end', () => {
    const deltas = spaced(50, 20).map((d, i) => ({ ...d, at: 3000 + i * 0.1 }));
    expect(detectProxyBuffering(deltas)).toBe(true);
  });

  it('cannot tell when the edge itself produced everything at once, or with too few deltas', () => {
    const burst = Array.from({ length: 50 }, (_, i) => ({ at: 3000, chars: 5, t: 100 + i * 0.1 }));
    expect(detectProxyBuffering(burst)).toBeNull();
    expect(detectProxyBuffering(spaced(3, 500))).toBeNull();
    expect(detectProxyBuffering([])).toBeNull();
  });
});

describe('live window and measuring state', () => {
  /** One word ("·a" = 1 token) per read, `rate` reads a second, from t = 1000 for `seconds`. */
  function steady(r: MetricsRecorder, rate: number, seconds: number, from = 1000): number {
    const n = Math.round(rate * seconds);
    let at = from;
    for (let i = 0; i < n; i++) {
      at = from + (i * 1000) / rate;
      r.recordDelta(at, ' a', i);
    }
    return at;
  }

  it('counts "·a" as one token (what the tests below stream)', () => {
    expect(estimateTextTokens(' a')).toBe(1);
  });

  it('says waiting, then measuring until enough has arrived, then live', () => {
    const r = new MetricsRecorder();
    r.markSent(0);
    expect(r.snapshot().liveOtps).toMatchObject({ value: null, state: 'waiting' });
    // 50 tok/s: ready once the window spans 500 ms and holds 50 tokens, i.e. after 1 s.
    steady(r, 50, 0.9);
    expect(r.snapshot().liveOtps).toMatchObject({ value: null, isEstimate: false, state: 'measuring' });
    expect(r.snapshot().series).toEqual([]);
    steady(r, 50, 0.2, 1900);
    const m = r.snapshot().liveOtps;
    expect(m.state).toBe('live');
    expect(m.value).toBeCloseTo(50, 6);
    expect(m.isEstimate).toBe(true);
  });

  it('stretches to ~150 tokens at low rates, within its time bounds, and tells its span', () => {
    const slow = new MetricsRecorder();
    const end = steady(slow, 50, 10);
    let m = slow.snapshot().liveOtps;
    expect(m.windowMs).toBeCloseTo(3000, 6); // 150 tokens at 50 tok/s
    expect(m.windowTokens).toBeCloseTo(150, 6);
    expect(m.windowStartAt).toBeCloseTo(end - 3000, 6);
    expect(m.value).toBeCloseTo(50, 6);

    const fast = new MetricsRecorder();
    steady(fast, 1000, 3);
    m = fast.snapshot().liveOtps;
    expect(m.windowMs).toBeCloseTo(1000, 6); // the shortest window already holds 1000 tokens
    expect(m.value).toBeCloseTo(1000, 6);

    const crawl = new MetricsRecorder();
    steady(crawl, 10, 20);
    expect(crawl.snapshot().liveOtps.windowMs).toBeCloseTo(4000, 6); // capped: 40 tokens, not 150
  });

  it('follows a change of rate within one window', () => {
    const r = new MetricsRecorder();
    const end = steady(r, 100, 5);
    steady(r, 200, 2, end + 5);
    expect(r.snapshot().liveOtps.value).toBeCloseTo(200, 0);
  });

  it('never cuts a network read in two: a window opens at a read and excludes its tokens', () => {
    const r = new MetricsRecorder({ liveWindow: { minMs: 100, tokens: 0, readyMs: 0, readyTokens: 0, readyReads: 1 } });
    // Bursts of 10 tokens every 100 ms (one read each, several deltas per read).
    for (let b = 0; b < 20; b++) for (let d = 0; d < 5; d++) r.recordDelta(1000 + b * 100, ' a b', b);
    const m = r.snapshot().liveOtps;
    expect(m.windowMs).toBe(100);
    expect(m.windowTokens).toBe(10);
    expect(m.value).toBeCloseTo(100, 10);
  });

  it('counts thinking and tool input like text, each stream on its own', () => {
    const r = new MetricsRecorder();
    r.recordDelta(1000, 'Let me th', 0, 'thinking');
    r.recordDelta(1010, '{"path":"a', 1, 'tool_input', 'tool:1');
    r.recordDelta(1020, '{"path":"b"}', 2, 'tool_input', 'tool:2');
    r.recordDelta(1030, 'ink.', 3, 'thinking');
    r.recordDelta(1040, '.ts"}', 4, 'tool_input', 'tool:1');
    // Each stream counted on its own, as if it had arrived whole.
    const thinking = estimateTextTokens('Let me think.', undefined, 'thinking');
    const tool1 = estimateTextTokens('{"path":"a.ts"}', undefined, 'tool_input');
    const tool2 = estimateTextTokens('{"path":"b"}', undefined, 'tool_input');
    expect(r.estimatedTokens).toBeCloseTo(thinking + tool1 + tool2, 9);
    r.finish(24);
    // Thinking may be a summary of what was billed: such a reply teaches no calibration.
    expect(r.calibrationSample()).toBeUndefined();
    const tools = new MetricsRecorder();
    tools.recordDelta(1000, 'Done: ', 0);
    tools.recordDelta(1010, '{"path":"a.ts"}', 1, 'tool_input', 'tool:1');
    tools.finish(13);
    expect(tools.calibrationSample()?.counted).toEqual({ prose: estimateTextTokens('Done: '), code: tool1, table: 0, cjk: 0 });
  });

  it('uses a calibration from the first delta', () => {
    const cal = { model: 'm', charsPerToken: 4, sampleTokens: 500, estimator: { version: ESTIMATOR_VERSION, scale: { prose: 0.8 }, classTokens: { prose: 500 } } };
    const r = new MetricsRecorder({ calibration: cal });
    r.recordDelta(1000, 'one two three four five', 0);
    expect(r.estimatedTokens).toBeCloseTo(0.8 * estimateTextTokens('one two three four five'), 10);
    const late = new MetricsRecorder();
    late.setCalibration(cal);
    late.recordDelta(1000, 'one two three four five', 0);
    expect(late.estimatedTokens).toBeCloseTo(0.8 * estimateTextTokens('one two three four five'), 10);
  });

  it('ends final: the exact headline with usage, else the last estimate, or null if it was still measuring', () => {
    const done = new MetricsRecorder();
    steady(done, 100, 2);
    done.finish(200);
    expect(done.snapshot().liveOtps).toMatchObject({ state: 'final', isEstimate: false });
    expect(done.snapshot().liveOtps.value).toBeCloseTo(199 / 1.99, 6);

    const aborted = new MetricsRecorder();
    steady(aborted, 100, 2);
    aborted.finish();
    expect(aborted.snapshot().liveOtps).toMatchObject({ state: 'final', isEstimate: true });
    expect(aborted.snapshot().liveOtps.value).toBeCloseTo(100, 6);

    const early = new MetricsRecorder();
    steady(early, 100, 0.2);
    early.finish();
    expect(early.snapshot().liveOtps).toMatchObject({ state: 'final', value: null });
  });
});
