/**
 * Input tokens of image and document blocks, with the approximations the docs give: an image costs
 * about width × height / 750 tokens after the API scales it down to the model's limits (long edge and
 * total pixels); a PDF page costs its text (1 500–3 000 tokens a page) plus, since every page is
 * also seen as an image, nothing the sim can measure better than that range. Sizes come from the
 * image headers (validate/base64.ts); nothing is decoded.
 * @module
 */
import { countTokens } from './tokens.ts';
import { imageSize, isBase64, sniffImage } from './validate/base64.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a model sees images: the size the API scales larger images down to. */
export interface VisionLimits {
  /** Longest edge in pixels. */
  maxLongEdge: number;
  /** Most pixels in total. */
  maxPixels: number;
}

/** Vision docs: long edge over 1568 px or more than ~1.15 megapixels is scaled down, keeping the aspect ratio. */
export const DEFAULT_VISION: VisionLimits = { maxLongEdge: 1568, maxPixels: 1_150_000 };

/** Pixels per image token (vision docs: tokens = width × height / 750). */
export const PIXELS_PER_TOKEN = 750;
/** PDF text tokens per page (PDF-support docs: 1 500–3 000 depending on content density). */
export const PDF_PAGE_TOKENS = { min: 1500, max: 3000 } as const;

/** Tokens of a `width` × `height` image after the API scales it into `limits`. */
export function imageTokens(width: number, height: number, limits: VisionLimits = DEFAULT_VISION): number {
  if (width <= 0 || height <= 0) return 0;
  const scale = Math.min(1, limits.maxLongEdge / Math.max(width, height), Math.sqrt(limits.maxPixels / (width * height)));
  return Math.ceil((Math.floor(width * scale) * Math.floor(height * scale)) / PIXELS_PER_TOKEN);
}

/** The largest image the model keeps, for images whose size the sim cannot read (URL, file id). */
function largestImage(limits: VisionLimits): number {
  return Math.floor(limits.maxPixels / PIXELS_PER_TOKEN);
}

function decode(data: string): string {
  try {
    return atob(data);
  } catch {
    return '';
  }
}

/**
 * Pages of a PDF: its `/Type /Page` objects, or the page tree's largest `/Count` when the objects
 * sit in compressed object streams, or one page per 50 kB as a last resort.
 */
export function pdfPages(bytes: string): number {
  const pages = bytes.match(/\/Type\s*\/Page(?![a-zA-Z])/gu)?.length ?? 0;
  if (pages > 0) return pages;
  const counts = [...bytes.matchAll(/\/Count\s+(\d+)/gu)].map((m) => Number(m[1]));
  if (counts.length > 0) return Math.max(1, ...counts);
  return Math.max(1, Math.round(bytes.length / 50_000));
}

/**
 * Pages of a base64 PDF as the page limit counts them: page objects, else the page tree's `/Count`;
 * `undefined` when neither is visible (the sim does not refuse what it cannot count).
 */
export function countedPdfPages(data: string): number | undefined {
  const bytes = decode(data);
  const pages = bytes.match(/\/Type\s*\/Page(?![a-zA-Z])/gu)?.length ?? 0;
  if (pages > 0) return pages;
  const counts = [...bytes.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/gu)].map((m) => Number(m[1] ?? m[2]));
  return counts.length > 0 ? Math.max(...counts) : undefined;
}

/** Tokens of a PDF: per page, within the documented range, denser pages (more bytes) costing more. */
export function pdfTokens(bytes: string): number {
  const pages = pdfPages(bytes);
  const perPage = Math.min(PDF_PAGE_TOKENS.max, Math.max(PDF_PAGE_TOKENS.min, PDF_PAGE_TOKENS.min + Math.round(bytes.length / pages / 20)));
  return pages * perPage;
}

/** Input tokens of an image or document block. */
export function mediaTokens(block: Json, limits: VisionLimits = DEFAULT_VISION): number {
  const source = isObject(block['source']) ? block['source'] : {};
  const data = typeof source['data'] === 'string' ? source['data'] : undefined;
  if (block['type'] === 'image') {
    if (source['type'] !== 'base64' || data === undefined || !isBase64(data)) return largestImage(limits);
    const kind = sniffImage(data);
    const size = kind ? imageSize(data, kind) : undefined;
    return size ? imageTokens(size.width, size.height, limits) : largestImage(limits);
  }
  // Documents: a PDF, plain text, or content blocks; title and context are read too.
  const extra = countTokens(`${typeof block['title'] === 'string' ? block['title'] : ''}${typeof block['context'] === 'string' ? block['context'] : ''}`);
  switch (source['type']) {
    case 'base64':
      return extra + (data !== undefined && isBase64(data) ? pdfTokens(decode(data)) : PDF_PAGE_TOKENS.min);
    case 'text':
      return extra + countTokens(data ?? '');
    case 'content': {
      const content = source['content'];
      if (typeof content === 'string') return extra + countTokens(content);
      if (!Array.isArray(content)) return extra;
      return extra + content.filter(isObject).reduce((n, b) => n + (b['type'] === 'image' ? mediaTokens(b, limits) : countTokens(String(b['text'] ?? ''))), 0);
    }
    default:
      // A URL or a file id: the sim cannot fetch it; count it as one page.
      return extra + PDF_PAGE_TOKENS.min;
  }
}
