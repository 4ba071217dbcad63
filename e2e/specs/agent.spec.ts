/**
 * The Agent tab in Chromium: multi-step tool loops at fast and standard speed, with the tool input
 * streaming into cards, server and client tools, approvals, Stop during a tool, one speed per loop
 * and a mid-loop fallback, checked against what reached the simulator.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, openTab, test, type SimControl } from '../fixtures.ts';

// Whole multi-step loops at two speeds per test: more time than a single reply needs.
test.describe.configure({ timeout: 120_000 });
test.beforeEach(async ({ sim }) => {
  await sim.configure({ standardOtps: 160 });
});

const upstreamMessages = async (sim: SimControl) => (await sim.requests()).filter((r) => r.path.endsWith('/v1/messages'));

async function runTask(page: Page, title: string, review = false): Promise<Locator> {
  const panel = await openTab(page, 'agent');
  await panel.getByLabel(title).check();
  if (review) await panel.getByLabel('Ask me before writing files').check();
  await panel.getByTestId('agent-run').click();
  return panel;
}

test('a 4-tool loop at both speeds: streaming tool input, each result, the final text, one speed per loop, a verdict', async ({ page, sim, dialogs }) => {
  const panel = await runTask(page, 'Add a TTL to the LRU cache');
  const fast = panel.getByTestId('agent-lane-fast');

  // The write_file call's input (a whole file) is visible while it streams, before its result.
  const write = fast.locator('[data-slipstream="tool-call"][data-tool="write_file"]');
  await expect(write).toBeVisible({ timeout: 15_000 });
  await expect.poll(async () => ((await write.locator('[data-part="input"]').textContent()) ?? '').length, { timeout: 15_000 }).toBeGreaterThan(40);

  for (const lane of [fast, panel.getByTestId('agent-lane-standard')]) {
    await expect(lane).toHaveAttribute('data-status', 'done', { timeout: 45_000 });
    const cards = lane.locator('[data-slipstream="tool-call"]');
    await expect(cards).toHaveCount(4);
    await expect(lane.locator('[data-slipstream="tool-call"][data-state="done"]')).toHaveCount(4);
    for (const tool of ['list_files', 'read_file', 'write_file', 'run_checks']) {
      await expect(lane.locator(`[data-tool="${tool}"] [data-part="output"]`)).not.toBeEmpty();
    }
    await expect(lane.getByTestId('agent-timeline').locator('tbody tr')).toHaveCount(5);
    await expect(lane.locator('.agent-transcript')).toContainText(/\w{3,}/);
  }
  await expect(panel.getByTestId('agent-verdict')).toHaveAttribute('data-done', 'true');
  await expect(panel.getByTestId('agent-verdict')).toContainText(/Fast finished the 5-step task in .* saved/);
  // Every step of each loop went at one speed (the sim's request log).
  const speeds = (await upstreamMessages(sim)).map((r) => r.body.speed ?? 'standard');
  expect(speeds.filter((s) => s === 'fast')).toHaveLength(5);
  expect(speeds.filter((s) => s === 'standard')).toHaveLength(5);
  await expect(panel.getByTestId('agent-lane-fast').locator('tbody tr[data-speed="standard"]')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});

test('a client tool round trip: the browser answers get_user_time and the loop goes on', async ({ page, sim }) => {
  const panel = await runTask(page, 'Stamp the change log with my time');
  const lane = panel.getByTestId('agent-lane-fast');
  await expect(lane).toHaveAttribute('data-status', 'done', { timeout: 45_000 });
  const card = lane.locator('[data-tool="get_user_time"]');
  await expect(card).toHaveAttribute('data-state', 'done');
  await expect(card.locator('[data-part="output"]')).toContainText('timeZone');
  await expect(lane.locator('[data-slipstream="tool-call"][data-state="done"]')).toHaveCount(3);
  // The client's result went upstream in the next request of the same reply.
  const sent = await upstreamMessages(sim);
  expect(JSON.stringify(sent.map((r) => r.body.messages))).toContain('timeZone');
});

test('approve and deny: writes wait for the user; an approved write runs, a denied one reaches the model as denied', async ({ page }) => {
  const panel = await runTask(page, 'Add a TTL to the LRU cache', true);
  const fast = panel.getByTestId('agent-lane-fast');
  const standard = panel.getByTestId('agent-lane-standard');
  const fastWrite = fast.locator('[data-tool="write_file"]');
  const standardWrite = standard.locator('[data-tool="write_file"]');
  await expect(fastWrite).toHaveAttribute('data-state', 'awaiting-approval', { timeout: 30_000 });
  await expect(standardWrite).toHaveAttribute('data-state', 'awaiting-approval', { timeout: 30_000 });
  await fastWrite.getByRole('button', { name: 'Approve write_file' }).click();
  await standardWrite.getByRole('button', { name: 'Deny write_file' }).click();
  await expect(fast).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(standard).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(fastWrite).toHaveAttribute('data-state', 'done');
  await expect(standardWrite).toHaveAttribute('data-state', 'denied');
  await expect(fast.locator('[data-tool="run_checks"]')).toHaveAttribute('data-state', 'done');
});

test('Stop during a tool: the tool is cancelled, no further upstream request reaches the sim', async ({ page, sim }) => {
  // run_checks takes 700 ms in the demo: time to stop inside it.
  const panel = await runTask(page, 'Add a TTL to the LRU cache');
  const lane = panel.getByTestId('agent-lane-fast');
  const checks = lane.locator('[data-tool="run_checks"]');
  await expect(checks).toHaveAttribute('data-state', 'running', { timeout: 45_000 });
  await panel.getByTestId('agent-stop').click();
  await expect(lane).toHaveAttribute('data-status', 'aborted');
  await expect(checks).toHaveAttribute('data-state', 'cancelled');
  const atStop = (await upstreamMessages(sim)).length;
  await page.waitForTimeout(1_500);
  // Nothing after the stopped tool reached upstream (the step after run_checks never started), and
  // nothing is still streaming there.
  expect((await upstreamMessages(sim)).length).toBe(atStop);
  expect((await sim.stats()).activeStreams).toBe(0);
  const fastSteps = await lane.getByTestId('agent-timeline').locator('tbody tr').count();
  expect(fastSteps).toBe(4); // list, read, write, checks: no fifth step
  await expect(panel.getByTestId('agent-verdict')).toContainText('Stopped');
  await expect(panel.getByTestId('agent-run')).toBeFocused();
});

test('a fast 429 mid-loop moves the rest of the loop to standard, and the lane says so', async ({ page, sim }) => {
  // With review on, the loop pauses at write_file (three steps at fast); the 429 meets the next step.
  const panel = await runTask(page, 'Add a TTL to the LRU cache', true);
  const lane = panel.getByTestId('agent-lane-fast');
  const write = lane.locator('[data-tool="write_file"]');
  await expect(write).toHaveAttribute('data-state', 'awaiting-approval', { timeout: 45_000 });
  await panel.getByTestId('agent-lane-standard').locator('[data-tool="write_file"]').getByRole('button', { name: 'Deny write_file' }).click({ timeout: 45_000 });
  await sim.fault({ fault: 'rate_limit', speed: 'fast', after: 30_000, count: 10 });
  await write.getByRole('button', { name: 'Approve write_file' }).click();
  await expect(lane).toHaveAttribute('data-status', 'done', { timeout: 45_000 });
  await expect(lane.getByTestId('agent-fallback-fast')).toContainText('rate limit');
  const speeds = await lane.getByTestId('agent-timeline').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-speed')));
  expect(speeds.slice(0, 3)).toEqual(['fast', 'fast', 'fast']);
  expect(speeds.slice(3).length).toBeGreaterThan(0);
  expect(speeds.slice(3).every((s) => s === 'standard')).toBe(true);
  // Upstream saw the three fast steps, one refused fast attempt, then standard only.
  const fastRequests = (await upstreamMessages(sim)).filter((r) => r.body.speed === 'fast');
  expect(fastRequests).toHaveLength(4);
});
