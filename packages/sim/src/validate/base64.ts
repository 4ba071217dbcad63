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

/** Width and height in pixels. */
export interface Dimensions {
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u16le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, i: number): number => u16le(b, i) | ((b[i + 2] ?? 0) << 16);

/** JPEG: walk the segments to the first start-of-frame marker. */
function jpegSize(b: Uint8Array): Dimensions | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) i += 2; // markers without a length
    else i += 2 + u16be(b, i + 2);
  }
  return undefined;
}

/**
 * The pixel size written in the image's header (PNG IHDR, GIF screen, WebP VP8/VP8L/VP8X, JPEG SOF),
 * or undefined if the header cannot be read. Only headers are read; nothing is decoded.
 */
export function imageSize(data: string, media: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp'): Dimensions | undefined {
  if (media === 'image/png') {
    const b = leadingBytes(data, 24);
    return b.length < 24 ? undefined : { width: u16be(b, 16) * 65536 + u16be(b, 18), height: u16be(b, 20) * 65536 + u16be(b, 22) };
  }
  if (media === 'image/gif') {
    const b = leadingBytes(data, 10);
    return b.length < 10 ? undefined : { width: u16le(b, 6), height: u16le(b, 8) };
  }
  if (media === 'image/webp') {
    const b = leadingBytes(data, 30);
    if (b.length < 30) return undefined;
    if (ascii(b, 12, 'VP8 ')) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    if (ascii(b, 12, 'VP8L')) {
      const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (ascii(b, 12, 'VP8X')) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
    return undefined;
  }
  // JPEG: the frame header is usually in the first few kB; read more only if it is not.
  const head = jpegSize(leadingBytes(data, 65_536));
  return head ?? jpegSize(leadingBytes(data, Math.floor((data.length * 3) / 4)));
}
