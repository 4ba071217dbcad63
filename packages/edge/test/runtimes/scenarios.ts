/** The three things every runtime must show: a streamed fast reply, a fallback, an abort reaching the sim. */
import { expect } from 'vitest';
import { readProtocolStream } from '@slipstream/core';
import type { RunningSim } from '@slipstream/sim/node';
import { afterAbort, collect, post, user, waitFor } from '../helpers.ts';

const epochNow = () => performance.timeOrigin + performance.now();

export async function fastReply(chatUrl: string, sim: RunningSim) {
  sim.sim.reset();
  const res = await post(chatUrl, { messages: user('Hello from a runtime [[sim:tokens=40]]'), speed: 'fast' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const events = await collect(res);
  const names = events.map((e) => e.event);
  expect(names.filter((n) => n === 'text').length).toBeGreaterThan(1);
  expect(names.at(-1)).toBe('done');
  const done = events.at(-1);
  expect(done?.event === 'done' && done.data.speed).toBe('fast');
  expect(done?.event === 'done' && done.data.usage.outputTokens).toBe(40);
}

export async function fallback(chatUrl: string, sim: RunningSim) {
  sim.sim.reset();
  sim.sim.injectFaults({ fault: 'rate_limit', after: 4000, speed: 'fast' });
  const events = await collect(await post(chatUrl, { messages: user('Hi [[sim:tokens=10]]'), conversationId: `rt-${Math.random()}` }));
  const fb = events.find((e) => e.event === 'fallback');
  expect(fb?.data).toMatchObject({ reason: 'rate_limited', from: 'fast', to: 'standard' });
  const done = events.at(-1);
  expect(done?.event === 'done' && done.data.speed).toBe('standard');
}

/** Abort after a few text events; returns what the sim emitted after the abort (see `afterAbort`). */
export async function abortReachesSim(chatUrl: string, sim: RunningSim): Promise<{ tokenMs: number; wallMs: number; end: string | undefined }> {
  sim.sim.reset();
  const ac = new AbortController();
  const res = await post(chatUrl, { messages: user('Long [[sim:tokens=4000]]') }, { signal: ac.signal });
  let texts = 0;
  let abortAt = 0;
  try {
    for await (const e of readProtocolStream(res.body!)) {
      if (e.event === 'text' && ++texts === 5) {
        abortAt = epochNow();
        ac.abort();
        break;
      }
    }
  } catch {
    // the aborted fetch rejects the reader
  }
  await waitFor(() => sim.stats().activeStreams === 0, 5_000);
  const record = sim.sim.streams()[0]!;
  expect(record.outputTokens).toBeLessThan(4000);
  const { tokenMs, wallMs } = afterAbort(record, abortAt);
  return { tokenMs, wallMs, end: record.end };
}

/**
 * Abort while upstream is silent (a long TTFT). Returns ms from the abort until the sim saw the
 * disconnect, or `null` if it did not within `withinMs`.
 */
export async function abortDuringSilence(chatUrl: string, sim: RunningSim, withinMs = 2_000): Promise<number | null> {
  sim.sim.reset();
  sim.sim.configure({ ttftMs: 5_000 });
  try {
    const ac = new AbortController();
    const res = await post(chatUrl, { messages: user('Hi [[sim:tokens=10]]') }, { signal: ac.signal });
    await waitFor(() => sim.sim.streams().length === 1, 2_000);
    await new Promise((r) => setTimeout(r, 100));
    const abortAt = epochNow();
    ac.abort();
    res.body?.cancel().catch(() => {});
    try {
      await waitFor(() => sim.sim.streams()[0]?.end !== undefined, withinMs, 5);
    } catch {
      return null;
    }
    const record = sim.sim.streams()[0]!;
    expect(record.outputTokens).toBe(0);
    return (record.disconnectedAt ?? record.endedAt ?? epochNow()) - abortAt;
  } finally {
    sim.sim.configure({ ttftMs: 20 });
  }
}
