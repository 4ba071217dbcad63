import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openTab, test } from '../fixtures.ts';

/**
 * Automated WCAG 2.1 AA checks (axe-core) on every tab, both themes, while a reply streams and once it
 * has finished. Serious and critical violations fail; each is listed with its nodes so the fix is obvious.
 */
async function serious(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')} ${n.failureSummary?.replace(/\n/g, ' ') ?? ''}`).join('\n')}`);
  expect(report, `${where}: serious/critical axe violations`).toEqual([]);
}

for (const theme of ['light', 'dark'] as const) {
  test(`a11y ${theme}: chat, mid-stream and finished`, async ({ page }) => {
    const chat = await openTab(page, 'chat', theme);
    await serious(page, 'chat empty');
    await chat.getByTestId('composer-input').fill('Write code and compare options in a table [[sim:tokens=600]]');
    await chat.getByTestId('composer-input').press('Enter');
    const reply = chat.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await serious(page, 'chat mid-stream');
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await serious(page, 'chat finished');
  });

  test(`a11y ${theme}: race, mid-race and finished`, async ({ page }) => {
    const race = await openTab(page, 'race', theme);
    await serious(page, 'race idle');
    await race.getByTestId('race-prompt').fill('Implement a retry helper with code. [[sim:tokens=400]]');
    await race.getByTestId('race-start').click();
    await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'streaming');
    await serious(page, 'race mid-race');
    await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await serious(page, 'race finished');
  });

  test(`a11y ${theme}: agent, mid-run and finished`, async ({ page }) => {
    const agent = await openTab(page, 'agent', theme);
    await serious(page, 'agent idle');
    await agent.getByTestId('agent-run').click();
    await expect(agent.getByTestId('agent-lane-standard')).not.toHaveAttribute('data-status', 'idle');
    await serious(page, 'agent mid-run');
    await expect(agent.getByTestId('agent-verdict')).toHaveAttribute('data-done', 'true', { timeout: 40_000 });
    await serious(page, 'agent finished');
  });

  test(`a11y ${theme}: limits & faults, mid-step and finished`, async ({ page }) => {
    const limits = await openTab(page, 'limits', theme);
    await serious(page, 'limits idle');
    await limits.getByTestId('fault-midstream').click();
    const reply = limits.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await serious(page, 'limits mid-stream');
    await expect(reply).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
    await serious(page, 'limits finished');
  });
}

test('keyboard: Esc stops a reply from anywhere in the chat; after Stop, focus lands on the composer, never on <body>', async ({ page }) => {
  const chat = await openTab(page, 'chat');
  const input = chat.getByTestId('composer-input');
  await input.fill('A long plan, please. [[sim:tokens=3000]]');
  await input.press('Enter');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  // Focus away from the textarea (the thread itself), then Esc.
  await chat.getByRole('log').focus().catch(() => {});
  await page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press('Escape');
  await expect(reply).toHaveAttribute('data-status', 'aborted');

  await input.fill('Another long one. [[sim:tokens=3000]]');
  await input.press('Enter');
  await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'streaming');
  await chat.getByTestId('composer').locator('[data-part=stop]').click();
  await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'aborted');
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)).toBe('composer-input');
});

test('keyboard: Race stops on Esc from anywhere in its panel; focus goes to the start button after Stop both', async ({ page }) => {
  const race = await openTab(page, 'race');
  await race.getByTestId('race-prompt').fill('Implement a retry helper with code. [[sim:tokens=3000]]');
  await race.getByTestId('race-start').click();
  await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'streaming');
  await page.keyboard.press('Escape');
  await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'aborted');
  await race.getByTestId('race-start').click();
  await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'streaming');
  await race.getByTestId('race-stop').click();
  await expect(race.getByTestId('race-lane-fast')).not.toHaveAttribute('data-status', 'streaming');
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)).toBe('race-start');
});
