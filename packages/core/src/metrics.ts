/**
 * Honest streaming metrics: pure functions for each definition, and a recorder that applies them to
 * one reply as deltas arrive. Every time is a {@link Clock} reading taken when bytes arrive from the
 * network, never when something is painted. Definitions (see DESIGN.md):
 *
 * - **TTFT**: request sent → first content delta received.
 * - **Headline OTPS**: output tokens after the first ÷ (last delta − first delta).
 * - **Effective OTPS**: output tokens ÷ (last delta − request sent).
 * - **Live OTPS**: estimated tokens (content-aware count, calibrated: see `token-estimator.ts` and
 *   `calibration.ts`) received between two network reads at least {@link DEFAULT_LIVE_WINDOW}`.minMs`
 *   and `tokens` apart, ÷ the time between those reads; `null` while `measuring` (too little has
 *   arrived to be right); snapped to the exact headline when the stream ends with `usage.output_tokens`.
 *
 * A "content delta" is a `text`, `thinking` or tool-input delta: `output_tokens` counts all three.
 *
 * @module
 */
import { ReplyTokenEstimate, type CalibrationSample } from './calibration.ts';
import type { TokenCalibration } from './protocol.ts';
import type { DeltaKind } from './token-estimator.ts';

/** A number that may be an estimate. `value` is `null` when it cannot be computed (yet). */
export interface Metric {
  value: number | null;
  isEstimate: boolean;
}

/** Where the live figure is: see {@link LiveMetric}. */
export type LiveState = 'waiting' | 'measuring' | 'live' | 'final';

/**
 * The live rate, with the window it was measured over so it can be checked against the truth over the
 * same span.
 */
export interface LiveMetric extends Metric {
  /**
   * `waiting`: no content yet. `measuring`: content is arriving, but too little to be within the
   * meter's bound; `value` is `null`. `live`: `value` is the windowed estimate. `final`: the stream
   * ended; `value` is the exact headline when usage is known, else the last estimate.
   */
  state: LiveState;
  /** Length of the window `value` covers (arrival of its first read → its last), ms. */
  windowMs: number | null;
  /** Arrival time of the read that opens the window; its own tokens are not counted (like the headline's first token). */
  windowStartAt: number | null;
  /** Estimated tokens received in the window. */
  windowTokens: number | null;
}

/** Gaps, in ms, between consecutive network reads that carried content. */
export interface GapStats {
  p50: number | null;
  p90: number | null;
  max: number | null;
  count: number;
}

/** Every metric of one reply, as one immutable object in each snapshot. */
export interface StreamMetrics {
  /** Request sent → first content delta received, ms. Always exact (it is a time, not a token count). */
  ttftMs: number | null;
  /** Headline OTPS: a cumulative estimate from characters while streaming, exact once usage is known. */
  otps: Metric;
  /** Output tokens ÷ (last delta − request sent), tokens/s; estimate until usage is known. */
  effectiveOtps: Metric;
  /** Rolling-window rate while streaming (estimate); the exact headline once the stream is done. */
  liveOtps: LiveMetric;
  /** Estimated from characters until `usage.output_tokens` arrives. */
  outputTokens: Metric;
  gaps: GapStats;
  /** `true` when nearly all text arrived in one burst at the end although the edge produced it over time. `null` until the stream ends, or when there is too little to tell. */
  proxyBuffered: boolean | null;
  /** Recent live-rate samples (tokens/s), oldest first, bounded; for a sparkline. */
  series: readonly number[];
  sentAt: number | null;
  firstDeltaAt: number | null;
  lastDeltaAt: number | null;
}

/** Chars per token of the plain `charsPerToken` estimate (a rule of thumb for English text). */
export const DEFAULT_CHARS_PER_TOKEN = 4;

/** How the live window adapts to the rate, and when the live figure is ready. */
export interface LiveWindowOptions {
  /** Shortest window, ms. @default 1000 */
  minMs?: number;
  /** The window stretches (up to `maxMs`) until it holds this many estimated tokens. @default 150 */
  tokens?: number;
  /** Longest window, ms: at very low rates the figure stays current rather than exact. @default 4000 */
  maxMs?: number;
  /** The figure is `measuring` until its window spans this long… @default 500 */
  readyMs?: number;
  /** …holds this many estimated tokens… @default 50 */
  readyTokens?: number;
  /** …and this many network reads after the first. @default 3 */
  readyReads?: number;
}

