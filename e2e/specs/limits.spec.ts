/**
 * The Limits & faults tab, step by step: what the fast budget gauge, the countdowns and the chat say,
 * in order, must agree at every moment (issue 14). The sim's fast budget is a token bucket (300
 * tokens/min in these steps), so the waits are checked against each other and against the bucket.
 */
import type { Locator } from '@playwright/test';
import { expect, openTab, test } from '../fixtures.ts';

/** "1 min 15 s" → 75, "16 s" → 16, "2 min" → 120 (the first countdown after `label`). */
function seconds(text: string, label: 'retry in' | 'resets in'): number | null {
  const m = new RegExp(`${label} ≈?(?:(\\d+) min)? ?(?:(\\d+) s)?`).exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/** Everything the tab says about fast at one instant (one read of the DOM, so the figures are coherent). */
async function readout(panel: Locator) {
  return panel.evaluate((p) => {
    const q = (el: Element | null | undefined, id: string) => el?.querySelector(`[data-testid="${id}"]`) ?? null;
    const gauge = q(p, 'ratelimit-gauge') as HTMLElement | null;
    const replies = p.querySelectorAll('[data-testid="message-assistant"]');
    const last = replies[replies.length - 1] as HTMLElement | undefined;
    const retry = q(last, 'retry') as HTMLButtonElement | null;
    return {
      gauge: gauge?.querySelector('[data-part="text"]')?.textContent ?? '',
      gaugeState: gauge?.dataset['state'] ?? '',
      estimate: gauge?.dataset['estimate'] ?? '',
      replies: replies.length,
      status: last?.dataset['status'] ?? '',
      error: q(last, 'message-error')?.textContent ?? '',
      errorKind: (q(last, 'message-error') as HTMLElement | null)?.dataset['kind'] ?? '',
      countdown: q(last, 'retry-countdown')?.textContent ?? '',
      retry: retry ? { text: retry.textContent ?? '', disabled: retry.disabled } : null,
      fallbackNote: q(last, 'fallback-note')?.textContent ?? '',
      fallbackUntil: q(last, 'fallback-note')?.querySelector('time')?.getAttribute('datetime') ?? null,
      badge: (q(last, 'speed-badge') as HTMLElement | null)?.dataset['state'] ?? '',
      overloadedHint: q(p, 'fault-overloaded-hint')?.textContent ?? '',
      at: Date.now(),
    };
  });
}

async function settled(panel: Locator, count: number, status: RegExp | string = /done|error/): Promise<Locator> {
  const replies = panel.getByTestId('message-assistant');
  await expect(replies).toHaveCount(count, { timeout: 15_000 });
  await expect(replies.last()).toHaveAttribute('data-status', status, { timeout: 30_000 });
  return replies.last();
}

/** Step 1, and what it leaves: the budget overdrawn by a 400-token fast reply on a 300/min limit. */
async function exhaust(panel: Locator): Promise<void> {
  await panel.getByTestId('exhaust-fast').click();
  await settled(panel, 1, 'done');
}

test.describe('Limits & faults: every step says the same thing in the gauge, the countdowns and the chat', () => {
  test.describe.configure({ timeout: 90_000 });

  test('1. exhaust: while the reply streams the gauge counts it down; after it, no tokens are left and both waits show', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    expect((await readout(panel)).gauge).toBe('budget not known yet');

    await panel.getByTestId('exhaust-fast').click();
    const reply = panel.getByTestId('message-assistant').last();
    // Mid-stream: the headers said 300 left before the reply; the gauge subtracts what it spends.
    await expect(reply).toHaveAttribute('data-status', 'streaming', { timeout: 10_000 });
    await expect.poll(async () => Number(/≈(\d+) of 300/.exec((await readout(panel)).gauge)?.[1] ?? 300), { timeout: 10_000 }).toBeLessThan(300);
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 });

    const r = await readout(panel);
    expect(r.badge).toBe('fast');
    expect(r.error).toBe('');
    // Never "300 of 300 left" after the budget was spent. Both waits are the bucket's estimates (no 429
    // has said anything yet), so both are marked ≈.
    expect(r.gauge).toMatch(/^≈0 of 300 tokens per minute left, retry in ≈\d+ s, resets in ≈1 min( \d+ s)?$/);
    expect(r.gaugeState).toBe('exhausted');
    expect(r.estimate).toBe('true');
    // The bucket is 100 below zero: a token back in ~20 s, full in ~80 s; the two waits are ~60 s apart
    // (300 tokens at 300/min), whatever the timing of this run.
    const retry = seconds(r.gauge, 'retry in')!;
    const reset = seconds(r.gauge, 'resets in')!;
    expect(retry).toBeGreaterThan(5);
    expect(retry).toBeLessThanOrEqual(21);
    expect(reset - retry).toBeGreaterThanOrEqual(59);
    expect(reset - retry).toBeLessThanOrEqual(61);
    // The step text of the 529 fault says what its Retry will meet now.
    expect(r.overloadedHint).toContain('Fast is rate limited now');
  });

  test('2. auto after exhaust: a 429, standard at once, and the waits the 429 reported in the gauge and the note', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await exhaust(panel);
    const before = await readout(panel);

    await panel.getByTestId('send-auto').click();
    await settled(panel, 2, 'done');
    const r = await readout(panel);
    expect(r.badge).toBe('fallback');
    expect(r.fallbackNote).toContain('fast was rate limited (429)');
    expect(r.fallbackNote).toContain('the edge keeps this conversation on standard until');
    // Exact figures from the 429's headers now (no ≈), and the same waits the estimate gave.
    expect(r.gauge).toMatch(/^0 of 300 tokens per minute left, retry in \d+ s, resets in 1 min( \d+ s)?$/);
    expect(r.estimate).toBe('false');
    const retry = seconds(r.gauge, 'retry in')!;
    const reset = seconds(r.gauge, 'resets in')!;
    const elapsed = (r.at - before.at) / 1000;
    expect(Math.abs(retry - (seconds(before.gauge, 'retry in')! - elapsed))).toBeLessThanOrEqual(2.5);
    expect(Math.abs(reset - (seconds(before.gauge, 'resets in')! - elapsed))).toBeLessThanOrEqual(2.5);
    // The note's "until" is the gauge's reset (the edge remembers the 429 for this conversation until then).
    expect(r.fallbackUntil).not.toBeNull();
    expect(Math.abs(Date.parse(r.fallbackUntil!) - (r.at + reset * 1000))).toBeLessThanOrEqual(2000);
    // The countdown ticks.
    await expect.poll(async () => seconds((await readout(panel)).gauge, 'retry in'), { timeout: 5_000 }).toBeLessThan(retry);

    // Asking again with auto stays on standard (remembered), and says until when.
    await panel.getByTestId('send-auto').click();
    await settled(panel, 3, 'done');
    const again = await readout(panel);
    expect(again.badge).toBe('fallback');
    expect(again.fallbackNote).toContain('rate limited earlier');
    expect(again.fallbackUntil).toBe(r.fallbackUntil);
  });

  test('2b. a reply that says fast is rate limited never sits beside a gauge that says the budget is not known', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await exhaust(panel);
    await panel.getByTestId('send-auto').click();
    await settled(panel, 2, 'done');
    // A fresh page knows nothing of the budget, but the edge still remembers the 429.
    await page.reload();
    await expect(page.getByTestId('upstream')).toHaveText('Simulator');
    const shown = await panel.getByTestId('message-assistant').count();
    await panel.getByTestId('send-auto').click();
    const reply = await settled(panel, shown + 1, 'done');
    await expect(reply.getByTestId('fallback-note')).toContainText('rate limited');
    const r = await readout(panel);
    expect(r.gauge).not.toContain('not known');
    expect(r.gauge).toMatch(/retry in \d+ s|0 of 300/);
    expect(r.gaugeState).toBe('exhausted');
  });

  test('3. 529 overloaded with budget left: Retry is offered, and it succeeds', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    expect((await readout(panel)).overloadedHint).toContain('Retry asks fast again and succeeds while the fast budget has room');
    await panel.getByTestId('fault-overloaded').click();
    await settled(panel, 1, 'error');
    const r = await readout(panel);
    expect(r.errorKind).toBe('overloaded');
    expect(r.countdown).toBe('');
    expect(r.retry).toEqual({ text: 'Retry', disabled: false });
    await panel.getByTestId('message-assistant').last().getByTestId('retry').click();
    await settled(panel, 1, 'done');
    expect((await readout(panel)).badge).toBe('fast');
  });

  test('3b. 529 overloaded after exhaust: Retry waits out the same countdown as the gauge, then succeeds', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await exhaust(panel);
    await panel.getByTestId('fault-overloaded').click();
    await settled(panel, 2, 'error');
    const r = await readout(panel);
    expect(r.errorKind).toBe('overloaded');
    // Retry could only meet the spent budget: disabled, with the wait on it, the same as the gauge's,
    // and marked ≈ as the gauge marks it (no 429 gave it: it is the bucket's estimate).
    expect(r.retry?.disabled).toBe(true);
    expect(r.gauge).toContain('retry in ≈');
    const wait = seconds(r.gauge, 'retry in');
    expect(wait).not.toBeNull();
    expect(r.countdown).toBe(`retry in ≈${wait} s`);
    expect(r.retry?.text).toBe(`Retry in ≈${wait} s`);
    expect(r.error).toContain('Fast is also rate limited now');
    expect(r.error).not.toContain('Retry succeeds');
    expect(r.overloadedHint).toContain('Fast is rate limited now');

    // Once the wait is over, Retry is enabled, the step text says so, and Retry is served fast.
    const retry = panel.getByTestId('message-assistant').last().getByTestId('retry');
    await expect(retry).toBeEnabled({ timeout: (wait! + 3) * 1000 });
    const after = await readout(panel);
    expect(after.gauge).not.toContain('retry in');
    expect(after.retry).toEqual({ text: 'Retry', disabled: false });
    expect(after.overloadedHint).toContain('succeeds while the fast budget has room');
    await retry.click();
    await settled(panel, 2, 'done');
    expect((await readout(panel)).badge).toBe('fast');
  });

  test('4. mid-stream error: on a fast reply Auto can still fall back; on one that already fell back it says so', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-midstream').click();
    const first = await settled(panel, 1, 'error');
    const r = await readout(panel);
    expect(r.errorKind).toBe('overloaded');
    expect(r.error).toContain('Auto also falls back');
    expect(r.error).toContain('Partial reply kept above');
    expect(((await first.getByTestId('message-text').textContent()) ?? '').trim().length).toBeGreaterThan(20);

    await panel.getByTestId('exhaust-fast').click();
    await settled(panel, 2, 'done');
    await panel.getByTestId('send-auto').click();
    await settled(panel, 3, 'done');
    await panel.getByTestId('fault-midstream').click();
    await settled(panel, 4, 'error');
    const fell = await readout(panel);
    expect(fell.badge).toBe('fallback');
    expect(fell.error).not.toContain('Auto also falls back');
    expect(fell.error).toContain('already being served at standard');
    // An overload is not a rate limit: its Retry is not held by the fast budget (auto serves standard).
    expect(fell.retry).toEqual({ text: 'Retry', disabled: false });
  });

  test('5. stall: the edge gives up after 6 s; partial text kept, the gauge unchanged', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-stall').click();
    const reply = panel.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming', { timeout: 10_000 });
    await settled(panel, 1, 'error');
    const r = await readout(panel);
    expect(r.errorKind).toBe('stalled');
    expect(r.gauge).toMatch(/^≈?[\d,]+ of [\d,]+ tokens per minute left/);
    expect(r.gauge).not.toContain('retry in');
  });

  test('6. proxy-buffered: one warning, and the reply is counted like any other', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await panel.getByTestId('fault-buffered').click();
    const reply = await settled(panel, 1, 'done');
    await expect(reply.getByTestId('buffering-warning')).toBeVisible();
    // The kit's own note says the same: the demo shows its fuller one only.
    await expect(reply.locator('[data-part="proxy-warning"]').filter({ visible: true })).toHaveCount(0);
  });

  test('7. reset: the old budget, waits and errors go with the old simulator state', async ({ page }) => {
    const panel = await openTab(page, 'limits');
    await exhaust(panel);
    await panel.getByTestId('fault-overloaded').click();
    await settled(panel, 2, 'error');
    await panel.getByTestId('reset-sim').click();
    await expect(panel.getByRole('status').filter({ hasText: 'Simulator reset' })).toBeVisible();
    const r = await readout(panel);
    expect(r.replies).toBe(0);
    expect(r.gauge).toBe('budget not known yet');
    expect(r.overloadedHint).toContain('succeeds while the fast budget has room');
    // And fast is served again at once.
    await panel.getByTestId('send-auto').click();
    await settled(panel, 1, 'done');
    expect((await readout(panel)).badge).toBe('fast');
  });
});
