import { describe, expect, it } from 'vitest';
import { checkAttachment, formatBytes, maxFileBytesForBase64, precheckAttachment } from '../src/attachments.ts';
import { mediaTokenEstimate, pdfPageCount } from '../src/media.ts';
import { validateChatRequest } from '../src/validate.ts';

const b64 = (s: string): string => btoa(s);
const be32 = (n: number): string => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const png = (w: number, h: number, pad = 0) => b64(`\x89PNG\r\n\x1a\n\0\0\0\rIHDR${be32(w)}${be32(h)}\x08\x06\0\0\0${'\0'.repeat(pad)}`);
/** A minimal PDF with `n` page objects. */
const pdf = (n: number) =>
  b64(`%PDF-1.4\n1 0 obj << /Type /Pages /Count ${n} >> endobj\n${Array.from({ length: n }, (_, i) => `${i + 2} 0 obj << /Type /Page /Parent 1 0 R >> endobj\n`).join('')}%%EOF`);

describe('attachment checks before reading', () => {
  it('takes the four image types and PDFs, by MIME type or extension', () => {
    expect(precheckAttachment({ name: 'a.png', type: 'image/png', size: 10 })).toEqual({ ok: true, kind: 'image' });
    expect(precheckAttachment({ name: 'scan.PDF', type: '', size: 10 })).toEqual({ ok: true, kind: 'pdf' });
    expect(precheckAttachment({ name: 'a.webp', type: 'application/octet-stream', size: 10 })).toEqual({ ok: true, kind: 'image' });
    const heic = precheckAttachment({ name: 'photo.heic', type: 'image/heic', size: 10 });
    expect(heic).toMatchObject({ ok: false, problem: 'type' });
    if (!heic.ok) expect(heic.message).toBe('photo.heic (image/heic) cannot be attached: Claude takes JPEG, PNG, GIF and WebP images and PDF documents.');
    expect(precheckAttachment({ name: 'notes.txt', type: 'text/plain', size: 10 })).toMatchObject({ ok: false, problem: 'type' });
  });

  it('refuses an image over 3.75 MB, as its base64 would pass Anthropic’s 5 MB, naming both figures', () => {
    const max = maxFileBytesForBase64(5 * 1024 * 1024);
    expect(max).toBe(3_932_160);
    expect(precheckAttachment({ name: 'ok.jpg', type: 'image/jpeg', size: max }).ok).toBe(true);
    const r = precheckAttachment({ name: 'huge.jpg', type: 'image/jpeg', size: max + 1 });
    expect(r).toMatchObject({ ok: false, problem: 'size', limit: max });
    if (!r.ok) expect(r.message).toBe('huge.jpg is 3,932,161 bytes, just over 3.75 MB; an image may be at most 3.75 MB (5 MB once encoded for sending).');
    const big = precheckAttachment({ name: 'big.png', type: 'image/png', size: 6 * 1024 * 1024 });
    if (!big.ok) expect(big.message).toMatch(/^big\.png is 6 MB; an image may be at most 3\.75 MB/);
  });

  it('refuses a PDF over the per-PDF limit and a file past the attachment count', () => {
    const r = precheckAttachment({ name: 'book.pdf', type: 'application/pdf', size: 11 * 1024 * 1024 });
    if (r.ok) throw new Error('accepted');
    expect(r.message).toBe('book.pdf is 11 MB; a PDF may be at most 10 MB.');
    expect(precheckAttachment({ name: 'b.pdf', type: 'application/pdf', size: 2 * 1024 * 1024 }, { maxDocumentBytes: 1024 * 1024 })).toMatchObject({ ok: false, limit: 1024 * 1024 });
    expect(precheckAttachment({ name: 'x.png', type: 'image/png', size: 5 }, { already: 20 })).toMatchObject({ ok: false, problem: 'count', limit: 20 });
  });
});

describe('attachment checks on the content', () => {
  it('builds an image part typed by its bytes, with its pixel size', () => {
    const r = checkAttachment({ name: 'looks-like.jpg', data: png(640, 480) });
    expect(r).toMatchObject({ ok: true, kind: 'image', size: { width: 640, height: 480 }, part: { type: 'image', mediaType: 'image/png', name: 'looks-like.jpg' } });
  });

  it('refuses an image over 8000 px or over the base64 limit', () => {
    expect(checkAttachment({ name: 'tall.png', data: png(100, 8001) })).toMatchObject({ ok: false, problem: 'dimensions', message: 'tall.png is 100×8001 px; an image may be at most 8000 px on its longest side.' });
    const data = png(10, 10, 300);
    expect(checkAttachment({ name: 'p.png', data }, { maxImageBytes: data.length })).toMatchObject({ ok: true });
    expect(checkAttachment({ name: 'p.png', data }, { maxImageBytes: data.length - 4 })).toMatchObject({ ok: false, problem: 'size' });
  });

  it('builds a PDF part with its page count, and refuses past the page limit', () => {
    expect(checkAttachment({ name: 'r.pdf', data: pdf(3) })).toMatchObject({ ok: true, kind: 'pdf', pages: 3, part: { type: 'document', mediaType: 'application/pdf', name: 'r.pdf' } });
    expect(checkAttachment({ name: 'r.pdf', data: pdf(3) }, { pagesAlready: 98 })).toMatchObject({
      ok: false,
      problem: 'pages',
      message: 'r.pdf has 3 pages; with the 98 already attached, that is more than the 100 PDF pages a request may hold.',
    });
    expect(checkAttachment({ name: 'x.pdf', data: b64('not a pdf at all') })).toMatchObject({ ok: false, problem: 'type' });
  });

  it('formats sizes the way Anthropic states its limits', () => {
    expect([formatBytes(500), formatBytes(1536), formatBytes(5 * 1024 * 1024), formatBytes(3_932_160)]).toEqual(['500 B', '1.5 kB', '5 MB', '3.75 MB']);
  });
});

describe('PDF pages and media tokens', () => {
  it('counts page objects, else the page tree, else says it does not know', () => {
    expect(pdfPageCount(pdf(7))).toBe(7);
    expect(pdfPageCount(b64('%PDF-1.7\n<< /Type /Pages /Kids [3 0 R] /Count 42 >>'))).toBe(42);
    expect(pdfPageCount(b64('%PDF-1.7\n(compressed)'))).toBeUndefined();
  });

  it('estimates an image at most 5,000 tokens however large its base64, a PDF per page', () => {
    expect(mediaTokenEstimate('image/png', png(1000, 1000))).toBe(1334);
    expect(mediaTokenEstimate('image/png', png(8000, 8000, 3000))).toBeLessThanOrEqual(5000);
    expect(mediaTokenEstimate('image/png', 'AAAA')).toBe(5000);
    expect(mediaTokenEstimate('application/pdf', pdf(3))).toBe(3 * 8000);
  });

  it('the edge validator refuses more than 100 PDF pages in a request, naming the field', () => {
    const doc = (n: number) => ({ type: 'document', mediaType: 'application/pdf', data: pdf(n) });
    const ask = (...parts: unknown[]) => validateChatRequest({ messages: [{ role: 'user', content: [...parts, { type: 'text', text: 'summarize' }] }] });
    expect(ask(doc(60), doc(40)).ok).toBe(true);
    expect(ask(doc(60), doc(41))).toMatchObject({ ok: false, field: 'messages[0].content[1].data', message: expect.stringContaining('at most 100') });
  });
});
