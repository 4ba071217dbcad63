/**
 * Calibrating the token estimate from finished replies, and keeping the calibration.
 *
 * A finished reply tells the truth: its text (as counted by {@link TokenCounter}) and its exact
 * `usage.output_tokens`. {@link calibrate} folds one such sample into a {@link TokenCalibration}: per
 * content class, a multiplier (real tokens ÷ counted tokens) for the counter, and the plain
 * characters per token. The edge keeps one per model from every reply it relays and hands it to new
 * clients in `start`; the client keeps its own per model in a {@link CalibrationStorage} (localStorage
 * when there is one) so a returning user starts calibrated even against a fresh edge.
 *
 * **How a sample is attributed to classes.** One reply gives one total, not one per class. The
 * reply's error (real ÷ predicted) is shared out in proportion to each class's predicted tokens, and
 * each class's multiplier moves towards its share, weighted by tokens: old evidence weighs at most
 * {@link CALIBRATION_WEIGHT_CAP} tokens, so a model whose tokenizer changes is followed. Replies of one
 * kind (a code answer, a table) teach their class most, which is where the classes differ.
 *
 * @module
 */
import type { TokenCalibration } from './protocol.ts';
import {
  CONTENT_CLASSES,
  ESTIMATOR_VERSION,
  TokenCounter,
  zeroCounts,
  type ClassCounts,
  type DeltaKind,
} from './token-estimator.ts';

/** What one finished reply (or step) teaches: counted tokens and characters per class, and the truth. */
export interface CalibrationSample {
  /** Raw counts of {@link TokenCounter} (unscaled), per class. */
  counted: ClassCounts;
  chars: ClassCounts;
  /** The exact `usage.output_tokens` for the same text. */
  outputTokens: number;
}

/** Evidence older than this many tokens fades (weights are capped at it). */
export const CALIBRATION_WEIGHT_CAP = 20_000;
/** Replies shorter than this (tokens) teach nothing: one token of difference would be too loud. */
export const MIN_CALIBRATION_TOKENS = 20;
/**
 * A reply whose real count is more than this factor away from the prediction is not text we saw
 * (hidden or summarised thinking, a dropped delta): it is ignored rather than learned.
 */
export const MAX_CALIBRATION_RATIO = 2;

const MIN_CPT = 0.5;
const MAX_CPT = 20;
const MIN_SCALE = 1 / 4;
const MAX_SCALE = 4;

function finite(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max;
}

/**
 * Fold one sample into a calibration (or start one). Returns `prev` unchanged when the sample is too
 * small or implausible.
 *
 * @example
 * let cal = calibrate(undefined, 'claude-opus-4-6', sample); // from a finished reply
 * cal = calibrate(cal, 'claude-opus-4-6', nextSample);
 */
export function calibrate(prev: TokenCalibration | undefined, model: string, sample: CalibrationSample): TokenCalibration | undefined {
  const truth = sample.outputTokens;
  if (!(truth >= MIN_CALIBRATION_TOKENS)) return prev;
  const scale = estimatorScale(prev) ?? {};
  const predicted = zeroCounts();
  let total = 0;
  let chars = 0;
  for (const c of CONTENT_CLASSES) {
    predicted[c] = sample.counted[c] * (scale[c] ?? 1);
    total += predicted[c];
    chars += sample.chars[c];
  }
  if (!(total > 0)) return prev;
  const ratio = truth / total;
  if (ratio > MAX_CALIBRATION_RATIO || ratio < 1 / MAX_CALIBRATION_RATIO) return prev;

  const prevEstimator = prev?.estimator?.version === ESTIMATOR_VERSION ? prev.estimator : undefined;
  const nextScale: { [c: string]: number } = { ...prevEstimator?.scale };
  const classTokens: { [c: string]: number } = { ...prevEstimator?.classTokens };
  const byClass: { [c: string]: number } = { ...prev?.byClass };
  for (const c of CONTENT_CLASSES) {
    if (!(sample.counted[c] > 0)) continue;
    const share = predicted[c] * ratio; // this class's part of the real count
    const weight = Math.min(CALIBRATION_WEIGHT_CAP, classTokens[c] ?? 0);
    const old = scale[c] ?? 1;
    nextScale[c] = clamp((weight * old + share * old * ratio) / (weight + share), MIN_SCALE, MAX_SCALE);
    const oldCpt = byClass[c];
    const cpt = sample.chars[c] / share;
    byClass[c] = clamp(oldCpt === undefined || weight === 0 ? cpt : (weight * oldCpt + share * cpt) / (weight + share), MIN_CPT, MAX_CPT);
    classTokens[c] = (classTokens[c] ?? 0) + share;
  }
  const weight = Math.min(CALIBRATION_WEIGHT_CAP, prev?.sampleTokens ?? 0);
  const cpt = chars / truth;
  const charsPerToken = prev === undefined || weight === 0 ? cpt : (weight * prev.charsPerToken + truth * cpt) / (weight + truth);
  return {
    model,
    charsPerToken: clamp(charsPerToken, MIN_CPT, MAX_CPT),
    byClass,
    sampleTokens: (prev?.sampleTokens ?? 0) + truth,
    estimator: { version: ESTIMATOR_VERSION, scale: nextScale, classTokens },
  };
}

