/**
 * A streaming Server-Sent Events decoder following the WHATWG "event stream interpretation" rules.
 * It takes text (the caller decodes bytes) and is correct under any split of the input into chunks.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { SSEParseError } from './errors.ts';

/** One dispatched SSE event. `event` is `undefined` when no (or an empty) `event:` field was sent. */
export interface SSEEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Where {@link createSSEDecoder} reports what it decodes. All are called synchronously from `feed`. */
export interface SSEDecoderCallbacks {
  onEvent(e: SSEEvent): void;
  /** A comment line (`: text`), without the colon and one leading space. */
  onComment?(c: string): void;
  /** A valid `retry:` field, in ms. */
  onRetry?(ms: number): void;
  /** Non-fatal problems; see {@link SSEParseError} for what each type means. Ignored if absent. */
  onError?(err: SSEParseError): void;
}

/** Options for {@link createSSEDecoder}. */
export interface SSEDecoderOptions {
  /**
   * Cap, in UTF-16 code units, on the unfinished line plus the data of the event being assembled.
   * When exceeded, `onError` gets a `buffer-overflow` error, the pending event is dropped, and input is
   * skipped up to the next blank line; decoding then carries on normally with the following event.
   * @default 8_388_608 (8 Mi)
   */
  maxBufferSize?: number;
}

/** A streaming SSE decoder: text in through `feed`, events out through the callbacks. */
export interface SSEDecoder {
  /** Feed the next piece of decoded text. Events are dispatched synchronously from inside `feed`. */
  feed(text: string): void;
  /**
   * Forget all pending state, e.g. before reusing the decoder for a new connection.
   * With `consume: true` an unfinished last line is processed first (its fields apply, but WHATWG says an
   * event without its blank line is never dispatched, so none is).
   */
  reset(opts?: { consume?: boolean }): void;
}

const LF = 10;
const CR = 13;
const BOM = '\uFEFF';
const DIGITS = /^\d+$/;

/**
 * Create an SSE decoder.
 *
 * @example
 * const decoder = createSSEDecoder({ onEvent: (e) => console.log(e.event, e.data) });
 * decoder.feed('event: ping\ndata: 1\n\n'); // logs "ping 1"
 */
