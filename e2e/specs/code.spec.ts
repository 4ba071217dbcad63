import { expect, openTab, test } from '../fixtures.ts';

/** Code blocks: language label, copy button, syntax highlighting applied to settled blocks only. */
for (const [width, height, theme] of [[1280, 900, 'light'], [390, 844, 'dark']] as const) {
  test(`code blocks at ${width}px, ${theme}: label, copy, highlighting only once a block has closed`, async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.setViewportSize({ width, height });
    const chat = await openTab(page, 'chat', theme);
    await chat.getByTestId('composer-input').fill('Write the TypeScript code for it, a long one [[sim:tokens=900]]');
    await chat.getByTestId('composer-input').press('Enter');
    const reply = chat.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');

    // While streaming, sample: a block still open (its closing fence not yet arrived) is never highlighted.
    const openHighlighted = await reply.evaluate(
      (el) =>
        new Promise<number>((resolve) => {
          let seen = 0;
          const timer = setInterval(() => {
            for (const pre of el.querySelectorAll('pre[data-state="open"]')) if (pre.querySelector('[class^="hljs-"]')) seen++;
            if (el.getAttribute('data-status') !== 'streaming') {
              clearInterval(timer);
              resolve(seen);
            }
          }, 16);
        }),
    );
    expect(openHighlighted).toBe(0);
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

    const block = reply.locator('[data-md="code-block"]').first();
    await expect(block.locator('[data-md="code-lang"]')).toHaveText(/\w+/);
    // Settled blocks get highlighted (a plain shell command may have no tokens to colour: any block will do).
    await expect(reply.locator('pre[data-state="closed"] [class^="hljs-"]').first()).toBeVisible();
    const code = (await block.locator('pre').textContent()) ?? '';
    await block.locator('[data-md="code-copy"]').click();
    await expect(block.locator('[data-md="code-copy"]')).toHaveText('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    // Page still no wider than the screen with highlighted code.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });
}
