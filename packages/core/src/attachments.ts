/**
 * Checks for files a person attaches, before anything is sent: the same rules Anthropic applies (and
 * {@link validateChatRequest} applies again at the edge), with messages that name the file and the
 * limit. Two stages, so a too-large file is refused before it is read: {@link precheckAttachment} on
 * the file's name, type and size; {@link checkAttachment} on its base64 content.
 *
 * @module
 */
import { imageSize, looksLikePdf, pdfPageCount, sniffImage, type ImageSize } from './media.ts';
import type { DocumentPart, ImageMediaType, ImagePart } from './protocol.ts';
import { DEFAULT_REQUEST_LIMITS, formatBytes, type RequestLimits } from './limits.ts';

// Defined in the leaf limits.ts (also exported by the root entry, which does not carry this module).
export { ANTHROPIC_MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES, formatBytes } from './limits.ts';

/** Anthropic's longest image side, in pixels (2000 when a request holds more than 20 images). */
export const MAX_IMAGE_SIDE = 8000;

/** What an attachment is. */
export type AttachmentKind = 'image' | 'pdf';

/** The limits the attachment checks apply: {@link RequestLimits}' attachment fields. */
export type AttachmentLimits = Pick<RequestLimits, 'maxImageBytes' | 'maxDocumentBytes' | 'maxDocumentPages' | 'maxAttachments'>;

/** What a file says about itself before it is read (a `File` fits). */
export interface AttachmentFile {
  name: string;
  /** MIME type as the browser reports it; may be `''`. */
  type: string;
  /** Size in bytes. */
  size: number;
}

/** Why an attachment is refused. */
export type AttachmentProblem =
  /** Not a JPEG, PNG, GIF, WebP image or PDF (by its type, its name, or its content). */
  | 'type'
  /** Larger than the per-image or per-PDF limit. */
  | 'size'
  /** An image side longer than {@link MAX_IMAGE_SIDE}. */
  | 'dimensions'
  /** More PDF pages than the request may hold. */
  | 'pages'
  /** More attachments than the request may hold. */
  | 'count';

/** A refused attachment: a sentence to show, naming the file and the limit. */
export interface AttachmentRefusal {
  ok: false;
  problem: AttachmentProblem;
  message: string;
  /** The limit that was exceeded, in its own unit (bytes, pixels, pages or attachments). */
  limit?: number;
}

/** A checked attachment: the part to send, and what the UI can show about it. */
export interface AttachmentAccepted {
  ok: true;
  part: ImagePart | DocumentPart;
  kind: AttachmentKind;
  /** Decoded size in bytes. */
  bytes: number;
  /** Images: pixel size from the header, when it tells. */
  size?: ImageSize;
  /** PDFs: page count, when it is visible in the file. */
  pages?: number;
}

