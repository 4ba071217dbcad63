import { expect, openTab, test } from '../fixtures.ts';

test('chat: a fast reply streams in with a live OTPS meter, a fast badge and final numbers', async ({ page, sim, dialogs }) => {
  // Layout Instability API: every unexpected layout shift, with its time, to sum those while streaming.
  await page.addInitScript(() => {
    const w = window as unknown as { __shifts: { at: number; value: number }[] };
    w.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean; startTime: number }[]) {
        if (!e.hadRecentInput) w.__shifts.push({ at: e.startTime, value: e.value });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('speed-fast').check();
  // ~400 tokens at the sim's fast rate (125 tok/s) is a 3.2 s stream: long enough to watch it.
  await panel.getByTestId('composer-input').fill('Explain the streaming layer in detail. [[sim:tokens=400]]');
  await panel.getByTestId('composer').locator('[data-part=send]').click();

  const reply = panel.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'streaming');

  // Sample the page every 50 ms while the reply streams (in the page: no round trips between samples).
  const samples = await reply.evaluate(
    (el) =>
      new Promise<{ length: number; meter: string | null }[]>((resolve) => {
        const out: { length: number; meter: string | null }[] = [];
        // The streaming window, on the same clock as the layout-shift entries' startTime.
        const w = window as unknown as { __streamFrom: number; __streamTo: number };
        w.__streamFrom = performance.now();
        new MutationObserver((_, observer) => {
          if (el.getAttribute('data-status') !== 'streaming') {
            w.__streamTo = performance.now();
            observer.disconnect();
          }
        }).observe(el, { attributes: true, attributeFilter: ['data-status'] });
        const timer = setInterval(() => {
          const streaming = el.getAttribute('data-status') === 'streaming';
          out.push({
            length: el.querySelector('[data-testid="message-text"]')?.textContent?.length ?? 0,
            meter: el.querySelector('[role="meter"]')?.getAttribute('aria-valuenow') ?? null,
          });
          if (!streaming || out.length > 400) {
            clearInterval(timer);
            resolve(out);
          }
        }, 50);
      }),
  );
  const lengths = samples.map((s) => s.length);
  const meterValues = new Set(samples.map((s) => s.meter).filter((v): v is string => v !== null && v !== ''));
  expect(samples.length, 'samples while streaming').toBeGreaterThan(20);
  const growth = lengths.filter((n, i) => i > 0 && n > (lengths[i - 1] ?? 0)).length;
  expect(growth, `text lengths while streaming: ${lengths.join(',')}`).toBeGreaterThanOrEqual(10);
  expect(meterValues.size, `meter values seen: ${[...meterValues].join(', ')}`).toBeGreaterThanOrEqual(4);

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

  // No layout shift to speak of while streaming (0.1 is the "good" CLS threshold; the reply growing
  // pushes only its own footer down, and every number has a fixed width). The whole reply, end
  // included, is reported beside it.
  const { during, total } = await page.evaluate(() => {
    const w = window as unknown as { __shifts: { at: number; value: number }[]; __streamFrom: number; __streamTo: number };
    const sum = (list: { value: number }[]) => list.reduce((a, e) => a + e.value, 0);
    return {
      during: sum(w.__shifts.filter((e) => e.at >= w.__streamFrom && e.at < w.__streamTo)),
      total: sum(w.__shifts.filter((e) => e.at >= w.__streamFrom)),
    };
  });
  test.info().annotations.push({ type: 'layout shift', description: `while streaming ${during.toFixed(4)}; including the end of the stream ${total.toFixed(4)}` });
  expect(during).toBeLessThan(0.1);
  expect(total).toBeLessThan(0.1);
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

test('chat: keyboard only — tabs with arrow keys, Enter sends, Escape stops', async ({ page, sim }) => {
  const panel = await openTab(page, 'chat');
  await page.getByTestId('tab-chat').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-race')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('tab-race')).toBeFocused();
  await expect(page.locator('#panel-race')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tab-chat')).toHaveAttribute('aria-selected', 'true');

  await panel.getByTestId('composer-input').focus();
  await page.keyboard.type('A long one, please. [[sim:tokens=2000]]');
  await page.keyboard.press('Enter');
  const reply = panel.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  await page.keyboard.press('Escape');
  await expect(reply).toHaveAttribute('data-status', 'aborted');
  await expect.poll(async () => (await sim.stats()).abortedStreams).toBe(1);
});

test('theme: follows prefers-color-scheme until toggled, then remembers the choice', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/#chat');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});
