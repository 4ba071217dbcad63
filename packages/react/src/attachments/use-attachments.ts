'use client';
/**
 * `useAttachments`: the images and PDFs a person is about to send, checked as they are added with
 * core's attachment rules (Anthropic's), read to base64 parts for `useFastChat().send(parts)`.
 *
 * @module
 */
import {
  checkAttachment,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_REQUEST_LIMITS,
  formatBytes,
  maxFileBytesForBase64,
  pdfPageCount,
  precheckAttachment,
  type AttachmentKind,
  type AttachmentLimits,
  type ImageSize,
} from '@slipstream/core/attachments';
import type { DocumentPart, FastChatPart, ImagePart } from '@slipstream/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** One picked file. */
export interface Attachment {
  /** Unique within the hook's lifetime (keys, focus). */
  id: string;
  name: string;
  kind: AttachmentKind;
  /** `reading` until the content is read and checked; refused files never appear. */
  status: 'reading' | 'ready';
  /** File size in bytes. */
  bytes: number;
  /** The part to send, once ready. */
  part?: ImagePart | DocumentPart;
  /** Images: pixel size from the header. */
  dimensions?: ImageSize;
  /** PDFs: page count, when the file shows it. */
  pages?: number;
  /** Images: a `data:` URL of the file itself, for the thumbnail. */
  previewUrl?: string;
  /** Set when the image was scaled down to fit ({@link UseAttachmentsOptions.downscale}): the picked file's size in bytes. */
  resizedFrom?: number;
}

/** How {@link UseAttachmentsOptions.downscale} scales large images down. */
export interface DownscaleOptions {
  /**
   * Longest side after scaling, in pixels. Anthropic scales larger images down itself (to 2576 px on
   * Opus 4.8's high-resolution vision, 1568 px on earlier models), so more pixels only cost upload time.
   * @default 2576
   */
  maxSide?: number;
  /** Format of the scaled image. @default 'image/jpeg' */
  type?: 'image/jpeg' | 'image/webp';
  /** Encoder quality, 0–1. @default 0.9 */
  quality?: number;
}

/** What a conversation already carries: every request sends all of it again. */
export interface ConversationAttachments {
  /** Images and documents. */
  count: number;
  /** PDF pages (those whose count the files show). */
  pages: number;
  /** Characters of base64 (what they weigh in a request body). */
  base64Chars: number;
}

/**
 * The attachments in a conversation's messages, for {@link UseAttachmentsOptions.conversation}.
 *
 * @example
 * const attach = useAttachments({ conversation: conversationAttachments(chat.messages) });
 */
export function conversationAttachments(messages: readonly { parts: readonly FastChatPart[] }[]): ConversationAttachments {
  const out = { count: 0, pages: 0, base64Chars: 0 };
  for (const m of messages) {
    for (const p of m.parts) {
      if (p.type !== 'image' && p.type !== 'document') continue;
      out.count++;
      out.base64Chars += p.data.length;
      if (p.type === 'document' && p.mediaType === 'application/pdf') out.pages += pagesOf(p.data) ?? 0;
    }
  }
  return out;
}

// Page counts of sent PDFs by their data: counting decodes the file, and a conversation is counted
// again on every render that asks.
const pageCache = new Map<string, number | undefined>();
function pagesOf(data: string): number | undefined {
  if (pageCache.has(data)) return pageCache.get(data);
  const pages = pdfPageCount(data);
  if (pageCache.size >= 64) pageCache.clear();
  pageCache.set(data, pages);
  return pages;
}

export interface UseAttachmentsOptions {
  /** Overrides of core's attachment limits (match your edge's options). */
  limits?: Partial<AttachmentLimits>;
  /** What the conversation already carries ({@link conversationAttachments}): counted against the limits too. */
  conversation?: ConversationAttachments;
  /**
   * The largest request the edge accepts (its `maxBodyBytes`): the conversation's attachments plus the
   * new ones must fit, as base64. @default core's `DEFAULT_MAX_REQUEST_BYTES` (30 MB, the edge's default)
   */
  maxRequestBytes?: number;
  /**
   * Scale a JPEG, PNG or WebP image that is over the per-image limit (3.75 MB, or 8000 px on a side)
   * down in the browser instead of refusing it: to `maxSide` px, re-encoded as JPEG (transparency on
   * white), smaller again until it fits. GIFs are never touched (they may be animated). Off by default:
   * it changes the pixels sent. Where the browser cannot decode the image, the usual refusal stands.
   * @default false
   */
  downscale?: boolean | DownscaleOptions;
}

