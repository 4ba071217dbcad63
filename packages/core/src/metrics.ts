/**
 * Honest streaming metrics: pure functions for each definition, and a recorder that applies them to
 * one reply as deltas arrive. Every time is a {@link Clock} reading taken when bytes arrive from the
 * network, never when something is painted. Definitions (see DESIGN.md):
 *
 * - **TTFT**: request sent → first content delta received.
 * - **Headline OTPS**: output tokens after the first ÷ (last delta − first delta).
 * - **Effective OTPS**: output tokens ÷ (last delta − request sent).
 * - **Live OTPS**: estimated tokens (characters ÷ chars-per-token) over a rolling window, snapped to
 *   the exact headline when the stream ends with `usage.output_tokens`.
 *
 * A "content delta" is a `text` or a `thinking` delta: `output_tokens` counts both.
 *
 * @module
 */

/** A number that may be an estimate. `value` is `null` when it cannot be computed (yet). */
export interface Metric {
  value: number | null;
  isEstimate: boolean;
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
  liveOtps: Metric;
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

/** Chars per token before any message has finished. A common rule of thumb for English text. */
export const DEFAULT_CHARS_PER_TOKEN = 4;
/** Width of the live-rate window. */
export const DEFAULT_LIVE_WINDOW_MS = 1500;

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

/** Tokens estimated from characters. */
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
  /** @default {@link DEFAULT_CHARS_PER_TOKEN} */
  charsPerToken?: number;
  /** @default {@link DEFAULT_LIVE_WINDOW_MS} */
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

/**
 * Accumulates one reply's timings and turns them into {@link StreamMetrics}. Feed it arrival times from
 * the client's clock; it never reads a clock itself, so it is exact under fake time.
 */
export class MetricsRecorder {
  readonly #cpt: number;
  readonly #windowMs: number;
  readonly #seriesSize: number;
  readonly #seriesIntervalMs: number;
  readonly #proxyOpts: ProxyBufferingOptions;

  #sentAt: number | null = null;
  #deltas: DeltaArrival[] = [];
  #chars = 0;
  // Kept sorted (binary insertion) so a snapshot reads percentiles without sorting every time.
  #sortedGaps: number[] = [];
  #lastChunkAt: number | null = null;
  // Rolling window: deltas from #windowHead on are inside it; #windowChars is their sum.
  #windowHead = 0;
  #windowChars = 0;
  #live: number | null = null;
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
    this.#cpt = opts.charsPerToken ?? DEFAULT_CHARS_PER_TOKEN;
    this.#windowMs = opts.windowMs ?? DEFAULT_LIVE_WINDOW_MS;
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

  /** The request was sent at `at`. */
  markSent(at: number): void {
    this.#sentAt = at;
    this.#version++;
  }

  /**
   * A content delta of `chars` characters arrived at `at` (the arrival time of the network read that
   * carried it; deltas from one read share it). `edgeT` is the edge's timestamp for it.
   */
  recordDelta(at: number, chars: number, edgeT: number): void {
    if (this.#finished) return;
    const d: DeltaArrival = { at, chars, t: edgeT };
    this.#deltas.push(d);
    this.#chars += chars;
    if (this.#lastChunkAt !== at) {
      if (this.#lastChunkAt !== null) insertSorted(this.#sortedGaps, at - this.#lastChunkAt);
      this.#lastChunkAt = at;
    }
    this.#updateLive(at, chars);
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
   * Chars per token measured on this reply, for calibrating the next one: `undefined` unless it finished
   * with an exact token count and a plausible ratio.
   */
  calibratedCharsPerToken(): number | undefined {
    if (!this.#finished || this.#exactTokens === null || this.#exactTokens <= 0 || this.#chars === 0) return undefined;
    const cpt = this.#chars / this.#exactTokens;
    return cpt >= MIN_CPT && cpt <= MAX_CPT ? cpt : undefined;
  }

  /** The metrics now; the same object until something changes. */
  snapshot(): StreamMetrics {
    if (this.#cached !== undefined && this.#cachedVersion === this.#version) return this.#cached;
    const first = this.#deltas[0]?.at ?? null;
    const last = this.#deltas[this.#deltas.length - 1]?.at ?? null;
    const exact = this.#exactTokens;
    const estimated = first === null ? null : estimateTokens(this.#chars, this.#cpt);
    const tokens = exact ?? estimated;
    const isEstimate = exact === null;
    const otps = headlineOtps(tokens, first, last);
    const snappedLive = this.#finished && exact !== null;

    const metrics: StreamMetrics = {
      ttftMs: ttftMs(this.#sentAt, first),
      otps: { value: otps, isEstimate: otps !== null && isEstimate },
      effectiveOtps: metric(effectiveOtps(tokens, this.#sentAt, last), isEstimate),
      liveOtps: snappedLive ? metric(otps, false) : metric(this.#live, true),
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

  #updateLive(at: number, chars: number): void {
    this.#windowChars += chars;
    const first = (this.#deltas[0] as DeltaArrival).at;
    // The window is (start, at]: tokens that arrived after its start, over its length. While the stream
    // is younger than the window, it starts at the first delta, whose own tokens (like the headline's
    // first token) mark the start rather than count.
    const start = Math.max(first, at - this.#windowMs);
    while (this.#windowHead < this.#deltas.length) {
      const d = this.#deltas[this.#windowHead] as DeltaArrival;
      if (d.at > start) break;
      this.#windowChars -= d.chars;
      this.#windowHead++;
    }
    const seconds = (at - start) / 1000;
    if (!(seconds > 0)) return;
    this.#live = estimateTokens(this.#windowChars, this.#cpt) / seconds;
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
