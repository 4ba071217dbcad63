import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { notifyManager } from '@slipstream/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CompareRace, describeRace } from '../src/components/compare-race.tsx';
import { fakeFetch, reply, sseResponse } from './helpers.ts';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
afterEach(cleanup);

describe('<CompareRace>', { timeout: 20_000 }, () => {
  it('starts both lanes in the same tick with the same request, only the speed differs', async () => {
    const fetch = fakeFetch((body, signal) =>
      sseResponse(
        body.speed === 'fast'
          ? reply({ served: 'fast', chunks: 10, every: 4, outputTokens: 50 })
          : reply({ served: 'standard', chunks: 10, every: 10, outputTokens: 50 }),
        signal,
      ),
    );
    const onFinish = vi.fn();
    render(<CompareRace prompt="Sort things" request={{ model: 'claude-opus-4-6', max_tokens: 64 }} options={{ fetch }} onFinish={onFinish} />);
    expect(screen.getByRole('group', { name: 'Fast lane' })).toBeTruthy();
    act(() => screen.getByRole('button', { name: 'Race' }).click());
    // The store calls fetch after a microtask; both calls land before any timer runs.
    await Promise.resolve();
    await Promise.resolve();
    expect(fetch.calls).toHaveLength(2);
    const [a, b] = fetch.calls.map((c) => c.body);
    expect({ ...a, speed: undefined }).toEqual({ ...b, speed: undefined });
    expect(new Set([a!.speed, b!.speed])).toEqual(new Set(['fast', 'standard']));
    await waitFor(() => expect(onFinish).toHaveBeenCalledTimes(1));
    const r = onFinish.mock.calls[0]![0];
    expect(r.otpsRatio).toBeGreaterThan(1);
    expect(r.fastServedFast).toBe(true);
    expect(screen.getByRole('status').textContent).toBe(describeRace(r));
  });

  it('says so when the fast lane fell back', () => {
    expect(describeRace({ otpsRatio: 1.02, ttftDiffMs: 3, fastOtps: 50, standardOtps: 49, fastServedFast: false })).toBe(
      'Fast streamed 1.02× the output tokens per second of standard; time to first token differed by +3 ms. The fast lane was served standard (fell back).',
    );
  });
});
