'use client';
/** Throttled display values: calm numbers without jitter. @module */
import { useEffect, useRef, useState } from 'react';

/**
 * Returns `value`, but changes at most once per `intervalMs` (the newest value wins). With `immediate`,
 * returns `value` as is (for final numbers that must show at once).
 */
export function useCalmValue<T>(value: T, intervalMs: number, immediate = false): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const lastAt = useRef(0);
  useEffect(() => {
    latest.current = value;
    if (immediate) {
      lastAt.current = Date.now();
      setShown(value);
      return;
    }
    const wait = intervalMs - (Date.now() - lastAt.current);
    if (wait <= 0) {
      lastAt.current = Date.now();
      setShown(value);
      return;
    }
    const id = setTimeout(() => {
      lastAt.current = Date.now();
      setShown(latest.current);
    }, wait);
    return () => clearTimeout(id);
  }, [value, intervalMs, immediate]);
  return immediate ? value : shown;
}
