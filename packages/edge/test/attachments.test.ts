/** Images and PDFs at the edge: the defaults let the per-attachment limits be what people hit, each a 4xx naming the field and the limit. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { estimateInputTokens } from '../src/spend.ts';
import { chat, post, startRig, type Rig } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const be32 = (n: number): string => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
/** A PNG header for `w`×`h`, padded to about `bytes` (the edge and the sim read only the header). */
const png = (w: number, h: number, bytes = 0) => {
  const head = `\x89PNG\r\n\x1a\n\0\0\0\rIHDR${be32(w)}${be32(h)}\x08\x06\0\0\0`;
  return btoa(head + '\0'.repeat(Math.max(0, bytes - head.length)));
};
const pdf = (pages: number, bytes = 0) => {
  const text = `%PDF-1.4\n1 0 obj << /Type /Pages /Count ${pages} >> endobj\n${Array.from({ length: pages }, (_, i) => `${i + 2} 0 obj << /Type /Page /Parent 1 0 R >> endobj\n`).join('')}%%EOF\n`;
  return btoa(text + ' '.repeat(Math.max(0, bytes - text.length)));
};
const ask = (...parts: unknown[]) => ({ messages: [{ role: 'user', content: [...parts, { type: 'text', text: 'What is in these? [[sim:tokens=5]]' }] }] });
const image = (data: string, name = 'photo.png') => ({ type: 'image', mediaType: 'image/png', data, name });
const doc = (data: string, name = 'report.pdf') => ({ type: 'document', mediaType: 'application/pdf', data, name });

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig.close();
});

async function refusal(body: unknown): Promise<{ status: number; error: { kind: string; field?: string; message: string } }> {
  const res = await post(rig.chatUrl, body);
  return { status: res.status, error: ((await res.json()) as { error: { kind: string; field?: string; message: string } }).error };
}

describe('attachments at the edge, default options', () => {
  it('an image and a PDF reach upstream as image and document blocks, and a reply streams', async () => {
    const r = await chat(rig.chatUrl, ask(image(png(640, 480, 4096)), doc(pdf(3))) as never);
    expect(r.res.status).toBe(200);
    expect(r.find('done')).toBeDefined();
    const sent = rig.sim.sim.requests().at(-1)?.body as { messages: { content: { type: string; source?: { type: string; media_type: string }; title?: string }[] }[] };
    expect(sent.messages[0]?.content.map((b) => [b.type, b.source?.media_type])).toEqual([
      ['image', 'image/png'],
      ['document', 'application/pdf'],
      ['text', undefined],
    ]);
  });

  it('a 4 MB image (the old 256 KiB body cap refused any photo) is checked against the per-image limit, not the body cap', async () => {
    const ok = await chat(rig.chatUrl, ask(image(png(4000, 3000, 3_900_000))) as never);
    expect(ok.res.status).toBe(200);
    const over = await refusal(ask(image(png(4000, 3000, 4_000_000))));
    expect(over.status).toBe(400);
    expect(over.error.kind).toBe('invalid_request');
    expect(over.error.field).toBe('messages[0].content[0].data');
    expect(over.error.message).toMatch(/at most 5242880 \(5 MB, a file of about 3\.75 MB\)/);
  });

  it('a PDF over 10 MB, over 100 pages, or an image over 8000 px: 400 naming the field and the limit', async () => {
    const big = await refusal(ask(doc(pdf(1, 10 * 1024 * 1024 + 1))));
    expect(big).toMatchObject({ status: 400, error: { field: 'messages[0].content[0].data', message: expect.stringContaining('at most 10485760 (10 MB)') } });
    const pages = await refusal(ask(doc(pdf(60)), doc(pdf(41))));
    expect(pages).toMatchObject({ status: 400, error: { field: 'messages[0].content[1].data', message: expect.stringContaining('at most 100') } });
    const wide = await refusal(ask(image(png(8001, 10))));
    expect(wide).toMatchObject({ status: 400, error: { field: 'messages[0].content[0].data', message: expect.stringContaining('8000 px') } });
  });

  it('a body over maxBodyBytes is a 413 naming the limit in bytes and MB, never a 5xx', async () => {
    const small = await startRig({}, { maxBodyBytes: 1024 * 1024 });
    try {
      const res = await post(small.chatUrl, ask(image(png(100, 100, 1_000_000))));
      expect(res.status).toBe(413);
      const { error } = (await res.json()) as { error: { kind: string; field: string; message: string } };
      expect(error).toMatchObject({ kind: 'invalid_request', field: 'messages' });
      expect(error.message).toContain('1048576 bytes (1 MB, maxBodyBytes)');
    } finally {
      await small.close();
    }
  });
});

describe('the spend estimate of attachments', () => {
  it('counts an image by its pixels and a PDF by its pages, not by their base64 characters', () => {
    const text = estimateInputTokens([{ role: 'user', content: 'hi' }]);
    // A 3.7 MB photo: ~5 M characters of base64 would be 1.6 M "tokens"; Anthropic charges at most 5,000.
    const photo = estimateInputTokens([{ role: 'user', content: [image(png(4000, 3000, 3_700_000))] }]);
    expect(photo).toBeGreaterThan(4_000);
    expect(photo).toBeLessThanOrEqual(5_100);
    // Upstream blocks (the agent loop's later steps) are read the same way.
    const block = estimateInputTokens([{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf(2, 2_000_000) } }] }]);
    expect(block).toBeGreaterThanOrEqual(2 * 8_000);
    expect(block).toBeLessThan(2 * 8_000 + 100);
    expect(text).toBeLessThan(20);
  });

  it('a spend limit of a few cents admits a request with a large photo', async () => {
    const limited = await startRig({}, { spendLimits: { usdPerWindow: 0.2 } });
    try {
      const r = await chat(limited.chatUrl, { ...ask(image(png(4000, 3000, 3_700_000))), max_tokens: 50, speed: 'standard' } as never);
      expect(r.res.status).toBe(200);
      expect(r.find('done')).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});
