/**
 * Upstream failures → safe, typed protocol errors. Messages are the edge's own words: no upstream body,
 * header value or key is ever copied, only the status, the `error.type` (when it is a plain identifier),
 * the upstream `request-id` and `retry-after`.
 *
 * @module
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { ErrorEvent } from '@slipstream/core';
import { parseRetryAfterMs } from './ratelimit-headers.ts';

/** How the retry loop should treat a failed attempt. */
export type FailureClass = 'aborted' | 'rate_limited' | 'retryable' | 'fatal';

/** A classified upstream failure with its safe protocol error. */
export interface UpstreamFailure {
  class: FailureClass;
  error: ErrorEvent;
  /** Upstream status; `undefined` for connection errors and mid-stream errors. */
  status?: number;
  headers?: Headers;
  retryAfterMs?: number;
}

const SAFE_TYPE = /^[a-z_]{1,64}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;

function safeRequestId(id: unknown): string | undefined {
  return typeof id === 'string' && REQUEST_ID.test(id) ? id : undefined;
}

/** Classify anything an SDK call threw. Never reads `err.message` (it holds the upstream body). */
export function classifyUpstreamError(err: unknown, now: number = Date.now()): UpstreamFailure {
  if (err instanceof APIUserAbortError) {
    return { class: 'aborted', error: { kind: 'aborted', message: 'Aborted.', retryable: true } };
  }
  if (err instanceof APIConnectionTimeoutError) {
    return { class: 'retryable', error: { kind: 'network', message: 'Upstream timed out.', status: 504, retryable: true } };
  }
  if (err instanceof APIConnectionError) {
    return { class: 'retryable', error: { kind: 'network', message: 'Could not reach the upstream API.', status: 502, retryable: true } };
  }
  if (err instanceof APIError) {
    const status = typeof err.status === 'number' ? err.status : undefined;
    const type = typeof err.type === 'string' && SAFE_TYPE.test(err.type) ? err.type : undefined;
    const headers = err.headers instanceof Headers ? err.headers : undefined;
    const retryAfterMs = parseRetryAfterMs(headers, now);
    const requestId = safeRequestId(err.requestID);
    const base = (e: ErrorEvent): ErrorEvent => {
      if (retryAfterMs !== undefined) e.retryAfterMs = retryAfterMs;
      if (requestId !== undefined) e.requestId = requestId;
      return e;
    };
    const label = [status, type].filter((x) => x !== undefined).join(' ');
    // Upstream's explicit `x-should-retry: false` wins over the status, as in the SDK.
    const noRetry = headers?.get('x-should-retry') === 'false';
    const out = (cls: FailureClass, e: ErrorEvent): UpstreamFailure => {
      if (noRetry && (cls === 'retryable' || cls === 'rate_limited')) {
        cls = 'fatal';
        e.retryable = false;
      }
      const f: UpstreamFailure = { class: cls, error: base(e) };
      if (status !== undefined) f.status = status;
      if (headers) f.headers = headers;
      if (retryAfterMs !== undefined) f.retryAfterMs = retryAfterMs;
      return f;
    };
    if (status === 429 || type === 'rate_limit_error') {
      return out('rate_limited', { kind: 'rate_limited', message: 'Rate limited by the upstream API.', status: 429, retryable: true });
    }
    if (status === 529 || type === 'overloaded_error') {
      return out('retryable', { kind: 'overloaded', message: 'The upstream API is overloaded.', status: 529, retryable: true });
    }
    if ((status !== undefined && status >= 500) || status === 408 || status === 409 || type === 'api_error' || type === 'timeout_error') {
      return out('retryable', { kind: 'upstream', message: `Upstream error (${label || 'server error'}).`, status: status ?? 502, retryable: true });
    }
    if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error') {
      return out('fatal', { kind: 'upstream', message: 'The edge could not authenticate upstream (check its API key).', status: 502, retryable: false });
    }
    if (status === undefined) {
      // An error event in a 200 stream, or a stream that ended without a message.
      return out('fatal', { kind: 'upstream', message: `Upstream stream failed${label ? ` (${label})` : ''}.`, status: 502, retryable: true });
    }
    return out('fatal', { kind: 'upstream', message: `Upstream refused the request (${label}).`, status, retryable: false });
  }
  // AnthropicError without status (e.g. "stream ended without producing a Message") or anything else.
  return { class: 'fatal', error: { kind: 'upstream', message: 'Upstream stream ended unexpectedly.', status: 502, retryable: true } };
}
