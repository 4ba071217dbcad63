/**
 * The time source behind every metric, replaceable so tests can use fake time.
 *
 * @module
 */

/** Milliseconds on a monotonic timeline. Only differences are meaningful. */
export interface Clock {
  now(): number;
}

/**
 * The default clock: `performance.now()` (monotonic, sub-millisecond), or `Date.now()` where there is no
 * `performance`. Looked up on each call, so fake timers installed later are still seen.
 */
export const systemClock: Clock = {
  now: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
};
