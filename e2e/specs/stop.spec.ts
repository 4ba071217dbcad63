import { expect, openTab, test } from '../fixtures.ts';

// A wall-clock timing check across four processes (Chromium, demo server, edge, sim). On a shared,
// oversubscribed machine one scheduling stall can exceed the budget, so this file alone gets retries; a
// real regression (abort not reaching upstream) fails every attempt.
test.describe.configure({ retries: 2 });

test('stop: the stream halts in the page and the upstream stream is aborted within ~100 ms', async ({ page, sim }) => {
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('speed-fast').check();
  await panel.getByTestId('composer-input').fill('Write a long plan. [[sim:tokens=3000]]');
  await panel.getByTestId('composer').locator('[data-part=send]').click();

  const reply = panel.getByTestId('message-assistant').last();
  const text = reply.getByTestId('message-text');
  await expect.poll(async () => ((await text.textContent()) ?? '').length, { timeout: 10_000 }).toBeGreaterThan(200);

  // The click's wall-clock time, taken in the page on the same machine clock as the sim's deltaTimes
  // (both are performance.timeOrigin + performance.now()).
  await page.evaluate(() => {
    document.addEventListener(
      'click',
      (event) => {
        if ((event.target as Element | null)?.closest('[data-testid="composer"] [data-part="stop"]')) {
          (window as unknown as { __stopAt: number }).__stopAt = performance.timeOrigin + performance.now();
        }
      },
      { capture: true },
    );
  });
  await panel.getByTestId('composer').locator('[data-part=stop]').click();
  const stopAt = await page.evaluate(() => (window as unknown as { __stopAt: number }).__stopAt);
  expect(stopAt).toBeGreaterThan(0);

  await expect(reply).toHaveAttribute('data-status', 'aborted');
  const lengthAtStop = ((await text.textContent()) ?? '').length;
  await page.waitForTimeout(600);
  expect(((await text.textContent()) ?? '').length, 'text kept growing after stop').toBe(lengthAtStop);
  expect(lengthAtStop).toBeGreaterThan(200); // partial text kept

  // Upstream: the sim saw the disconnect and wrote (almost) nothing after the click.
  await expect.poll(async () => (await sim.stats()).activeStreams, { timeout: 5000 }).toBe(0);
  const stats = await sim.stats();
  expect(stats.abortedStreams).toBe(1);
  const streams = await sim.streams();
  const aborted = streams.find((s) => s.end === 'client_abort');
  expect(aborted, JSON.stringify(streams.map((s) => s.end))).toBeDefined();
  if (!aborted) return;
  expect(aborted.outputTokens).toBeLessThan(3000);
  let tokensAfter = 0;
  let lastAfter = stopAt;
  aborted.deltaTimes.forEach((t, i) => {
    if (t > stopAt) {
      tokensAfter += aborted.deltaTokens[i] ?? 0;
      lastAfter = Math.max(lastAfter, t);
    }
  });
  const msAfter = lastAfter - stopAt;
  const noticed = (aborted.disconnectedAt ?? Number.NaN) - stopAt;
  test.info().annotations.push({
    type: 'stop',
    description: `${tokensAfter} tokens over ${msAfter.toFixed(1)} ms after the click; sim noticed the disconnect ${noticed.toFixed(1)} ms after it`,
  });
  // ~100 ms of fast output is ~13 tokens at 125 tok/s; allow scheduling slack on a shared machine.
  expect(msAfter, `last upstream delta came ${msAfter.toFixed(1)} ms after the click`).toBeLessThanOrEqual(150);
  expect(tokensAfter).toBeLessThanOrEqual(25);
  expect(aborted.disconnectedAt).toBeDefined();
});
