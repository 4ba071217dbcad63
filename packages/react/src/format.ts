/** Small number formatters shared by the components. @module */

/** Tokens per second: whole numbers from 10 up, one decimal below. */
export function formatRate(v: number): string {
  return v >= 10 ? String(Math.round(v)) : (Math.round(v * 10) / 10).toFixed(1);
}

/** Milliseconds as `412 ms` or `1.4 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A countdown: `42 s`, `3 min 5 s`. Rounds up so it never shows 0 while time remains. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r === 0 ? `${m} min` : `${m} min ${r} s`;
}

/** US dollars with enough precision for fractions of a cent. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 1) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}

/** Integers with thousands separators, locale-independent (stable across server and client). */
export function formatInt(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
