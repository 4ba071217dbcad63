import { expect, openTab, test } from '../fixtures.ts';

/** Headline OTPS from the sim's own delta log: tokens after the first ÷ (last delta − first delta). */
function groundTruthOtps(times: number[], tokens: number[]): number {
  const total = tokens.reduce((a, b) => a + b, 0);
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  return last > first ? (total - (tokens[0] ?? 0)) / ((last - first) / 1000) : 0;
}

test('race: fast and standard start together, both finish, measured ratio ≈ 2.5', async ({ page, sim }) => {
  const panel = await openTab(page, 'race');
  // 500 tokens: 10 s at the sim's default standard rate (50 tok/s), 4 s at fast (125 tok/s). Long
  // enough that a scheduling hiccup on a busy machine moves the measured ratio by a few percent at most.
  await panel.getByTestId('race-prompt').fill('Implement a retry helper with code. [[sim:tokens=500]]');
  await panel.getByTestId('race-start').click();

  const fast = panel.getByTestId('race-lane-fast');
  const standard = panel.getByTestId('race-lane-standard');
  await expect(fast).toHaveAttribute('data-status', 'streaming');
  await expect(fast).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  // Fast finishes well before standard does.
  await expect(standard).toHaveAttribute('data-status', 'streaming');
  await expect(standard).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

  await expect(fast.getByTestId('speed-badge')).toHaveAttribute('data-state', 'fast');
  await expect(standard.getByTestId('speed-badge')).toHaveAttribute('data-state', 'standard');

  const ratio = Number(await panel.getByTestId('race-ratio').getAttribute('data-value'));
  // The sim's own ground truth for the same two streams, for comparison in the report.
  const truth = (await sim.streams()).map((s) => ({ speed: s.speed, otps: groundTruthOtps(s.deltaTimes, s.deltaTokens) }));
  const truthRatio = (truth.find((t) => t.speed === 'fast')?.otps ?? 0) / (truth.find((t) => t.speed === 'standard')?.otps ?? 1);
  test.info().annotations.push({ type: 'ratio', description: `measured in the page ${ratio.toFixed(3)}; sim ground truth ${truthRatio.toFixed(3)}` });
  expect(ratio).toBeGreaterThanOrEqual(2.2);
  expect(ratio).toBeLessThanOrEqual(2.8);
  // Same TTFT: fast mode does not shorten time to first token.
  const ttftDiff = Number(await panel.getByTestId('race-ttft-diff').getAttribute('data-value'));
  expect(Math.abs(ttftDiff)).toBeLessThan(400);
  await expect(panel.getByTestId('race-cost-fast')).toContainText('$');
  await expect(panel.getByTestId('race-cost-standard')).toContainText('$');

  const streams = await sim.streams();
  expect(streams.map((s) => s.speed).sort()).toEqual(['fast', 'standard']);
  const [a, b] = streams;
  // "From the same start": both upstream requests arrived within a few tens of ms of each other.
  expect(Math.abs((a?.startedAt ?? 0) - (b?.startedAt ?? 0))).toBeLessThan(150);
});

test('race: the short preset shows why fast mode barely helps there (TTFT dominates)', async ({ page }) => {
  const panel = await openTab(page, 'race');
  await panel.getByTestId('race-preset-short').click();
  await panel.getByTestId('race-start').click();
  await expect(panel.getByTestId('race-lane-standard')).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
  await expect(panel.getByTestId('race-lane-fast')).toHaveAttribute('data-status', 'done');
  await expect(panel.getByTestId('race-short-note')).toContainText('does not');
  const saved = Number(await panel.getByTestId('race-time-saved').getAttribute('data-value'));
  expect(saved).toBeLessThan(400);
});
