import { expect, openTab, test } from '../fixtures.ts';

test('fallback: with the fast budget exhausted, auto is served standard and the badge says so', async ({ page, sim }) => {
  const panel = await openTab(page, 'limits');
  await expect(panel.getByTestId('sim-label')).toContainText(/simulat/i);

  // Shrinks the sim's fast output budget and spends it with one fast reply.
  await panel.getByTestId('exhaust-fast').click();
  const replies = panel.getByTestId('message-assistant');
  await expect(replies.last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  await expect(replies.last().getByTestId('speed-badge')).toHaveAttribute('data-state', 'fast');

  await panel.getByTestId('send-auto').click();
  await expect(replies).toHaveCount(2);
  const reply = replies.last();
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  const badge = reply.getByTestId('speed-badge');
  await expect(badge).toHaveAttribute('data-state', 'fallback');
  await expect(badge).toContainText(/standard/i);
  await expect(reply.getByTestId('served-speed')).toHaveText('standard');

  // The fast budget gauge shows it spent, with a countdown to its reset.
  const gauge = panel.getByTestId('ratelimit-gauge');
  await expect(gauge).toHaveAttribute('data-state', 'exhausted');
  await expect(gauge.getByRole('meter')).toHaveAttribute('aria-valuenow', '0');
  const streams = await sim.streams();
  expect(streams.at(-1)?.speed).toBe('standard');
});

test('model picker: a model without fast mode is served standard under auto with no fallback warning, and Fast is not offered', async ({ page }) => {
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('model-select').selectOption('claude-sonnet-4-6');
  await panel.getByTestId('speed-auto').check();
  await panel.getByTestId('composer-input').fill('hello [[sim:tokens=20]]');
  await panel.getByTestId('composer-input').press('Enter');
  const first = panel.getByTestId('message-assistant').last();
  await expect(first).toHaveAttribute('data-status', 'done');
  // Nothing fell back: the model simply has no fast mode, and Auto serves it standard.
  await expect(first.getByTestId('speed-badge')).toHaveAttribute('data-state', 'standard');
  await expect(first.getByTestId('fallback-note')).toHaveCount(0);
  await expect(first.getByTestId('standard-note')).toContainText('no fast mode');
  // Fast would be refused by the edge (400 unsupported, covered in the edge tests): the UI does not offer it.
  await expect(panel.getByTestId('speed-fast')).toBeDisabled();
  await expect(panel.getByTestId('fast-unavailable')).toContainText('Claude Sonnet 4.6 has no fast mode');
});
