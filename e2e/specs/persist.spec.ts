import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, openTab, test } from '../fixtures.ts';

/**
 * Conversations kept in IndexedDB (each test has a fresh browser context, so a fresh database): a
 * reload mid-reply keeps every character that had arrived; threads made, renamed and deleted survive a
 * reload, and so does the chat's cost; Regenerate keeps versions, browsable and saved.
 */

async function ask(chat: Locator, text: string): Promise<void> {
  await chat.getByTestId('composer-input').fill(text);
  await chat.getByTestId('composer-input').press('Enter');
}

async function serious(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `${where}: serious/critical axe violations`).toEqual([]);
}

/** Records, in the page, every text delta of the chat's event streams as the network delivered it. */
async function recordDeltas(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __deltas: string[]; fetch: typeof fetch };
    w.__deltas = [];
    const real = w.fetch.bind(window);
    w.fetch = async (input, init) => {
      const res = await real(input, init);
      if (!String(input instanceof Request ? input.url : input).includes('/api/chat') || !res.body) return res;
      const [mine, theirs] = res.body.tee();
      void (async () => {
        const reader = mine.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
          if (done) return;
          buf += value;
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) !== -1) {
            const frame = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            if (!/^event: text$/m.test(frame)) continue;
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (data) w.__deltas.push((JSON.parse(data) as { delta: string }).delta);
          }
        }
      })();
      return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  });
}

for (const edge of ['resumes', 'refuses'] as const) {
  test(`a reload mid-reply keeps every character that had arrived (the edge ${edge} the reply)`, async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await recordDeltas(page);
    const chat = await openTab(page, 'chat');
    await ask(chat, 'Write a long detailed essay [[sim:tokens=1500]]');
    const reply = chat.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect.poll(async () => Number(await reply.getAttribute('data-chars')), { timeout: 15_000 }).toBeGreaterThan(400);
    // A reply the edge no longer has: only the saved thread can bring its text back.
    if (edge === 'refuses')
      await page.route(
        (url) => /\/api\/chat\/[^/]+$/.test(url.pathname),
        (route) => route.fulfill({ status: 404, json: { error: { kind: 'not_found', message: 'No such reply (test)', retryable: false } } }),
      );
    // Everything the network had delivered at the last moment before the reload (the stream keeps going).
    const arrived = await page.evaluate(() => (window as unknown as { __deltas: string[] }).__deltas.join(''));
    expect(arrived.length).toBeGreaterThan(400);
    await page.reload();
    await expect(page.getByTestId('upstream')).toHaveText('Simulator');
    const restored = chat.getByTestId('message-assistant').last();
    await expect(chat.getByTestId('message-user')).toHaveText('Write a long detailed essay');
    await expect(restored).toHaveAttribute('data-status', edge === 'resumes' ? 'done' : 'error', { timeout: 30_000 });
    if (edge === 'refuses') await expect(restored.getByTestId('retry')).toHaveCount(1);
    // The kept reply, as its markdown source: every character that had arrived, in order.
    await restored.getByTestId('copy-reply').click();
    const kept = await page.evaluate(() => navigator.clipboard.readText());
    expect(kept.length).toBeGreaterThanOrEqual(arrived.length);
    expect(kept.slice(0, arrived.length)).toBe(arrived);
  });
}

