/**
 * The edge calibrates the client's live meter. It sees every step's text and its exact
 * `usage.output_tokens`, so it keeps a {@link TokenCalibration} per model (core's `calibrate`: per
 * content class, how many real tokens each counted token is) and hands it to every new client in the
 * `start` event. A brand-new browser then estimates its first reply as well as a returning one.
 *
 * The table is in this isolate's memory, behind {@link CalibrationTable}, so a shared store can back it
 * later; a fresh isolate starts empty and learns from its first finished step (clients also keep
 * their own calibration, so a returning user does not depend on the isolate).
 *
 * @module
 */
import { calibrate, ReplyTokenEstimate, type CalibrationSample, type TokenCalibration } from '@slipstream/core';

/** Where the edge keeps calibrations per model. Implementations must not throw. */
export interface CalibrationTable {
  /** The calibration to send with `start` for `model`, if there is one. */
  get(model: string): TokenCalibration | undefined;
  /** Fold in what one finished step taught. */
  observe(model: string, sample: CalibrationSample): void;
}

/**
 * A calibration table in this isolate's memory, for at most `maxModels` models (the least recently
 * updated go first).
 */
export function createMemoryCalibrationTable(maxModels = 64): CalibrationTable {
  const table = new Map<string, TokenCalibration>();
  return {
    get: (model) => table.get(model),
    observe(model, sample) {
      const prev = table.get(model);
      const next = calibrate(prev, model, sample);
      if (next === undefined || next === prev) return;
      table.delete(model);
      table.set(model, next);
      if (table.size > maxModels) table.delete(table.keys().next().value as string);
    },
  };
}

/** The blocks of one step, as the relay rebuilds them. */
export type CountedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'redacted_thinking' }
  | { type: 'tool_use'; json: string };

/**
 * What one finished step teaches, or `undefined` when its text does not account for its tokens:
 * redacted thinking streams no text, and Claude 4 models bill their full thinking while streaming a
 * summary of it, so steps with thinking are left out.
 */
export function stepSample(blocks: Iterable<CountedBlock>, outputTokens: number): CalibrationSample | undefined {
  const estimate = new ReplyTokenEstimate();
  let index = 0;
  for (const b of blocks) {
    const stream = String(index++);
    if (b.type === 'thinking' || b.type === 'redacted_thinking') return undefined;
    if (b.type === 'text') estimate.push(b.text, 'text', stream);
    else estimate.push(b.json, 'tool_input', stream);
  }
  return estimate.sample(outputTokens);
}
