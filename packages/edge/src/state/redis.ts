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
 * Resumable replies ({@link StateStore.replies}) are two keys per reply, in one hash slot
 * (`{prefix}reply:{id}` and `…:e`, so Redis Cluster keeps them together): a hash of the reply's meta and
 * a list of its encoded events (seq n is list index n − 1). An append is one script (push the batch,
 * refresh the producer's liveness, set the end, PEXPIRE both keys) that answers the meta; readers on
 * other processes poll with LRANGE every {@link RedisStoreOptions.pollMs}. Past a cap, at the end of a
 * detached reply, and on expiry, the event list is deleted: Redis holds a reply's text only while it
 * can be resumed.
 *
 * @module
 */
import type { MergeOptions, ReplyAppend, ReplyLog, ReplyMeta, ReplyStatus, Reservation, StateDocument, StateStore, StateValue } from './store.ts';

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
  /** How often a reader on another process polls a running reply's log for new events, in ms. @default 25 */
  pollMs?: number;
  /**
   * A producer appends to a reply's log at most once per this many ms; events arriving meanwhile ride in
   * the next append. At a real pace (1,000 tok/s) an unspaced log costs one round trip per token; 10 ms
   * batches ~10 events per append, and a reader on another process already lags by up to
   * {@link pollMs}. 0 appends each event the moment the previous append lands. @default 10
   */
  appendIntervalMs?: number;
  /**
   * The spacing while nobody but the reply's own connection follows it (no reader attached anywhere,
   * the connection open): the common case, where the log only has to be there when someone resumes.
   * Each append costs the edge a wake-up when its answer comes back, which at a real pace costs about
   * as much CPU as relaying an event, so 100 ms makes a 1,000 tok/s reply ~10 appends a second instead
   * of ~85. A resume replays what is logged and tails the rest (still exact); the producer is back at
   * {@link appendIntervalMs} from the next append on. It also bounds how late a stop asked on another
   * process is seen. @default 100
   */
  unreadAppendIntervalMs?: number;
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

// Reply log. KEYS: meta hash, event list. ARGV: now, lifetimeMs, userId ('' for none).
const REPLY_OPEN = `
redis.call('DEL', KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'running', 'lastSeq', 0, 'producerAt', ARGV[1], 'readerSeenAt', ARGV[1], 'stopRequested', 0)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'userId', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// ARGV: now, ttlMs, status ('' = still running), truncate ('' = no), last seq of the batch (0: none),
// then the frames. Answers the meta after the write, or nil when the reply is gone.
const REPLY_APPEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'producerAt', ARGV[1])
local status = redis.call('HGET', KEYS[1], 'status')
local truncated = redis.call('HGET', KEYS[1], 'truncated')
if ARGV[4] ~= '' then
  if not truncated then redis.call('HSET', KEYS[1], 'truncated', ARGV[4]); truncated = ARGV[4] end
  redis.call('DEL', KEYS[2])
end
local last = tonumber(ARGV[5])
if last > 0 then
  if last > tonumber(redis.call('HGET', KEYS[1], 'lastSeq') or '0') then redis.call('HSET', KEYS[1], 'lastSeq', last) end
  if not truncated and ARGV[3] ~= 'detached' and status ~= 'detached' then
    -- unpack() has a stack limit: push in slices.
    local i = 6
    while i <= #ARGV do
      local j = math.min(i + 999, #ARGV)
      redis.call('RPUSH', KEYS[2], unpack(ARGV, i, j))
      i = j + 1
    end
  end
end
if ARGV[3] ~= '' and status == 'running' then redis.call('HSET', KEYS[1], 'status', ARGV[3]); status = ARGV[3] end
if status == 'detached' then redis.call('DEL', KEYS[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return redis.call('HGETALL', KEYS[1])`;

// ARGV: after (seq), limit (-1: all), touch ('1' records a reader now), now. Answers {meta, events}.
const REPLY_READ = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'readerSeenAt', ARGV[4]) end
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local events = {}
if limit ~= 0 then
  local stop = -1
  if limit > 0 then stop = after + limit - 1 end
  events = redis.call('LRANGE', KEYS[2], after, stop)
end
return {redis.call('HGETALL', KEYS[1]), events}`;

// Answers the meta before the call; sets stopRequested only on a running reply.
const REPLY_STOP = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local before = redis.call('HGETALL', KEYS[1])
if redis.call('HGET', KEYS[1], 'status') == 'running' then redis.call('HSET', KEYS[1], 'stopRequested', 1) end
return before`;

