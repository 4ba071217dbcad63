/**
 * Seeded source text for tool inputs that carry code: a TypeScript module and a unified diff of it.
 * Plausible, compilable-looking and deterministic; long enough (hundreds of tokens) that the output
 * rate, and so fast mode, visibly matters.
 * @module
 */
import type { Rng } from './random.ts';

/** `lru cache eviction` → `LruCacheEviction`; a fallback name when the topic has no words. */
export function pascalCase(topic: string, fallback = 'Store'): string {
  const words = topic.match(/[a-z][a-z0-9]*/giu) ?? [];
  const name = words.slice(0, 3).map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('');
  return name.length > 0 ? name : fallback;
}

/** `LruCache` → `lru-cache`. */
export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/gu, '$1-$2').toLowerCase();
}

/** Method bodies of the generated class; `N` is the class name. */
const METHODS: readonly ((n: string) => string[])[] = [
  () => [
    '  /** The value under `key`, or undefined; a hit counts as a use. */',
    '  get(key: string): V | undefined {',
    '    const entry = this.#entries.get(key);',
    '    if (entry === undefined) return undefined;',
    '    if (this.#expired(entry)) {',
    '      this.#entries.delete(key);',
    '      return undefined;',
    '    }',
    '    entry.usedAt = this.#now();',
    '    return entry.value;',
    '  }',
  ],
  () => [
    '  /** Store `value` under `key`, evicting the least recently used entries beyond the limit. */',
    '  set(key: string, value: V): this {',
    '    this.#entries.delete(key);',
    '    this.#entries.set(key, { value, usedAt: this.#now() });',
    '    while (this.#entries.size > this.#options.limit) {',
    '      const oldest = this.#entries.keys().next().value;',
    '      if (oldest === undefined) break;',
    '      this.#entries.delete(oldest);',
    '      this.#options.onEvict?.(oldest);',
    '    }',
    '    return this;',
    '  }',
  ],
  () => [
    '  /** Whether `key` holds a live (unexpired) value. */',
    '  has(key: string): boolean {',
    '    const entry = this.#entries.get(key);',
    '    return entry !== undefined && !this.#expired(entry);',
    '  }',
  ],
  () => [
    '  /** Remove `key`; true if it was there. */',
    '  delete(key: string): boolean {',
    '    return this.#entries.delete(key);',
    '  }',
  ],
  (n) => [
    `  /** Every live entry, oldest first. */`,
    `  *entries(): IterableIterator<[string, V]> {`,
    `    for (const [key, entry] of this.#entries) {`,
    `      if (!this.#expired(entry)) yield [key, entry.value];`,
    `    }`,
    `  }`,
    ``,
    `  /** A plain snapshot for logging; the ${n} itself is not serializable. */`,
    `  toJSON(): Record<string, V> {`,
    `    return Object.fromEntries(this.entries());`,
    `  }`,
  ],
  () => [
    '  /** Drop every entry whose time to live has passed; returns how many went. */',
    '  prune(): number {',
    '    let removed = 0;',
    '    for (const [key, entry] of this.#entries) {',
    '      if (this.#expired(entry)) {',
    '        this.#entries.delete(key);',
    '        removed += 1;',
    '      }',
    '    }',
    '    return removed;',
    '  }',
  ],
];

/** A TypeScript module with one class named after the topic. */
export function tsModule(rng: Rng, name: string, everyMethod = false): string {
  const methods = METHODS.filter((_, i) => everyMethod || i < 2 || rng.next() < 0.7).flatMap((m) => ['', ...m(name)]);
  return [
    `export interface ${name}Options {`,
    '  /** Most entries kept; the least recently used go first. */',
    '  limit: number;',
    '  /** Milliseconds an entry stays valid; undefined keeps entries until evicted. */',
    '  ttlMs?: number;',
    '  onEvict?: (key: string) => void;',
    '}',
    '',
    'interface Entry<V> {',
    '  value: V;',
    '  usedAt: number;',
    '}',
    '',
    `export class ${name}<V> {`,
    '  readonly #entries = new Map<string, Entry<V>>();',
    `  readonly #options: ${name}Options;`,
    '  readonly #now: () => number;',
    '',
    `  constructor(options: ${name}Options, now: () => number = Date.now) {`,
    `    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');`,
    '    this.#options = options;',
    '    this.#now = now;',
    '  }',
    '',
    '  get size(): number {',
    '    return this.#entries.size;',
    '  }',
    ...methods,
    '',
    '  #expired(entry: Entry<V>): boolean {',
    '    const ttl = this.#options.ttlMs;',
    '    return ttl !== undefined && this.#now() - entry.usedAt > ttl;',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A unified diff that adds TTL handling to the module at `path` (hundreds of tokens). */
export function unifiedDiff(rng: Rng, path: string, name: string): string {
  const lines = tsModule(rng, name, true).split('\n');
  // Rewrite the constructor and add a pruning timer: a realistic, self-consistent hunk.
  const at = lines.findIndex((l) => l.startsWith('  constructor('));
  const before = lines.slice(Math.max(0, at - 3), at);
  const removed = lines.slice(at, at + 5);
  const added = [
    `  constructor(options: ${name}Options, now: () => number = Date.now) {`,
    `    if (!Number.isInteger(options.limit) || options.limit < 1) {`,
    `      throw new RangeError(\`limit must be a positive integer, got \${options.limit}\`);`,
    '    }',
    '    if (options.ttlMs !== undefined && options.ttlMs <= 0) {',
    `      throw new RangeError(\`ttlMs must be positive, got \${options.ttlMs}\`);`,
    '    }',
    '    this.#options = options;',
    '    this.#now = now;',
    '  }',
    '',
    '  /** Prune expired entries every `everyMs`; returns a function that stops it. */',
    '  startPruning(everyMs = 60_000): () => void {',
    '    const timer = setInterval(() => this.prune(), everyMs);',
    '    return () => clearInterval(timer);',
    '  }',
  ];
  const after = lines.slice(at + 5, at + 8);
  const start = Math.max(1, at - 2);
  const header = `@@ -${start},${before.length + removed.length + after.length} +${start},${before.length + added.length + after.length} @@ export class ${name}<V> {`;
  return [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    header,
    ...before.map((l) => ` ${l}`),
    ...removed.map((l) => `-${l}`),
    ...added.map((l) => `+${l}`),
    ...after.map((l) => ` ${l}`),
    '',
  ].join('\n');
}
