/**
 * A look at the first bytes of base64 attachments: what an image really is and how large it is, and
 * whether a PDF is one, so a request Anthropic would refuse is refused before it costs a round trip.
 *
 * @module
 */
import type { ImageMediaType } from './protocol.ts';

/** Width and height of an image, in pixels. */
export interface ImageSize {
  width: number;
  height: number;
}

// JPEG headers (EXIF, ICC profiles) can push the frame header far in; past this, the size is unknown.
const JPEG_SCAN_BYTES = 512 * 1024;

/** The first `n` bytes of well-formed base64 `data` (fewer if it is shorter). */
function head(data: string, n: number): Uint8Array {
  const chars = Math.min(data.length, Math.ceil(n / 3) * 4);
  let bin: string;
  try {
    bin = atob(data.slice(0, chars));
  } catch {
    return new Uint8Array(0);
  }
  const out = new Uint8Array(Math.min(n, bin.length));
  for (let i = 0; i < out.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function startsWith(b: Uint8Array, at: number, ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) if (b[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** The format base64 image data really has, or `undefined` if none Anthropic accepts. */
export function sniffImage(data: string): ImageMediaType | undefined {
  const b = head(data, 12);
  if (b[0] === 0x89 && startsWith(b, 1, 'PNG')) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (startsWith(b, 0, 'GIF87a') || startsWith(b, 0, 'GIF89a')) return 'image/gif';
  if (startsWith(b, 0, 'RIFF') && startsWith(b, 8, 'WEBP')) return 'image/webp';
  return undefined;
}

/** Whether base64 data starts like a PDF file. */
export function looksLikePdf(data: string): boolean {
  return startsWith(head(data, 5), 0, '%PDF-');
}

/** An image's size from its header, or `undefined` when the header does not say (soon enough). */
export function imageSize(data: string, type: ImageMediaType): ImageSize | undefined {
  switch (type) {
    case 'image/png': {
      // Signature (8), IHDR length and type (8), then width and height, big-endian.
      const b = head(data, 24);
      return b.length < 24 || !startsWith(b, 12, 'IHDR') ? undefined : { width: u32be(b, 16), height: u32be(b, 20) };
    }
    case 'image/gif': {
      const b = head(data, 10);
      return b.length < 10 ? undefined : { width: u16le(b, 6), height: u16le(b, 8) };
    }
    case 'image/webp':
      return webpSize(head(data, 30));
    case 'image/jpeg':
      return jpegSize(head(data, JPEG_SCAN_BYTES));
  }
}

function webpSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 30) return undefined;
  if (startsWith(b, 12, 'VP8X')) return { width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
  if (startsWith(b, 12, 'VP8L')) {
    // 14-bit width − 1 and height − 1, packed after the 0x2f signature byte.
    const bits = (b[21] as number) | ((b[22] as number) << 8) | ((b[23] as number) << 16) | ((b[24] as number) << 24);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  if (startsWith(b, 12, 'VP8 ')) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  return undefined;
}

/** Walk the JPEG segments to the first start-of-frame marker, which holds the size. */
function jpegSize(b: Uint8Array): ImageSize | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1] as number;
    // Fill bytes, and markers without a length.
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    // SOF0–SOF15, except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: u16be(b, i + 7), height: u16be(b, i + 5) };
    }
    i += 2 + u16be(b, i + 2);
  }
  return undefined;
}

function u16be(b: Uint8Array, i: number): number {
  return (((b[i] as number) << 8) | (b[i + 1] as number)) >>> 0;
}
function u32be(b: Uint8Array, i: number): number {
  return (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
}
function u16le(b: Uint8Array, i: number): number {
  return (b[i] as number) | ((b[i + 1] as number) << 8);
}
function u24le(b: Uint8Array, i: number): number {
  return u16le(b, i) | ((b[i + 2] as number) << 16);
}

/**
 * Pages of a base64 PDF, counted as Anthropic's 100-pages-per-request rule needs them: its page objects
 * (`/Type /Page`), else the page tree's largest `/Count`. `undefined` when neither is visible (page
 * objects packed in compressed object streams): then only upstream can tell, and nothing is refused.
 */
export function pdfPageCount(data: string): number | undefined {
  let bytes: string;
  try {
    bytes = atob(data);
  } catch {
    return undefined;
  }
  const pages = bytes.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
  if (pages > 0) return pages;
  let count = 0;
  for (const m of bytes.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)) {
    count = Math.max(count, Number(m[1] ?? m[2]));
  }
  return count > 0 ? count : undefined;
}

// The largest image a model keeps: Opus 4.8's high-resolution vision (2576 px long edge, 3.75 MP);
// older models scale to 1568 px and 1.15 MP, so this errs high for them.
const VISION_LONG_EDGE = 2576;
const VISION_PIXELS = 3_750_000;
/**
 * Most input tokens one image can cost: Anthropic scales images down to the model's vision limits,
 * then counts width × height / 750 tokens (at most 2576 px and 3.75 MP on Opus 4.8: 5,000 tokens).
 */
export const MAX_IMAGE_TOKENS = VISION_PIXELS / 750;
/**
 * Most input tokens one PDF page can cost: its text (1,500–3,000 tokens a page, PDF-support docs) plus
 * the page seen as an image (at most {@link MAX_IMAGE_TOKENS}).
 */
export const MAX_PDF_PAGE_TOKENS = 3000 + MAX_IMAGE_TOKENS;

/**
 * An upper estimate of the input tokens of a base64 image or PDF, for budgets that must not be
 * blown up by counting base64 characters as text (a 5 MB image is ~1.7 M characters, at most 5,000
 * tokens). Images: from their header's size, scaled as Anthropic scales them; unknown size → the most
 * an image can cost. PDFs: {@link MAX_PDF_PAGE_TOKENS} a page, pages from {@link pdfPageCount}, else
 * one page per 50 kB (at most 100, Anthropic's page limit).
 */
export function mediaTokenEstimate(mediaType: string, data: string): number {
  if (mediaType === 'application/pdf') {
    const bytes = Math.floor((data.length * 3) / 4);
    const pages = pdfPageCount(data) ?? Math.min(100, Math.max(1, Math.ceil(bytes / 50_000)));
    return pages * MAX_PDF_PAGE_TOKENS;
  }
  const type = sniffImage(data);
  const size = type === undefined ? undefined : imageSize(data, type);
  if (size === undefined || size.width <= 0 || size.height <= 0) return MAX_IMAGE_TOKENS;
  const scale = Math.min(1, VISION_LONG_EDGE / Math.max(size.width, size.height), Math.sqrt(VISION_PIXELS / (size.width * size.height)));
  return Math.min(MAX_IMAGE_TOKENS, Math.ceil((Math.floor(size.width * scale) * Math.floor(size.height * scale)) / 750));
}