const REPLY_DELETE = `return redis.call('DEL', KEYS[1], KEYS[2])`;

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

  const run = (script: string, key: string, args: string[]): Promise<unknown> => runKeys(script, [prefix + key], args);
  const runKeys = async (script: string, keys: string[], args: string[]): Promise<unknown> => {
    const call = { keys, arguments: args };
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

  // Both keys of a reply in one hash slot (the braces), so scripts over them work in a cluster too.
  const replyKeys = (id: string) => [`${prefix}reply:{${id}}`, `${prefix}reply:{${id}}:e`];
  const replies: ReplyLog = {
    pollMs: options.pollMs ?? 25,
    appendIntervalMs: Math.max(0, options.appendIntervalMs ?? 10),
    unreadAppendIntervalMs: Math.max(0, options.unreadAppendIntervalMs ?? 100),
    async open(replyId, init) {
      await runKeys(REPLY_OPEN, replyKeys(replyId), [String(now()), String(Math.max(1, Math.ceil(init.lifetimeMs))), init.userId ?? '']);
    },
    async append(replyId, batch: ReplyAppend) {
      const last = batch.events.at(-1)?.seq ?? 0;
      const args = [String(now()), String(Math.max(1, Math.ceil(batch.ttlMs))), batch.status ?? '', batch.truncate ?? '', String(last)];
      for (const e of batch.events) args.push(e.frame);
      return toMeta(await runKeys(REPLY_APPEND, replyKeys(replyId), args));
    },
    async read(replyId, afterSeq, readOptions = {}) {
      const limit = readOptions.limit === undefined ? -1 : Math.max(0, Math.floor(readOptions.limit));
      const after = Math.max(0, Math.floor(afterSeq));
      // Past the list's end, LRANGE answers nothing; a seq beyond any index stays a number Lua can hold.
      const reply = await runKeys(REPLY_READ, replyKeys(replyId), [String(Math.min(after, 2 ** 52)), String(limit), readOptions.touchReader ? '1' : '0', String(now())]);
      if (!Array.isArray(reply)) return undefined;
      const meta = toMeta(reply[0]);
      if (meta === undefined) return undefined;
      const frames = Array.isArray(reply[1]) ? (reply[1] as unknown[]) : [];
      return { meta, events: frames.map((frame, i) => ({ seq: after + 1 + i, frame: String(frame) })) };
    },
    async requestStop(replyId) {
      return toMeta(await runKeys(REPLY_STOP, replyKeys(replyId), []));
    },
    async delete(replyId) {
      await runKeys(REPLY_DELETE, replyKeys(replyId), []);
    },
  };

  return {
    kind: 'redis',
    replies,
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

/** Field/value pairs of an HGETALL answer: a flat list (RESP2) or a map (RESP3). */
function pairsOf(flat: unknown): [string, unknown][] {
  if (Array.isArray(flat)) return Array.from({ length: Math.floor(flat.length / 2) }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]]);
  if (flat instanceof Map) return [...flat.entries()].map(([k, v]) => [String(k), v]);
  if (typeof flat === 'object' && flat !== null) return Object.entries(flat);
  return [];
}

const STATUSES: readonly ReplyStatus[] = ['running', 'done', 'error', 'detached'];

/** A reply's meta from its hash, or `undefined` when the script found none. */
function toMeta(flat: unknown): ReplyMeta | undefined {
  if (flat === null || flat === undefined || flat === false) return undefined;
  const h = Object.fromEntries(pairsOf(flat).map(([k, v]) => [k, String(v)]));
  if (h['status'] === undefined) return undefined;
  const meta: ReplyMeta = {
    status: STATUSES.includes(h['status'] as ReplyStatus) ? (h['status'] as ReplyStatus) : 'error',
    lastSeq: Number(h['lastSeq'] ?? 0),
    producerAt: Number(h['producerAt'] ?? 0),
    readerSeenAt: Number(h['readerSeenAt'] ?? 0),
    stopRequested: h['stopRequested'] === '1',
  };
  if (h['userId'] !== undefined) meta.userId = h['userId'];
  if (h['truncated'] === 'max_events' || h['truncated'] === 'max_bytes' || h['truncated'] === 'gap') meta.truncated = h['truncated'];
  return meta;
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
