/**
 * How often a reply's producer appends to a log whose calls cost (`appendIntervalMs`,
 * `unreadAppendIntervalMs`), on a fake clock: a reply nobody follows but its own connection is appended
 * at the unread spacing, and the short spacing comes back as soon as a reader touches it or the
 * connection closes. Whatever the spacing, the log ends with exactly the reply's events, and a stop
 * asked elsewhere is seen within one unread spacing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryReplyLog } from '../src/state/memory-log.ts';
import type { ReplyAppend, ReplyLog } from '../src/state/store.ts';
import { RESUME_DEFAULTS, ReplyProducer } from '../src/resume.ts';
import { createRedisStore } from '../src/state/redis.ts';
import { withLocalFallback } from '../src/state/resilient.ts';

const ID = 'spacing-0000000000000000';
const EVENT_EVERY_MS = 4; // 1,000 tok/s arrive as ~250 events a second

/** A memory log that spaces appends like the Redis one, and records when each append was sent. */
function countingLog(unreadAppendIntervalMs: number | undefined) {
  const inner = createMemoryReplyLog();
  const sent: { at: number; batch: ReplyAppend }[] = [];
  const log: ReplyLog = {
    ...inner,
    pollMs: 25,
    appendIntervalMs: 10,
    ...(unreadAppendIntervalMs !== undefined ? { unreadAppendIntervalMs } : {}),
    append(id, batch) {
      sent.push({ at: Date.now(), batch });
      return inner.append(id, batch);
    },
  };
  return { log, sent, inner };
}

function producer(log: ReplyLog, hooks: { stop?: () => void } = {}) {
  return new ReplyProducer(log, ID, { ...RESUME_DEFAULTS }, { stop: hooks.stop ?? (() => {}), detach: () => {}, now: () => Date.now() }, undefined);
}

const frame = (seq: number, name: string) => `event: ${name}\nid: ${seq}\ndata: {"seq":${seq}}\n\n`;

/** Record events `from`..`to` (1 is `start`), one every EVENT_EVERY_MS of fake time. */
async function stream(p: ReplyProducer, from: number, to: number) {
  for (let seq = from; seq <= to; seq++) {
    const name = seq === 1 ? 'start' : 'text';
    p.record(seq, frame(seq, name), name);
    await vi.advanceTimersByTimeAsync(EVENT_EVERY_MS);
  }
}

async function end(p: ReplyProducer, seq: number) {
  p.record(seq, frame(seq, 'done'), 'done');
  p.finish();
  await vi.advanceTimersByTimeAsync(50);
  await p.settled;
}

/** Appends sent in [from, to) of fake time that carried events. */
const appendsBetween = (sent: { at: number; batch: ReplyAppend }[], from: number, to: number) => sent.filter((s) => s.at >= from && s.at < to && s.batch.events.length > 0).length;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('append spacing of a costly reply log', () => {
  it('nobody but its own connection follows the reply: one append per unread spacing, and the log is exact', async () => {
    const { log, sent, inner } = countingLog(100);
    const p = producer(log);
    const t0 = Date.now();
    await stream(p, 1, 250); // one second
    await end(p, 251);
    // ~1,000 ms / ~104 ms (the first event past the spacing sends), not ~1,000 / 12 ≈ 83.
    expect(appendsBetween(sent, t0, t0 + 1_000)).toBeLessThanOrEqual(12);
    const read = await inner.read(ID, 0);
    expect(read?.events.map((e) => e.seq)).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
    expect(read?.meta.status).toBe('done');
  });

  it('without an unread spacing, appendIntervalMs alone spaces them (the log as before)', async () => {
    const { log, sent } = countingLog(undefined);
    const p = producer(log);
    const t0 = Date.now();
    await stream(p, 1, 250);
    await end(p, 251);
    expect(appendsBetween(sent, t0, t0 + 1_000)).toBeGreaterThanOrEqual(60);
  });

  it('a reader touching the reply (any isolate) brings the short spacing back from the next append on, and it lapses after the reader leaves', async () => {
    const { log, sent, inner } = countingLog(100);
    const p = producer(log);
    const t0 = Date.now();
    await stream(p, 1, 50); // 200 ms unread
    // A resume elsewhere: its first read touches the reply, then it tails (touching every readerTouchMs).
    await inner.read(ID, 0, { touchReader: true });
    const touchedAt = Date.now();
    let seq = 51;
    for (let i = 0; i < 4; i++) {
      await stream(p, seq, seq + 49); // 200 ms
      seq += 50;
      await inner.read(ID, seq - 1, { touchReader: true });
    }
    const leftAt = Date.now();
    await stream(p, seq, seq + 749); // 3 s after the reader left
    seq += 750;
    await end(p, seq);
    expect(appendsBetween(sent, t0, touchedAt)).toBeLessThanOrEqual(3);
    // Seen within one unread spacing, then every ~12 ms.
    expect(appendsBetween(sent, touchedAt + 120, leftAt)).toBeGreaterThanOrEqual(45);
    // Readers touch every 1 s (detachMs / 4, at most 1 s): 2 s plus a spacing without one and it has left.
    expect(appendsBetween(sent, leftAt + 2_200, leftAt + 3_000)).toBeLessThanOrEqual(9);
    const read = await inner.read(ID, 0);
    expect(read?.events).toHaveLength(seq);
  });

  it('the connection closing brings the short spacing back at once (a resume is on its way)', async () => {
    const { log, sent } = countingLog(100);
    const p = producer(log);
    await stream(p, 1, 50);
    p.clientGone();
    const goneAt = Date.now();
    await stream(p, 51, 150);
    await end(p, 151);
    expect(appendsBetween(sent, goneAt + 110, goneAt + 400)).toBeGreaterThanOrEqual(20);
  });

  it('a stop asked on another isolate is seen within one unread spacing', async () => {
    const { log, inner } = countingLog(100);
    let stoppedAt: number | undefined;
    const p = producer(log, { stop: () => (stoppedAt ??= Date.now()) });
    await stream(p, 1, 50);
    await inner.requestStop(ID);
    const askedAt = Date.now();
    await stream(p, 51, 100);
    expect(stoppedAt).toBeDefined();
    expect(stoppedAt! - askedAt).toBeLessThanOrEqual(100 + 2 * EVENT_EVERY_MS);
    await end(p, 101);
  });
});

describe('the Redis store and the outage wrapper carry the spacing', () => {
  it('createRedisStore: 10 ms while followed, 100 ms unread by default, both settable; withLocalFallback passes them on', () => {
    const client = { eval: async () => null };
    const redis = createRedisStore({ client });
    expect(redis.replies).toMatchObject({ appendIntervalMs: 10, unreadAppendIntervalMs: 100 });
    expect(createRedisStore({ client, unreadAppendIntervalMs: 40 }).replies?.unreadAppendIntervalMs).toBe(40);
    expect(withLocalFallback(redis).replies).toMatchObject({ appendIntervalMs: 10, unreadAppendIntervalMs: 100 });
  });
});
