/**
 * `useChat` file parts through the AI SDK bridge: images, PDFs and text files sent by the real `ai`
 * `DefaultChatTransport` reach the sim as image and document blocks; every refusal is a 4xx naming the
 * UI part (`messages[i].parts[j].url`), before any upstream request.
 */
import { DefaultChatTransport, readUIMessageStream, type FileUIPart, type UIMessage } from 'ai';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAiSdkChatHandler, type SlipstreamMessageMetadata } from '../src/ai-sdk.ts';
import { FAKE_KEY, post, serveFetch, type Served } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

type Message = UIMessage<SlipstreamMessageMetadata>;

const be32 = (n: number): string => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
/** Base64 of a PNG header for `w`×`h`, padded to about `bytes` (the edge and the sim read only the header). */
const png = (w: number, h: number, bytes = 0): string => {
  const head = `\x89PNG\r\n\x1a\n\0\0\0\rIHDR${be32(w)}${be32(h)}\x08\x06\0\0\0`;
  return btoa(head + '\0'.repeat(Math.max(0, bytes - head.length)));
};
const JPEG = btoa('\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0');
/** Base64 of a PDF with `pages` page objects. */
const pdf = (pages: number): string =>
  btoa(
    `%PDF-1.4\n1 0 obj << /Type /Pages /Count ${pages} >> endobj\n${Array.from({ length: pages }, (_, i) => `${i + 2} 0 obj << /Type /Page /Parent 1 0 R >> endobj\n`).join('')}%%EOF\n`,
  );
/** A file part as `useChat` builds it from a `FileList` (`FileReader.readAsDataURL`). */
const file = (mediaType: string, base64: string, filename?: string): FileUIPart => ({
  type: 'file',
  mediaType,
  url: `data:${mediaType};base64,${base64}`,
  ...(filename !== undefined ? { filename } : {}),
});
const PROMPT = { type: 'text', text: 'What is in these? [[sim:tokens=8]]' } as const;
/** `useChat`'s body for one user message with `parts` (and earlier `history`). */
const body = (parts: unknown[], history: unknown[] = []) => ({
  id: `chat-${Math.random()}`,
  trigger: 'submit-message',
  messages: [...history, { id: 'u-last', role: 'user', parts }],
});

let sim: RunningSim;
let bridge: Served;
let small: Served;

beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 20, standardOtps: 400, seed: 7 });
  const options = { apiKey: FAKE_KEY, baseURL: sim.url, heartbeatMs: 1_000, allowClientSystem: true };
  bridge = await serveFetch(createAiSdkChatHandler(options).fetch);
  small = await serveFetch(createAiSdkChatHandler({ ...options, maxBodyBytes: 64 * 1024 }).fetch);
});
afterAll(async () => {
  await bridge?.close();
  await small?.close();
  await sim?.close();
});

interface Refusal {
  status: number;
  error: { kind: string; field?: string; message: string; status?: number };
}
async function refusal(url: string, payload: unknown): Promise<Refusal> {
  const res = await post(`${url}/api/chat`, payload);
  return { status: res.status, error: ((await res.json()) as Refusal).error };
}

/** The content blocks of the last user message the sim received. */
function sentBlocks(): { type: string; text?: string; title?: string; source?: { type: string; media_type: string; data: string } }[] {
  const sent = sim.sim.requests().at(-1)?.body as { messages: { content: unknown }[] };
  return sent.messages.at(-1)?.content as never;
}

