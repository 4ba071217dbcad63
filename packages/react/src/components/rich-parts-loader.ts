'use client';
/**
 * Loads the rich part views (`rich-parts.ts`: tool call card, thinking block, step divider) on first use
 * and keeps the module, so every later render has it synchronously.
 *
 * Why not `React.lazy` + `<Suspense>`: a lazy component suspends the first time it renders even when
 * its chunk has already loaded (React 19.3, `createRoot`, an urgent update: the fallback is committed
 * and the card comes a microtask later), so a preloaded card would still flash its fallback; and a chunk
 * that fails to load throws to the nearest error boundary, in most apps the whole thread. Here the
 * module is one external store read with `useSyncExternalStore`: once loaded, parts render with it at
 * once; a failed load leaves the fallback and the next part that mounts tries again; the server
 * snapshot is always "not loaded", so server HTML and hydration agree (the view replaces the fallback
 * right after hydrating).
 *
 * @module
 */
import { useSyncExternalStore } from 'react';

type RichParts = typeof import('./rich-parts.ts');

let loaded: RichParts | null = null;
let loading: Promise<RichParts> | null = null;
const listeners = new Set<() => void>();

/**
 * Starts loading the tool call card, thinking block and step divider (one chunk), once. `<MessageParts>`
 * calls it when a message first has a tool call, thinking or a second step; call it yourself to warm the
 * chunk up earlier (an app that always uses tools, or before hydrating a thread that has tool calls).
 *
 * @returns Resolves when the views are ready; rejects if the chunk failed to load (the next call tries again).
 * @example
 * if (toolsEnabled) void preloadMessageParts();
 */
export function preloadMessageParts(): Promise<void> {
  loading ??= import('./rich-parts.ts').then(
    (m) => {
      loaded = m;
      for (const l of [...listeners]) l();
      return m;
    },
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading.then(() => undefined);
}

function subscribe(onChange: () => void): () => void {
  listeners.add(onChange);
  // A failed load keeps the fallback; the rejection is not an error of the page.
  if (loaded === null) preloadMessageParts().catch(() => {});
  return () => listeners.delete(onChange);
}

const getLoaded = (): RichParts | null => loaded;
const notLoaded = (): null => null;

/** The rich part views, or `null` until their chunk has loaded (subscribing starts the load). */
export function useRichParts(): RichParts | null {
  return useSyncExternalStore(subscribe, getLoaded, notLoaded);
}
