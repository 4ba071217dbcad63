import { expect, openTab, test } from '../fixtures.ts';

test('safety: a reply made of XSS payloads renders as text; no dialog, no script runs', async ({ page, sim, dialogs }) => {
  // The payload reply is long; stream it quickly (the fixture restores the sim's rates afterwards).
  await sim.configure({ standardOtps: 400 });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Any payload that ran would call one of these (alert/confirm/prompt are also caught as dialogs).
  await page.addInitScript(() => {
    const w = window as unknown as { __xssRan: string[] };
    w.__xssRan = [];
    for (const name of ['alert', 'confirm', 'prompt'] as const) {
      const original = window[name].bind(window);
      (window as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        w.__xssRan.push(`${name}(${args.map(String).join(',')})`);
        return (original as (...a: unknown[]) => unknown)(...args);
      };
    }
  });
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('speed-fast').check();
  await panel.getByTestId('composer-input').fill('Show me the payloads [[sim:xss]]');
  await panel.getByTestId('composer').locator('[data-part=send]').click();
  const reply = panel.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

  const body = reply.getByTestId('message-text');
  // The payloads are visible as text…
  await expect(body).toContainText('<script>alert(1)</script>');
  await expect(body).toContainText('onerror=alert(1)');
  // …and none became live markup.
  const live = await body.evaluate((root) => ({
    scripts: root.querySelectorAll('script').length,
    iframes: root.querySelectorAll('iframe, object, embed, frame').length,
    handlers: [...root.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    badLinks: [...root.querySelectorAll('[href], [src], [action], [formaction]')].filter((el) =>
      ['href', 'src', 'action', 'formaction'].some((name) => /^\s*(javascript|data|vbscript):/i.test(el.getAttribute(name) ?? '')),
    ).length,
  }));
  expect(live).toEqual({ scripts: 0, iframes: 0, handlers: 0, badLinks: 0 });

  // Hover and click around the reply, which is what onmouseover/onclick payloads wait for.
  const parts = body.locator('p, li, a, code, td');
  const count = Math.min(await parts.count(), 12);
  for (let i = 0; i < count; i++) await parts.nth(i).hover();
  await body.click();
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __xssRan: string[] }).__xssRan)).toEqual([]);
  expect(dialogs).toEqual([]);
  expect(pageErrors).toEqual([]);
});
