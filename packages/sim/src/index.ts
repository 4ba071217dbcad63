/**
 * `@slipstream/sim`: a wire-faithful simulated Anthropic Messages API with fast mode, rate limits and
 * fault injection. Web-standard only (runs in workerd); the Node server and CLI are in
 * `@slipstream/sim/node`.
 * @module
 */
export { createSim, type Sim } from './sim.ts';
export { DEFAULT_MODEL_PROFILES, FAST_MODE_BETA, type FastSupport, type ModelProfile } from './models.ts';
export { XSS_PAYLOADS } from './xss.ts';
export { DEFAULT_OPTIONS } from './core.ts';
export { HISTORY_LIMIT } from './state.ts';
export { EXPOSED_HEADERS } from './cors.ts';
export { tokenize, countTokens } from './tokens.ts';
export { imageTokens, pdfPages, DEFAULT_VISION, type VisionLimits } from './media.ts';
export { CHUNKINGS, type Chunking } from './chunking.ts';
export {
  FAULT_NAMES,
  type FaultName,
  type FaultSpec,
  type SimOptions,
  type SimRequestLogEntry,
  type SimStats,
  type SimStreamRecord,
  type StreamEnd,
} from './types.ts';
