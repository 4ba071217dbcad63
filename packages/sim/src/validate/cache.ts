/**
 * `cache_control` breakpoints: shape, TTL, the four-breakpoint limit and the TTL order. The API reads
 * breakpoints in prompt order (tools, then system, then messages), so callers report them in that order.
 * @module
 */
import { invalid } from '../errors.ts';
import { at, fail, literal, noExtra, object, tag } from './fields.ts';

/** Most breakpoints one request may carry (prompt-caching docs; the API's own message below). */
export const MAX_CACHE_BREAKPOINTS = 4;

/** Collects the request's breakpoints in prompt order and applies the cross-block rules at the end. */
export class CacheBreakpoints {
  readonly #found: { path: string; ttl: '5m' | '1h' }[] = [];

  /** Validate one `cache_control` value (absent and null are fine) and remember it. */
  check(value: unknown, path: string): void {
    if (value === undefined || value === null) return;
    const obj = object(value, path);
    tag(obj, ['ephemeral'], path);
    const inner = at(path, 'ephemeral');
    noExtra(obj, ['type', 'ttl'], inner);
    const ttl = obj['ttl'] === undefined ? '5m' : literal(obj['ttl'], ['5m', '1h'] as const, at(inner, 'ttl'));
    this.#found.push({ path, ttl });
  }

  /** How many breakpoints were seen. */
  get count(): number {
    return this.#found.length;
  }

  /** The TTL of each breakpoint, in prompt order. */
  get ttls(): ('5m' | '1h')[] {
    return this.#found.map((b) => b.ttl);
  }

  /** The limit and the order rule; call once every part of the prompt has been checked. */
  finish(): void {
    if (this.#found.length > MAX_CACHE_BREAKPOINTS) {
      throw invalid(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${this.#found.length}.`);
    }
    let seen5m = false;
    for (const b of this.#found) {
      if (b.ttl === '5m') seen5m = true;
      else if (seen5m) {
        throw fail(
          at(b.path, 'ephemeral.ttl'),
          "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`.",
        );
      }
    }
  }
}
