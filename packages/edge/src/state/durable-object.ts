/**
 * The Cloudflare Durable Objects {@link StateStore}, for Workers. Import it from
 * `@slipstream/edge/durable-object`, export {@link SlipstreamState} from your Worker and bind it:
 *
 * ```toml
 * # wrangler.toml
 * [[durable_objects.bindings]]
 * name = "SLIPSTREAM_STATE"
 * class_name = "SlipstreamState"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["SlipstreamState"]
 * ```
 *
 * Why a Durable Object and not Workers KV: KV is eventually consistent (a write can take 60 s or more
 * to be seen elsewhere, and two writers race with last-write-wins), so it can neither hold a rate-limit
 * memory that the next request must see nor count spending without overshooting. A Durable Object is
 * one single-threaded instance per name with transactional storage: strongly consistent, and every
 * operation below is atomic. Each key gets its own object (`idFromName(key)`), so there is no global
 * bottleneck: one conversation's or one user's state lives in one place.
 *
 * @module
 */
import type { MergeOptions, Reservation, StateDocument, StateStore } from './store.ts';

/** The parts of a Durable Object namespace binding this adapter uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** The parts of `DurableObjectState` {@link SlipstreamState} uses. */
export interface DurableObjectStateLike {
  storage: {
    get<T = unknown>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    deleteAll(): Promise<void>;
    setAlarm(scheduledTime: number): Promise<void>;
  };
}

type Operation =
  | { op: 'get' }
  | { op: 'merge'; fields: StateDocument; ttlMs: number; keepMax: string[] }
  | { op: 'reserve'; amount: number; limit: number; windowMs: number }
  | { op: 'adjust'; delta: number };

interface Entry {
  doc: StateDocument;
  expiresAt: number;
}

/**
 * The Durable Object class holding one key's state. Export it from your Worker under the class name
 * your binding names.
 *
 * @example
 * export { SlipstreamState } from '@slipstream/edge/durable-object';
 */
export class SlipstreamState {
  readonly #storage: DurableObjectStateLike['storage'];

  constructor(state: DurableObjectStateLike, env: unknown) {
    void env;
    this.#storage = state.storage;
  }

  /** One operation per request. Storage calls only, no other I/O: the input gate keeps each atomic. */
  async fetch(request: Request): Promise<Response> {
    let operation: Operation;
    try {
      operation = (await request.json()) as Operation;
    } catch {
      return Response.json({ error: 'bad request' }, { status: 400 });
    }
    const now = Date.now();
    const stored = await this.#storage.get<Entry>('entry');
    const entry = stored !== undefined && stored.expiresAt > now ? stored : undefined;
    switch (operation.op) {
      case 'get':
        return Response.json({ doc: entry?.doc ?? null });
      case 'merge': {
        const doc: StateDocument = { ...entry?.doc };
        for (const [name, value] of Object.entries(operation.fields)) {
          const current = doc[name];
          if (operation.keepMax.includes(name) && typeof current === 'number' && typeof value === 'number' && current >= value) continue;
          doc[name] = value;
        }
        await this.#write({ doc, expiresAt: Math.max(entry?.expiresAt ?? 0, now + Math.max(0, operation.ttlMs)) });
        return Response.json({ ok: true });
      }
      case 'reserve': {
        const used = typeof entry?.doc['used'] === 'number' ? entry.doc['used'] : 0;
        const resetAt = entry?.expiresAt ?? now + operation.windowMs;
        if (used + operation.amount > operation.limit) return Response.json({ ok: false, used, resetAt } satisfies Reservation);
        await this.#write({ doc: { used: used + operation.amount }, expiresAt: resetAt });
        return Response.json({ ok: true, used: used + operation.amount, resetAt } satisfies Reservation);
      }
      case 'adjust': {
        if (entry === undefined) return Response.json({ used: 0 });
        const used = Math.max(0, (typeof entry.doc['used'] === 'number' ? entry.doc['used'] : 0) + operation.delta);
        await this.#write({ doc: { ...entry.doc, used }, expiresAt: entry.expiresAt });
        return Response.json({ used });
      }
      default:
        return Response.json({ error: 'unknown operation' }, { status: 400 });
    }
  }

  /** Storage is freed once the entry expires. */
  async alarm(): Promise<void> {
    const entry = await this.#storage.get<Entry>('entry');
    if (entry === undefined || entry.expiresAt <= Date.now()) await this.#storage.deleteAll();
    else await this.#storage.setAlarm(entry.expiresAt);
  }

  async #write(entry: Entry): Promise<void> {
    await this.#storage.put('entry', entry);
    await this.#storage.setAlarm(entry.expiresAt);
  }
}

/** Options of {@link createDurableObjectStore}. */
export interface DurableObjectStoreOptions {
  /** Prefix of every object name. @default 'slipstream:' */
  prefix?: string;
}

/**
 * Create a store over a {@link SlipstreamState} namespace binding.
 *
 * @example
 * ```ts
 * import { createChatHandler } from '@slipstream/edge';
 * import { createDurableObjectStore } from '@slipstream/edge/durable-object';
 * export { SlipstreamState } from '@slipstream/edge/durable-object';
 *
 * export default createChatHandler({ store: (env) => createDurableObjectStore(env.SLIPSTREAM_STATE) });
 * ```
 */
export function createDurableObjectStore(namespace: DurableObjectNamespaceLike, options: DurableObjectStoreOptions = {}): StateStore {
  const prefix = options.prefix ?? 'slipstream:';
  // One store per binding and prefix, so a factory called on every request (`store: (env) => …`)
  // keeps one health state and one local memory per isolate.
  const known = storesByNamespace.get(namespace as object)?.get(prefix);
  if (known !== undefined) return known;
  const store = buildStore(namespace, prefix);
  const byPrefix = storesByNamespace.get(namespace as object) ?? new Map<string, StateStore>();
  byPrefix.set(prefix, store);
  storesByNamespace.set(namespace as object, byPrefix);
  return store;
}

const storesByNamespace = new WeakMap<object, Map<string, StateStore>>();

function buildStore(namespace: DurableObjectNamespaceLike, prefix: string): StateStore {
  const call = async <T>(key: string, operation: Operation): Promise<T> => {
    const stub = namespace.get(namespace.idFromName(prefix + key) as never);
    const res = await stub.fetch('https://slipstream-state/', { method: 'POST', body: JSON.stringify(operation) });
    if (!res.ok) throw new Error(`durable object answered ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    kind: 'durable-object',
    async get(key) {
      const { doc } = await call<{ doc: StateDocument | null }>(key, { op: 'get' });
      return doc ?? undefined;
    },
    async merge(key, fields, { ttlMs, keepMax = [] }: MergeOptions) {
      await call(key, { op: 'merge', fields, ttlMs, keepMax: [...keepMax] });
    },
    reserve: (key, amount, limit, windowMs) => call<Reservation>(key, { op: 'reserve', amount, limit, windowMs }),
    async adjust(key, delta) {
      return (await call<{ used: number }>(key, { op: 'adjust', delta })).used;
    },
  };
}
