/**
 * A module the client needs only on some paths, loaded by dynamic import: a bundler puts it in a chunk of
 * its own, so a page pays for it only when (or shortly before) it is needed, and uses it synchronously once
 * it has loaded.
 *
 * Keep such a module out of the root entry's static graph, and give it no run-time imports of modules
 * that graph reaches: esbuild's code splitting assigns whole files to chunks, so a file reached both
 * statically from the page's entry and from a lazy chunk lands in a shared chunk the page loads at
 * start-up (even when the entry uses nothing of it). Pass what it needs in instead.
 *
 * @module
 */

/** A lazily loaded module. */
export interface Lazy<T> {
  /** The module once it has loaded, else `undefined`. */
  readonly value: T | undefined;
  /**
   * Start loading (once; later calls return the same promise). A failed load is forgotten, so the next
   * call tries again. The returned promise already has a rejection handler: ignoring it is safe.
   */
  load(): Promise<T>;
}

/** @param importer - `() => import('./module.ts')`, spelled out so bundlers see the import. */
export function lazy<T>(importer: () => Promise<T>): Lazy<T> {
  let loading: Promise<T> | undefined;
  const self: { value: T | undefined; load(): Promise<T> } = {
    value: undefined,
    load() {
      if (loading === undefined) {
        const p = importer();
        loading = p;
        p.then(
          (m) => {
            self.value = m;
          },
          () => {
            if (loading === p) loading = undefined;
          },
        );
      }
      return loading;
    },
  };
  return self;
}
