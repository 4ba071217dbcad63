/**
 * The speed policy, as pure functions: which speed to ask for first, and what to remember after an
 * upstream answer. The handler does the I/O; everything here is decided from facts and a clock.
 *
 * - `standard`: never fast.
 * - `fast`: always fast; a model without fast mode is a 400 before anything is sent.
 * - `auto`: fast unless a fast 429 is remembered (key: until `retry-after`; conversation: until the
 *   fast reset, so speed does not flip mid-conversation), or the last seen fast output budget cannot
 *   cover `max_tokens`, or the model has no fast mode.
 *
 * @module
 */
import type { ErrorEvent, FallbackReason, RateLimitEvent, Speed, SpeedPolicy } from '@slipstream/core';
import type { FallbackMemory } from './fallback-store.ts';

/** The first speed to ask for, and the fallback to announce when it is not the one the client allowed. */
export interface SpeedDecision {
  speed: Speed;
  fallback?: { reason: FallbackReason; until?: number };
}

export interface DecideInput {
  policy: SpeedPolicy;
  fastCapable: boolean;
  maxTokens: number;
  keyMemory: FallbackMemory | undefined;
  conversationMemory: FallbackMemory | undefined;
  now: number;
}

/** @returns a decision, or an error to answer with 400 (policy `fast` on a model without fast mode). */
export function decideSpeed(input: DecideInput): SpeedDecision | { refuse: ErrorEvent } {
  const { policy, fastCapable, keyMemory, conversationMemory, now } = input;
  if (policy === 'standard') return { speed: 'standard' };
  if (!fastCapable) {
    if (policy === 'fast') {
      return {
        refuse: {
          kind: 'unsupported',
          message: 'This model has no fast mode; use speed "auto" or "standard".',
          status: 400,
          retryable: false,
          field: 'speed',
        },
      };
    }
    return { speed: 'standard', fallback: { reason: 'unsupported_model' } };
  }
  if (policy === 'fast') return { speed: 'fast' };

  for (const memory of [conversationMemory, keyMemory]) {
    if (memory?.standardUntil !== undefined && memory.standardUntil > now) {
      const reason: FallbackReason = memory.reason === 'budget_low' ? 'budget_low' : 'remembered';
      return { speed: 'standard', fallback: { reason, until: memory.standardUntil } };
    }
  }
  const remaining = keyMemory?.fastOutputRemaining;
  const resetAt = keyMemory?.fastOutputResetAt;
  if (remaining !== undefined && resetAt !== undefined && resetAt > now && remaining < input.maxTokens) {
    return { speed: 'standard', fallback: { reason: 'budget_low', until: resetAt } };
  }
  return { speed: 'fast' };
}

/** Merge the fast budget seen on a response into the key-level memory. */
export function rememberBudget(previous: FallbackMemory | undefined, event: RateLimitEvent | undefined): FallbackMemory | undefined {
  const output = event?.fast?.output;
  if (!output || output.remaining === null) return undefined;
  const resetAt = output.reset === null ? undefined : Date.parse(output.reset);
  const next: FallbackMemory = { ...previous, fastOutputRemaining: output.remaining };
  if (resetAt !== undefined && Number.isFinite(resetAt)) next.fastOutputResetAt = resetAt;
  return next;
}

/**
 * What to remember after a fast 429: the key skips fast until `retry-after`, the conversation stays on
 * standard until the fast budget's reset (whichever is later), so it does not flip back and forth.
 */
export function rememberRateLimit(
  event: RateLimitEvent | undefined,
  retryAfterMs: number | undefined,
  now: number,
  defaultTtlMs: number,
): { keyUntil: number; conversationUntil: number } {
  const keyUntil = now + (retryAfterMs ?? defaultTtlMs);
  const resets = [event?.fast?.output.reset, event?.fast?.input.reset]
    .map((r) => (r ? Date.parse(r) : Number.NaN))
    .filter((ms) => Number.isFinite(ms) && ms > now);
  const conversationUntil = Math.max(keyUntil, ...resets);
  return { keyUntil, conversationUntil };
}
