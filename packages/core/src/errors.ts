/**
 * Typed errors thrown or reported by core. Each carries a `type` from a fixed list so callers can
 * branch on it without parsing messages.
 *
 * @module
 */

/** Why the SSE decoder reported an error. Only `buffer-overflow` loses data. */
export type SSEParseErrorType =
  /** A `retry:` field whose value is not all ASCII digits; the field is ignored (WHATWG). */
  | 'invalid-retry'
  /** A field name other than `event`, `data`, `id`, `retry`; the field is ignored (WHATWG). */
  | 'unknown-field'
  /** The pending line plus the pending event's data grew past `maxBufferSize`; that event is dropped. */
  | 'buffer-overflow';

/** An error reported by {@link createSSEDecoder} through `onError`. Never thrown by the decoder. */
export class SSEParseError extends Error {
  override readonly name = 'SSEParseError';
  readonly type: SSEParseErrorType;
  /** The field name, for `unknown-field` and `invalid-retry`. */
  readonly field: string | undefined;
  /** The field value, for `unknown-field` and `invalid-retry`. */
  readonly value: string | undefined;

  constructor(message: string, init: { type: SSEParseErrorType; field?: string; value?: string }) {
    super(message);
    this.type = init.type;
    this.field = init.field;
    this.value = init.value;
  }
}

/** Why {@link readProtocolStream} gave up on a response body. */
export type ProtocolStreamErrorType =
  /** An event's `data` was not valid JSON. */
  | 'invalid-json'
  /** An event's `data` was JSON but not an object. */
  | 'invalid-payload'
  /** An event grew past the decoder's buffer cap. */
  | 'buffer-overflow';

/** Thrown by {@link readProtocolStream} when the body does not follow protocol v1. */
export class ProtocolStreamError extends Error {
  override readonly name = 'ProtocolStreamError';
  readonly type: ProtocolStreamErrorType;
  /** The SSE event name the bad data came with, when known. */
  readonly event: string | undefined;

  constructor(message: string, init: { type: ProtocolStreamErrorType; event?: string; cause?: unknown }) {
    super(message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.type = init.type;
    this.event = init.event;
  }
}
