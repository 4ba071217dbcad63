import { expect, openTab, test } from '../fixtures.ts';

test('chat: a fast reply streams in with a live OTPS meter, a fast badge and final numbers', async ({ page, sim, dialogs }) => {
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('speed-fast').check();
  // ~250 tokens at the sim's fast rate (125 tok/s) is a 2 s stream: long enough to watch it.
  await panel.getByTestId('composer-input').fill('Explain the streaming layer in detail. [[sim:tokens=250]]');
  await panel.getByTestId('composer').locator('[data-part=send]').click();

  const reply = panel.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'streaming');

  // Sample the page while the reply streams: text keeps growing and the meter shows several values.
  const lengths: number[] = [];
  const meterValues = new Set<string>();
  while ((await reply.getAttribute('data-status')) === 'streaming') {
    lengths.push(((await reply.getByTestId('message-text').textContent()) ?? '').length);
    const meter = await reply.getByRole('meter').getAttribute('aria-valuenow').catch(() => null);
    if (meter) meterValues.add(meter);
    await page.waitForTimeout(80);
  }
  expect(lengths.length).toBeGreaterThan(8);
  const growth = lengths.filter((n, i) => i > 0 && n > (lengths[i - 1] ?? 0)).length;
  expect(growth, `text lengths while streaming: ${lengths.join(',')}`).toBeGreaterThanOrEqual(4);
  expect(meterValues.size, `meter values seen: ${[...meterValues].join(', ')}`).toBeGreaterThanOrEqual(3);

  await expect(reply).toHaveAttribute('data-status', 'done');
  await expect(reply.getByTestId('speed-badge')).toHaveAttribute('data-state', 'fast');
  await expect(reply.getByTestId('speed-badge')).toContainText(/fast/i);
  // Final numbers: exact OTPS near the sim's fast rate, a TTFT near its 350 ms, a cost in dollars.
  const otps = Number(await reply.getByTestId('metric-otps').getAttribute('data-value'));
  expect(otps).toBeGreaterThan(90);
  expect(otps).toBeLessThan(160);
  await expect(reply.getByTestId('metric-otps')).toHaveAttribute('data-estimate', 'false');
  const ttft = Number(await reply.getByTestId('metric-ttft').getAttribute('data-value'));
  expect(ttft).toBeGreaterThan(250);
  expect(ttft).toBeLessThan(2000);
  await expect(reply.getByTestId('metric-cost')).toContainText('$');

  const stats = await sim.stats();
  expect(stats.completedStreams).toBe(1);
  expect(dialogs).toEqual([]);
});

test('chat: regenerate replaces the last reply', async ({ page, sim }) => {
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('speed-standard').check();
  await panel.getByTestId('composer-input').fill('hello [[sim:tokens=20]]');
  await panel.getByTestId('composer-input').press('Enter');
  const reply = panel.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'done');
  await expect(reply.getByTestId('speed-badge')).toHaveAttribute('data-state', 'standard');
  await panel.getByTestId('regenerate').click();
  await expect(panel.getByTestId('message-assistant')).toHaveCount(1);
  await expect(panel.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done');
  expect((await sim.stats()).completedStreams).toBe(2);
});
