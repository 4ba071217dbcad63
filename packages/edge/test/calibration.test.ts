/**
 * The edge calibrates the meter: learned from finished steps against the sim, handed to new clients in
 * `start`, and kept in the shared store (memory and a real Redis) so a new isolate starts calibrated.
 */
import {
  calibrate,
  createFastStream,
  createMemoryCalibrationStorage,
  ESTIMATOR_VERSION,
  estimateTextTokens,
  ReplyTokenEstimate,
  type FastStreamState,
  type TokenCalibration,
} from '@slipstream/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  calibrationFromDocument,
  calibrationKey,
  calibrationToDocument,
  createChatHandler,
  createMemoryCalibrationTable,
  createStoreCalibrationTable,
  stepSample,
  type CalibrationTable,
} from '../src/index.ts';
import { createMemoryStore } from '../src/state/memory.ts';
import { createRedisStore } from '../src/state/redis.ts';
import type { StateStore } from '../src/state/store.ts';
import { chat, FAKE_KEY, serveFetch, startRig, user, type Rig } from './helpers.ts';
import { startRedis, type RunningRedis } from './redis-server.ts';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const MODEL = 'claude-opus-4-6';

describe('edge calibration', () => {
  it('sends none on a fresh isolate, then the calibration learned from every finished reply', async () => {
    rig = await startRig();
    const first = await chat(rig.chatUrl, { messages: user('Write TypeScript code for a retry [[sim:tokens=200]]'), model: MODEL, speed: 'standard' });
    expect(first.find('start')?.data.calibration).toBeUndefined();
    const tokens = first.find('done')?.data.usage.outputTokens as number;
    const second = await chat(rig.chatUrl, { messages: user('Compare the modes in a table [[sim:tokens=150]]'), model: MODEL, speed: 'standard' });
    const cal = second.find('start')?.data.calibration;
    expect(cal).toMatchObject({ model: MODEL, sampleTokens: tokens });
    // The counter is fitted to the tokenizer the sim streams with: a small correction at most.
    const scales = Object.values(cal?.estimator?.scale ?? {});
    expect(scales.length).toBeGreaterThan(0);
    for (const scale of scales) expect(Math.abs(scale - 1)).toBeLessThan(0.15);
    expect(cal?.charsPerToken).toBeCloseTo(first.text.length / tokens, 6);
    const third = await chat(rig.chatUrl, { messages: user('Hello there [[sim:tokens=40]]'), model: MODEL, speed: 'standard' });
    expect(third.find('start')?.data.calibration?.sampleTokens).toBe(tokens + (second.find('done')?.data.usage.outputTokens as number));
  });

  it('keeps one per model, and none with calibration: false', async () => {
    const table = createMemoryCalibrationTable();
    rig = await startRig({}, { calibration: table });
    await chat(rig.chatUrl, { messages: user('Explain it [[sim:tokens=60]]'), model: MODEL, speed: 'standard' });
    expect((await table.get(MODEL))?.sampleTokens).toBe(60);
    expect(table.get('claude-opus-4-8')).toBeUndefined();
    await rig.close();
    rig = await startRig({}, { calibration: false });
    await chat(rig.chatUrl, { messages: user('Explain it [[sim:tokens=60]]'), model: MODEL, speed: 'standard' });
    const next = await chat(rig.chatUrl, { messages: user('Explain it [[sim:tokens=60]]'), model: MODEL, speed: 'standard' });
    expect(next.find('start')?.data.calibration).toBeUndefined();
  });

  it("reaches a brand-new client's estimate from its first delta", async () => {
    // A table whose model tokenizes 25 % more than the counter: the client must apply it.
    const skewed: CalibrationTable = {
      get: (model) => ({ model, charsPerToken: 3, sampleTokens: 10_000, estimator: { version: ESTIMATOR_VERSION, scale: { prose: 1.25, code: 1.25, table: 1.25, cjk: 1.25 }, classTokens: { prose: 10_000 } } }),
      observe: () => {},
    };
    rig = await startRig({ standardOtps: 0 }, { calibration: skewed });
    const stream = createFastStream({ endpoint: rig.chatUrl, calibration: createMemoryCalibrationStorage(), notify: 'sync' });
    const done = new Promise<FastStreamState>((resolve) => {
      const off = stream.subscribe(() => {
        const s = stream.getSnapshot();
        if (s.status === 'done' || s.status === 'error') {
          off();
          resolve(s);
        }
      });
    });
    let estimateBeforeDone: number | null = null;
    stream.subscribe(() => {
      const s = stream.getSnapshot();
      if (s.status === 'streaming' && s.metrics.outputTokens.isEstimate) estimateBeforeDone = s.metrics.outputTokens.value;
    });
    stream.start({ messages: user('Explain it [[sim:tokens=80]]'), model: MODEL, speed: 'standard' });
    const s = await done;
    expect(s.status).toBe('done');
    expect(estimateBeforeDone).toBe(Math.round(estimateTextTokens(s.text) * 1.25));
    stream.destroy();
  });

  it('learns nothing from steps whose text does not account for their tokens (thinking)', () => {
    expect(stepSample([{ type: 'thinking', thinking: 'Let me see.' }, { type: 'text', text: 'Yes.' }], 40)).toBeUndefined();
    expect(stepSample([{ type: 'redacted_thinking' }], 40)).toBeUndefined();
    const s = stepSample([{ type: 'text', text: 'Hello, world!' }, { type: 'tool_use', json: '{"a":1}' }], 11);
    expect(s?.counted.prose).toBeCloseTo(estimateTextTokens('Hello, world!'), 9);
    expect(s?.counted.code).toBeCloseTo(estimateTextTokens('{"a":1}', undefined, 'tool_input'), 9);
    expect(s?.outputTokens).toBe(11);
  });
});

