/**
 * Prompt caching: entries keyed by model, speed and the exact prefix up to a breakpoint, with 5-minute
 * and 1-hour TTLs on the sim's clock. A lookup walks back from each breakpoint over the 20 blocks
 * before it for the longest cached prefix (the caching docs' lookback), reads that, and writes the
 * prefixes of the later breakpoints that reach the model's minimum cacheable length.
 * @module
 */
import type { PromptLayout } from './prompt-layout.ts';

/** Cache figures of one request, as `usage` reports them. */
export interface CacheUsage {
  /** Prefix tokens read from the cache. */
  read: number;
  /** Tokens written to the cache (the 5m and 1h writes together). */
  creation: number;
  creation5m: number;
  creation1h: number;
}

/** A lookup's result: its figures, and `commit()` to apply its reads (refresh) and writes. */
export interface CacheLookup {
  usage: CacheUsage;
  commit(): void;
}

/** Blocks before a breakpoint that the lookup checks for an earlier cached prefix. */
export const CACHE_LOOKBACK_BLOCKS = 20;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;
/** Entries kept per sim; the oldest go first beyond this. */
const MAX_ENTRIES = 10_000;

interface Entry {
  expiresAt: number;
  ttlMs: number;
}

export const NO_CACHE: CacheUsage = { read: 0, creation: 0, creation5m: 0, creation1h: 0 };

/** One sim's prompt cache. */
export class PromptCache {
  readonly #entries = new Map<string, Entry>();

  /** Drop every entry. */
  clear(): void {
    this.#entries.clear();
  }

  /** Live entries (for tests and stats). */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #set(key: string, entry: Entry): void {
    // Re-insert so Map order stays "least recently used first".
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /**
   * Look up a request's prefixes.
   * @param scope - what besides the prefix keys the cache: model and speed (fast and standard never share).
   * @param minTokens - the model's minimum cacheable prefix; shorter breakpoints are not cached.
   * @param now - epoch ms on the sim's clock.
   */
  lookup(scope: string, layout: PromptLayout, minTokens: number, now: number): CacheLookup {
    const { breakpoints, prefixKeys, prefixTokens } = layout;
    if (breakpoints.length === 0) return { usage: NO_CACHE, commit: () => undefined };
    const key = (block: number): string => `${scope}|${prefixKeys[block]!}`;

    let hit = -1;
    for (const bp of breakpoints) {
      for (let b = bp.block; b >= Math.max(0, bp.block - CACHE_LOOKBACK_BLOCKS + 1) && b > hit; b--) {
        if (this.#live(key(b), now)) {
          hit = b;
          break;
        }
      }
    }
    const read = hit >= 0 ? prefixTokens[hit]! : 0;
    const writes = breakpoints.filter((bp) => bp.block > hit && prefixTokens[bp.block]! >= minTokens);
    const usage: CacheUsage = { read, creation: 0, creation5m: 0, creation1h: 0 };
    let covered = read;
    for (const bp of writes) {
      const tokens = prefixTokens[bp.block]! - covered;
      covered = prefixTokens[bp.block]!;
      usage.creation += tokens;
      if (bp.ttl === '1h') usage.creation1h += tokens;
      else usage.creation5m += tokens;
    }
    return {
      usage,
      commit: () => {
        if (hit >= 0) {
          // A read refreshes the entry's TTL at no cost (caching docs: "5 minutes from last use").
          const entry = this.#entries.get(key(hit));
          if (entry) this.#set(key(hit), { expiresAt: now + entry.ttlMs, ttlMs: entry.ttlMs });
        }
        for (const bp of writes) this.#set(key(bp.block), { expiresAt: now + TTL_MS[bp.ttl], ttlMs: TTL_MS[bp.ttl] });
      },
    };
  }
}
