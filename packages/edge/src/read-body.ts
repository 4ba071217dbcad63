/**
 * Read a JSON request body under a byte cap, counting bytes as they arrive (a `content-length` can
 * lie or be absent with chunked encoding), and refuse the wrong content type.
 *
 * @module
 */
import type { ErrorEvent } from '@slipstream/core';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; error: ErrorEvent };

const refuse = (status: 400 | 413 | 415, message: string, field?: string): BodyResult => {
  const error: ErrorEvent = { kind: 'invalid_request', message, status, retryable: false };
  if (field !== undefined) error.field = field;
  return { ok: false, status, error };
};

/**
 * The 413: the limit in bytes and in MB, and what to do. The field is `messages`: a body this large is
 * its attachments (or a history that carries them again on every turn).
 */
const tooLarge = (maxBytes: number): BodyResult =>
  refuse(
    413,
    `The request body is larger than this edge's limit of ${maxBytes} bytes (${Number((maxBytes / (1024 * 1024)).toFixed(2))} MB, maxBodyBytes): send fewer or smaller attachments, or start a new conversation (every request carries the conversation's attachments again).`,
    'messages',
  );

/** `application/json`, optionally with parameters (`; charset=utf-8`), or `+json`. */
export function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const media = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

export async function readJsonBody(request: Request, maxBytes: number): Promise<BodyResult> {
  if (!isJsonContentType(request.headers.get('content-type'))) {
    return refuse(415, 'Send the request as content-type: application/json.');
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    return tooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => {});
          return tooLarge(maxBytes);
        }
        chunks.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(400, 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') return refuse(400, 'The request body is empty.');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return refuse(400, 'The request body is not valid JSON.');
  }
}