for (const [width, height, theme] of [[1280, 900, 'light'], [390, 844, 'dark']] as const) {
  test(`threads at ${width}px, ${theme}: new, rename, delete with undo, all surviving a reload, with the chat's cost`, async ({ page, dialogs }) => {
    await page.setViewportSize({ width, height });
    const chat = await openTab(page, 'chat', theme);
    const phone = width < 800;
    const list = async (): Promise<Locator> => {
      if (phone) {
        await chat.getByTestId('threads-toggle').click();
        await expect(page.getByTestId('threads-drawer')).toBeVisible();
      }
      return chat.getByTestId('thread-list');
    };
    const closeList = async () => {
      if (phone && (await page.getByTestId('threads-drawer').isVisible())) await page.keyboard.press('Escape');
    };

    await ask(chat, 'First chat about caching [[sim:tokens=20]]');
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    let threads = await list();
    await expect(threads.getByTestId('thread-item')).toHaveCount(1);
    await threads.getByTestId('new-chat').click();
    await expect(chat.getByTestId('message-user')).toHaveCount(0);
    await expect(chat.getByTestId('composer-input')).toBeFocused();
    await ask(chat, 'Second chat about queues [[sim:tokens=30]]');
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    const cost = (await chat.getByTestId('session-cost').locator('.stat-value').innerText()).trim();
    expect(cost).toMatch(/\$0\.\d*[1-9]/);

    threads = await list();
    await expect(threads.getByTestId('thread-item')).toHaveCount(2);
    // Newest first; the open one is marked current. Rename it by keyboard.
    const second = threads.getByTestId('thread-item').first();
    await expect(second.getByTestId('thread-open')).toHaveAttribute('aria-current', 'page');
    await expect(second.getByTestId('thread-open')).toContainText('Second chat about queues');
    await expect(second.getByTestId('thread-open')).not.toContainText('[[sim');
    await second.getByTestId('thread-rename').focus();
    await page.keyboard.press('Enter');
    const input = second.getByTestId('thread-rename-input');
    await expect(input).toBeFocused();
    await input.fill('Queues, renamed');
    await input.press('Enter');
    await expect(second.getByTestId('thread-open')).toContainText('Queues, renamed');
    await expect(second.getByTestId('thread-rename')).toBeFocused();

    // Delete the first chat, undo, delete it for good.
    const first = threads.getByTestId('thread-item').nth(1);
    await expect(first.getByTestId('thread-open')).toContainText('First chat about caching');
    await first.getByTestId('thread-delete').click();
    await expect(threads.getByTestId('thread-item')).toHaveCount(1);
    await expect(chat.getByTestId('undo-toast')).toContainText('Deleted “First chat about caching”');
    await expect(chat.getByTestId('undo-delete')).toBeFocused();
    if (phone) await serious(page, 'threads drawer open');
    await chat.getByTestId('undo-delete').click();
    await expect(threads.getByTestId('thread-item')).toHaveCount(2);
    await threads.getByTestId('thread-item').nth(1).getByTestId('thread-delete').click();
    await expect(threads.getByTestId('thread-item')).toHaveCount(1);
    await closeList();
    if (!phone) await serious(page, 'chat with the thread list');

    await page.reload();
    await expect(page.getByTestId('upstream')).toHaveText('Simulator');
    await expect(chat.getByTestId('message-user')).toHaveText('Second chat about queues');
    await expect(chat.getByTestId('message-assistant')).toHaveAttribute('data-status', 'done');
    await expect(chat.getByTestId('session-cost').locator('.stat-value')).toHaveText(cost);
    threads = await list();
    await expect(threads.getByTestId('thread-item')).toHaveCount(1);
    await expect(threads.getByTestId('thread-open')).toContainText('Queues, renamed');
    expect(dialogs).toEqual([]);
  });
}

test('regenerate keeps the earlier reply: ‹ 1/2 › browses both, by keyboard, announced, and the choice survives a reload', async ({ page }) => {
  const chat = await openTab(page, 'chat');
  await ask(chat, 'Tell me about edge caching [[sim:tokens=25]]');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const firstText = await reply.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText();
  const firstCost = (await chat.getByTestId('session-cost').locator('.stat-value').innerText()).trim();
  await reply.getByTestId('regenerate').click();
  await expect(chat.getByTestId('message-assistant')).toHaveCount(1);
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const count = reply.getByTestId('version-count');
  await expect(count).toHaveText(/2\/2/);
  await expect(count).toContainText('Version 2 of 2');
  await expect(count).toHaveAttribute('aria-live', 'polite');
  await expect(reply.getByTestId('version-next')).toBeDisabled();
  const secondText = await reply.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText();
  // Both replies were paid for.
  await expect(chat.getByTestId('session-cost').locator('.stat-value')).not.toHaveText(firstCost);

  await reply.getByTestId('version-prev').focus();
  await page.keyboard.press('Enter');
  await expect(count).toContainText('Version 1 of 2');
  await expect.poll(() => reply.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText()).toBe(firstText);
  // The pressed button is disabled at the end: focus moved to the other one, not to <body>.
  await expect(reply.getByTestId('version-next')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(count).toContainText('Version 2 of 2');
  await expect.poll(() => reply.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText()).toBe(secondText);
  await expect(reply.getByTestId('version-prev')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(count).toContainText('Version 1 of 2');

  await page.reload();
  await expect(page.getByTestId('upstream')).toHaveText('Simulator');
  const restored = chat.getByTestId('message-assistant').last();
  await expect(restored.getByTestId('version-count')).toContainText('Version 1 of 2');
  await expect.poll(() => restored.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText()).toBe(firstText);
  await restored.getByTestId('version-next').click();
  await expect.poll(() => restored.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText()).toBe(secondText);
});

test('deleting the open chat while its reply streams stops the reply upstream and opens a new chat; a reload keeps it deleted', async ({ page, sim }) => {
  const chat = await openTab(page, 'chat');
  await ask(chat, 'A long plan, please [[sim:tokens=3000]]');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  await expect(chat.getByTestId('thread-item')).toHaveCount(1, { timeout: 5000 });
  await chat.getByTestId('thread-delete').click();
  await expect(chat.getByTestId('undo-toast')).toContainText('Deleted “A long plan, please”');
  await expect(chat.getByTestId('message-user')).toHaveCount(0);
  await expect(chat.getByTestId('thread-item')).toHaveCount(0);
  await expect.poll(async () => (await sim.stats()).abortedStreams, { timeout: 5000 }).toBe(1);
  await page.reload();
  await expect(page.getByTestId('upstream')).toHaveText('Simulator');
  await expect(chat.getByTestId('thread-list')).toBeVisible();
  await expect(chat.getByTestId('thread-item')).toHaveCount(0);
  await expect(chat.getByTestId('message-user')).toHaveCount(0);
});
