import type { Page } from '@playwright/test';
import { expect, openTab, test } from '../fixtures.ts';

/** Nothing may make the page wider than the screen: wide content scrolls inside its own box. */
async function pageWidth(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

async function inViewport(page: Page, testId: string): Promise<void> {
  const box = await page.getByTestId(testId).first().boundingBox();
  const vp = page.viewportSize()!;
  expect(box, `${testId} is rendered`).not.toBeNull();
  expect(box!.x, `${testId} left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${testId} right edge`).toBeLessThanOrEqual(vp.width);
  expect(box!.y + box!.height, `${testId} bottom edge`).toBeLessThanOrEqual(vp.height);
}

for (const width of [360, 390] as const) {
  for (const theme of ['light', 'dark'] as const) {
    test(`phone ${width}px, ${theme}: code, tables and long words stay inside the screen; header and composer fit`, async ({ page }) => {
      await page.setViewportSize({ width, height: 844 });
      const panel = await openTab(page, 'chat', theme);
      // Header: every tab and the theme toggle on screen; the composer at the bottom, its placeholder on one line.
      for (const id of ['tab-chat', 'tab-race', 'tab-limits', 'theme-toggle', 'composer-input']) await inViewport(page, id);
      const input = panel.getByTestId('composer-input');
      expect((await input.boundingBox())!.height).toBeLessThan(52);

      const long = 'x'.repeat(120);
      await input.fill(`Write the code for a debounce function, with a ${long} [[sim:tokens=160]]`);
      await input.press('Enter');
      await expect(panel.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
      await input.fill('Compare the options in a table [[sim:tokens=160]]');
      await input.press('Enter');
      const reply = panel.getByTestId('message-assistant').last();
      await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

      await expect(panel.locator('pre[data-md=code]').first()).toBeVisible();
      await expect(panel.locator('table[data-md=table]').first()).toBeAttached();
      const { scrollWidth, innerWidth } = await pageWidth(page);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      // The wide things scroll inside themselves instead.
      const boxes = await panel.locator('pre[data-md=code], [data-md=table-wrapper], table[data-md=table]').evaluateAll((els) =>
        els.map((el) => ({ right: el.getBoundingClientRect().right, overflowX: getComputedStyle(el).overflowX, tag: el.tagName })),
      );
      for (const b of boxes) expect(b.right, `${b.tag} right edge`).toBeLessThanOrEqual(innerWidth);
      expect(boxes.some((b) => b.tag === 'PRE' && b.overflowX === 'auto')).toBe(true);
      // The composer is still pinned at the bottom of the screen after the thread grew.
      await inViewport(page, 'composer-input');
      const composerBottom = (await panel.getByTestId('composer').boundingBox())!;
      expect(844 - (composerBottom.y + composerBottom.height)).toBeLessThan(24);
      // No user bubble shows the simulator's directives.
      await expect(panel.getByTestId('message-user').first()).not.toContainText('[[sim:');
    });
  }
}

test('phone 390px: Race and Limits tabs do not overflow either', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const race = await openTab(page, 'race');
  await race.getByTestId('race-prompt').fill('Implement a retry helper with code. [[sim:tokens=200]]');
  await race.getByTestId('race-start').click();
  await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  let w = await pageWidth(page);
  expect(w.scrollWidth).toBeLessThanOrEqual(w.innerWidth);
  await page.getByTestId('tab-limits').click();
  w = await pageWidth(page);
  expect(w.scrollWidth).toBeLessThanOrEqual(w.innerWidth);
});
