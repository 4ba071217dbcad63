import { expect, openTab, test } from '../fixtures.ts';

/** Message actions and scrolling: copy, edit-and-resend, one retry control, jump to latest, Continue. */
for (const [width, height, theme] of [[1280, 900, 'light'], [390, 844, 'dark']] as const) {
  test(`actions at ${width}px, ${theme}: copy a reply, edit and resend a prompt, one control per state`, async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.setViewportSize({ width, height });
    const chat = await openTab(page, 'chat', theme);
    const input = chat.getByTestId('composer-input');
    await input.fill('hello there [[sim:tokens=30]]');
    await input.press('Enter');
    const reply = chat.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    // Finished reply: Copy and Regenerate, no Retry.
    await expect(reply.getByTestId('retry')).toHaveCount(0);
    await expect(reply.getByTestId('regenerate')).toHaveCount(1);
    await reply.getByTestId('copy-reply').click();
    await expect(reply.getByTestId('copy-reply')).toHaveText('Copied');
    // The reply is copied as its markdown source (headings keep their #): its first rendered line is in it.
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    const firstLine = ((await reply.getByTestId('message-text').locator('[data-slipstream=markdown]').innerText()).trim().split('\n')[0] ?? '').trim();
    expect(firstLine.length).toBeGreaterThan(3);
    expect(clip).toContain(firstLine);

    // Edit the prompt: the old reply goes, a new one answers the edited text.
    await chat.getByTestId('edit').first().click();
    const box = chat.getByTestId('message-edit').locator('textarea');
    await expect(box).toHaveValue('hello there');
    await box.fill('hello again');
    await chat.getByTestId('edit-send').click();
    await expect(chat.getByTestId('message-user')).toHaveCount(1);
    await expect(chat.getByTestId('message-user').first()).toHaveText('hello again');
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await expect(chat.getByTestId('message-assistant')).toHaveCount(1);
  });
}

test('scrolling: jump-to-latest appears when scrolled up mid-stream, and sending scrolls to the new message', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const chat = await openTab(page, 'chat');
  const input = chat.getByTestId('composer-input');
  await input.fill('Write a long detailed essay [[sim:tokens=1500]]');
  await input.press('Enter');
  const log = chat.getByRole('log');
  await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'streaming');
  await expect.poll(() => log.evaluate((el) => el.scrollHeight > el.clientHeight + 400), { timeout: 15_000 }).toBe(true);
  await log.evaluate((el) => el.scrollTo({ top: 0 }));
  await expect(chat.getByTestId('jump-latest')).toBeVisible();
  // Released: the stream does not pull the reader back down.
  await page.waitForTimeout(600);
  expect(await log.evaluate((el) => el.scrollTop)).toBeLessThan(50);
  await chat.getByTestId('jump-latest').click();
  await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(40);
  await expect(chat.getByTestId('jump-latest')).toHaveCount(0);
  await chat.getByTestId('composer').locator('[data-part=stop]').click();
  // Scrolled up, then send: the new message is brought into view.
  await log.evaluate((el) => el.scrollTo({ top: 0 }));
  await input.fill('and one more [[sim:tokens=20]]');
  await input.press('Enter');
  await expect(chat.getByTestId('message-user').last()).toBeInViewport();
});

test('a reply cut at max_tokens says so and offers Continue', async ({ page }) => {
  // The demo sends no max_tokens (the edge's default is 4096): make this request's limit small.
  await page.route('**/api/chat', async (route) => {
    const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
    await route.continue({ postData: JSON.stringify({ ...body, max_tokens: 40 }) });
  });
  const chat = await openTab(page, 'chat');
  await chat.getByTestId('composer-input').fill('Explain streaming [[sim:tokens=200]]');
  await chat.getByTestId('composer-input').press('Enter');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(reply.getByTestId('cut-note')).toContainText('max_tokens');
  await reply.getByTestId('continue').click();
  await expect(chat.getByTestId('message-user').last()).toHaveText('Continue exactly where you stopped.');
  await expect(chat.getByTestId('message-assistant')).toHaveCount(2);
});
