/**
 * The AI SDK bridge with the real `useChat` (`@ai-sdk/react`) in Chromium, against the sim: text
 * streams, Stop aborts the upstream stream, a fallback shows in the badge, and files picked in a file
 * input (a FileList, read by useChat into data: URLs) reach the sim as image and document blocks. The spec serves its own
 * page (bundled with esbuild) and `createAiSdkChatHandler` on one origin; the sim runs in this process
 * so its ground truth can be read.
 */
import { expect, test } from '@playwright/test';
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createAiSdkChatHandler } from '@slipstream/edge/ai-sdk';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { noisePng, pdf, png } from '../files.ts';

let sim: RunningSim;
let server: Server;
let base: string;

test.beforeAll(async () => {
  sim = await startSim({ port: 0, ttftMs: 100, standardOtps: 50, seed: 5 });
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../ai-sdk/page.tsx', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]!.text;
  const chat = createAiSdkChatHandler({ apiKey: 'sk-e2e-bridge', baseURL: sim.url, heartbeatMs: 500 });
  const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>useChat bridge</title></head><body><div id="root"></div><script type="module" src="/app.js"></script></body></html>';
  const fetch = (req: Request): Response | Promise<Response> => {
    const { pathname } = new URL(req.url);
    if (pathname === '/app.js') return new Response(js, { headers: { 'content-type': 'text/javascript' } });
    if (pathname === '/api/chat') return chat.fetch(req);
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  };
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await sim?.close();
});

test.beforeEach(() => sim.sim.reset());

test('useChat streams the reply; the badge, meter and cost show the served fast reply', async ({ page }) => {
  await page.goto(`${base}/?speed=fast`);
  await page.getByLabel('Prompt').fill('Explain fast mode [[sim:tokens=120]]');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('status')).toHaveText('streaming');
  await expect(page.getByTestId('reply')).not.toBeEmpty();
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: 20_000 });
  const reply = await page.getByTestId('reply').textContent();
  expect(reply!.length).toBeGreaterThan(100);
  await expect(page.locator('[data-state="fast"]').first()).toBeVisible();
  const meter = page.getByRole('meter', { name: 'Output speed' });
  // The sim serves fast at 125 tok/s; the edge-measured figure is close to that.
  const otps = Number(await meter.getAttribute('aria-valuenow'));
  expect(otps).toBeGreaterThan(80);
  expect(otps).toBeLessThan(200);
  expect(sim.sim.streams().at(-1)).toMatchObject({ speed: 'fast', end: 'complete', outputTokens: 120 });
});

test('Stop aborts the upstream stream', async ({ page }) => {
  await page.goto(`${base}/?speed=standard`);
  await page.getByLabel('Prompt').fill('A long answer [[sim:tokens=4000]]');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('reply')).not.toBeEmpty();
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveText('ready');
  await expect.poll(() => sim.stats().activeStreams, { timeout: 5_000 }).toBe(0);
  const record = sim.sim.streams().at(-1)!;
  expect(record.end).toBe('client_abort');
  expect(record.outputTokens).toBeLessThan(4000);
});

test('a fast 429 under auto falls back, and the badge says so', async ({ page }) => {
  sim.sim.injectFaults({ fault: 'rate_limit', after: 4000, speed: 'fast' });
  await page.goto(`${base}/?speed=auto`);
  await page.getByLabel('Prompt').fill('Hi [[sim:tokens=30]]');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: 20_000 });
  await expect(page.locator('[data-state="fallback"]').first()).toBeVisible();
  expect(sim.sim.streams().at(-1)).toMatchObject({ speed: 'standard', end: 'complete' });
});

test('files picked in a file input reach the sim as image and document blocks', async ({ page }) => {
  const image = png(96, 64);
  const doc = pdf(2);
  await page.goto(`${base}/?speed=standard`);
  await page.getByLabel('Attach').setInputFiles([
    { name: 'gradient.png', mimeType: 'image/png', buffer: image },
    { name: 'report.pdf', mimeType: 'application/pdf', buffer: doc },
  ]);
  await page.getByLabel('Prompt').fill('What is in these? [[sim:tokens=20]]');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout: 20_000 });
  await expect(page.getByTestId('reply')).not.toBeEmpty();
  await expect(page.getByTestId('error')).toBeEmpty();
  const sent = sim.sim.requests().at(-1)?.body as { messages: { content: { type: string; title?: string; source?: { media_type: string; data: string } }[] }[] };
  const blocks = sent.messages[0]!.content;
  expect(blocks.map((b) => [b.type, b.source?.media_type, b.title])).toEqual([
    ['image', 'image/png', undefined],
    ['document', 'application/pdf', 'report.pdf'],
    ['text', undefined, undefined],
  ]);
  expect(blocks[0]!.source!.data).toBe(image.toString('base64'));
  expect(blocks[1]!.source!.data).toBe(doc.toString('base64'));
});

test('an image over the per-image limit is refused before upstream, and useChat shows the error naming the part', async ({ page }) => {
  await page.goto(`${base}/?speed=standard`);
  // Noise does not compress: about 4.2 MB, 5.6 MB as base64 (the limit is 5 MB of base64).
  await page.getByLabel('Attach').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: noisePng(1400, 1000) });
  await page.getByLabel('Prompt').fill('And this?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('status')).toHaveText('error');
  const shown = JSON.parse((await page.getByTestId('error').textContent())!) as { error: { field: string; message: string } };
  expect(shown.error.field).toBe('messages[0].parts[0].url');
  expect(shown.error.message).toContain('an image may have at most 5242880');
  expect(sim.stats().requests.total).toBe(0);
});
