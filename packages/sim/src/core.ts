/**
 * The sim's state and resolved options, shared by the route handlers.
 * @module
 */
import { PromptCache } from './cache.ts';
import { CHUNKINGS, type Chunking } from './chunking.ts';
import { FaultQueue } from './faults.ts';
import { DEFAULT_MODEL_PROFILES, type ModelProfile } from './models.ts';
import { makeId } from './random.ts';
import { RateLimits } from './ratelimit.ts';
import { SimState } from './state.ts';
import { epochNow } from './time.ts';
import type { FaultSpec, SimOptions } from './types.ts';

/** Options after defaults. */
export interface ResolvedOptions {
  ttftMs: number;
  standardOtps: number;
  fastMultiplier: number;
  jitter: number;
  fastInputTpm: number;
  fastOutputTpm: number;
  seed: number;
  models: ModelProfile[];
  maxBodyBytes: number;
  faults: FaultSpec[];
  clock: { now(): number };
  prefillTokensPerSecond: number;
  chunking: Chunking;
}

/** The defaults, documented in the README. */
export const DEFAULT_OPTIONS = {
  ttftMs: 350,
  standardOtps: 50,
  fastMultiplier: 2.5,
  jitter: 0.1,
  fastInputTpm: 1_000_000,
  fastOutputTpm: 200_000,
  seed: 1,
  maxBodyBytes: 32 * 1024 * 1024,
  prefillTokensPerSecond: 10_000,
  chunking: 'api',
} as const satisfies Partial<SimOptions>;

/** Numeric options that may change at run time (`configure`, `POST /_sim/config`). */
export const NUMERIC_OPTIONS = [
  'ttftMs', 'standardOtps', 'fastMultiplier', 'jitter', 'fastInputTpm', 'fastOutputTpm', 'seed', 'maxBodyBytes',
  'prefillTokensPerSecond',
] as const;

function checkChunking(value: string): Chunking {
  if (!(CHUNKINGS as readonly string[]).includes(value)) throw new RangeError(`chunking must be one of ${CHUNKINGS.join(', ')}, got '${value}'`);
  return value as Chunking;
}

/** Shared state of one sim instance. */
export class SimCore {
  readonly options: ResolvedOptions;
  readonly state = new SimState();
  readonly limits: RateLimits;
  readonly faults: FaultQueue;
  readonly cache = new PromptCache();

  constructor(options: SimOptions = {}) {
    this.options = {
      ...DEFAULT_OPTIONS,
      models: [...(options.models ?? DEFAULT_MODEL_PROFILES)],
      faults: [...(options.faults ?? [])],
      clock: options.clock ?? { now: epochNow },
    };
    this.#apply(options);
    if (options.chunking) this.options.chunking = checkChunking(options.chunking);
    const now = (): number => this.options.clock.now();
    this.limits = new RateLimits(this.options.fastInputTpm, this.options.fastOutputTpm, now);
    this.faults = new FaultQueue(this.options.faults);
  }

  #apply(patch: Partial<SimOptions>): void {
    for (const key of NUMERIC_OPTIONS) {
      const v = patch[key];
      if (v !== undefined) this.options[key] = v;
    }
  }

  /** Change options at run time; bucket sizes follow the new limits. */
  configure(patch: Partial<SimOptions>): void {
    this.#apply(patch);
    if (patch.models) this.options.models = [...patch.models];
    if (patch.clock) this.options.clock = patch.clock;
    if (patch.chunking) this.options.chunking = checkChunking(patch.chunking);
    if (patch.faults) {
      this.options.faults = [...patch.faults];
      this.faults.reset(this.options.faults);
    }
    this.limits.fastInput.resize(this.options.fastInputTpm);
    this.limits.fastOutput.resize(this.options.fastOutputTpm);
  }

  /** Clear log, stats, streams, buckets and injected faults. */
  reset(): void {
    this.state.reset();
    this.limits.reset();
    this.cache.clear();
    this.faults.reset();
  }

  /** Output tokens per second at a speed (0 = unlimited). */
  otps(speed: 'fast' | 'standard'): number {
    const { standardOtps, fastMultiplier } = this.options;
    return speed === 'fast' ? standardOtps * fastMultiplier : standardOtps;
  }

  /** Time to first token for `uncached` input tokens on `model`: base plus prefill. */
  ttftFor(model: ModelProfile, uncached: number): number {
    const rate = model.prefillTokensPerSecond ?? this.options.prefillTokensPerSecond;
    return this.options.ttftMs + (rate > 0 ? (uncached * 1000) / rate : 0);
  }

  /** Next request number and its `request-id`. */
  nextRequest(): { n: number; requestId: string } {
    const n = ++this.state.counter;
    return { n, requestId: makeId('req', this.options.seed, n) };
  }
}
