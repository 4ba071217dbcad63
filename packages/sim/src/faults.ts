/**
 * The fault queue: faults by configuration, injected at run time, or named per request with the
 * `x-sim-fault` / `x-sim-fault-after` headers.
 * @module
 */
import { invalid } from './errors.ts';
import { FAULT_NAMES, type FaultName, type FaultSpec } from './types.ts';

/** A fault chosen for one request. */
export interface ChosenFault {
  fault: FaultName;
  after: number;
}

interface QueuedFault {
  spec: FaultSpec;
  /** Times it may still fire. */
  left: number;
}

/** Default `after` for each fault (tokens, or ms for slow_headers / retry-after-ms for rate_limit). */
export function defaultAfter(fault: FaultName): number {
  if (fault === 'slow_headers' || fault === 'rate_limit') return 1000;
  return 8;
}

/** Check a fault spec from an untrusted source; throws a 400 `SimApiError`. */
export function checkFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null) throw invalid('fault spec must be an object');
  const v = value as Record<string, unknown>;
  if (!FAULT_NAMES.includes(v['fault'] as FaultName)) throw invalid(`fault: must be one of ${FAULT_NAMES.join(', ')}`);
  const spec: FaultSpec = { fault: v['fault'] as FaultName };
  for (const key of ['after', 'count', 'rate'] as const) {
    const n = v[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw invalid(`${key}: must be a non-negative number`);
    if (key === 'rate' && n > 1) throw invalid('rate: must be between 0 and 1');
    spec[key] = n;
  }
  if (v['speed'] !== undefined) {
    if (v['speed'] !== 'fast' && v['speed'] !== 'standard') throw invalid("speed: must be 'fast' or 'standard'");
    spec.speed = v['speed'];
  }
  return spec;
}

/** Read the per-request fault headers, if any. */
export function faultFromHeaders(headers: Headers): ChosenFault | undefined {
  const name = headers.get('x-sim-fault');
  if (name === null || name === '') return undefined;
  if (!FAULT_NAMES.includes(name as FaultName)) throw invalid(`x-sim-fault: unknown fault '${name}'; one of ${FAULT_NAMES.join(', ')}`);
  const afterRaw = headers.get('x-sim-fault-after');
  const after = afterRaw === null ? defaultAfter(name as FaultName) : Number(afterRaw);
  if (!Number.isFinite(after) || after < 0) throw invalid('x-sim-fault-after: must be a non-negative number');
  return { fault: name as FaultName, after };
}

/** Configured and injected faults, consumed by matching requests. */
export class FaultQueue {
  #queue: QueuedFault[] = [];

  constructor(private configured: readonly FaultSpec[] = []) {
    this.reset();
  }

  /** Drop injected faults and restore the configured ones. */
  reset(configured: readonly FaultSpec[] = this.configured): void {
    this.configured = configured;
    this.#queue = configured.map((spec) => this.#entry(spec));
  }

  #entry(spec: FaultSpec): QueuedFault {
    const left = spec.count ?? (spec.rate !== undefined ? Number.POSITIVE_INFINITY : 1);
    return { spec, left };
  }

  /** Queue a fault. */
  inject(spec: FaultSpec): void {
    this.#queue.push(this.#entry(spec));
  }

  /**
   * The fault for a request at `speed`, consuming it.
   * @param roll - a seeded number in [0, 1) for `rate` shares.
   */
  take(speed: 'fast' | 'standard', roll: number): ChosenFault | undefined {
    // One roll per request, split into consecutive intervals, one per matching `rate` entry in queue
    // order: each entry then hits its own share (0.5 and 0.3 give 50% and 30%, not 50% and 0%).
    // Shares beyond a total of 1 are cut short.
    let from = 0;
    for (const entry of this.#queue) {
      if (entry.left <= 0) continue;
      if (entry.spec.speed !== undefined && entry.spec.speed !== speed) continue;
      if (entry.spec.rate !== undefined) {
        const hit = roll >= from && roll < from + entry.spec.rate;
        from += entry.spec.rate;
        if (!hit) continue;
      }
      entry.left -= 1;
      this.#queue = this.#queue.filter((e) => e.left > 0);
      return { fault: entry.spec.fault, after: entry.spec.after ?? defaultAfter(entry.spec.fault) };
    }
    return undefined;
  }

  /** Pending faults, for inspection. */
  pending(): FaultSpec[] {
    return this.#queue.map((e) => ({ ...e.spec, ...(Number.isFinite(e.left) ? { count: e.left } : {}) }));
  }
}