export interface UseAttachmentsResult {
  attachments: readonly Attachment[];
  /** Why the last refused file was refused: a sentence naming the file and the limit; `null` when none. */
  error: string | null;
  /** The last change, for a polite live region (`"photo.png attached"`, `"photo.png removed"`). */
  status: string;
  /** A file is still being read. */
  reading: boolean;
  /** The ready attachments as parts, in order: put them before the text in `send([...parts, text])`. */
  parts: readonly (ImagePart | DocumentPart)[];
  /** Check and read files (from an input, a paste or a drop); refused ones set {@link error}. */
  add(files: FileList | readonly File[]): Promise<void>;
  remove(id: string): void;
  /** Remove every attachment (after sending). */
  clear(): void;
  dismissError(): void;
}

// Room in a request for everything but the attachments' base64 (text, JSON around the parts).
const REQUEST_OVERHEAD = 256 * 1024;

function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsDataURL(file);
  });
}

let nextId = 0;

/** A live region reads a change only: the same sentence twice in a row gets a trailing no-break space. */
function announce(prev: string, next: string): string {
  return prev === next ? `${next}\u00a0` : next;
}

const SHRINKABLE = /^image\/(jpeg|png|webp)$|\.(jpe?g|png|webp)$/i;

/** Encode `bitmap` at `w`×`h` on a white background, or `null` where there is no canvas. */
async function encode(bitmap: ImageBitmap, w: number, h: number, type: string, quality: number): Promise<Blob | null> {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
    return canvas.convertToBlob({ type, quality });
  }
  if (typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(bitmap, 0, 0, w, h);
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/** `file` scaled down to fit `maxBytes` and `maxSide`, or `null` when the browser cannot (or it still does not fit). */
async function shrinkImage(file: File, o: DownscaleOptions, maxBytes: number): Promise<File | null> {
  if (typeof createImageBitmap !== 'function') return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  try {
    let scale = Math.min(1, (o.maxSide ?? 2576) / Math.max(bitmap.width, bitmap.height));
    // Each pass 3/4 the size: a noisy photo may need more than one.
    for (let pass = 0; pass < 5; pass++, scale *= 0.75) {
      const w = Math.max(1, Math.round(bitmap.width * scale));
      const h = Math.max(1, Math.round(bitmap.height * scale));
      const blob = await encode(bitmap, w, h, o.type ?? 'image/jpeg', o.quality ?? 0.9);
      if (blob === null) return null;
      if (blob.size <= maxBytes) return new File([blob], file.name, { type: blob.type });
    }
    return null;
  } catch {
    return null;
  } finally {
    bitmap.close();
  }
}

/**
 * Attachments for the next message: add files from a file input, a paste or a drop; each is checked
 * before it is read (type, size, count), then on its content (real type from the bytes, pixel size,
 * PDF pages) and against what the conversation already carries (every request sends it all again).
 * Refusals are sentences naming the file and the limit, in {@link UseAttachmentsResult.error}.
 *
 * @example
 * const attach = useAttachments({ conversation: conversationAttachments(chat.messages) });
 * const send = (text: string) => {
 *   chat.send([...attach.parts, ...(text ? [{ type: 'text' as const, text }] : [])]);
 *   attach.clear();
 * };
 */
export function useAttachments(options: UseAttachmentsOptions = {}): UseAttachmentsResult {
  const [attachments, setAttachments] = useState<readonly Attachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  // The latest list and options, for checks made across awaits.
  const current = useRef(attachments);
  current.current = attachments;
  const opts = useRef(options);
  opts.current = options;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const update = useCallback((next: readonly Attachment[]) => {
    current.current = next;
    if (mounted.current) setAttachments(next);
  }, []);

  const add = useCallback(
    async (files: FileList | readonly File[]) => {
      const list = Array.from(files);
      if (list.length === 0) return;
      setError(null);
      const added: string[] = [];
      /** Check, read and add one file; `resizedFrom` once it has been scaled down. */
      const attachOne = async (picked: File, resizedFrom?: number): Promise<void> => {
        const { limits, conversation, maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES, downscale } = opts.current;
        const down = downscale === true ? {} : downscale || undefined;
        const maxImageFile = maxFileBytesForBase64(limits?.maxImageBytes ?? DEFAULT_REQUEST_LIMITS.maxImageBytes);
        const canShrink = down !== undefined && resizedFrom === undefined && SHRINKABLE.test(picked.type || picked.name);
        const file = picked;
        if (down !== undefined && canShrink && file.size > maxImageFile) {
          const small = await shrinkImage(file, down, maxImageFile);
          if (small !== null) return attachOne(small, picked.size);
        }
        const pending = current.current;
        const already = (conversation?.count ?? 0) + pending.length;
        const pre = precheckAttachment(file, { ...limits, already });
        if (!pre.ok) {
          if (mounted.current) setError(pre.message);
          return;
        }
        const pendingChars = pending.reduce((n, a) => n + (a.part?.data.length ?? Math.ceil(a.bytes / 3) * 4), 0);
        const total = (conversation?.base64Chars ?? 0) + pendingChars + Math.ceil(file.size / 3) * 4 + REQUEST_OVERHEAD;
        if (total > maxRequestBytes) {
          if (mounted.current) {
            setError(
              `${file.name} would bring this conversation's attachments to ${formatBytes(total)} once encoded; a request may be at most ${formatBytes(maxRequestBytes)}, and every request carries them all again. Remove some, or start a new conversation.`,
            );
          }
          return;
        }
        const id = `att-${++nextId}`;
        update([...pending, { id, name: file.name, kind: pre.kind, status: 'reading', bytes: file.size }]);
        let data: string;
        try {
          data = await readBase64(file);
        } catch {
          update(current.current.filter((a) => a.id !== id));
          if (mounted.current) setError(`${file.name} could not be read.`);
          return;
        }
        const pagesAlready =
          (conversation?.pages ?? 0) + current.current.reduce((n, a) => n + (a.id !== id && a.pages !== undefined ? a.pages : 0), 0);
        const checked = checkAttachment({ name: file.name, data }, { ...limits, pagesAlready });
        // Removed while it was being read: drop it quietly.
        if (!current.current.some((a) => a.id === id)) return;
        if (!checked.ok) {
          update(current.current.filter((a) => a.id !== id));
          if (down !== undefined && canShrink && checked.problem === 'dimensions') {
            const small = await shrinkImage(file, down, maxImageFile);
            if (small !== null) return attachOne(small, picked.size);
          }
          if (mounted.current) setError(checked.message);
          return;
        }
        const ready: Attachment = { id, name: file.name, kind: checked.kind, status: 'ready', bytes: checked.bytes, part: checked.part };
        if (resizedFrom !== undefined) ready.resizedFrom = resizedFrom;
        if (checked.size) ready.dimensions = checked.size;
        if (checked.pages !== undefined) ready.pages = checked.pages;
        if (checked.part.type === 'image') ready.previewUrl = `data:${checked.part.mediaType};base64,${data}`;
        update(current.current.map((a) => (a.id === id ? ready : a)));
        added.push(resizedFrom !== undefined ? `${file.name} (scaled down to fit)` : file.name);
      };
      for (const file of list) await attachOne(file);
      if (added.length > 0 && mounted.current) setStatus((prev) => announce(prev, `${added.join(', ')} attached`));
    },
    [update],
  );

  const remove = useCallback(
    (id: string) => {
      const gone = current.current.find((a) => a.id === id);
      if (!gone) return;
      update(current.current.filter((a) => a.id !== id));
      setError(null);
      setStatus((prev) => announce(prev, `${gone.name} removed`));
    },
    [update],
  );

  const clear = useCallback(() => {
    update([]);
    setError(null);
    setStatus('');
  }, [update]);

  const dismissError = useCallback(() => setError(null), []);

  return useMemo(() => {
    const parts: (ImagePart | DocumentPart)[] = [];
    for (const a of attachments) if (a.part) parts.push(a.part);
    return { attachments, error, status, reading: attachments.some((a) => a.status === 'reading'), parts, add, remove, clear, dismissError };
  }, [attachments, error, status, add, remove, clear, dismissError]);
}
