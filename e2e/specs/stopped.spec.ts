/**
 * Stopped replies (issue 14, "Stopped and truncated states"): a stopped reply says so, keeps its text,
 * and renders its cut-off markup like a streaming tail (never a raw `**` or an open fence as text); in
 * Race, "Stop both" leaves each lane labelled, its badge saying what it knows, and a partial verdict.
 * Where Stop lands is up to timing, so the checks hold for any cut; the unit tests pin an open `**`.
 */
import type { Locator } from '@playwright/test';
import { expect, openTab, test } from '../fixtures.ts';

const RAW_MARKUP = /\*\*|```/;

/** The rendered text outside code (inside code, `**` and backticks are the code's own). */
function prose(markdown: Locator): Promise<string> {
  return markdown.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const code of copy.querySelectorAll('pre, code, [data-md="code-block"]')) code.remove();
    return copy.textContent ?? '';
  });
}

test('chat: a stopped reply is labelled, keeps its text, and shows no raw markup', async ({ page }) => {
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('speed-fast').check();
  await panel.getByTestId('composer-input').fill('Explain rate limiting with **bold** key terms and a code example. [[sim:tokens=3000]]');
  await panel.getByTestId('composer').locator('[data-part=send]').click();
  const reply = panel.getByTestId('message-assistant').last();
  const text = reply.getByTestId('message-text');
  await expect.poll(async () => ((await text.textContent()) ?? '').length, { timeout: 10_000 }).toBeGreaterThan(300);
  await panel.getByTestId('composer').locator('[data-part=stop]').click();

  await expect(reply).toHaveAttribute('data-status', 'aborted');
  await expect(reply.locator('[data-part="stopped"]')).toHaveText('Stopped');
  await expect(reply.locator('[data-part="stopped"]')).toBeVisible();
  await expect(reply.getByTestId('speed-badge')).not.toHaveText(/^(Speed|Not started|Waiting)$/);
  const markdown = reply.locator('[data-slipstream="markdown"]').last();
  await expect(markdown).toHaveAttribute('data-state', 'partial');
  expect(await prose(markdown)).not.toMatch(RAW_MARKUP);
  // One control to go on: Retry (no Regenerate beside it).
  await expect(reply.getByTestId('retry')).toBeVisible();
  await expect(reply.getByTestId('regenerate')).toHaveCount(0);
});

test('chat: a reply that fails inside bold text shows it bold, not with a raw **', async ({ page }) => {
  // A deterministic cut: the edge's answer is replaced by one that breaks off inside `**…`.
  const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  await page.route('**/api/chat', (route) =>
    route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body:
        sse('start', { protocol: 2, messageId: 'msg_cut', model: 'claude-opus-4-8', requestedSpeed: 'fast', policy: 'fast', attempt: 1, t: 1 }) +
        sse('text', { delta: 'The key idea is a **token bucket', step: 0, index: 0, t: 2 }) +
        sse('error', { kind: 'upstream', message: 'Upstream failed mid-reply.', retryable: true, t: 3 }),
    }),
  );
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('composer-input').fill('What is the key idea?');
  await panel.getByTestId('composer').locator('[data-part=send]').click();
  const reply = panel.getByTestId('message-assistant').last();
  await expect(reply).toHaveAttribute('data-status', 'error');
  const markdown = reply.locator('[data-slipstream="markdown"]').last();
  await expect(markdown).toHaveAttribute('data-state', 'partial');
  await expect(markdown).toHaveText('The key idea is a token bucket');
  await expect(markdown.locator('strong')).toHaveText('token bucket');
  await expect(reply.getByTestId('message-error')).toContainText('Partial reply kept above');
});

test('chat: a reply cut at max_tokens renders as cut off, and keeps its note after Continue', async ({ page }) => {
  // The demo sends no max_tokens (the edge's default is 4096): make each request's limit small.
  await page.route('**/api/chat', async (route) => {
    const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
    await route.continue({ postData: JSON.stringify({ ...body, max_tokens: 40 }) });
  });
  const panel = await openTab(page, 'chat');
  await panel.getByTestId('composer-input').fill('Explain streaming with **bold** terms [[sim:tokens=200]]');
  await panel.getByTestId('composer-input').press('Enter');
  const first = panel.getByTestId('message-assistant').first();
  await expect(first).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(first.getByTestId('cut-note')).toContainText('max_tokens');
  const markdown = first.locator('[data-slipstream="markdown"]').last();
  await expect(markdown).toHaveAttribute('data-state', 'partial');
  expect(await prose(markdown)).not.toMatch(RAW_MARKUP);
  await first.getByTestId('continue').click();
  await expect(panel.getByTestId('message-assistant')).toHaveCount(2);
  await expect(panel.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  // The first reply is still the one that was cut: its note and rendering stay; Continue is the last one's.
  await expect(first.getByTestId('cut-note')).toContainText('max_tokens');
  await expect(markdown).toHaveAttribute('data-state', 'partial');
  await expect(first.getByTestId('continue')).toHaveCount(0);
});

test('race: Stop both leaves both lanes labelled Stopped, badges that say what they know, and a partial verdict', async ({ page }) => {
  const race = await openTab(page, 'race');
  await race.getByTestId('race-prompt').fill('Implement a retry helper with **bold** notes and code. [[sim:tokens=3000]]');
  await race.getByTestId('race-start').click();
  const fast = race.getByTestId('race-lane-fast');
  const standard = race.getByTestId('race-lane-standard');
  await expect(standard).toHaveAttribute('data-status', 'streaming', { timeout: 10_000 });
  await expect.poll(async () => ((await standard.locator('.lane-body').textContent()) ?? '').length, { timeout: 10_000 }).toBeGreaterThan(100);
  await race.getByTestId('race-stop').click();

  for (const lane of [fast, standard]) {
    await expect(lane).toHaveAttribute('data-status', 'aborted');
    await expect(lane.getByTestId('lane-stopped')).toHaveText('Stopped');
    await expect(lane.getByTestId('speed-badge')).not.toHaveText(/^(Speed|Not started|Waiting)$/);
    const markdown = lane.locator('[data-slipstream="markdown"]');
    await expect(markdown).toHaveAttribute('data-state', 'partial');
    expect(await prose(markdown)).not.toMatch(RAW_MARKUP);
  }
  const verdict = race.getByTestId('race-verdict');
  await expect(verdict).toHaveAttribute('data-partial', 'true');
  await expect(race.getByTestId('race-stopped-note')).toContainText('Stopped before both lanes finished');
  await expect(race.getByTestId('race-ratio')).toContainText(/≈\d+\.\d{2}×/);
  await expect(race.getByTestId('race-ratio')).toContainText('(partial)');
});
