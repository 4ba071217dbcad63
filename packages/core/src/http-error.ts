/**
 * Turning an HTTP answer that is not a stream into a typed {@link ErrorEvent}.
 *
 * @module
 */
import type { ErrorBody, ErrorEvent, ErrorKind } from './protocol.ts';

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

/**
 * Read a non-2xx (or otherwise unusable) response as a typed error: its JSON {@link ErrorBody} when it
 * has one, else a `protocol` error naming the status. `retryable` defaults from the status; a missing
 * `retryAfterMs` is taken from the `retry-after(-ms)` header.
 */
export async function errorFromResponse(response: Response): Promise<ErrorEvent> {
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    body = undefined;
  }
  const retryAfterMs = parseRetryAfter(response.headers);
  if (isErrorBody(body)) {
    // Copy the known fields only: the body is untrusted.
    const e = body.error as ErrorEvent & Record<string, unknown>;
    const error: ErrorEvent = {
      kind: e.kind,
      message: e.message,
      status: typeof e.status === 'number' ? e.status : response.status,
      retryable: typeof e.retryable === 'boolean' ? e.retryable : isRetryableStatus(response.status),
    };
    if (typeof e.retryAfterMs === 'number') error.retryAfterMs = e.retryAfterMs;
    else if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
    if (typeof e.requestId === 'string') error.requestId = e.requestId;
    if (typeof e.field === 'string') error.field = e.field;
    if (typeof e.t === 'number') error.t = e.t;
    return error;
  }
  const error: ErrorEvent = {
    kind: 'protocol',
    message: `Unexpected ${response.status} answer: not a Slipstream error body`,
    status: response.status,
    retryable: isRetryableStatus(response.status),
  };
  if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
  return error;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
