/**
 * Server-Sent Events encoding: a strict generic encoder plus the typed protocol helpers the edge uses.
 *
 * @module
 */
import type { ProtocolEventMap, ProtocolEventName } from './protocol.ts';

/** One SSE message to encode. */
export interface SSEMessage {
  /** Event name; must not contain CR or LF. Omitted when `undefined` (an empty string is still sent). */
  event?: string;
  /** Payload; split on every line ending into `data:` lines, so it may contain CR, LF or CRLF. */
  data: string;
  /** Event id; must not contain CR, LF or NUL. Omitted when `undefined` (an empty string is still sent). */
  id?: string;
  /** Reconnection time in ms; a non-negative integer. `0` is sent. */
  retry?: number;
}

// WHATWG: a line ends at CRLF, a lone LF, or a lone CR.
const LINE_ENDING = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

/**
 * Encode one SSE message, ending with the blank line that dispatches it.
 *
 * Optional fields are tested with `!== undefined` so `retry: 0` and `id: ''` are written (a truthiness
 * check here is a classic bug). A line break in `event` or `id` would let data forge fields, so it throws.
 *
 * @throws {TypeError} if `event`/`id` contain a line break, `id` contains NUL, or `retry` is not a
 *   non-negative integer.
 * @example
 * encodeSSEMessage({ event: 'note', data: 'a\nb' }) // "event: note\ndata: a\ndata: b\n\n"
 */
export function encodeSSEMessage(message: SSEMessage): string {
  let out = '';
  if (message.event !== undefined) {
    if (HAS_LINE_BREAK.test(message.event)) throw new TypeError('SSE event name must not contain CR or LF');
    out += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    if (HAS_LINE_BREAK.test(message.id)) throw new TypeError('SSE id must not contain CR or LF');
    // WHATWG: a decoder ignores an id containing NUL, so sending one would silently lose it.
    if (message.id.includes('\0')) throw new TypeError('SSE id must not contain NUL');
    out += `id: ${message.id}\n`;
  }
  if (message.retry !== undefined) {
    if (!Number.isInteger(message.retry) || message.retry < 0) {
      throw new TypeError(`SSE retry must be a non-negative integer, got ${String(message.retry)}`);
    }
    out += `retry: ${message.retry}\n`;
  }
  for (const line of message.data.split(LINE_ENDING)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Encode one protocol v1 event: `event: <name>\ndata: <JSON on one line>\n\n`.
 *
 * `JSON.stringify` escapes CR and LF, so the data is always a single line.
 *
 * @example
 * encodeEvent('text', { delta: 'Hi', index: 0, t: 12 })
 * // 'event: text\ndata: {"delta":"Hi","index":0,"t":12}\n\n'
 */
export function encodeEvent<K extends ProtocolEventName>(name: K, data: ProtocolEventMap[K]): string {
  const json = JSON.stringify(data) as string | undefined;
  if (json === undefined) throw new TypeError(`Cannot encode ${name} event: data is not JSON-serializable`);
  return encodeSSEMessage({ event: name, data: json });
}

/**
 * Encode an SSE comment, which decoders ignore; used as a heartbeat so proxies keep idle streams open.
 *
 * @param text - Comment text, default `hb`; must not contain CR or LF.
 * @example
 * encodeComment() // ": hb\n\n"
 */
export function encodeComment(text = 'hb'): string {
  if (HAS_LINE_BREAK.test(text)) throw new TypeError('SSE comment must not contain CR or LF');
  return `: ${text}\n\n`;
}
