/**
 * Typed API errors and the documented error body.
 * @module
 */

/** `error.type` values the sim sends (spec section 5.2). */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** An error the sim answers with `{"type":"error","error":{type,message},"request_id"}`. */
export class SimApiError extends Error {
  override readonly name = 'SimApiError';
  /**
   * @param status - HTTP status.
   * @param type - `error.type`.
   * @param message - `error.message`.
   * @param headers - extra response headers (rate-limit, retry-after).
   */
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The JSON error body (also the data of a mid-stream `event: error`, where `request_id` is included too). */
export function errorBody(type: ApiErrorType, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

/** Shorthand for a 400 `invalid_request_error`. */
export function invalid(message: string): SimApiError {
  return new SimApiError(400, 'invalid_request_error', message);
}
