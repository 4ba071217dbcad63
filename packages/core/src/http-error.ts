/**
 * Reading an HTTP answer that is not a stream: the protocol's error body and `retry-after`. (The typed
 * error the store makes of such an answer is built in problems.ts, loaded on demand.)
 *
 * @module
 */
import type { ErrorBody, ErrorKind } from './protocol.ts';

const ERROR_KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'overloaded',
  'upstream',
  'stalled',
  'network',
  'unsupported',
  'aborted',
  'protocol',
  'not_found',
]);

/** Whether `value` is a protocol v1 {@link ErrorBody}. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  return typeof e.kind === 'string' && ERROR_KINDS.has(e.kind) && typeof e.message === 'string';
}

/**
 * `retry-after-ms` (ms), else `retry-after` (seconds or an HTTP date), in ms; `undefined` if absent or
 * unreadable.
 */
export function parseRetryAfter(headers: Headers, nowEpochMs: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowEpochMs);
}
