/**
 * `useChat` file parts → Slipstream image and document parts, for the AI SDK bridge.
 *
 * A file part (the `ai` 7 `FileUIPart`: `{ type: 'file', mediaType, url, filename?, providerReference?,
 * providerMetadata? }`) carries its bytes in `url`, a `data:` URL when `useChat` read a `FileList`. Only
 * the envelope is handled here (which media types, which URLs, base64, text decoding); the content checks
 * (image sniffing and size, PDF pages, per-file and per-request limits) are the native validator's, run on
 * the translated request exactly as on the native route.
 *
 * @module
 */
import type { DocumentPart, ImageMediaType, ImagePart } from '@slipstream/core';
import { sniffImage } from '@slipstream/core/attachments';

/** A file part converted, or refused naming the field (a UI path: `messages[i].parts[j].url`). */
export type FileConversion = { ok: true; part: ImagePart | DocumentPart } | { ok: false; field: string; message: string };

const IMAGE_TYPES: readonly ImageMediaType[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const ACCEPTED = 'JPEG, PNG, GIF and WebP images, PDFs (application/pdf) and plain text (text/plain)';
// The native validator's base64 rule (validate.ts): standard alphabet, padded.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `Image/PNG; charset=x` → `image/png`. */
const essence = (mediaType: string): string => (mediaType.split(';')[0] ?? '').trim().toLowerCase();

interface DataUrl {
  /** Parameters of the URL's own media type, lower-cased names (`charset`). */
  params: Map<string, string>;
  base64: boolean;
  payload: string;
}

/** `data:[<type>][;param=value]*[;base64],<payload>` (RFC 2397), or `undefined` if it is not one. */
function parseDataUrl(url: string): DataUrl | undefined {
  if (!/^data:/i.test(url)) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma).split(';');
  const params = new Map<string, string>();
  let base64 = false;
  for (const [i, p] of header.entries()) {
    if (i === 0) continue; // the media type itself: the part's `mediaType` is what counts
    if (p.trim().toLowerCase() === 'base64') base64 = true;
    else {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
  }
  return { params, base64, payload: url.slice(comma + 1) };
}

/** The text of a `text/plain` data URL (base64 or percent-encoded), as UTF-8; `undefined` if it is neither. */
function decodeText(url: DataUrl): string | undefined {
  try {
    if (!url.base64) return decodeURIComponent(url.payload);
    const bin = atob(url.payload);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * One `useChat` file part (of a user message) → the native part: images and PDFs from base64 `data:`
 * URLs, `text/plain` from base64 or percent-encoded ones. `filename` becomes the part's `name`. Refused,
 * naming the field: a media type Claude does not take, a URL that is not `data:` (http(s) URLs are not
 * fetched, see below), a provider file reference, a payload that is not base64 (or not UTF-8 text).
 *
 * http(s) URLs are refused on purpose: the native protocol has no URL sources, and fetching a URL the
 * client chose would let any client make the edge request addresses only it can reach (SSRF).
 *
 * @param part - The part as received (untrusted).
 * @param path - Its UI path, `messages[i].parts[j]`, for the refusal's field.
 */
export function convertFilePart(part: Record<string, unknown>, path: string): FileConversion {
  const refuse = (key: string, message: string): FileConversion => ({ ok: false, field: `${path}.${key}`, message: `${path}.${key}: ${message}` });
  const declared = part['mediaType'];
  if (typeof declared !== 'string') return refuse('mediaType', 'a file part needs its mediaType (e.g. "image/png").');
  if (part['providerReference'] != null) {
    return refuse('providerReference', 'provider file references (uploadFile) are not supported by this bridge; send the file inline as a data: URL.');
  }
  const url = part['url'];
  if (typeof url !== 'string') return refuse('url', 'a file part needs its url (a data: URL).');
  const type = essence(declared);
  const isImage = (IMAGE_TYPES as readonly string[]).includes(type) || type === 'image' || type === 'image/*';
  if (!isImage && type !== 'application/pdf' && type !== 'text/plain') {
    return refuse('mediaType', `${JSON.stringify(declared.slice(0, 100))} files are not supported; Claude takes ${ACCEPTED}.`);
  }
  const data = parseDataUrl(url);
  if (data === undefined) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      return refuse(
        'url',
        'the edge does not fetch URLs sent by the client (a deliberate choice: it would let any client make the edge request addresses only the edge can reach); send the file inline as a data: URL, as useChat does for a FileList.',
      );
    }
    return refuse('url', `must be a data: URL (${scheme === undefined ? 'this is not a URL' : `a ${scheme}: URL cannot be read at the edge`}).`);
  }
  const name = part['filename'];
  // A bad filename (not a string, too long, control characters) is the native validator's to refuse, as `name`.
  const named = <P extends ImagePart | DocumentPart>(p: P): P => (name != null ? { ...p, name: name as string } : p);

  if (type === 'text/plain') {
    const charset = data.params.get('charset')?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      return refuse('url', `the text is in ${JSON.stringify(charset.slice(0, 40))}; send text/plain files as UTF-8.`);
    }
    const text = decodeText(data);
    if (text === undefined) {
      return refuse('url', data.base64 ? 'the data: URL is not valid base64 of UTF-8 text.' : 'the data: URL is not valid percent-encoded text.');
    }
    return { ok: true, part: named({ type: 'document', mediaType: 'text/plain', data: text }) };
  }
  if (!data.base64) return refuse('url', `must be a base64 data: URL (data:${type};base64,…).`);
  const payload = data.payload;
  if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64.test(payload)) return refuse('url', 'the data: URL is not valid base64.');
  if (type === 'application/pdf') return { ok: true, part: named({ type: 'document', mediaType: 'application/pdf', data: payload }) };
  // `image` and `image/*` (the AI SDK allows a bare top-level type): the bytes say which image it is.
  const mediaType = (IMAGE_TYPES as readonly string[]).includes(type) ? (type as ImageMediaType) : sniffImage(payload);
  if (mediaType === undefined) return refuse('url', `the data is not a JPEG, PNG, GIF or WebP image (mediaType ${JSON.stringify(declared)}).`);
  return { ok: true, part: named({ type: 'image', mediaType, data: payload }) };
}
