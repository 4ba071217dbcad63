import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageTokens, mediaTokens, pdfPages } from '../src/media.ts';
import type { RunningSim } from '../src/node.ts';
import { client, sim } from './helpers.ts';

type Block = Anthropic.Beta.Messages.BetaContentBlockParam;

const b64 = (bytes: number[]): string => btoa(String.fromCharCode(...bytes));
const u32be = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u16le = (n: number): number[] => [n & 255, (n >>> 8) & 255];
const u16be = (n: number): number[] => [(n >>> 8) & 255, n & 255];
const u24le = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Only the headers the API (and the sim) read for the size; enough for a request to be accepted. */
const png = (w: number, h: number): string => b64([0x89, ...ascii('PNG\r\n\x1a\n'), ...u32be(13), ...ascii('IHDR'), ...u32be(w), ...u32be(h), 8, 6, 0, 0, 0, 0, 0, 0, 0]);
const gif = (w: number, h: number): string => b64([...ascii('GIF89a'), ...u16le(w), ...u16le(h), 0, 0, 0, 0x3b]);
const jpeg = (w: number, h: number): string =>
  b64([0xff, 0xd8, 0xff, 0xe0, ...u16be(16), ...ascii('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, ...u16be(17), 8, ...u16be(h), ...u16be(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
const webp = (w: number, h: number): string => b64([...ascii('RIFF'), 30, 0, 0, 0, ...ascii('WEBPVP8X'), 10, 0, 0, 0, 0, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1), 0, 0]);

function pdf(pages: number): string {
  const objects = Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj`);
  const text = ['%PDF-1.4', '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj', `2 0 obj << /Type /Pages /Count ${pages} >> endobj`, ...objects, 'trailer << /Root 1 0 R >>', '%%EOF'].join('\n');
  return btoa(text);
}

let s: RunningSim;
beforeAll(async () => {
  s = await sim({ prefillTokensPerSecond: 0 });
});
afterAll(() => s.close());

const ask = 'Describe it [[sim:tokens=3]]';
async function inputTokens(model: string, blocks: Block[]): Promise<number> {
  const msg = await client(s.url).beta.messages.create({ model, max_tokens: 50, messages: [{ role: 'user', content: [...blocks, { type: 'text', text: ask }] }] });
  return msg.usage.input_tokens;
}

describe('images and documents as input tokens', () => {
  it('an image costs width × height / 750 tokens, read from its PNG header, through the SDK', async () => {
    const base = await inputTokens('claude-sonnet-4-6', []);
    const withImage = await inputTokens('claude-sonnet-4-6', [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(1000, 750) } }]);
    expect(withImage - base).toBe(1000);
  });

  it('large images are scaled to the model limits first (1568 px / 1.15 MP; 2576 px / 3.75 MP on Opus 4.8)', async () => {
    const base = await inputTokens('claude-sonnet-4-6', []);
    const big: Block = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(3000, 2000) } };
    // scale = min(1568/3000, sqrt(1.15e6/6e6)) = 0.4378 → 1313 × 875 → 1532 tokens
    expect((await inputTokens('claude-sonnet-4-6', [big])) - base).toBe(1532);
    const opusBase = await inputTokens('claude-opus-4-8', []);
    // scale = min(2576/3000, sqrt(3.75e6/6e6)) = 0.7906 → 2371 × 1581 → 4999 tokens
    expect((await inputTokens('claude-opus-4-8', [big])) - opusBase).toBe(4999);
  });

  it('reads GIF, JPEG and WebP headers too; a URL image counts as the largest image', () => {
    const block = (media: string, data: string) => ({ type: 'image', source: { type: 'base64', media_type: media, data } });
    expect(mediaTokens(block('image/gif', gif(300, 250)))).toBe(100);
    expect(mediaTokens(block('image/jpeg', jpeg(600, 500)))).toBe(400);
    expect(mediaTokens(block('image/webp', webp(750, 100)))).toBe(100);
    expect(mediaTokens({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } })).toBe(1533);
    expect(imageTokens(200, 200)).toBe(54);
  });

  it('a PDF costs 1 500–3 000 tokens a page, pages counted from the file', async () => {
    expect(pdfPages(atob(pdf(3)))).toBe(3);
    const base = await inputTokens('claude-opus-4-8', []);
    const doc = (n: number): Block => ({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf(n) } });
    const one = (await inputTokens('claude-opus-4-8', [doc(1)])) - base;
    const four = (await inputTokens('claude-opus-4-8', [doc(4)])) - base;
    expect(one).toBeGreaterThanOrEqual(1500);
    expect(one).toBeLessThanOrEqual(3000);
    expect(four).toBeGreaterThanOrEqual(4 * 1500);
    expect(four).toBeLessThanOrEqual(4 * 3000);
    const text = (await inputTokens('claude-opus-4-8', [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'one two three four' } }])) - base;
    expect(text).toBe(4);
  });
});

describe('the PDF page limit', () => {
  const doc = (n: number): Block => ({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf(n) } });

  it('refuses more than 100 pages in a request on a 200k-window model, 600 on the others, naming the PDF that crossed it', async () => {
    await expect(inputTokens('claude-haiku-4-5', [doc(60), doc(40)])).resolves.toBeGreaterThan(0);
    const refused = await inputTokens('claude-haiku-4-5', [doc(60), doc(41)]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error', message: expect.stringContaining('A maximum of 100 PDF pages may be provided.') } } });
    expect((refused as { error: { error: { message: string } } }).error.error.message).toMatch(/^messages\.0\.content\.1\.document\.source\.base64\.data/);
    await expect(inputTokens('claude-opus-4-8', [doc(60), doc(41)])).resolves.toBeGreaterThan(0);
  });
});