export function createSSEDecoder(cb: SSEDecoderCallbacks, opts: SSEDecoderOptions = {}): SSEDecoder {
  const maxBufferSize = opts.maxBufferSize ?? 8 * 1024 * 1024;

  // The unfinished line, kept as pieces and joined once when its line ending arrives:
  // concatenating per chunk would copy the line again on every chunk (O(N²) for long lines).
  let pieces: string[] = [];
  let piecesLength = 0;
  // The event being assembled. Data lines are joined with LF once, at dispatch.
  let dataLines: string[] = [];
  let dataLength = 0;
  let eventType: string | undefined;
  let id: string | undefined;

  let atStreamStart = true;
  // The previous chunk ended with CR. That CR already ended its line; if this chunk starts with LF, the
  // pair was one CRLF and the LF must not end a second (empty) line, so the decision waits for this chunk.
  let skipLeadingLF = false;
  // After a buffer overflow: drop everything until the blank line that ends the oversized event.
  let discarding = false;
  let discardedLineHasContent = false;

  function feed(text: string): void {
    if (text.length === 0) return;
    let start = 0;
    if (atStreamStart) {
      atStreamStart = false;
      // WHATWG: one leading U+FEFF BYTE ORDER MARK is ignored.
      if (text.startsWith(BOM)) start = 1;
    }
    if (skipLeadingLF) {
      skipLeadingLF = false;
      if (text.charCodeAt(start) === LF) start++;
    }

    const length = text.length;
    // Positions of the next CR and LF, searched again only once passed (keeps the scan linear).
    let nextCR = -2;
    let nextLF = -2;
    while (start < length) {
      if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
      if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf('\n', start);
      const end = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextCR, nextLF);

      if (end === -1) {
        keepUnfinished(text.slice(start));
        return;
      }

      let line: string;
      if (discarding) {
        line = discardedLineHasContent || end > start ? 'x' : '';
        discardedLineHasContent = false;
      } else if (pieces.length > 0) {
        pieces.push(text.slice(start, end));
        line = pieces.join('');
        pieces = [];
        piecesLength = 0;
      } else {
        line = text.slice(start, end);
      }

      let next = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (next === length) skipLeadingLF = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      start = next;

      if (discarding) {
        if (line === '') discarding = false; // the blank line that ends the dropped event
        continue;
      }
      processLine(line);
    }
  }

  function keepUnfinished(piece: string): void {
    if (discarding) {
      discardedLineHasContent = true;
      return;
    }
    pieces.push(piece);
    piecesLength += piece.length;
    checkBuffer(true);
  }

  function checkBuffer(inUnfinishedLine: boolean): void {
    if (piecesLength + dataLength <= maxBufferSize) return;
    const size = piecesLength + dataLength;
    clearEvent();
    pieces = [];
    piecesLength = 0;
    discarding = true;
    // An unfinished line that overflowed has content, so it cannot be the blank line ending the event.
    discardedLineHasContent = inUnfinishedLine;
    cb.onError?.(
      new SSEParseError(`SSE event exceeds maxBufferSize (${size} > ${maxBufferSize}); dropped`, {
        type: 'buffer-overflow',
      }),
    );
  }

  function processLine(line: string): void {
    // WHATWG: "If the line is empty (a blank line): Dispatch the event".
    if (line === '') {
      dispatch();
      return;
    }
    // "If the line starts with a U+003A COLON character (:): Ignore the line." (a comment)
    const colon = line.indexOf(':');
    if (colon === 0) {
      cb.onComment?.(line.charCodeAt(1) === 32 ? line.slice(2) : line.slice(1));
      return;
    }
    // "If the line contains a colon: field is before it, value after it, minus one leading space.
    //  Otherwise: the whole line is the field name and the value is the empty string."
    if (colon === -1) {
      processField(line, '');
    } else {
      const valueStart = line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      processField(line.slice(0, colon), line.slice(valueStart));
    }
  }

  function processField(field: string, value: string): void {
    // "Field names must be compared literally, with no case folding performed."
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        dataLines.push(value);
        dataLength += value.length + 1;
        checkBuffer(false);
        break;
      case 'id':
        // "If the field value does not contain U+0000 NULL, then set the last event ID buffer."
        if (!value.includes('\0')) id = value;
        break;
      case 'retry':
        // "If the field value consists of only ASCII digits ... Otherwise, ignore the field."
        if (DIGITS.test(value)) cb.onRetry?.(Number.parseInt(value, 10));
        else cb.onError?.(new SSEParseError(`Invalid retry value "${value}"`, { type: 'invalid-retry', field, value }));
        break;
      default:
        cb.onError?.(
          new SSEParseError(`Unknown SSE field "${field.length > 20 ? `${field.slice(0, 20)}…` : field}"`, {
            type: 'unknown-field',
            field,
            value,
          }),
        );
    }
  }

  function dispatch(): void {
    // "If the data buffer is an empty string, set the data buffer and the event type buffer to the empty
    //  string and return." A `data:` line with an empty value still counts (the buffer holds a LF).
    if (dataLines.length === 0) {
      clearEvent();
      return;
    }
    const e: SSEEvent = { data: dataLines.length === 1 ? (dataLines[0] as string) : dataLines.join('\n') };
    if (eventType !== undefined && eventType !== '') e.event = eventType;
    if (id !== undefined) e.id = id;
    clearEvent();
    cb.onEvent(e);
  }

  function clearEvent(): void {
    dataLines = [];
    dataLength = 0;
    eventType = undefined;
    id = undefined;
  }

  function reset(resetOpts: { consume?: boolean } = {}): void {
    if (resetOpts.consume === true && pieces.length > 0 && !discarding) processLine(pieces.join(''));
    pieces = [];
    piecesLength = 0;
    clearEvent();
    atStreamStart = true;
    skipLeadingLF = false;
    discarding = false;
    discardedLineHasContent = false;
  }

  return { feed, reset };
}
