'use client';
/** Throttled display values: calm numbers without jitter, and without extra renders. @module */
import { useEffect, useReducer, useRef } from 'react';

/** Extra wait before the trailing update, so it only fires when no render came along to take it. */
const TRAILING_SLACK_MS = 40;

/**
 * Returns `value`, but lets it change at most once per `intervalMs` (the newest value wins). With
 * `immediate`, returns `value` as is (final numbers show at once).
 *
 * The new value is taken during a render the parent causes anyway (a streaming parent renders every
 * frame), so throttling adds no React commit of its own; a trailing timer re-renders only if no
 * render came for `intervalMs` plus a little slack, so the last value is never left behind.
 */
export function useCalmValue<T>(value: T, intervalMs: number, immediate = false): T {
  const shown = useRef<{ value: T; at: number }>({ value, at: Date.now() });
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const now = Date.now();
  if (immediate) {
    if (!Object.is(shown.current.value, value)) shown.current = { value, at: now };
  } else if (!Object.is(shown.current.value, value) && now - shown.current.at >= intervalMs) {
    shown.current = { value, at: now };
  }
  const current = immediate ? value : shown.current.value;
  const behind = !Object.is(current, value);
  useEffect(() => {
    if (!behind) return;
    const wait = Math.max(0, intervalMs - (Date.now() - shown.current.at)) + TRAILING_SLACK_MS;
    const id = setTimeout(rerender, wait);
    return () => clearTimeout(id);
  }, [behind, value, intervalMs]);
  return current;
}
