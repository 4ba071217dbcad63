import { expect, openTab, test } from '../fixtures.ts';

/** Demo content hygiene and honest, model-aware controls. */

test('a standard-only model: Fast is disabled with the reason; Auto serves standard with no fallback warning', async ({ page }) => {
  const chat = await openTab(page, 'chat');
  await chat.getByTestId('speed-fast').check({ force: true });
  await chat.getByTestId('model-select').selectOption('claude-haiku-4-5');
  await expect(chat.getByTestId('speed-fast')).toBeDisabled();
  await expect(chat.getByTestId('fast-unavailable')).toContainText('has no fast mode');
  // The policy moved off Fast (a sure error) to Auto.
  await expect(chat.getByTestId('speed-auto')).toBeChecked();
  await chat.getByTestId('composer-input').fill('hello [[sim:tokens=20]]');
  await chat.getByTestId('composer-input').press('Enter');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(reply.getByTestId('speed-badge')).toHaveAttribute('data-state', 'standard');
  await expect(reply.getByTestId('fallback-note')).toHaveCount(0);
  await expect(reply.getByTestId('standard-note')).toBeVisible();
  await expect(chat.getByTestId('message-user').last()).toHaveText('hello');
});

test('the badge never shows a placeholder: it names the asked speed while text streams', async ({ page }) => {
  const chat = await openTab(page, 'chat');
  await chat.getByTestId('speed-fast').check();
  await chat.getByTestId('composer-input').fill('Explain streaming in detail. [[sim:tokens=600]]');
  await chat.getByTestId('composer-input').press('Enter');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  await expect(reply.getByTestId('message-text')).not.toBeEmpty();
  await expect(reply.getByTestId('speed-badge')).not.toHaveText(/^(Speed|Pending)$/);
  await expect(reply.getByTestId('speed-badge')).toHaveText(/Asked fast|Fast/);
});

test('Race refuses a model without fast mode up front', async ({ page }) => {
  const race = await openTab(page, 'race');
  await race.getByTestId('model-select').selectOption('claude-haiku-4-5');
  await expect(race.getByTestId('race-start')).toBeDisabled();
  await expect(race.getByTestId('race-refusal')).toContainText('no fast mode');
  await race.getByTestId('model-select').selectOption('claude-opus-4-8');
  await expect(race.getByTestId('race-start')).toBeEnabled();
});

test('Stop both: each lane says Stopped, the verdict is partial and labelled, no raw ** in a lane', async ({ page }) => {
  const race = await openTab(page, 'race');
  await race.getByTestId('race-prompt').fill('Write a detailed plan with **bold** steps. [[sim:tokens=3000]]');
  await race.getByTestId('race-start').click();
  await expect(race.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'streaming');
  await page.waitForTimeout(1200);
  await race.getByTestId('race-stop').click();
  for (const lane of ['fast', 'standard']) {
    const el = race.getByTestId(`race-lane-${lane}`);
    await expect(el).toHaveAttribute('data-status', 'aborted');
    await expect(el.getByTestId('lane-stopped')).toHaveText('Stopped');
    await expect(el.getByTestId('speed-badge')).not.toHaveText(/^(Speed|Pending)$/);
    await expect(el.locator('.lane-body')).not.toContainText('**');
  }
  await expect(race.getByTestId('race-verdict')).toHaveAttribute('data-partial', 'true');
  await expect(race.getByTestId('race-stopped-note')).toContainText('Stopped before both lanes finished');
  await expect(race.getByTestId('race-ratio')).toContainText('(partial)');
});

test('numbers a newcomer reads: one headline rate, TTFT and cost beside it, details and definitions on tap, standard estimate after a fast reply', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const chat = await openTab(page, 'chat');
  const input = chat.getByTestId('composer-input');
  await chat.getByTestId('speed-standard').check();
  await input.fill('Explain it [[sim:tokens=120]]');
  await input.press('Enter');
  await expect(chat.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await chat.getByTestId('speed-fast').check();
  await input.fill('Explain it again [[sim:tokens=120]]');
  await input.press('Enter');
  const reply = chat.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  // Headline: one rate (the meter), TTFT and cost visible; the rest folded away.
  await expect(reply.getByRole('meter')).toHaveCount(1);
  await expect(reply.getByTestId('metric-ttft')).toBeVisible();
  await expect(reply.getByTestId('metric-cost')).toBeVisible();
  await expect(reply.getByTestId('metric-effective')).toBeHidden();
  // After a fast reply: what standard would have taken, from the standard rate measured above, labelled.
  await expect(reply.getByTestId('standard-estimate')).toContainText(/Standard would have taken ≈[\d.]+ (s|ms)/);
  await expect(reply.getByTestId('standard-estimate')).toContainText('estimate');
  // Details and definitions open with a tap (no hover needed).
  await reply.getByTestId('reply-details').locator('summary').tap().catch(async () => reply.getByTestId('reply-details').locator('summary').click());
  await expect(reply.getByTestId('metric-effective')).toBeVisible();
  await expect(reply.getByTestId('reply-details')).toContainText('Time to first token');
});
