/**
 * The Redis {@link StateStore}, for Node, Vercel (Node functions), Bun, Deno, Fly: any server that can
 * hold a Redis connection. Import it from `@slipstream/edge/redis`.
 *
 * Works with the official `redis` client (node-redis v4/v5), which is what we test against: it is the
 * client Redis itself maintains and recommends for new projects, it is typed, and its `eval`/`evalSha`
 * take `{ keys, arguments }`. Any client can be adapted to {@link RedisScriptClient} in three lines
 * (ioredis: `eval: (s, o) => redis.eval(s, o.keys.length, ...o.keys, ...o.arguments)`).
 *
 * Every operation is one Lua script, so it is atomic in Redis: isolates racing on one key never lose
 * an update, and a spend reservation never overshoots its limit. TTLs come from the facts (a
 * rate-limit reset, a spend window), so Redis forgets on its own.
 *
 * @module
 */
import type { MergeOptions, Reservation, StateDocument, StateStore, StateValue } from './store.ts';

/** What the adapter needs of a Redis client: Lua scripts with keys and arguments. */
export interface RedisScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Used when present (the script is sent once, then run by its SHA-1). */
  evalSha?(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** A connected client (`await createClient({ url }).connect()` from the `redis` package). */
  client: RedisScriptClient;
  /** Prefix of every key this store writes. @default 'slipstream:' */
  prefix?: string;
  /** Clock in epoch ms (tests). @default Date.now */
  now?: () => number;
}

// Documents are hashes of JSON-encoded scalars, so types survive the round trip.
const GET = `return redis.call('HGETALL', KEYS[1])`;

// ARGV: ttlMs, count of keep-max fields, then name/value pairs (keep-max fields first).
const MERGE = `
local ttl = tonumber(ARGV[1])
local nmax = tonumber(ARGV[2])
local i, n = 3, 0
while i < #ARGV do
  local name, value = ARGV[i], ARGV[i + 1]
  local write = true
  if n < nmax then
    local current = tonumber(redis.call('HGET', KEYS[1], name))
    if current ~= nil and current >= tonumber(value) then write = false end
  end
  if write then redis.call('HSET', KEYS[1], name, value) end
  i = i + 2
  n = n + 1
end
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

// ARGV: amount, limit, windowMs. Returns {ok, used, pttl}.
const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = window end
if used + amount > limit then return {0, used, ttl} end
used = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], window) end
return {1, used, ttl}`;

// ARGV: delta. Never below 0; a counter that expired stays gone.
const ADJUST = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL'); used = 0 end
return used`;

// ARGV: prefix. For tests and operators: removes this store's keys, in batches.
const CLEAR = `
local cursor, removed = '0', 0
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1] .. '*', 'COUNT', 500)
  cursor = page[1]
  for _, key in ipairs(page[2]) do redis.call('DEL', key); removed = removed + 1 end
until cursor == '0'
return removed`;

/**
 * Create a Redis-backed store.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createChatHandler } from '@slipstream/edge';
 * import { createRedisStore } from '@slipstream/edge/redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * export default createChatHandler({ store: createRedisStore({ client: redis }) });
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): StateStore {
  const { client } = options;
  const prefix = options.prefix ?? 'slipstream:';
  const now = options.now ?? (() => Date.now());
  const shas = new Map<string, Promise<string>>();

  const run = async (script: string, key: string, args: string[]): Promise<unknown> => {
    const call = { keys: [prefix + key], arguments: args };
    if (client.evalSha === undefined) return client.eval(script, call);
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = sha1Hex(script);
      shas.set(script, sha);
    }
    try {
      return await client.evalSha(await sha, call);
    } catch (err) {
      // The script cache is empty after a restart or a SCRIPT FLUSH: send the text once more.
      if (!String((err as Error)?.message ?? err).includes('NOSCRIPT')) throw err;
      return client.eval(script, call);
    }
  };

  return {
    kind: 'redis',
    async get(key) {
      const flat = (await run(GET, key, [])) as unknown;
      const doc = toDocument(flat);
      return doc === undefined || Object.keys(doc).length === 0 ? undefined : doc;
    },
    async merge(key, fields, { ttlMs, keepMax = [] }: MergeOptions) {
      const entries = Object.entries(fields);
      const first = entries.filter(([name]) => keepMax.includes(name) && typeof fields[name] === 'number');
      const rest = entries.filter((e) => !first.includes(e));
      const args = [String(Math.max(1, Math.ceil(ttlMs))), String(first.length)];
      for (const [name, value] of [...first, ...rest]) args.push(name, JSON.stringify(value));
      await run(MERGE, key, args);
    },
    async reserve(key, amount, limit, windowMs): Promise<Reservation> {
      const reply = (await run(RESERVE, key, [String(Math.round(amount)), String(Math.floor(limit)), String(Math.max(1, Math.ceil(windowMs)))])) as unknown[];
      return { ok: Number(reply[0]) === 1, used: Number(reply[1]), resetAt: now() + Number(reply[2]) };
    },
    async adjust(key, delta) {
      return Number(await run(ADJUST, key, [String(Math.round(delta))]));
    },
    async clear() {
      await run(CLEAR, '', [prefix]);
    },
  };
}

function toDocument(flat: unknown): StateDocument | undefined {
  // RESP2 gives a flat [field, value, …] list; RESP3 clients give a map (object).
  const pairs: [string, unknown][] = Array.isArray(flat)
    ? Array.from({ length: Math.floor(flat.length / 2) }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]])
    : typeof flat === 'object' && flat !== null
      ? Object.entries(flat)
      : [];
  const doc: StateDocument = {};
  for (const [name, raw] of pairs) {
    try {
      const value: unknown = JSON.parse(String(raw));
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') doc[name] = value as StateValue;
    } catch {
      // A field another program wrote: not ours, skip it.
    }
  }
  return doc;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
