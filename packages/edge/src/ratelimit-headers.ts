/**
 * Parse `anthropic-fast-*`, `anthropic-ratelimit-*` and `retry-after(-ms)` response headers into core's
 * {@link RateLimitEvent}. Only numbers and instants are read; nothing else from upstream is forwarded.
 *
 * @module
 */
import type { RateLimitEvent, RateLimitWindow, Speed } from '@slipstream/core';

type HeaderSource = { get(name: string): string | null } | null | undefined;

function num(h: HeaderSource, name: string): number | null {
  const raw = h?.get(name);
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

function instant(h: HeaderSource, name: string): string | null {
  const raw = h?.get(name);
  if (raw === null || raw === undefined) return null;
  // Forward only well-formed instants (re-serialised), never arbitrary header text.
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function window(h: HeaderSource, prefix: string): RateLimitWindow | undefined {
  const w = { limit: num(h, `${prefix}-limit`), remaining: num(h, `${prefix}-remaining`), reset: instant(h, `${prefix}-reset`) };
  return w.limit === null && w.remaining === null && w.reset === null ? undefined : w;
}

const EMPTY: RateLimitWindow = { limit: null, remaining: null, reset: null };

/**
 * `retry-after-ms` (float ms) wins over `retry-after` (seconds or an HTTP date), as in the SDK.
 * @returns ms, or `undefined` when absent or unparseable.
 */
export function parseRetryAfterMs(h: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = num(h, 'retry-after-ms');
  if (ms !== null && ms >= 0) return ms;
  const raw = h?.get('retry-after');
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return secs >= 0 ? secs * 1000 : undefined;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * @param speed the speed the upstream request asked for
 * @param t ms since the edge received the request
 * @returns the event, or `undefined` when upstream sent no rate-limit header at all
 */
export function parseRateLimitHeaders(h: HeaderSource, speed: Speed, t: number, now: number = Date.now()): RateLimitEvent | undefined {
  const fi = window(h, 'anthropic-fast-input-tokens');
  const fo = window(h, 'anthropic-fast-output-tokens');
  const sr = window(h, 'anthropic-ratelimit-requests');
  const st = window(h, 'anthropic-ratelimit-tokens');
  const si = window(h, 'anthropic-ratelimit-input-tokens');
  const so = window(h, 'anthropic-ratelimit-output-tokens');
  const retryAfterMs = parseRetryAfterMs(h, now);
  const event: RateLimitEvent = { speed, t };
  if (fi || fo) event.fast = { input: fi ?? EMPTY, output: fo ?? EMPTY };
  if (sr || st || si || so) event.standard = { requests: sr ?? EMPTY, tokens: st ?? EMPTY, input: si ?? EMPTY, output: so ?? EMPTY };
  if (retryAfterMs !== undefined) event.retryAfterMs = retryAfterMs;
  return event.fast || event.standard || retryAfterMs !== undefined ? event : undefined;
}