/** What one finished reply of `text` with `tokens` real tokens teaches. */
function sampleOf(text: string, tokens: number) {
  const e = new ReplyTokenEstimate();
  e.push(text);
  return e.sample(tokens);
}

describe('calibration in the shared store', () => {
  let redis: RunningRedis;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url, disableOfflineQueue: true });
    client.on('error', () => {});
    await client.connect();
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    await redis?.stop();
  });

  const stores: [string, () => StateStore][] = [
    ['memory', () => createMemoryStore()],
    ['redis', () => createRedisStore({ client, prefix: `cal${Math.random().toString(36).slice(2)}:` })],
  ];

  it('a document holds a calibration exactly, and a bad one reads as none', () => {
    const cal = calibrate(undefined, MODEL, sampleOf('Some prose.\n```ts\nconst x = 1;\n```\n| a | b |\n', 40)) as TokenCalibration;
    expect(calibrationFromDocument(calibrationToDocument(cal))).toEqual(cal);
    expect(calibrationFromDocument({ model: MODEL, charsPerToken: 'x', sampleTokens: 5 })).toBeUndefined();
    expect(calibrationFromDocument(undefined)).toBeUndefined();
    expect(calibrationKey(MODEL)).toContain(`v${ESTIMATOR_VERSION}`);
  });

  it.each(stores)('%s: what one isolate learns, a new isolate reads; concurrent observes in one isolate all count', async (_name, make) => {
    const store = make();
    const a = createStoreCalibrationTable(store);
    expect(await a.get(MODEL)).toBeUndefined();
    const text = 'The edge relays every delta as it arrives, and the meter estimates the rate. '.repeat(4);
    await Promise.all([1, 2, 3, 4, 5].map(() => a.observe(MODEL, sampleOf(text, 70))));
    const learned = await a.get(MODEL);
    expect(learned?.sampleTokens).toBe(350);
    // A new isolate: nothing in memory, the store has it on the first ask.
    const b = createStoreCalibrationTable(store);
    expect(await b.get(MODEL)).toEqual(learned);
    // It refines the same document.
    await b.observe(MODEL, sampleOf(text, 70));
    expect((await createStoreCalibrationTable(store).get(MODEL))?.sampleTokens).toBe(420);
    expect(await b.get('claude-opus-4-8')).toBeUndefined();
  });

  it.each(stores)('%s: a new edge isolate sends the calibration learned by another in its first start event', async (_name, make) => {
    const store = make();
    rig = await startRig({}, { store });
    await chat(rig.chatUrl, { messages: user('Write TypeScript code for a retry [[sim:tokens=200]]'), model: MODEL, speed: 'standard' });
    // A second handler on the same store: another isolate, never served a reply.
    const other = await serveFetch(createChatHandler({ apiKey: FAKE_KEY, baseURL: rig.sim.url, store }).fetch);
    try {
      await vi.waitFor(async () => expect((await createStoreCalibrationTable(store).get(MODEL))?.sampleTokens).toBe(200));
      const first = await chat(`${other.url}/api/chat`, { messages: user('Hello there [[sim:tokens=40]]'), model: MODEL, speed: 'standard' });
      expect(first.find('start')?.data.calibration).toMatchObject({ model: MODEL, sampleTokens: 200, estimator: { version: ESTIMATOR_VERSION } });
    } finally {
      await other.close();
    }
  });

  it('a failing store leaves the isolate its own calibration, and nothing throws', async () => {
    const broken: StateStore = {
      kind: 'broken',
      get: () => Promise.reject(new Error('down')),
      merge: () => Promise.reject(new Error('down')),
      reserve: () => Promise.reject(new Error('down')),
      adjust: () => Promise.reject(new Error('down')),
    };
    const table = createStoreCalibrationTable(broken);
    expect(await table.get(MODEL)).toBeUndefined();
    await table.observe(MODEL, sampleOf('A reply long enough to teach something about its tokens. '.repeat(3), 40));
    expect((await table.get(MODEL))?.sampleTokens).toBe(40);
  });
});
