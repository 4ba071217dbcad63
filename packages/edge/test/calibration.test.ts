/** The edge calibrates the meter: learned from finished steps against the sim, handed to new clients in `start`. */
import { createFastStream, createMemoryCalibrationStorage, ESTIMATOR_VERSION, estimateTextTokens, type FastStreamState } from '@slipstream/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryCalibrationTable, stepSample, type CalibrationTable } from '../src/index.ts';
import { chat, startRig, user, type Rig } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000 });

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
    expect(table.get(MODEL)?.sampleTokens).toBe(60);
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