/** Defaults of {@link LiveWindowOptions}: ~150 tokens (3 s at 50 tok/s, 1 s from 150 tok/s up). */
export const DEFAULT_LIVE_WINDOW: Readonly<Required<LiveWindowOptions>> = Object.freeze({
  minMs: 1000,
  tokens: 150,
  maxMs: 4000,
  readyMs: 500,
  readyTokens: 50,
  readyReads: 3,
});

/** @deprecated The window adapts now; this is {@link DEFAULT_LIVE_WINDOW}`.minMs`. */
export const DEFAULT_LIVE_WINDOW_MS = DEFAULT_LIVE_WINDOW.minMs;

/** Request sent → first content delta, in ms. */
export function ttftMs(sentAt: number | null, firstDeltaAt: number | null): number | null {
  return sentAt === null || firstDeltaAt === null ? null : firstDeltaAt - sentAt;
}

/**
 * Headline output tokens per second: the tokens after the first, over the time from the first delta to
 * the last (Artificial Analysis, AI SDK `outputTokensPerSecond`). `null` with fewer than 2 tokens or no
 * elapsed time.
 * @example headlineOtps(101, 1000, 2000) // 100
 */
export function headlineOtps(outputTokens: number | null, firstDeltaAt: number | null, lastDeltaAt: number | null): number | null {
  if (outputTokens === null || firstDeltaAt === null || lastDeltaAt === null) return null;
  const seconds = (lastDeltaAt - firstDeltaAt) / 1000;
  if (outputTokens < 2 || !(seconds > 0)) return null;
  return (outputTokens - 1) / seconds;
}

/**
 * Effective output tokens per second: all output tokens over the time from sending the request to the
 * last delta (so TTFT counts against it).
 * @example effectiveOtps(100, 0, 2000) // 50
 */
export function effectiveOtps(outputTokens: number | null, sentAt: number | null, lastDeltaAt: number | null): number | null {
  if (outputTokens === null || sentAt === null || lastDeltaAt === null) return null;
  const seconds = (lastDeltaAt - sentAt) / 1000;
  if (outputTokens < 1 || !(seconds > 0)) return null;
  return outputTokens / seconds;
}

/** Tokens estimated from characters alone (see `estimateTextTokens` for the content-aware count). */
export function estimateTokens(chars: number, charsPerToken: number): number {
  return chars / charsPerToken;
}

/**
 * The `p`-th percentile (0–100) of ascending `sorted` values, by linear interpolation between closest
 * ranks (the common "R-7" / NumPy default). `null` for no values.
 * @example percentile([10, 20, 30, 40], 50) // 25
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

/** p50, p90 and max of a list of gaps (any order). */
export function gapStats(gaps: readonly number[]): GapStats {
  return sortedGapStats(Array.from(Float64Array.from(gaps).sort()));
}

function sortedGapStats(sorted: readonly number[]): GapStats {
  if (sorted.length === 0) return { p50: null, p90: null, max: null, count: 0 };
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), max: sorted[sorted.length - 1] as number, count: sorted.length };
}

function insertSorted(sorted: number[], value: number): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, value);
}

/** One content delta as seen by the client: arrival time, characters, and the edge's own timestamp. */
export interface DeltaArrival {
  /** Client clock at network arrival. */
  at: number;
  chars: number;
  /** The edge's `t` for this delta (ms since it received the request). */
  t: number;
}

/** Thresholds for {@link detectProxyBuffering}. */
export interface ProxyBufferingOptions {
  /** Arrivals within this long of the last one form the final burst. @default 100 */
  burstWindowMs?: number;
  /** Share of all characters in the final burst that counts as "nearly all". @default 0.9 */
  burstShare?: number;
  /** The edge must have produced the burst over at least this long. @default 250 */
  minEdgeSpanMs?: number;
  /** Fewer deltas than this cannot tell. @default 4 */
  minDeltas?: number;
}

/**
 * Was the reply held back by something between the edge and the client (a buffering proxy, compression,
 * a dev server)? Yes when nearly all characters arrived in one short burst at the end, although the
 * edge's own timestamps show it sent them over a much longer span. A fast upstream that really did send
 * everything at once has a short edge span, so it is not blamed on a proxy.
 *
 * @returns `true`/`false`, or `null` when there is too little to tell (few deltas, or the edge's span is
 *   too short or missing).
 */