const IMAGE_TYPES: readonly ImageMediaType[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const EXTENSIONS: Readonly<Record<string, AttachmentKind>> = { jpg: 'image', jpeg: 'image', png: 'image', gif: 'image', webp: 'image', pdf: 'pdf' };
const ACCEPTED = 'JPEG, PNG, GIF and WebP images and PDF documents';

/**
 * The `accept` attribute for a file input offering exactly what {@link precheckAttachment} takes.
 */
export const ATTACHMENT_ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,application/pdf,.jpg,.jpeg,.png,.gif,.webp,.pdf';

/** A size over `max`, in exact bytes when rounding would show it equal to the limit ("3.75 MB; … at most 3.75 MB"). */
function overBy(size: number, max: number): string {
  const shown = formatBytes(size);
  return shown === formatBytes(max) ? `${size.toLocaleString('en-US')} bytes, just over ${shown}` : shown;
}

/** The largest file whose base64 stays within `maxBase64Chars` (base64 turns 3 bytes into 4 characters). */
export function maxFileBytesForBase64(maxBase64Chars: number): number {
  return Math.floor(maxBase64Chars / 4) * 3;
}

function limitsOf(limits: Partial<AttachmentLimits> | undefined): AttachmentLimits {
  return {
    maxImageBytes: limits?.maxImageBytes ?? DEFAULT_REQUEST_LIMITS.maxImageBytes,
    maxDocumentBytes: limits?.maxDocumentBytes ?? DEFAULT_REQUEST_LIMITS.maxDocumentBytes,
    maxDocumentPages: limits?.maxDocumentPages ?? DEFAULT_REQUEST_LIMITS.maxDocumentPages,
    maxAttachments: limits?.maxAttachments ?? DEFAULT_REQUEST_LIMITS.maxAttachments,
  };
}

function refuse(problem: AttachmentProblem, message: string, limit?: number): AttachmentRefusal {
  return limit === undefined ? { ok: false, problem, message } : { ok: false, problem, message, limit };
}

/** What a file claims to be, by MIME type, else by extension. */
function claimedKind(file: Pick<AttachmentFile, 'name' | 'type'>): AttachmentKind | undefined {
  const type = file.type.toLowerCase();
  if ((IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  if (type === 'application/pdf') return 'pdf';
  if (type !== '' && type !== 'application/octet-stream') return undefined;
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : EXTENSIONS[ext];
}

/**
 * Whether a file may be attached, from its name, type and size only (before reading it): the type
 * must be one Anthropic takes, and the size within the per-image limit (Anthropic's 5 MB counts the
 * base64, so a file may be at most 3.75 MB) or the per-PDF limit.
 *
 * @param already - Attachments already in the request (the conversation's and the ones picked).
 * @example
 * const ok = precheckAttachment(file, { already: picked.length });
 * if (!ok.ok) announce(ok.message); // "huge.png is 6 MB; an image may be at most 3.75 MB (…)"
 */
export function precheckAttachment(
  file: AttachmentFile,
  options: Partial<AttachmentLimits> & { already?: number } = {},
): { ok: true; kind: AttachmentKind } | AttachmentRefusal {
  const l = limitsOf(options);
  const name = file.name || 'The file';
  const kind = claimedKind(file);
  if (kind === undefined) {
    const what = file.type ? ` (${file.type})` : '';
    return refuse('type', `${name}${what} cannot be attached: Claude takes ${ACCEPTED}.`);
  }
  if ((options.already ?? 0) >= l.maxAttachments) {
    return refuse('count', `${name} cannot be attached: a conversation may hold at most ${l.maxAttachments} images and documents.`, l.maxAttachments);
  }
  if (kind === 'image') {
    const max = maxFileBytesForBase64(l.maxImageBytes);
    if (file.size > max) {
      return refuse(
        'size',
        `${name} is ${overBy(file.size, max)}; an image may be at most ${formatBytes(max)} (${formatBytes(l.maxImageBytes)} once encoded for sending).`,
        max,
      );
    }
  } else if (file.size > l.maxDocumentBytes) {
    return refuse('size', `${name} is ${overBy(file.size, l.maxDocumentBytes)}; a PDF may be at most ${formatBytes(l.maxDocumentBytes)}.`, l.maxDocumentBytes);
  }
  if (file.size === 0) return refuse('type', `${name} is empty.`);
  return { ok: true, kind };
}

/**
 * Check a file's content (plain base64, no `data:` prefix) and build the part to send. The type comes
 * from the bytes, not the name (a `.png` that is really a JPEG is sent as `image/jpeg`); images must
 * be at most {@link MAX_IMAGE_SIDE} px on their longest side and {@link RequestLimits.maxImageBytes}
 * of base64; PDFs must start with `%PDF-`, fit {@link RequestLimits.maxDocumentBytes} and, with the
 * pages already attached, {@link RequestLimits.maxDocumentPages}.
 *
 * @param options.pagesAlready - PDF pages already in the request.
 * @example
 * const r = checkAttachment({ name: file.name, data: base64 });
 * if (r.ok) chat.send([r.part, { type: 'text', text: 'What is in this?' }]);
 */
export function checkAttachment(
  input: { name?: string; data: string },
  options: Partial<AttachmentLimits> & { pagesAlready?: number } = {},
): AttachmentAccepted | AttachmentRefusal {
  const l = limitsOf(options);
  const name = input.name || 'The file';
  const { data } = input;
  const bytes = Math.floor((data.length * 3) / 4) - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  const named = (part: ImagePart | DocumentPart): ImagePart | DocumentPart => (input.name ? { ...part, name: input.name } : part);
  const image = sniffImage(data);
  if (image !== undefined) {
    if (data.length > l.maxImageBytes) {
      const max = maxFileBytesForBase64(l.maxImageBytes);
      return refuse('size', `${name} is ${overBy(bytes, max)}; an image may be at most ${formatBytes(max)} (${formatBytes(l.maxImageBytes)} once encoded for sending).`, max);
    }
    const size = imageSize(data, image);
    if (size !== undefined && Math.max(size.width, size.height) > MAX_IMAGE_SIDE) {
      return refuse('dimensions', `${name} is ${size.width}×${size.height} px; an image may be at most ${MAX_IMAGE_SIDE} px on its longest side.`, MAX_IMAGE_SIDE);
    }
    const accepted: AttachmentAccepted = { ok: true, kind: 'image', part: named({ type: 'image', mediaType: image, data }), bytes };
    if (size !== undefined) accepted.size = size;
    return accepted;
  }
  if (looksLikePdf(data)) {
    if (bytes > l.maxDocumentBytes) {
      return refuse('size', `${name} is ${overBy(bytes, l.maxDocumentBytes)}; a PDF may be at most ${formatBytes(l.maxDocumentBytes)}.`, l.maxDocumentBytes);
    }
    const pages = pdfPageCount(data);
    const already = options.pagesAlready ?? 0;
    if (pages !== undefined && already + pages > l.maxDocumentPages) {
      return refuse(
        'pages',
        already > 0
          ? `${name} has ${pages} pages; with the ${already} already attached, that is more than the ${l.maxDocumentPages} PDF pages a request may hold.`
          : `${name} has ${pages} pages; a request may hold at most ${l.maxDocumentPages} PDF pages.`,
        l.maxDocumentPages,
      );
    }
    const accepted: AttachmentAccepted = { ok: true, kind: 'pdf', part: named({ type: 'document', mediaType: 'application/pdf', data }), bytes };
    if (pages !== undefined) accepted.pages = pages;
    return accepted;
  }
  return refuse('type', `${name} is not a JPEG, PNG, GIF or WebP image or a PDF (its content says otherwise); Claude takes ${ACCEPTED}.`);
}
