/**
 * The edge calibrates the client's live meter. It sees every step's text and its exact
 * `usage.output_tokens`, so it keeps a {@link TokenCalibration} per model (core's `calibrate`: per
 * content class, how many real tokens each counted token is) and hands it to every new client in the
 * `start` event. A brand-new browser then estimates its first reply as well as a returning one.
 *
 * Where the handler has a shared `store` (Redis, a Durable Object), the table lives there
 * ({@link createStoreCalibrationTable}), so a new isolate starts calibrated; otherwise it is in this
 * isolate's memory ({@link createMemoryCalibrationTable}) and a fresh isolate learns from its first
 * finished step. Clients also keep their own calibration, so a returning user never depends on either.
 *
 * @module
 */
import {
  betterCalibration,
  calibrate,
  CONTENT_CLASSES,
  ESTIMATOR_VERSION,
  readCalibration,
  ReplyTokenEstimate,
  type CalibrationSample,
  type TokenCalibration,
} from '@slipstream/core';
import type { StateDocument, StateStore } from './state/store.ts';

/**
 * Where the edge keeps calibrations per model. Implementations must not throw (nor reject); `get` may
 * answer from a shared store, and the relay awaits it before sending `start`.
 */
export interface CalibrationTable {
  /** The calibration to send with `start` for `model`, if there is one. */
  get(model: string): TokenCalibration | undefined | Promise<TokenCalibration | undefined>;
  /** Fold in what one finished step taught (a returned promise settles when it is stored). */
  observe(model: string, sample: CalibrationSample): void | Promise<void>;
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

/** Options of {@link createStoreCalibrationTable}. */
export interface StoreCalibrationOptions {
  /** A stored calibration lives this long after its last update. @default 30 days */
  ttlMs?: number;
  /** This isolate re-reads a model's calibration at most this often (in the background). @default 60 s */
  refreshMs?: number;
  /** Clock in epoch ms (tests). @default Date.now */
  now?: () => number;
}

/** Store key of a model's calibration: the counting rules' version is part of it, so rules never mix. */
export function calibrationKey(model: string): string {
  return `calibration:v${ESTIMATOR_VERSION}:${model}`;
}

/** A calibration as a flat store document (`scale.prose`, `classTokens.code`, `byClass.table`…). */
export function calibrationToDocument(cal: TokenCalibration): StateDocument {
  const doc: StateDocument = { model: cal.model, charsPerToken: cal.charsPerToken, sampleTokens: cal.sampleTokens };
  if (cal.estimator !== undefined) doc['version'] = cal.estimator.version;
  for (const c of CONTENT_CLASSES) {
    const scale = cal.estimator?.scale[c];
    const tokens = cal.estimator?.classTokens[c];
    const cpt = cal.byClass?.[c];
    if (scale !== undefined) doc[`scale.${c}`] = scale;
    if (tokens !== undefined) doc[`classTokens.${c}`] = tokens;
    if (cpt !== undefined) doc[`byClass.${c}`] = cpt;
  }
  return doc;
}

/** A store document back to a calibration, checked like anything read from outside (`undefined` if bad). */
export function calibrationFromDocument(doc: StateDocument | undefined): TokenCalibration | undefined {
  if (doc === undefined) return undefined;
  const scale: Record<string, StateDocument[string]> = {};
  const classTokens: Record<string, StateDocument[string]> = {};
  const byClass: Record<string, StateDocument[string]> = {};
  for (const c of CONTENT_CLASSES) {
    if (doc[`scale.${c}`] !== undefined) scale[c] = doc[`scale.${c}`] as StateDocument[string];
    if (doc[`classTokens.${c}`] !== undefined) classTokens[c] = doc[`classTokens.${c}`] as StateDocument[string];
    if (doc[`byClass.${c}`] !== undefined) byClass[c] = doc[`byClass.${c}`] as StateDocument[string];
  }
  return readCalibration({
    model: doc['model'],
    charsPerToken: doc['charsPerToken'],
    sampleTokens: doc['sampleTokens'],
    byClass,
    ...(doc['version'] !== undefined ? { estimator: { version: doc['version'], scale, classTokens } } : {}),
  });
}

/**
 * A calibration table in a shared {@link StateStore}: every isolate reads and refines the same
 * calibration per model, so a new isolate hands its very first client a calibrated estimate.
 *
 * - `get` answers from this isolate's copy when it is recent; the first time a model is asked for it
 *   reads the store (the relay awaits it while the upstream reply is already under way), later
 *   re-reads happen in the background at most every `refreshMs`.
 * - `observe` folds the sample into the store's current calibration and writes it back (one `get` and
 *   one `merge`). Two isolates observing at the same instant may each write their own fold, so one of
 *   the two samples can be lost: calibration is an average over thousands of tokens, and a lost
 *   sample only slows it down; the document itself is always written whole.
 * - A store that fails or times out (wrap it in `withLocalFallback`, as the handler does) leaves this
 *   isolate's copy in use; nothing throws.
 *
 * @example
 * createChatHandler({ store, calibration: createStoreCalibrationTable(store) }); // the default when `store` is set
 */
export function createStoreCalibrationTable(store: StateStore, options: StoreCalibrationOptions = {}): CalibrationTable {
  const ttlMs = options.ttlMs ?? 30 * 24 * 3600_000;
  const refreshMs = options.refreshMs ?? 60_000;
  const now = options.now ?? (() => Date.now());
  const local = new Map<string, { cal: TokenCalibration | undefined; readAt: number }>();
  const reading = new Map<string, Promise<TokenCalibration | undefined>>();
  const writing = new Map<string, Promise<void>>();

  const read = (model: string): Promise<TokenCalibration | undefined> => {
    let pending = reading.get(model);
    if (pending === undefined) {
      pending = store
        .get(calibrationKey(model))
        .then((doc) => {
          const stored = calibrationFromDocument(doc);
          const cal = stored?.model === model ? stored : undefined;
          // The store is the shared truth; this isolate's copy only wins when the store has nothing.
          const mine = local.get(model)?.cal;
          const best = cal ?? mine;
          local.set(model, { cal: best, readAt: now() });
          return best;
        })
        .catch(() => local.get(model)?.cal)
        .finally(() => reading.delete(model));
      reading.set(model, pending);
    }
    return pending;
  };

  return {
    get(model) {
      const mine = local.get(model);
      if (mine === undefined) return read(model);
      if (now() - mine.readAt >= refreshMs) void read(model);
      return mine.cal;
    },
    observe(model, sample) {
      // One write at a time per model in this isolate, each folding into what the store has now.
      const previous = writing.get(model) ?? Promise.resolve();
      const next = previous.then(async () => {
        let base: TokenCalibration | undefined;
        try {
          const stored = calibrationFromDocument(await store.get(calibrationKey(model)));
          base = betterCalibration(stored?.model === model ? stored : undefined, local.get(model)?.cal);
        } catch {
          base = local.get(model)?.cal;
        }
        const cal = calibrate(base, model, sample);
        if (cal === undefined || cal === base) return;
        local.set(model, { cal, readAt: now() });
        await store.merge(calibrationKey(model), calibrationToDocument(cal), { ttlMs }).catch(() => {});
      });
      const settled = next.catch(() => {});
      writing.set(model, settled);
      void settled.finally(() => {
        if (writing.get(model) === settled) writing.delete(model);
      });
      return settled;
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
