/**
 * Attachments Anthropic would refuse are refused by the edge first (core's validator reads their
 * first bytes): a 400 naming the part, and no upstream request. Before that check, each went upstream,
 * the strict sim refused it as the real API does, and the client only saw "Upstream refused the
 * request" inside a 200 stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from './helpers.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(() => rig.close());

const be32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const png = (w: number, h: number) =>
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...be32(w), ...be32(h), 8, 2, 0, 0, 0, 0, 0, 0]).toString('base64');
const HELLO = Buffer.from('hello world!').toString('base64');
const ask = (part: Record<string, unknown>) => ({ messages: [{ role: 'user', content: [part, { type: 'text', text: 'What is this?' }] }] });

describe('the edge refuses what Anthropic would, before any upstream request', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a PNG sent as image/jpeg', ask({ type: 'image', mediaType: 'image/jpeg', data: png(10, 10) }), 'messages[0].content[0].mediaType', /the data is a image\/png image/],
    ['image bytes that are no image', ask({ type: 'image', mediaType: 'image/png', data: HELLO }), 'messages[0].content[0].data', /not a JPEG, PNG, GIF or WebP/],
    ['an image 9000 px wide', ask({ type: 'image', mediaType: 'image/png', data: png(9000, 10) }), 'messages[0].content[0].data', /9000×10 px/],
    ['PDF bytes that are no PDF', ask({ type: 'document', mediaType: 'application/pdf', data: HELLO }), 'messages[0].content[0].data', /not a PDF/],
  ];
  for (const [name, body, field, message] of cases) {
    it(name, async () => {
      rig.sim.sim.reset();
      const res = await fetch(rig.chatUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slipstream-protocol': '2' },
        body: JSON.stringify({ speed: 'standard', ...body }),
      });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { kind: string; field: string; message: string } };
      expect(error).toMatchObject({ kind: 'invalid_request', field });
      expect(error.message).toMatch(message);
      expect(rig.sim.sim.requests()).toHaveLength(0);
    });
  }

  it('a real PNG of the declared type still goes upstream', async () => {
    rig.sim.sim.reset();
    const res = await fetch(rig.chatUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slipstream-protocol': '2' },
      body: JSON.stringify({ speed: 'standard', ...ask({ type: 'image', mediaType: 'image/png', data: png(800, 600) }) }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('event: error');
    expect(rig.sim.sim.requests()).toHaveLength(1);
  });
});
