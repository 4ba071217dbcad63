import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_STORAGE_KEY,
  ReplyTokenEstimate,
  betterCalibration,
  calibrate,
  createWebCalibrationStorage,
  estimatorScale,
  readCalibration,
  type CalibrationSample,
  type KeyValueStorage,
} from '../src/calibration.ts';
import type { TokenCalibration } from '../src/protocol.ts';
import { ESTIMATOR_VERSION, estimateTextTokens, zeroCounts } from '../src/token-estimator.ts';

const MODEL = 'claude-opus-4-6';

function sample(counted: Partial<Record<'prose' | 'code' | 'table' | 'cjk', number>>, outputTokens: number, cpt = 3.5): CalibrationSample {
  const c = { ...zeroCounts(), ...counted };
  const chars = zeroCounts();
  for (const k of ['prose', 'code', 'table', 'cjk'] as const) chars[k] = c[k] * cpt;
  return { counted: c, chars, outputTokens };
}

describe('calibrate', () => {
  it('learns a class from a reply of that class, and leaves the others alone', () => {
    const cal = calibrate(undefined, MODEL, sample({ code: 200 }, 160)) as TokenCalibration;
    expect(cal.model).toBe(MODEL);
    expect(cal.sampleTokens).toBe(160);
    expect(cal.estimator?.version).toBe(ESTIMATOR_VERSION);
    expect(cal.estimator?.scale.code).toBeCloseTo(0.8, 10);
    expect(cal.estimator?.scale.prose).toBeUndefined();
    expect(cal.charsPerToken).toBeCloseTo(700 / 160, 10);
    expect(cal.byClass?.code).toBeCloseTo(700 / 160, 10);
    // A class never seen takes the mean of the classes seen.
    expect(estimatorScale(cal)?.prose).toBeCloseTo(0.8, 10);
  });

  it('shares a mixed reply out by predicted tokens, weighted against what it already knows', () => {
    let cal = calibrate(undefined, MODEL, sample({ prose: 1000 }, 1000));
    cal = calibrate(cal, MODEL, sample({ code: 1000 }, 1200));
    expect(cal?.estimator?.scale.prose).toBeCloseTo(1, 10);
    expect(cal?.estimator?.scale.code).toBeCloseTo(1.2, 10);
    // Another 1000 prose tokens at ratio 1.1 move prose half way (equal weights).
    cal = calibrate(cal, MODEL, sample({ prose: 1000 }, 1100));
    expect(cal?.estimator?.scale.prose).toBeCloseTo((1000 * 1 + 1100 * 1.1) / 2100, 10);
    expect(cal?.sampleTokens).toBe(3300);
  });

  it('ignores replies too short or too far off to be text it saw (hidden thinking)', () => {
    const base = calibrate(undefined, MODEL, sample({ prose: 100 }, 100));
    expect(calibrate(base, MODEL, sample({ prose: 10 }, 10))).toBe(base);
    expect(calibrate(base, MODEL, sample({ prose: 100 }, 250))).toBe(base);
    expect(calibrate(base, MODEL, sample({ prose: 100 }, 40))).toBe(base);
    expect(calibrate(undefined, MODEL, sample({}, 100))).toBeUndefined();
  });

  it('picks the calibration measured over more tokens', () => {
    const small = calibrate(undefined, MODEL, sample({ prose: 100 }, 100));
    const big = calibrate(undefined, MODEL, sample({ prose: 5000 }, 5500));
    expect(betterCalibration(small, big)).toBe(big);
    expect(betterCalibration(big, small)).toBe(big);
    expect(betterCalibration(undefined, small)).toBe(small);
  });
});

describe('readCalibration', () => {
  it('accepts a well-formed calibration and drops what is not', () => {
    const cal = calibrate(undefined, MODEL, sample({ table: 300 }, 240)) as TokenCalibration;
    expect(readCalibration(JSON.parse(JSON.stringify(cal)))).toEqual(cal);
    expect(readCalibration({ model: MODEL, charsPerToken: 'x', sampleTokens: 1 })).toBeUndefined();
    expect(readCalibration({ model: MODEL, charsPerToken: 1e9, sampleTokens: 1 })).toBeUndefined();
    expect(readCalibration(null)).toBeUndefined();
    expect(readCalibration({ model: MODEL, charsPerToken: 3.5, sampleTokens: 10, byClass: { prose: -1, code: 3 }, estimator: { version: 1, scale: { code: 99 } } })).toEqual({
      model: MODEL,
      charsPerToken: 3.5,
      sampleTokens: 10,
      byClass: { code: 3 },
    });
  });
});

describe('ReplyTokenEstimate', () => {
  it('scales the counter by the calibration, per class', () => {
    const cal: TokenCalibration = { model: MODEL, charsPerToken: 4, sampleTokens: 1000, estimator: { version: ESTIMATOR_VERSION, scale: { prose: 0.5, code: 2 }, classTokens: { prose: 500, code: 500 } } };
    const e = new ReplyTokenEstimate(cal);
    const prose = estimateTextTokens('one two three four');
    const code = estimateTextTokens('{"a":1}', undefined, 'tool_input');
    expect(e.push('one two three four')).toBeCloseTo(0.5 * prose, 10);
    expect(e.push('{"a":1}', 'tool_input', 'tool:1')).toBeCloseTo(2 * code, 10);
    expect(e.tokens).toBeCloseTo(0.5 * prose + 2 * code, 10);
    const s = e.sample(20);
    expect(s.counted.prose).toBe(prose);
    expect(s.counted.code).toBe(code);
  });

  it('falls back to characters per token for a calibration from other counting rules', () => {
    const cal: TokenCalibration = { model: MODEL, charsPerToken: 4, byClass: { prose: 5 }, sampleTokens: 1000, estimator: { version: ESTIMATOR_VERSION + 1, scale: { prose: 9 }, classTokens: {} } };
    const e = new ReplyTokenEstimate(cal);
    expect(e.push('abcdefghij')).toBeCloseTo(2, 10); // 10 prose chars ÷ 5
    expect(e.push('{"ab":1}', 'tool_input')).toBeCloseTo(2, 10); // 8 code chars ÷ 4
  });
});

describe('calibration storage', () => {
  const cal = calibrate(undefined, MODEL, sample({ prose: 300 }, 330)) as TokenCalibration;

  it('keeps calibrations per model in Web Storage, across instances', () => {
    const map = new Map<string, string>();
    const kv: KeyValueStorage = { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
    createWebCalibrationStorage(kv).save(cal);
    expect(map.has(CALIBRATION_STORAGE_KEY + MODEL)).toBe(true);
    expect(createWebCalibrationStorage(kv).load(MODEL)).toEqual(cal);
    expect(createWebCalibrationStorage(kv).load('other-model')).toBeUndefined();
  });

  it('never throws: refusing storage (private mode, quota), corrupt entries, no localStorage at all', () => {
    const refusing: KeyValueStorage = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    const s = createWebCalibrationStorage(refusing);
    expect(s.load(MODEL)).toBeUndefined();
    expect(() => s.save(cal)).not.toThrow();
    expect(s.load(MODEL)).toEqual(cal); // kept in memory for this page
    expect(createWebCalibrationStorage({ getItem: () => '{not json', setItem: () => {} }).load(MODEL)).toBeUndefined();
    // Node has no localStorage: memory only.
    const plain = createWebCalibrationStorage();
    plain.save(cal);
    expect(plain.load(MODEL)).toEqual(cal);
  });
});
