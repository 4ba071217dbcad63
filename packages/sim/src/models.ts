/**
 * Model profiles: plain data, overridable through `SimOptions.models`.
 * @module
 */
import type { VisionLimits } from './media.ts';

/** The fast-mode beta every fast-capable profile understands. */
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

/**
 * How a model treats `speed: "fast"`.
 * - `none`: not fast-capable; fast gives 400 `invalid_request_error`.
 * - `beta`: fast-capable, but only with the `fast-mode-2026-02-01` beta; without it, 400.
 * - `beta-or-standard`: fast with the beta; without it the request silently runs at standard speed and
 *   reports `usage.speed: "standard"` (the Opus 4.6-style behaviour the fast-mode docs describe).
 */
export type FastSupport = 'none' | 'beta' | 'beta-or-standard';

/** A simulated model. */
export interface ModelProfile {
  id: string;
  /** Largest accepted `max_tokens`. */
  maxOutputTokens: number;
  contextWindow: number;
  fast: FastSupport;
  /** Reject `temperature`/`top_p`/`top_k` when `anthropic-version: 2026-10-21`. */
  rejectsSamplingParamsOn20261021: boolean;
  /**
   * Accept a final `assistant` message (prefill). Claude 4.6 and later refuse it with a 400.
   * @defaultValue true
   */
  prefill?: boolean;
  /** Shortest prefix (tokens) a cache breakpoint can cache; shorter ones are processed uncached. @defaultValue 1024 */
  minCacheableTokens?: number;
  /** Prefill rate of uncached input tokens for this model; overrides `SimOptions.prefillTokensPerSecond`. */
  prefillTokensPerSecond?: number;
  /** The size images are scaled down to before counting (width × height / 750 tokens). @defaultValue 1568 px long edge, 1.15 MP */
  vision?: VisionLimits;
}

/** The default profiles. */
export const DEFAULT_MODEL_PROFILES: readonly ModelProfile[] = [
  { id: 'claude-opus-4-8', maxOutputTokens: 128_000, contextWindow: 1_000_000, fast: 'beta', rejectsSamplingParamsOn20261021: true, prefill: false, minCacheableTokens: 1024, vision: { maxLongEdge: 2576, maxPixels: 3_750_000 } },
  { id: 'claude-opus-4-6', maxOutputTokens: 128_000, contextWindow: 1_000_000, fast: 'beta-or-standard', rejectsSamplingParamsOn20261021: false, prefill: false, minCacheableTokens: 4096 },
  { id: 'claude-sonnet-4-6', maxOutputTokens: 64_000, contextWindow: 1_000_000, fast: 'none', rejectsSamplingParamsOn20261021: false, prefill: false, minCacheableTokens: 1024 },
  { id: 'claude-haiku-4-5', maxOutputTokens: 64_000, contextWindow: 200_000, fast: 'none', rejectsSamplingParamsOn20261021: false, prefill: true, minCacheableTokens: 4096 },
];
