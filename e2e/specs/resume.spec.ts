import type { Locator, Page } from '@playwright/test';
import { catchCopies, expect, openTab, rawText, referenceText, test } from '../fixtures.ts';

// The demo's edge keeps replies (`resume: true`): a page that loses its connection or is reloaded
// mid-reply picks the reply up again (GET /api/chat/:replyId with last-event-id), and the reply is
// the one upstream request the sim saw, not a second one.

const PROMPT = 'Write about the sea, in detail. [[sim:tokens=700]]';

async function send(panel: Locator, prompt: string): Promise<Locator> {
  await panel.getByTestId('speed-fast').check();
  await panel.getByTestId('composer-input').fill(prompt);
  await panel.getByTestId('composer').locator('[data-part=send]').click();
  return panel.getByTestId('message-assistant').last();
}

async function textLength(reply: Locator): Promise<number> {
  return ((await reply.getByTestId('message-text').textContent()) ?? '').length;
}

async function replyRecord(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('slipstream:reply:')));
}

test('resume: a reload mid-reply brings the reply back under its question, and it finishes with the text of one upstream request', async ({ page, sim, browser, baseURL }) => {
  await catchCopies(page);
  const panel = await openTab(page, 'chat');
  const reply = await send(panel, PROMPT);
  await expect.poll(() => textLength(reply), { timeout: 10_000 }).toBeGreaterThan(200);
  expect(await replyRecord(page)).toEqual(['slipstream:reply:chat:chat']);

  await page.reload();
  await expect(page.getByTestId('tab-chat')).toHaveAttribute('aria-selected', 'true');
  const after = page.locator('#panel-chat');
  await expect(after.getByTestId('message-user')).toHaveCount(1);
  await expect(after.getByTestId('message-user')).toContainText('Write about the sea');
  const resumed = after.getByTestId('message-assistant');
  await expect(resumed).toHaveCount(1);
  await expect(resumed).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  const text = await rawText(resumed);

  // One upstream request, run to its end: the reload did not ask again.
  expect(await sim.requests()).toHaveLength(1);
  const stats = await sim.stats();
  expect(stats.completedStreams).toBe(1);
  expect(stats.abortedStreams).toBe(0);
  expect(await replyRecord(page)).toEqual([]);
  // The meter has the reply's numbers, from the edge's pacing (not the reload's replay burst).
  const ttft = Number(await resumed.getByTestId('metric-ttft').getAttribute('data-value'));
  expect(ttft).toBeGreaterThan(0);
  expect(ttft).toBeLessThan(3000);

  await sim.reset();
  expect(text).toBe(await referenceText(browser, baseURL!, (panel) => send(panel, PROMPT), 20_000));
});

test('resume: a connection cut mid-reply shows Reconnecting…, then the reply continues with no lost or repeated text', async ({ page, sim, browser, baseURL }) => {
  await catchCopies(page);
  const panel = await openTab(page, 'chat');
  const reply = await send(panel, PROMPT);
  await expect.poll(() => textLength(reply), { timeout: 10_000 }).toBeGreaterThan(200);

  // The demo server destroys the stream's connection (a lost network), and refuses the page's
  // reconnections for ~2 s: the page must say it is away, and get everything it missed afterwards.
  const gets: string[] = [];
  await page.route('**/api/chat/*', async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    gets.push(route.request().headers()['last-event-id'] ?? '');
    if (gets.length <= 2) return route.abort('internetdisconnected');
    return route.fallback();
  });
  const cut = await page.request.post('/api/sim/drop-connections');
  expect(await cut.json()).toEqual({ dropped: 1 });
  await expect(reply.getByTestId('reconnecting')).toBeVisible({ timeout: 5000 });
  await expect(reply).toHaveAttribute('data-status', 'streaming');

  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 25_000 });
  await expect(reply.getByTestId('reconnecting')).toHaveCount(0);
  expect(gets.length).toBeGreaterThanOrEqual(3);
  // Every attempt asked for what came after the last event the page had.
  expect(new Set(gets).size, gets.join(',')).toBe(1);
  expect(Number(gets[0])).toBeGreaterThan(10);
  const text = await rawText(reply);
  expect(await sim.requests()).toHaveLength(1);
  expect((await sim.stats()).completedStreams).toBe(1);

  await sim.reset();
  expect(text).toBe(await referenceText(browser, baseURL!, (panel) => send(panel, PROMPT), 20_000));
});

test('resume: Stop on a resumable reply aborts it upstream (POST …/stop) and a reload then has nothing to resume', async ({ page, sim }) => {
  const panel = await openTab(page, 'chat');
  const stops: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/stop')) stops.push(new URL(r.url()).pathname);
  });
  const reply = await send(panel, PROMPT);
  await expect.poll(() => textLength(reply), { timeout: 10_000 }).toBeGreaterThan(200);
  await panel.getByTestId('composer').locator('[data-part=stop]').click();
  await expect(reply).toHaveAttribute('data-status', 'aborted');
  await expect.poll(async () => (await sim.stats()).abortedStreams, { timeout: 5000 }).toBe(1);
  expect(stops).toHaveLength(1);
  expect(stops[0]).toMatch(/^\/api\/chat\/[0-9a-f-]{36}\/stop$/);
  expect(await replyRecord(page)).toEqual([]);
  const resumes: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'GET' && /^\/api\/chat\/[^/]+$/.test(new URL(r.url()).pathname)) resumes.push(r.url());
  });
  await page.reload();
  await expect(page.getByTestId('tab-chat')).toHaveAttribute('aria-selected', 'true');
  // The saved thread brings the stopped reply back as it was (IndexedDB); nothing resumes it.
  await expect(page.locator('#panel-chat').getByTestId('message-assistant')).toHaveAttribute('data-status', 'aborted');
  await page.waitForTimeout(500);
  expect(resumes).toEqual([]);
});
