import type { Locator, Page } from '@playwright/test';
import { catchCopies, expect, openTab, rawText, referenceText, test } from '../fixtures.ts';

/**
 * Saved chats with more than one writer: two tabs on one chat (one browser context, so one IndexedDB
 * database and one BroadcastChannel), and a chat left mid-reply for another one. Nothing either side
 * wrote is lost, and a reply left for another chat is neither stopped nor wasted.
 */

async function ask(chat: Locator, text: string): Promise<Locator> {
  await chat.getByTestId('composer-input').fill(text);
  await chat.getByTestId('composer-input').press('Enter');
  return chat.getByTestId('message-assistant').last();
}

const contents = (chat: Locator, who: 'user' | 'assistant') => chat.getByTestId(`message-${who}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-chars') ?? e.textContent ?? ''));
const userTexts = (chat: Locator) => chat.getByTestId('message-user').allInnerTexts();

/** The demo's saved thread `id` as it is in IndexedDB now, read by the page (no chat involved). */
async function storedThread(page: Page, id: string): Promise<{ messages: { role: string; content: string; status?: string }[] } | undefined> {
  return page.evaluate(
    (key) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('slipstream-demo');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('threads').objectStore('threads').get(key);
          get.onsuccess = () => resolve(get.result);
          get.onerror = () => reject(get.error);
        };
      }),
    `thread:${id}`,
  ) as Promise<{ messages: { role: string; content: string; status?: string }[] } | undefined>;
}

test('two tabs on one chat: B sends twice while A is idle, A follows live, then A sends; both keep every message, also after a reload, and renames and deletes reach the other tab', async ({ context }) => {
  const pageA = await context.newPage();
  const a = await openTab(pageA, 'chat');
  await expect(await ask(a, 'Start here [[sim:tokens=15]]')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  // The second tab opens the same chat (the open chat is remembered per browser).
  const pageB = await context.newPage();
  const b = await openTab(pageB, 'chat');
  await expect(b.getByTestId('message-user')).toHaveText(['Start here']);

  for (const text of ['B one [[sim:tokens=15]]', 'B two [[sim:tokens=15]]']) await expect(await ask(b, text)).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  // A was idle: it shows B's turns without a reload.
  await expect(a.getByTestId('message-user')).toHaveText(['Start here', 'B one', 'B two']);
  await expect(a.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done');
  expect(await contents(a, 'assistant')).toEqual(await contents(b, 'assistant'));

  await expect(await ask(a, 'A one [[sim:tokens=15]]')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const all = ['Start here', 'B one', 'B two', 'A one'];
  await expect(b.getByTestId('message-user')).toHaveText(all);
  await expect(b.getByTestId('message-assistant')).toHaveCount(4);
  // Nothing forked: one chat in both lists.
  await expect(a.getByTestId('thread-item')).toHaveCount(1);
  await expect(b.getByTestId('thread-item')).toHaveCount(1);

  for (const page of [pageA, pageB]) {
    await page.reload();
    await expect(page.getByTestId('upstream')).toHaveText('Simulator');
  }
  expect(await userTexts(a)).toEqual(all);
  expect(await userTexts(b)).toEqual(all);
  await expect(a.getByTestId('message-assistant')).toHaveCount(4);

  // A rename in B shows in A's list; a delete in B empties A's list and its open chat.
  const rowB = b.getByTestId('thread-item').first();
  await rowB.getByTestId('thread-rename').click();
  await rowB.getByTestId('thread-rename-input').fill('Shared, renamed in B');
  await rowB.getByTestId('thread-rename-input').press('Enter');
  await expect(a.getByTestId('thread-open')).toContainText('Shared, renamed in B');
  await b.getByTestId('thread-item').first().getByTestId('thread-delete').click();
  await expect(a.getByTestId('thread-item')).toHaveCount(0);
  await expect(a.getByTestId('message-user')).toHaveCount(0);
});

test('a tab sends in a chat while the other tab’s reply streams into it: that reply finishes whole in the chat, the new turn goes on in a copy, and the tab says so', async ({ context }) => {
  const pageA = await context.newPage();
  const a = await openTab(pageA, 'chat');
  await expect(await ask(a, 'Shared start [[sim:tokens=10]]')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const pageB = await context.newPage();
  const b = await openTab(pageB, 'chat');
  await expect(b.getByTestId('message-user')).toHaveText(['Shared start']);

  const long = await ask(a, 'A long one [[sim:tokens=1200]]');
  await expect.poll(async () => Number(await long.getAttribute('data-chars')), { timeout: 15_000 }).toBeGreaterThan(200);
  // B, idle, follows A's reply as A saves it (about once a second), shown as streaming.
  await expect(b.getByTestId('message-user')).toHaveText(['Shared start', 'A long one']);
  const followed = b.getByTestId('message-assistant').last();
  await expect(followed).toHaveAttribute('data-status', 'streaming');
  await expect.poll(async () => Number(await followed.getAttribute('data-chars'))).toBeGreaterThan(200);
  await expect(await ask(b, 'B cuts in [[sim:tokens=10]]')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

  // B's turn went on in a copy (B says so and shows it open); A's reply is stopped there, as far as B had it.
  await expect(b.getByTestId('fork-toast')).toBeVisible();
  await expect(b.getByTestId('message-assistant').nth(1)).toHaveAttribute('data-status', 'aborted');
  // (The shared chat stays first in the lists, newest, while A's reply is saved into it.)
  await expect(b.getByTestId('thread-item').filter({ hasText: 'Shared start (copy)' })).toHaveAttribute('data-current', 'true');
  // A was not disturbed: its reply streams to its end in the shared chat.
  await expect(long).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(a.getByTestId('fork-toast')).toHaveCount(0);
  await expect(a.getByTestId('thread-item')).toHaveCount(2);
  expect(await userTexts(a)).toEqual(['Shared start', 'A long one']);
  expect(await userTexts(b)).toEqual(['Shared start', 'A long one', 'B cuts in']);
  const whole = await long.getAttribute('data-chars');

  for (const page of [pageA, pageB]) {
    await page.reload();
    await expect(page.getByTestId('upstream')).toHaveText('Simulator');
  }
  // Each tab reopens its own: A the shared chat with the whole reply, B its copy with its turn.
  await expect(a.getByTestId('message-assistant').last()).toHaveAttribute('data-chars', whole!);
  await expect(a.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done');
  expect(await userTexts(b)).toEqual(['Shared start', 'A long one', 'B cuts in']);
});

for (const back of ['after it has ended', 'while it still streams'] as const) {
  test(`switching chats mid-reply: the reply is not stopped, it finishes into its own chat, and opening it again ${back} shows it whole`, async ({ page, sim, browser, baseURL }) => {
    test.setTimeout(120_000);
    const prompt = `A long essay about rivers, please. [[sim:tokens=${back === 'after it has ended' ? 400 : 1500}]]`;
    const reference = await referenceText(browser, baseURL!, (chat) => ask(chat, prompt));
    await sim.reset();
    await catchCopies(page);
    const chat = await openTab(page, 'chat');
    const reply = await ask(chat, prompt);
    await expect.poll(async () => Number(await reply.getAttribute('data-chars')), { timeout: 15_000 }).toBeGreaterThan(100);
    const seen = Number(await reply.getAttribute('data-chars'));
    expect(seen).toBeLessThan(reference.length);

    const id = await chat.getByTestId('thread-item').filter({ hasText: 'A long essay about rivers' }).getAttribute('data-thread-id');
    await chat.getByTestId('new-chat').click();
    await expect(chat.getByTestId('message-user')).toHaveCount(0);
    if (back === 'after it has ended') {
      // Nobody shows it, and it runs to its end upstream: a completed stream, not a client abort.
      await expect.poll(async () => (await sim.streams()).map((s) => s.end ?? 'running'), { timeout: 30_000 }).toEqual(['complete']);
      // And it was saved into its chat while nobody looked: whole, done (before, the chat kept only what
      // had arrived when it was left, and the rest lived only at the edge, until its detach time).
      await expect.poll(async () => (await storedThread(page, id!))?.messages.at(-1)?.status, { timeout: 10_000 }).toBe('done');
      expect((await storedThread(page, id!))?.messages.at(-1)?.content).toBe(reference);
    } else {
      await expect.poll(async () => (await sim.streams()).map((s) => s.end ?? 'running')).toEqual(['running']);
    }
    await chat.getByTestId('thread-item').filter({ hasText: 'A long essay about rivers' }).getByTestId('thread-open').click();
    const again = chat.getByTestId('message-assistant').last();
    if (back === 'while it still streams') {
      // Taken over live: still streaming, and growing.
      await expect(again).toHaveAttribute('data-status', 'streaming');
      const now = Number(await again.getAttribute('data-chars'));
      await expect.poll(async () => Number(await again.getAttribute('data-chars'))).toBeGreaterThan(now);
    }
    await expect(again).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    expect(await rawText(again)).toBe(reference);
    // One upstream request, run to its end; never stopped, never aborted.
    expect((await sim.streams()).map((s) => s.end)).toEqual(['complete']);
    expect((await sim.stats()).abortedStreams).toBe(0);
    expect(await sim.requests()).toHaveLength(1);
    await page.reload();
    await expect(page.getByTestId('upstream')).toHaveText('Simulator');
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done');
    expect(await rawText(chat.getByTestId('message-assistant').last())).toBe(reference);
  });
}
