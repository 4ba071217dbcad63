/**
 * Base64 payloads of images and PDFs: strict alphabet, and a look at the first bytes to tell what the
 * data really is. Web-standard only (`atob`), so it runs in workerd too.
 * @module
 */

/**
 * Standard base64 with padding, no whitespace, no `data:` prefix (the API takes the bare payload).
 * A flat character class, not a grouped repeat: payloads run to megabytes, and a grouped regex
 * overflows the stack on them.
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

/** True when `data` is non-empty, well-formed base64. */
export function isBase64(data: string): boolean {
  return data.length > 0 && data.length % 4 === 0 && BASE64.test(data);
}

/** The first `n` decoded bytes of a well-formed base64 string. */
export function leadingBytes(data: string, n: number): Uint8Array {
  const chars = Math.ceil(n / 3) * 4;
  const bin = atob(data.slice(0, Math.min(chars, data.length)));
  const out = new Uint8Array(Math.min(n, bin.length));
  for (let i = 0; i < out.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const ascii = (bytes: Uint8Array, from: number, text: string): boolean =>
  [...text].every((ch, i) => bytes[from + i] === ch.charCodeAt(0));

/** The image format the bytes start with, or undefined if none of the four the API accepts. */
export function sniffImage(data: string): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | undefined {
  const b = leadingBytes(data, 16);
  if (b[0] === 0x89 && ascii(b, 1, 'PNG')) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return 'image/gif';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'image/webp';
  return undefined;
}

/** True when the bytes start like a PDF file (`%PDF-`). */
export function looksLikePdf(data: string): boolean {
  return ascii(leadingBytes(data, 5), 0, '%PDF-');
}
