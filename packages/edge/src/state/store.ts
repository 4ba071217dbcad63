/**
 * The one interface behind every piece of edge state that must outlive a request or an isolate: the
 * fast-mode fallback memory today, spend counters and reply logs as they land. Three adapters:
 * memory (this isolate, the default), Redis (`@slipstream/edge/redis`: servers, Vercel, Bun, Deno, Fly)
 * and Cloudflare Durable Objects (`@slipstream/edge/durable-object`: Workers).
 *
 * Every operation is atomic in the adapter (a Lua script in Redis, the single-threaded object in a
 * Durable Object), so isolates racing on one key never lose an update. Values are small JSON
 * documents of rate-limit facts and counters: never message text, never a key.
 *
 * @module
 */

/** A field of a stored document: the JSON scalars the edge keeps. */
export type StateValue = string | number | boolean;

/** A stored document: a flat record of scalars. */
export type StateDocument = Record<string, StateValue>;

/** Options of {@link StateStore.merge}. */
export interface MergeOptions {
  /** The document lives at least this long after the write (an existing longer TTL is kept). */
  ttlMs: number;
  /**
   * Numeric fields that only ever grow: the stored value is replaced only by a larger one. A rate-limit
   * "standard until" instant written by two isolates keeps the later one, whatever order they land in.
   */
  keepMax?: readonly string[];
}

/** The answer of {@link StateStore.reserve}. */
export interface Reservation {
  /** Whether the amount fit under the limit (and was added). */
  ok: boolean;
  /** The counter after the call (unchanged when `ok` is false). */
  used: number;
  /** Epoch ms when the counter's window ends. */
  resetAt: number;
}

/** Where the edge keeps shared state. Implement it to plug in another engine. */
export interface StateStore {
  /** Short name for logs (`memory`, `redis`, `durable-object`). */
  readonly kind: string;
  /** The document at `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<StateDocument | undefined>;
  /** Atomically write `fields` into the document at `key` (others are kept), honouring `keepMax`. */
  merge(key: string, fields: StateDocument, options: MergeOptions): Promise<void>;
  /**
   * Atomically add `amount` (an integer) to the counter at `key` if the result stays ≤ `limit`. The
   * counter's window starts with its first reservation and lasts `windowMs`.
   */
  reserve(key: string, amount: number, limit: number, windowMs: number): Promise<Reservation>;
  /** Atomically add `delta` (an integer, negative to give back) to the counter at `key`, never below 0. */
  adjust(key: string, delta: number): Promise<number>;
  /** Forget everything under this store's prefix (tests, an operator's reset). Optional. */
  clear?(): Promise<void>;
}
