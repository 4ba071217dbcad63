import { fileURLToPath } from 'node:url';
import { dropFile, pdf, png } from '../files.ts';
import { expect, openTab, test } from '../fixtures.ts';

const SHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

for (const theme of ['light', 'dark'] as const) {
  test(`screenshots: chat and race, ${theme}`, async ({ page }) => {
    const chat = await openTab(page, 'chat', theme);
    const race = page.locator('#panel-race');
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await chat.getByTestId('speed-auto').check();
    await chat.getByTestId('composer-input').fill('Write a short plan with code for streaming replies from the edge');
    await chat.getByTestId('composer').locator('[data-part=send]').click();
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await chat.getByTestId('composer-input').fill('Now the JSON config for it');
    await chat.getByTestId('composer').locator('[data-part=send]').click();
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}chat-${theme}.png` });

    await page.getByTestId('tab-race').click();
    await race.getByTestId('race-preset-code').click();
    await race.getByTestId('race-start').click();
    await expect(race.getByTestId('race-lane-fast')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    // Mid-race: fast done, standard still streaming — the picture that explains fast mode.
    await page.screenshot({ path: `${SHOTS}race-${theme}-midway.png` });
    await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}race-${theme}.png` });
  });
}

for (const theme of ['light', 'dark'] as const) {
  test(`screenshots: phone (390×844), ${theme}`, async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    const chat = await openTab(page, 'chat', theme);
    await chat.getByTestId('speed-auto').check();
    await chat.getByTestId('composer-input').fill('Write a TypeScript debounce function with code');
    await chat.getByTestId('composer').locator('[data-part=send]').click();
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await chat.getByTestId('composer-input').fill('Compare the options in a table');
    await chat.getByTestId('composer').locator('[data-part=send]').click();
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    // Highlighting lands in an idle slot after the block closes.
    await expect(chat.locator('pre[data-state="closed"] [class^="hljs-"]').first()).toBeAttached();
    await page.screenshot({ path: `${SHOTS}phone-chat-${theme}.png` });

    await page.getByTestId('tab-race').click();
    const race = page.locator('#panel-race');
    await race.getByTestId('race-preset-code').click();
    await race.getByTestId('race-start').click();
    await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}phone-race-${theme}.png` });
  });
}

for (const [width, height, theme, name] of [[1280, 900, 'light', 'chat-attachments'], [390, 844, 'dark', 'phone-chat-attachments']] as const) {
  test(`screenshots: attachments in the composer and a sent bubble, ${width}px ${theme}`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const chat = await openTab(page, 'chat', theme);
    await chat.getByTestId('composer-input').fill('What is in this chart? [[sim:tokens=60]]');
    await chat.getByTestId('composer').locator('input[type=file]').setInputFiles({ name: 'chart.png', mimeType: 'image/png', buffer: png(320, 200) });
    await chat.getByTestId('composer-input').press('Enter');
    await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await chat.getByTestId('composer').locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png(160, 120) });
    await dropFile(page, chat.getByTestId('drop-zone'), { name: 'quarterly-report.pdf', mimeType: 'application/pdf', buffer: pdf(12) });
    await expect(chat.getByTestId('attachments').getByRole('listitem')).toHaveCount(2);
    await chat.getByTestId('composer-input').fill('Does the report agree with the photo?');
    await page.screenshot({ path: `${SHOTS}${name}.png` });
  });
}