describe('AI SDK bridge: file parts', () => {
  it('the real DefaultChatTransport sends an image, a PDF and a text file; the sim receives image and document blocks', async () => {
    sim.sim.reset();
    const image = png(640, 480, 2048);
    const doc = pdf(2);
    const transport = new DefaultChatTransport<Message>({ api: `${bridge.url}/api/chat`, body: { speed: 'standard' } });
    const user: Message = {
      id: 'u1',
      role: 'user',
      // What `sendMessage({ text, files })` builds: the files first, then the text.
      parts: [
        file('image/png', image, 'photo.png'),
        file('application/pdf', doc, 'report.pdf'),
        file('text/plain', Buffer.from('Grüße, café ✓').toString('base64'), 'notes.txt'),
        PROMPT,
      ],
    };
    const stream = await transport.sendMessages({ chatId: 'c1', trigger: 'submit-message', messageId: undefined, messages: [user], abortSignal: undefined });
    let reply: Message | undefined;
    for await (const m of readUIMessageStream<Message>({ stream })) reply = m;
    expect(reply?.role).toBe('assistant');
    expect(reply?.metadata?.outputTokens).toBe(8);

    expect(sim.sim.requests()).toHaveLength(1);
    expect(sim.stats().requests.total).toBe(1); // the counter the refusal tests expect to stay at 0
    const blocks = sentBlocks();
    expect(blocks.map((b) => [b.type, b.source?.type, b.source?.media_type, b.title])).toEqual([
      ['image', 'base64', 'image/png', undefined],
      ['document', 'base64', 'application/pdf', 'report.pdf'],
      ['document', 'text', 'text/plain', 'notes.txt'],
      ['text', undefined, undefined, undefined],
    ]);
    expect(blocks[0]?.source?.data).toBe(image);
    expect(blocks[1]?.source?.data).toBe(doc);
    expect(blocks[2]?.source?.data).toBe('Grüße, café ✓');
    expect(blocks[3]?.text).toBe(PROMPT.text);
  });

  it('a later turn carries the earlier file again; an empty text beside files and a bare `image` media type are fine', async () => {
    sim.sim.reset();
    const history = [
      { id: 'u0', role: 'user', parts: [file('image/jpeg', JPEG, 'a.jpg'), { type: 'text', text: 'First' }] },
      { id: 'a0', role: 'assistant', parts: [{ type: 'step-start' }, { type: 'text', text: 'A photo.' }] },
    ];
    // `sendMessage({ text: '', files })` sends an empty text part; `image` is a top-level media type the AI SDK allows.
    const res = await post(`${bridge.url}/api/chat`, body([{ type: 'file', mediaType: 'image', url: `data:image/png;base64,${png(10, 10)}` }, { type: 'text', text: '' }], history));
    expect(res.status).toBe(200);
    await res.text();
    const sent = sim.sim.requests().at(-1)?.body as { messages: { role: string; content: unknown }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect((sent.messages[0]?.content as { type: string; source?: { media_type: string } }[]).map((b) => [b.type, b.source?.media_type])).toEqual([
      ['image', 'image/jpeg'],
      ['text', undefined],
    ]);
    expect((sent.messages[2]?.content as { type: string; source?: { media_type: string } }[]).map((b) => [b.type, b.source?.media_type])).toEqual([['image', 'image/png']]);
  });

  it('text/plain may be a percent-encoded data URL; a text in another charset is refused naming the part', async () => {
    sim.sim.reset();
    const res = await post(`${bridge.url}/api/chat`, body([{ type: 'file', mediaType: 'text/plain', url: 'data:text/plain;charset=UTF-8,line%201%0Aline%202', filename: 'l.txt' }, PROMPT]));
    expect(res.status).toBe(200);
    await res.text();
    expect(sentBlocks()[0]).toMatchObject({ type: 'document', title: 'l.txt', source: { type: 'text', media_type: 'text/plain', data: 'line 1\nline 2' } });
    const latin1 = await refusal(bridge.url, body([{ type: 'file', mediaType: 'text/plain', url: `data:text/plain;charset=iso-8859-1;base64,${btoa('caf\xe9')}` }]));
    expect(latin1).toMatchObject({ status: 400, error: { field: 'messages[0].parts[0].url', message: expect.stringContaining('"iso-8859-1"; send text/plain files as UTF-8') } });
  });

  it('an http(s) URL is refused naming the part: the edge does not fetch client URLs', async () => {
    sim.sim.reset();
    const r = await refusal(bridge.url, body([{ type: 'file', mediaType: 'image/png', url: 'https://169.254.169.254/latest/meta-data/x.png' }, PROMPT]));
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ kind: 'invalid_request', field: 'messages[0].parts[0].url' });
    expect(r.error.message).toMatch(/does not fetch URLs sent by the client/);
    expect(r.error.message).toMatch(/data: URL/);
    const blob = await refusal(bridge.url, body([{ type: 'file', mediaType: 'image/png', url: 'blob:http://app/1234' }]));
    expect(blob).toMatchObject({ status: 400, error: { field: 'messages[0].parts[0].url', message: expect.stringContaining('blob: URL cannot be read') } });
    expect(sim.stats().requests.total).toBe(0);
  });

  it('an unsupported media type, a provider reference, or a file on an assistant message: 400 naming the part', async () => {
    sim.sim.reset();
    const video = await refusal(bridge.url, body([PROMPT, file('video/mp4', 'AAAA', 'clip.mp4')]));
    expect(video).toMatchObject({ status: 400, error: { field: 'messages[0].parts[1].mediaType' } });
    expect(video.error.message).toMatch(/"video\/mp4" files are not supported; Claude takes JPEG, PNG, GIF and WebP images, PDFs/);
    const ref = await refusal(bridge.url, body([{ ...file('image/png', png(4, 4)), providerReference: { anthropic: 'file_01' } }]));
    expect(ref).toMatchObject({ status: 400, error: { field: 'messages[0].parts[0].providerReference' } });
    const assistant = await refusal(bridge.url, {
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'Draw' }] },
        { role: 'assistant', parts: [file('image/png', png(4, 4))] },
        { role: 'user', parts: [{ type: 'text', text: 'Thanks' }] },
      ],
    });
    expect(assistant).toMatchObject({ status: 400, error: { field: 'messages[1].parts[0].type', message: expect.stringContaining('user messages only') } });
    expect(sim.stats().requests.total).toBe(0);
  });

  it('bad base64, a non-base64 image URL, bytes that are not what the type says: 400 naming the part', async () => {
    sim.sim.reset();
    const bad = await refusal(bridge.url, body([PROMPT, { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,iVBOR$$w0KGgo=' }]));
    expect(bad).toMatchObject({ status: 400, error: { field: 'messages[0].parts[1].url', message: 'messages[0].parts[1].url: the data: URL is not valid base64.' } });
    const plain = await refusal(bridge.url, body([{ type: 'file', mediaType: 'image/png', url: 'data:image/png,%89PNG' }]));
    expect(plain.error.field).toBe('messages[0].parts[0].url');
    // Checked by the native validator, named as the client's part: a JPEG declared as PNG, and a "PDF" that is not one.
    const mislabelled = await refusal(bridge.url, body([file('image/png', JPEG, 'x.png')]));
    expect(mislabelled).toMatchObject({ status: 400, error: { field: 'messages[0].parts[0].mediaType', message: expect.stringMatching(/^messages\[0\]\.parts\[0\]\.mediaType is "image\/png" but the data is a image\/jpeg image/) } });
    const notPdf = await refusal(bridge.url, body([file('application/pdf', btoa('hello world!'))]));
    expect(notPdf).toMatchObject({ status: 400, error: { field: 'messages[0].parts[0].url', message: expect.stringContaining('is not a PDF') } });
    const notUtf8 = await refusal(bridge.url, body([file('text/plain', btoa('\xff\xfe\x00'))]));
    expect(notUtf8).toMatchObject({ status: 400, error: { field: 'messages[0].parts[0].url', message: expect.stringContaining('not valid base64 of UTF-8 text') } });
    expect(sim.stats().requests.total).toBe(0);
  });

  it('an image over the per-image limit is the native 400 with the limit, named as the UI part (indices shifted past a system message)', async () => {
    sim.sim.reset();
    const system = { id: 's', role: 'system', parts: [{ type: 'text', text: 'Be brief.' }] };
    const r = await refusal(bridge.url, {
      messages: [system, { id: 'u', role: 'user', parts: [PROMPT, file('image/png', png(4000, 3000, 4_000_000), 'huge.png')] }],
    });
    expect(r.status).toBe(400);
    expect(r.error.field).toBe('messages[1].parts[1].url');
    expect(r.error.message).toMatch(/^messages\[1\]\.parts\[1\]\.url is 5333336 characters of base64; an image may have at most 5242880 \(5 MB, a file of about 3\.75 MB\)/);
    // The 21st attachment of a request: the native count limit, named as the UI part.
    const many = await refusal(bridge.url, body(Array.from({ length: 21 }, () => file('image/png', png(8, 8)))));
    expect(many).toMatchObject({ status: 400, error: { field: 'messages[0].parts[20]', message: 'messages[0].parts[20]: a request may hold at most 20 images and documents' } });
    expect(sim.stats().requests.total).toBe(0);
  });

  it('under maxBodyBytes a file is sent; over it, the 413 naming the byte limit', async () => {
    sim.sim.reset();
    const ok = await post(`${small.url}/api/chat`, body([file('image/png', png(100, 100, 40_000), 'fits.png'), PROMPT]));
    expect(ok.status).toBe(200);
    await ok.text();
    expect(sentBlocks().map((b) => b.type)).toEqual(['image', 'text']);
    sim.sim.reset();
    const r = await refusal(small.url, body([file('image/png', png(100, 100, 100_000), 'big.png'), PROMPT]));
    expect(r.status).toBe(413);
    expect(r.error).toMatchObject({ kind: 'invalid_request', field: 'messages' });
    expect(r.error.message).toMatch(/limit of 65536 bytes \(0\.06 MB, maxBodyBytes\)/);
    expect(sim.stats().requests.total).toBe(0);
  });

  it('through DefaultChatTransport a refusal rejects with the JSON error body (what useChat puts in `error`)', async () => {
    sim.sim.reset();
    const transport = new DefaultChatTransport<Message>({ api: `${bridge.url}/api/chat` });
    const messages: Message[] = [{ id: 'u1', role: 'user', parts: [{ type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf', filename: 'a.pdf' }, PROMPT] }];
    const sent = transport.sendMessages({ chatId: 'c2', trigger: 'submit-message', messageId: undefined, messages, abortSignal: undefined });
    const err = (await sent.then(
      () => undefined,
      (e: unknown) => e,
    )) as { message: string; statusCode?: number };
    expect(err?.statusCode).toBe(400);
    const shown = JSON.parse(err.message) as Refusal;
    expect(shown.error).toMatchObject({ kind: 'invalid_request', status: 400, field: 'messages[0].parts[0].url' });
    expect(sim.stats().requests.total).toBe(0);
  });
});
