/**
 * A continuously replenishing token bucket (per-minute capacity, refilled linearly). It may go
 * negative: output tokens are charged as they are emitted, so a long reply can overdraw it, and the
 * debt is paid back by replenishment before the next fast request is admitted.
 * @module
 */

/** A token bucket on an injectable epoch-ms clock. */
export class TokenBucket {
  #level: number;
  #at: number;

  /**
   * @param perMinute - capacity, also the refill per minute.
   * @param now - clock (epoch ms).
   */
  constructor(
    public perMinute: number,
    private readonly now: () => number,
  ) {
    this.#level = perMinute;
    this.#at = now();
  }

  #refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.#at);
    this.#level = Math.min(this.perMinute, this.#level + (elapsed * this.perMinute) / 60_000);
    this.#at = t;
  }

  /** Current level (may be negative or fractional). */
  level(): number {
    this.#refill();
    return this.#level;
  }

  /** Whole tokens left, never below 0. */
  remaining(): number {
    return Math.max(0, Math.floor(this.level()));
  }

  /** Take tokens (may overdraw). */
  take(n: number): void {
    this.#refill();
    this.#level -= n;
  }

  /** Milliseconds until the level reaches `n` (0 if already there). */
  msUntil(n: number): number {
    const missing = Math.min(n, this.perMinute) - this.level();
    if (missing <= 0 || this.perMinute <= 0) return 0;
    return (missing * 60_000) / this.perMinute;
  }

  /** Epoch ms when the bucket will be full again. */
  fullAt(): number {
    return this.now() + this.msUntil(this.perMinute);
  }

  /** Change the capacity; the level is clamped to it. */
  resize(perMinute: number): void {
    this.#refill();
    this.perMinute = perMinute;
    this.#level = Math.min(this.#level, perMinute);
  }

  /** Refill completely. */
  reset(): void {
    this.#level = this.perMinute;
    this.#at = this.now();
  }
}
