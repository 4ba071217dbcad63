/**
 * Model capabilities: plain data that users can override.
 *
 * @module
 */

/** The beta (`anthropic-beta` header) that enables `speed: "fast"`. */
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

/** What one model can do. */
export interface ModelCapability {
  id: string;
  displayName: string;
  /** Takes `speed: "fast"`. Sending fast to a model without it is an error upstream. */
  fast: boolean;
  /** Fast needs the {@link FAST_MODE_BETA} beta. */
  fastRequiresBeta: boolean;
  /** Rejects `temperature`, `top_p` and `top_k` (400). */
  rejectsSamplingParams: boolean;
  /** Largest accepted `max_tokens`. */
  maxOutputTokens: number;
}

const capability = (c: ModelCapability): Readonly<ModelCapability> => Object.freeze(c);

/** The built-in capability table, keyed by model id. Override per call with {@link getModelCapability}. */
export const MODEL_CAPABILITIES: Readonly<Record<string, Readonly<ModelCapability>>> = Object.freeze({
  'claude-opus-4-8': capability({
    id: 'claude-opus-4-8',
    displayName: 'Claude Opus 4.8',
    fast: true,
    fastRequiresBeta: true,
    rejectsSamplingParams: true,
    maxOutputTokens: 128_000,
  }),
  'claude-opus-4-6': capability({
    id: 'claude-opus-4-6',
    displayName: 'Claude Opus 4.6',
    fast: true,
    fastRequiresBeta: true,
    rejectsSamplingParams: false,
    maxOutputTokens: 128_000,
  }),
  'claude-sonnet-4-6': capability({
    id: 'claude-sonnet-4-6',
    displayName: 'Claude Sonnet 4.6',
    fast: false,
    fastRequiresBeta: false,
    rejectsSamplingParams: false,
    maxOutputTokens: 64_000,
  }),
  'claude-haiku-4-5': capability({
    id: 'claude-haiku-4-5',
    displayName: 'Claude Haiku 4.5',
    fast: false,
    fastRequiresBeta: false,
    rejectsSamplingParams: false,
    maxOutputTokens: 64_000,
  }),
});

/**
 * Look a model up in `overrides` first, then in {@link MODEL_CAPABILITIES}. A dated snapshot id
 * (`claude-haiku-4-5-20251001`) falls back to its undated alias when the exact id is not listed.
 *
 * @returns `undefined` for an unknown model.
 * @example
 * getModelCapability('claude-opus-4-8')?.fast // true
 */
export function getModelCapability(
  model: string,
  overrides?: Record<string, ModelCapability>,
): ModelCapability | undefined {
  return lookupModel(model, overrides, MODEL_CAPABILITIES);
}

const DATED_SUFFIX = /-\d{8}$/;

/**
 * Find `model` in the first table that has it, trying the exact id before the undated alias. Only own
 * keys count, so ids such as `constructor` or `__proto__` find nothing. Shared with the pricing table.
 * @internal
 */
export function lookupModel<T>(
  model: string,
  ...tables: readonly (Readonly<Record<string, T>> | undefined)[]
): T | undefined {
  const alias = model.replace(DATED_SUFFIX, '');
  for (const id of alias === model ? [model] : [model, alias]) {
    for (const table of tables) {
      if (table !== undefined && Object.prototype.hasOwnProperty.call(table, id)) return table[id];
    }
  }
  return undefined;
}
