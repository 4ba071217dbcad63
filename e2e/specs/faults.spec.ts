import { expect, openTab, test } from '../fixtures.ts';

test.describe('faults: each injected fault ends in its documented UI state', () => {
  test('529 overloaded (fast only, every retry): a retryable error with a working retry', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-overloaded').click();
    const reply = panel.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'error', { timeout: 15_000 });
    await expect(reply.getByTestId('message-error')).toHaveAttribute('data-kind', 'overloaded');
    await reply.getByTestId('retry').click();
    await expect(panel.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
  });

  test('mid-stream error: the partial text stays, with the error under it', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-midstream').click();
    const reply = panel.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'error', { timeout: 15_000 });
    await expect(reply.getByTestId('message-error')).toBeVisible();
    expect(((await reply.getByTestId('message-text').textContent()) ?? '').trim().length).toBeGreaterThan(20);
    await expect(reply.getByTestId('retry')).toBeVisible();
  });

  test('stall: the edge gives up on a silent upstream; partial text kept, error says stalled', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-stall').click();
    const reply = panel.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect(reply).toHaveAttribute('data-status', 'error', { timeout: 20_000 });
    await expect(reply.getByTestId('message-error')).toHaveAttribute('data-kind', 'stalled');
    expect(((await reply.getByTestId('message-text').textContent()) ?? '').trim().length).toBeGreaterThan(20);
  });

  test('proxy-buffered stream: the reply lands all at once and the page says the proxy is buffering', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-buffered').click();
    const reply = panel.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
    await expect(reply.getByTestId('buffering-warning')).toBeVisible();
  });
});

test('after the fast budget is spent, a retry that can only hit the limit is disabled with a live countdown', async ({ page }) => {
  const panel = await openTab(page, 'limits');
  await panel.getByTestId('exhaust-fast').click();
  await expect(panel.getByTestId('message-assistant').last()).toHaveAttribute('data-status', /done|error/, { timeout: 30_000 });
  await panel.getByTestId('fault-overloaded').click();
  const last = panel.getByTestId('message-assistant').last();
  await expect(last).toHaveAttribute('data-status', 'error', { timeout: 20_000 });
  // The 529 error's Retry (fast only) would meet the spent budget: it waits, with the countdown on it.
  await expect(last.getByTestId('message-error')).toHaveAttribute('data-kind', 'overloaded');
  const countdown = last.getByTestId('retry-countdown');
  // The wait is the spent bucket's estimate (no retry-after for it), so it is marked ≈, as in the gauge.
  await expect(countdown).toContainText(/retry in ≈\d/);
  const first = await countdown.textContent();
  await expect.poll(() => countdown.textContent(), { timeout: 5_000 }).not.toBe(first);
  await expect(last.getByTestId('retry')).toBeDisabled();
  await expect(last.getByTestId('retry')).toContainText('Retry in');
});
