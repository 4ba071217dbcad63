/**
 * Memory of fast-mode rate limits across requests. Holds rate-limit facts only (instants and token
 * counts), never message text, so it does not weaken zero data retention.
 *
 * Entries are keyed by a SHA-256 of the API key (never the key itself), optionally joined with a
 * conversation id. Deployments with many isolates plug in a shared store (KV, Durable Object, Redis).
 *
 * @module
 */
import type { FallbackReason } from '@slipstream/core';
import type { StateStore } from './state/store.ts';

/** Rate-limit facts remembered for one key or one conversation. */
export interface FallbackMemory {
  /** Epoch ms until which fast must not be asked for (key level: retry-after; conversation level: reset). */
  standardUntil?: number;
  /** Why standard is being served until {@link standardUntil}. */
  reason?: FallbackReason;
  /** Last seen `anthropic-fast-output-tokens-remaining`. */
  fastOutputRemaining?: number;
  /** Epoch ms of the last seen `anthropic-fast-output-tokens-reset`. */
  fastOutputResetAt?: number;
}

/** A pluggable store. `ttlMs` is a hint: the store may drop the entry after it. */
export interface FallbackStore {
  get(key: string): Promise<FallbackMemory | undefined>;
  set(key: string, value: FallbackMemory, ttlMs: number): Promise<void>;
  /** Forget everything (tests, or an operator's reset). Optional. */
  clear?(): Promise<void>;
}

/**
 * The default store: a `Map` in this isolate, bounded in size, entries expire after their TTL.
 *
 * @param maxEntries oldest entries are dropped past this. @default 10000
 */
export function createMemoryFallbackStore(maxEntries = 10_000, now: () => number = () => Date.now()): FallbackStore {
  const entries = new Map<string, { value: FallbackMemory; expiresAt: number }>();
  return {
    async get(key) {
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return hit.value;
    },
    async set(key, value, ttlMs) {
      entries.delete(key); // re-insert so Map order is recency order
      entries.set(key, { value, expiresAt: now() + Math.max(0, ttlMs) });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    async clear() {
      entries.clear();
    },
  };
}

const REASONS: readonly FallbackReason[] = ['rate_limited', 'remembered', 'budget_low', 'unsupported_model', 'overloaded'];

/**
 * The fallback memory kept in a {@link StateStore} (Redis, a Durable Object), so a fast 429 seen by one
 * isolate is known to all of them. Writes merge atomically: `standardUntil` only ever moves later, so
 * two isolates remembering two 429s keep the later reset whatever order their writes land in.
 */
export function fallbackStoreFrom(store: StateStore): FallbackStore {
  return {
    async get(key) {
      const doc = await store.get(key);
      if (doc === undefined) return undefined;
      const memory: FallbackMemory = {};
      if (typeof doc['standardUntil'] === 'number') memory.standardUntil = doc['standardUntil'];
      if (typeof doc['reason'] === 'string' && (REASONS as readonly string[]).includes(doc['reason'])) memory.reason = doc['reason'] as FallbackReason;
      if (typeof doc['fastOutputRemaining'] === 'number') memory.fastOutputRemaining = doc['fastOutputRemaining'];
      if (typeof doc['fastOutputResetAt'] === 'number') memory.fastOutputResetAt = doc['fastOutputResetAt'];
      return memory;
    },
    async set(key, value, ttlMs) {
      const fields: Record<string, string | number> = {};
      for (const [name, v] of Object.entries(value)) if (typeof v === 'number' || typeof v === 'string') fields[name] = v;
      await store.merge(key, fields, { ttlMs, keepMax: ['standardUntil'] });
    },
    clear: store.clear === undefined ? undefined : () => store.clear!(),
  };
}

const recentHashes = new Map<string, string>();

/**
 * Hex SHA-256 via Web Crypto: the store never sees the API key. The last few results are kept in this
 * isolate (a deployment has one key or a handful), saving a crypto round trip per request.
 */
export async function hashKey(apiKey: string): Promise<string> {
  const known = recentHashes.get(apiKey);
  if (known !== undefined) return known;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(apiKey));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  if (recentHashes.size >= 8) recentHashes.clear();
  recentHashes.set(apiKey, hex);
  return hex;
}

/** Store keys for one request: the API-key level, and the conversation level when an id is given. */
export function memoryKeys(keyHash: string, conversationId: string | undefined): { key: string; conversation?: string } {
  return conversationId === undefined ? { key: `k:${keyHash}` } : { key: `k:${keyHash}`, conversation: `c:${keyHash}:${conversationId}` };
}
