/**
 * SSE framing exactly as the SDK needs it (spec 4.1): an `event:` line equal to `data.type`, one
 * `data:` line of JSON, a blank line. JSON.stringify never emits a raw line break, so one line is safe.
 * @module
 */

/** Encode one event whose name is its `type`. */
export function sseFrame(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}