function clamp(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}

/**
 * The counter multipliers of a calibration, if it has ones for this version of the counting rules.
 * Classes it has not seen take its overall figure: characters per token relative to what the counter
 * would have predicted is unknown, so the mean of the classes it has seen.
 */
export function estimatorScale(cal: TokenCalibration | undefined): Partial<ClassCounts> | undefined {
  const e = cal?.estimator;
  if (e === undefined || e.version !== ESTIMATOR_VERSION) return undefined;
  const out: Partial<ClassCounts> = {};
  let sum = 0;
  let weight = 0;
  for (const c of CONTENT_CLASSES) {
    const s = e.scale[c];
    if (s === undefined) continue;
    out[c] = s;
    const w = e.classTokens[c] ?? 1;
    sum += s * w;
    weight += w;
  }
  if (weight > 0) for (const c of CONTENT_CLASSES) out[c] ??= sum / weight;
  return out;
}

/**
 * A calibration read from somewhere untrusted (the wire, localStorage), checked: `undefined` unless it
 * is well-formed and plausible. Unknown classes and bad entries are dropped.
 */
export function readCalibration(x: unknown): TokenCalibration | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.model !== 'string' || !finite(o.charsPerToken, MIN_CPT, MAX_CPT) || !finite(o.sampleTokens, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  const cal: TokenCalibration = { model: o.model, charsPerToken: o.charsPerToken, sampleTokens: o.sampleTokens };
  const byClass = pickNumbers(o.byClass, MIN_CPT, MAX_CPT);
  if (byClass !== undefined) cal.byClass = byClass;
  const e = o.estimator as Record<string, unknown> | undefined;
  if (typeof e === 'object' && e !== null && typeof e.version === 'number') {
    const scale = pickNumbers(e.scale, MIN_SCALE, MAX_SCALE);
    if (scale !== undefined) cal.estimator = { version: e.version, scale, classTokens: pickNumbers(e.classTokens, 0, Number.MAX_SAFE_INTEGER) ?? {} };
  }
  return cal;
}

