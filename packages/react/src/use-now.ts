'use client';
/** A ticking clock for countdowns. @module */
import { useEffect, useState } from 'react';

/**
 * `Date.now()`, re-read every `intervalMs` while `active`. Idle when not active, so a finished
 * countdown costs nothing. Starts from `Date.now()` at first render.
 */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [active, intervalMs]);
  return active ? now : Date.now();
}
