/**
 * Reading a request body under a size limit (413 `request_too_large` above it, as Cloudflare does in
 * front of the real API).
 * @module
 */
import { SimApiError } from './errors.ts';

function tooLarge(max: number): SimApiError {
  return new SimApiError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${max}).`);
}

/** Read the body as text, refusing more than `max` bytes. */
export async function readBodyLimited(req: Request, max: number): Promise<string> {
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    parts.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return new TextDecoder().decode(all);
}