function pickNumbers(x: unknown, min: number, max: number): { [k: string]: number } | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const out: { [k: string]: number } = {};
  let any = false;
  for (const c of CONTENT_CLASSES) {
    const v = (x as Record<string, unknown>)[c];
    if (finite(v, min, max)) {
      out[c] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** Of two calibrations for the same model, the one measured over more tokens. */
export function betterCalibration(a: TokenCalibration | undefined, b: TokenCalibration | undefined): TokenCalibration | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.sampleTokens > a.sampleTokens ? b : a;
}

// ---- estimating one reply --------------------------------------------------------------------

/**
 * The token estimate of one reply (all its text, thinking and tool-input streams), under a
 * calibration: the counter's per-class counts times the calibration's multipliers; with a calibration
 * from other counting rules, characters ÷ its per-class characters per token; with none, the counter
 * as it is (fitted to a real tokenizer: see `token-estimator.ts`).
 *
 * @example
 * const e = new ReplyTokenEstimate(calibration);
 * e.push('Hello, ', 'text');           // → estimated tokens added
 * e.sample(usage.outputTokens);        // → a CalibrationSample for calibrate()
 */
export class ReplyTokenEstimate {
  readonly #counters = new Map<string, TokenCounter>();
  #scale: Partial<ClassCounts> | undefined;
  #cpt: ClassCounts | undefined;
  #tokens = 0;

  constructor(calibration?: TokenCalibration) {
    this.setCalibration(calibration);
  }

  /**
   * Use `calibration` from now on. Tokens already estimated keep their estimate (call it before the
   * first delta to have one figure throughout).
   */
  setCalibration(calibration: TokenCalibration | undefined): void {
    this.#scale = estimatorScale(calibration);
    this.#cpt = undefined;
    if (this.#scale === undefined && calibration !== undefined) {
      const cpt = zeroCounts();
      for (const c of CONTENT_CLASSES) cpt[c] = calibration.byClass?.[c] ?? calibration.charsPerToken;
      this.#cpt = cpt;
    }
  }

  /** Estimated tokens so far. */
  get tokens(): number {
    return this.#tokens;
  }

  /**
   * Count a delta of one stream; returns the estimated tokens it added. `stream` names the stream
   * (a part of the reply) so that a word cut between two deltas is counted once; deltas of one
   * stream must come in order.
   */
  push(text: string, kind: DeltaKind = 'text', stream: string = kind): number {
    let counter = this.#counters.get(stream);
    if (counter === undefined) {
      counter = new TokenCounter(kind);
      this.#counters.set(stream, counter);
    }
    const t = counter.tokens;
    const ch = counter.chars;
    const scale = this.#scale;
    const cpt = this.#cpt;
    const before = cpt !== undefined ? ch.prose / cpt.prose + ch.code / cpt.code + ch.table / cpt.table + ch.cjk / cpt.cjk : weighted(t, scale);
    counter.push(text);
    const after = cpt !== undefined ? ch.prose / cpt.prose + ch.code / cpt.code + ch.table / cpt.table + ch.cjk / cpt.cjk : weighted(t, scale);
    const added = after - before;
    this.#tokens += added;
    return added;
  }

  /** Counted tokens and characters per class over every stream, with the exact total, for {@link calibrate}. */
  sample(outputTokens: number): CalibrationSample {
    const counted = zeroCounts();
    const chars = zeroCounts();
    for (const counter of this.#counters.values()) {
      for (const c of CONTENT_CLASSES) {
        counted[c] += counter.tokens[c];
        chars[c] += counter.chars[c];
      }
    }
    return { counted, chars, outputTokens };
  }
}

function weighted(t: ClassCounts, scale: Partial<ClassCounts> | undefined): number {
  if (scale === undefined) return t.prose + t.code + t.table + t.cjk;
  return t.prose * (scale.prose ?? 1) + t.code * (scale.code ?? 1) + t.table * (scale.table ?? 1) + t.cjk * (scale.cjk ?? 1);
}

// ---- keeping it ------------------------------------------------------------------------------

/**
 * Where a client keeps calibrations between page loads, per model. Implementations must not throw.
 */
export interface CalibrationStorage {
  load(model: string): TokenCalibration | undefined;
  save(calibration: TokenCalibration): void;
}

/** A calibration storage in memory (lost on reload). */
export function createMemoryCalibrationStorage(): CalibrationStorage {
  const map = new Map<string, TokenCalibration>();
  return {
    load: (model) => map.get(model),
    save: (cal) => void map.set(cal.model, cal),
  };
}

/** The part of the Web Storage API a calibration storage needs. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Key prefix under which calibrations are kept in localStorage (one entry per model). */
export const CALIBRATION_STORAGE_KEY = 'slipstream:calibration:';

/**
 * A calibration storage over Web Storage (`localStorage` by default), falling back to memory where
 * there is none or it refuses: server rendering, workers, Safari private mode, sandboxed iframes, a
 * full quota. Never throws; a corrupt entry reads as none.
 */
export function createWebCalibrationStorage(storage?: KeyValueStorage, prefix: string = CALIBRATION_STORAGE_KEY): CalibrationStorage {
  const memory = createMemoryCalibrationStorage();
  const resolve = (): KeyValueStorage | undefined => {
    if (storage !== undefined) return storage;
    try {
      // Reading the property itself throws in some sandboxes.
      const ls = (globalThis as { localStorage?: KeyValueStorage }).localStorage;
      return ls !== undefined && ls !== null && typeof ls.getItem === 'function' ? ls : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    load(model) {
      const fromMemory = memory.load(model);
      if (fromMemory !== undefined) return fromMemory;
      try {
        const raw = resolve()?.getItem(prefix + model);
        const cal = raw === null || raw === undefined ? undefined : readCalibration(JSON.parse(raw));
        return cal?.model === model ? cal : undefined;
      } catch {
        return undefined;
      }
    },
    save(cal) {
      memory.save(cal);
      try {
        resolve()?.setItem(prefix + cal.model, JSON.stringify(cal));
      } catch {
        // Quota, private mode: memory keeps it for this page.
      }
    },
  };
}