export function detectProxyBuffering(deltas: readonly DeltaArrival[], opts: ProxyBufferingOptions = {}): boolean | null {
  const burstWindowMs = opts.burstWindowMs ?? 100;
  const burstShare = opts.burstShare ?? 0.9;
  const minEdgeSpanMs = opts.minEdgeSpanMs ?? 250;
  const minDeltas = opts.minDeltas ?? 4;
  const first = deltas[0];
  const last = deltas[deltas.length - 1];
  if (deltas.length < minDeltas || first === undefined || last === undefined) return null;
  if (!(last.t - first.t >= minEdgeSpanMs)) return null;

  let total = 0;
  let burst = 0;
  let burstEdgeStart = last.t;
  for (const d of deltas) {
    total += d.chars;
    if (d.at >= last.at - burstWindowMs) {
      burst += d.chars;
      burstEdgeStart = Math.min(burstEdgeStart, d.t);
    }
  }
  if (total === 0) return null;
  return burst / total >= burstShare && last.t - burstEdgeStart >= minEdgeSpanMs;
}

/** Options for {@link MetricsRecorder}. */
export interface MetricsRecorderOptions {
  /** Calibration of the token estimate (the edge's `start.calibration`, or a stored one). */
  calibration?: TokenCalibration;
  /**
   * Estimate tokens as plain characters ÷ this, instead of counting what the text is made of. Only
   * for callers that pass character counts to {@link MetricsRecorder.recordDelta}, or want the old
   * rule of thumb.
   */
  charsPerToken?: number;
  /** How the live window adapts and when the live figure is ready. @default {@link DEFAULT_LIVE_WINDOW} */
  liveWindow?: LiveWindowOptions;
  /** A fixed live window in ms instead of an adaptive one (`liveWindow.minMs = maxMs = windowMs`, no token target). */
  windowMs?: number;
  /** Most samples kept in `series`. @default 120 */
  seriesSize?: number;
  /** At least this long between two `series` samples. @default 100 */
  seriesIntervalMs?: number;
  proxyBuffering?: ProxyBufferingOptions;
}

/** Chars-per-token calibrations outside this range are treated as noise (e.g. hidden thinking). */
const MIN_CPT = 1;
const MAX_CPT = 12;
/** Reads older than the window are dropped in batches of this many. */
const COMPACT_AFTER = 512;

/**
 * Accumulates one reply's (or one step's, or one part's) timings and turns them into
 * {@link StreamMetrics}. Feed it arrival times from the client's clock; it never reads a clock itself,
 * so it is exact under fake time.
 *
 * Pass each delta's text to {@link recordDelta} for the content-aware estimate; one recorder can take
 * text, thinking and tool-input deltas together (each `stream` is counted on its own).
 */
export class MetricsRecorder {
  readonly #plainCpt: number | undefined;
  readonly #window: Required<LiveWindowOptions>;
  readonly #seriesSize: number;
  readonly #seriesIntervalMs: number;
  readonly #proxyOpts: ProxyBufferingOptions;
  readonly #estimate: ReplyTokenEstimate;
  #fallbackCpt: number;
  #countedOnly = true;
  #sawThinking = false;

  #sentAt: number | null = null;
  #deltas: DeltaArrival[] = [];
  #chars = 0;
  #tokens = 0;
  // Kept sorted (binary insertion) so a snapshot reads percentiles without sorting every time.
  #sortedGaps: number[] = [];
  #lastChunkAt: number | null = null;
  #firstAt: number | null = null;
  // Network reads: arrival time and cumulative estimated tokens after it. The window is (#readAt[#head], last].
  #readAt: number[] = [];
  #readCum: number[] = [];
  #head = 0;
  #ready = false;
  #live: number | null = null;
  #windowMs: number | null = null;
  #windowStartAt: number | null = null;
  #windowTokens: number | null = null;
  #series: number[] = [];
  #frozenSeries: readonly number[] = Object.freeze([]);
  #lastSampleAt: number | null = null;
  #exactTokens: number | null = null;
  #finished = false;
  #proxyBuffered: boolean | null = null;

  #version = 0;
  #cachedVersion = -1;
  #cached: StreamMetrics | undefined;

