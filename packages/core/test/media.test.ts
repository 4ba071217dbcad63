import { describe, expect, it } from 'vitest';
import { imageSize, looksLikePdf, sniffImage } from '../src/media.ts';
import { validateChatRequest } from '../src/validate.ts';

const b64 = (bytes: number[]): string => btoa(String.fromCharCode(...bytes));
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number): number[] => [n & 255, (n >>> 8) & 255];

const png = (w: number, h: number) => b64([0x89, ...ascii('PNG\r\n\x1a\n'), 0, 0, 0, 13, ...ascii('IHDR'), ...be32(w), ...be32(h), 8, 6, 0, 0, 0]);
const gif = (w: number, h: number) => b64([...ascii('GIF89a'), ...le16(w), ...le16(h), 0, 0, 0, 0]);
const webpX = (w: number, h: number) =>
  b64([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8X'), 10, 0, 0, 0, 0, 0, 0, 0, ...le16(w - 1), 0, ...le16(h - 1), 0, 0, 0]);
// SOI, an APP0 segment to skip, then SOF0 with height and width.
const jpeg = (w: number, h: number) =>
  b64([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...ascii('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, 0, 17, 8, (h >> 8) & 255, h & 255, (w >> 8) & 255, w & 255, 3, 0, 0, 0, 0]);

describe('attachment sniffing', () => {
  it('tells the four image formats and their sizes from their headers', () => {
    expect([sniffImage(png(1, 2)), sniffImage(gif(1, 2)), sniffImage(webpX(1, 2)), sniffImage(jpeg(1, 2))]).toEqual(['image/png', 'image/gif', 'image/webp', 'image/jpeg']);
    expect(imageSize(png(640, 480), 'image/png')).toEqual({ width: 640, height: 480 });
    expect(imageSize(gif(300, 200), 'image/gif')).toEqual({ width: 300, height: 200 });
    expect(imageSize(webpX(4000, 9000), 'image/webp')).toEqual({ width: 4000, height: 9000 });
    expect(imageSize(jpeg(1024, 768), 'image/jpeg')).toEqual({ width: 1024, height: 768 });
    expect(sniffImage(b64(ascii('<svg></svg>')))).toBeUndefined();
    expect(imageSize('iVBORw0KGgo=', 'image/png')).toBeUndefined();
    expect(looksLikePdf('JVBERi0xLjQK')).toBe(true);
    expect(looksLikePdf(b64(ascii('hello')))).toBe(false);
  });

  const image = (mediaType: string, data: string) => ({ type: 'image', mediaType, data });
  const ask = (...parts: unknown[]) => validateChatRequest({ messages: [{ role: 'user', content: [...parts, { type: 'text', text: 'what is this?' }] }] }, { maxAttachments: 30 });

  it('refuses what Anthropic would: a wrong media type, not an image, too many pixels, not a PDF', () => {
    expect(ask(image('image/jpeg', png(10, 10)))).toMatchObject({ ok: false, field: 'messages[0].content[0].mediaType', message: expect.stringContaining('image/png image') });
    expect(ask(image('image/png', b64(ascii('<svg></svg>'))))).toMatchObject({ ok: false, field: 'messages[0].content[0].data' });
    expect(ask(image('image/png', png(8001, 10)))).toMatchObject({ ok: false, field: 'messages[0].content[0].data', message: expect.stringContaining('8000 px') });
    expect(ask(image('image/png', png(8000, 8000))).ok).toBe(true);
    expect(ask({ type: 'document', mediaType: 'application/pdf', data: b64(ascii('not a pdf')) })).toMatchObject({ ok: false, field: 'messages[0].content[0].data' });
    // More than 20 images: each at most 2000 px.
    const many = Array.from({ length: 21 }, (_, i) => image('image/gif', gif(i === 13 ? 2001 : 2000, 10)));
    expect(ask(...many)).toMatchObject({ ok: false, field: 'messages[0].content[13].data', message: expect.stringContaining('2000 px') });
    expect(ask(...many.slice(0, 20)).ok).toBe(true);
  });
});