  constructor(opts: MetricsRecorderOptions = {}) {
    this.#plainCpt = opts.charsPerToken;
    this.#fallbackCpt = opts.charsPerToken ?? opts.calibration?.charsPerToken ?? DEFAULT_CHARS_PER_TOKEN;
    this.#estimate = new ReplyTokenEstimate(opts.charsPerToken === undefined ? opts.calibration : undefined);
    this.#window =
      opts.windowMs !== undefined
        ? { ...DEFAULT_LIVE_WINDOW, ...opts.liveWindow, minMs: opts.windowMs, maxMs: opts.windowMs, tokens: 0 }
        : { ...DEFAULT_LIVE_WINDOW, ...opts.liveWindow };
    this.#seriesSize = opts.seriesSize ?? 120;
    this.#seriesIntervalMs = opts.seriesIntervalMs ?? 100;
    this.#proxyOpts = opts.proxyBuffering ?? {};
  }

  /** Increases whenever the metrics change. */
  get version(): number {
    return this.#version;
  }

  /** Characters of content received so far. */
  get chars(): number {
    return this.#chars;
  }

  /** Estimated tokens received so far. */
  get estimatedTokens(): number {
    return this.#tokens;
  }

  /**
   * Use `calibration` for the estimate from now on (the edge's `start` carries one). Call it before the
   * first delta; deltas already recorded keep their estimate. Ignored with `charsPerToken`.
   */
  setCalibration(calibration: TokenCalibration | undefined): void {
    if (this.#plainCpt !== undefined) return;
    this.#estimate.setCalibration(calibration);
    if (calibration !== undefined) this.#fallbackCpt = calibration.charsPerToken;
  }

  /** The request was sent at `at`. */
  markSent(at: number): void {
    this.#sentAt = at;
    this.#version++;
  }

  /**
   * A content delta arrived at `at` (the arrival time of the network read that carried it; deltas from
   * one read share it). `delta` is its text (content-aware estimate) or, for callers that only have
   * it, its length in characters (estimated as characters ÷ chars-per-token). `edgeT` is the edge's
   * timestamp for it. `kind` and `stream` say which stream of the reply it belongs to (`stream`
   * defaults to `kind`; give each tool call's input its own, e.g. its id).
   */
  recordDelta(at: number, delta: string | number, edgeT: number, kind: DeltaKind = 'text', stream?: string): void {
    if (this.#finished) return;
    let chars: number;
    let tokens: number;
    if (kind === 'thinking') this.#sawThinking = true;
    if (typeof delta === 'string') {
      chars = delta.length;
      tokens = this.#plainCpt === undefined ? this.#estimate.push(delta, kind, stream ?? kind) : chars / this.#plainCpt;
    } else {
      chars = delta;
      tokens = chars / this.#fallbackCpt;
      this.#countedOnly = false;
    }
    this.#deltas.push({ at, chars, t: edgeT });
    this.#chars += chars;
    this.#tokens += tokens;
    if (this.#lastChunkAt !== at) {
      if (this.#lastChunkAt !== null) insertSorted(this.#sortedGaps, at - this.#lastChunkAt);
      this.#lastChunkAt = at;
    }
    this.#updateLive(at);
    this.#version++;
  }

  /** The exact output token count (from a `usage` or `done` event). */
  setOutputTokens(outputTokens: number): void {
    if (this.#exactTokens === outputTokens) return;
    this.#exactTokens = outputTokens;
    this.#version++;
  }

  /**
   * The stream ended (done, error or abort). With an exact token count the live figure snaps to the
   * exact headline; the proxy-buffering verdict is made.
   */
  finish(outputTokens?: number | null): void {
    if (this.#finished) return;
    if (outputTokens !== undefined && outputTokens !== null) this.#exactTokens = outputTokens;
    this.#finished = true;
    this.#proxyBuffered = detectProxyBuffering(this.#deltas, this.#proxyOpts);
    this.#version++;
  }

  /**
   * Chars per token measured on this reply: `undefined` unless it finished with an exact token count
   * and a plausible ratio.
   */
  calibratedCharsPerToken(): number | undefined {
    if (!this.#finished || this.#exactTokens === null || this.#exactTokens <= 0 || this.#chars === 0) return undefined;
    const cpt = this.#chars / this.#exactTokens;
    return cpt >= MIN_CPT && cpt <= MAX_CPT ? cpt : undefined;
  }

  /**
   * What this reply teaches the calibration (see `calibrate`): `undefined` unless it finished with an
   * exact token count, every delta was given as text, and it had no thinking (Claude 4 models bill the
   * full thinking but stream a summary, so the text does not account for the tokens).
   */
  calibrationSample(): CalibrationSample | undefined {
    if (!this.#finished || this.#exactTokens === null || !this.#countedOnly || this.#sawThinking || this.#chars === 0 || this.#plainCpt !== undefined) return undefined;
    return this.#estimate.sample(this.#exactTokens);
  }

  /** The metrics now; the same object until something changes. */
  snapshot(): StreamMetrics {
    if (this.#cached !== undefined && this.#cachedVersion === this.#version) return this.#cached;
    const first = this.#firstAt;
    const last = this.#lastChunkAt;
    const exact = this.#exactTokens;
    const estimated = first === null ? null : this.#tokens;
    const tokens = exact ?? estimated;
    const isEstimate = exact === null;
    const otps = headlineOtps(tokens, first, last);

    let live: LiveMetric;
    const window = { windowMs: this.#windowMs, windowStartAt: this.#windowStartAt, windowTokens: this.#windowTokens };
    if (this.#finished && exact !== null) live = { value: otps, isEstimate: false, state: 'final', ...window };
    else if (this.#finished) live = { ...metric(this.#ready ? this.#live : null, true), state: 'final', ...window };
    else if (first === null) live = { value: null, isEstimate: false, state: 'waiting', ...window };
    else if (!this.#ready) live = { value: null, isEstimate: false, state: 'measuring', ...window };
    else live = { ...metric(this.#live, true), state: 'live', ...window };

    const metrics: StreamMetrics = {
      ttftMs: ttftMs(this.#sentAt, first),
      otps: { value: otps, isEstimate: otps !== null && isEstimate },
      effectiveOtps: metric(effectiveOtps(tokens, this.#sentAt, last), isEstimate),
      liveOtps: live,
      outputTokens: metric(exact ?? (estimated === null ? null : Math.round(estimated)), isEstimate),
      gaps: sortedGapStats(this.#sortedGaps),
      proxyBuffered: this.#proxyBuffered,
      series: this.#frozenSeries,
      sentAt: this.#sentAt,
      firstDeltaAt: first,
      lastDeltaAt: last,
    };
    this.#cached = Object.freeze(metrics);
    this.#cachedVersion = this.#version;
    return this.#cached;
  }

  #updateLive(at: number): void {
    this.#firstAt ??= at;
    const reads = this.#readAt;
    const cum = this.#readCum;
    let k = reads.length - 1;
    if (k >= 0 && reads[k] === at) cum[k] = this.#tokens;
    else {
      reads.push(at);
      cum.push(this.#tokens);
      k++;
    }
    if (k === 0) return;
    // The window opens at a read, so it never cuts a read in two: tokens after that read, over the time
    // since it. It is the shortest that spans `minMs` and holds `tokens`, but never longer than `maxMs`.
    const w = this.#window;
    const end = cum[k] as number;
    let j = this.#head;
    while (j + 1 < k && at - (reads[j + 1] as number) >= w.minMs && end - (cum[j + 1] as number) >= w.tokens) j++;
    while (j + 1 < k && at - (reads[j] as number) > w.maxMs) j++;
    if (j >= COMPACT_AFTER) {
      reads.splice(0, j);
      cum.splice(0, j);
      k -= j;
      j = 0;
    }
    this.#head = j;
    const startAt = reads[j] as number;
    const ms = at - startAt;
    if (!(ms > 0)) return;
    const inWindow = end - (cum[j] as number);
    this.#windowMs = ms;
    this.#windowStartAt = startAt;
    this.#windowTokens = inWindow;
    this.#live = (inWindow / ms) * 1000;
    if (!this.#ready && ms >= w.readyMs && inWindow >= w.readyTokens && k - j >= w.readyReads) this.#ready = true;
    if (!this.#ready) return;
    if (this.#lastSampleAt === null || at - this.#lastSampleAt >= this.#seriesIntervalMs) {
      this.#series.push(this.#live);
      if (this.#series.length > this.#seriesSize) this.#series.shift();
      this.#frozenSeries = Object.freeze(this.#series.slice());
      this.#lastSampleAt = at;
    }
  }
}

function metric(value: number | null, isEstimate: boolean): Metric {
  return { value, isEstimate: value !== null && isEstimate };
}
