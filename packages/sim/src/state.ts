/**
 * Observability: counters, stream records and the request log.
 * @module
 */
import type { SimRequestLogEntry, SimStats, SimStreamRecord } from './types.ts';

/**
 * How many request-log entries and stream records are kept. Older ones are dropped so a long-running
 * sim (the demo, a soak) does not grow without bound; running streams keep their own record object.
 */
export const HISTORY_LIMIT = 2000;

/** Append to a bounded history, dropping the oldest entries. */
export function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > HISTORY_LIMIT) list.splice(0, list.length - HISTORY_LIMIT);
}

/** Mutable observability state of one sim. */
export class SimState {
  stats: SimStats = SimState.emptyStats();
  records: SimStreamRecord[] = [];
  log: SimRequestLogEntry[] = [];
  /** Request counter (ids, fault rolls). Not reset, so ids stay unique within a process. */
  counter = 0;

  static emptyStats(): SimStats {
    return {
      requests: { total: 0, byStatus: {} },
      activeStreams: 0,
      completedStreams: 0,
      abortedStreams: 0,
      tokensEmitted: 0,
      tokensAfterDisconnect: [],
    };
  }

  /** Count a response status for `/v1/messages`. */
  countStatus(status: number): void {
    this.stats.requests.total += 1;
    const key = String(status);
    this.stats.requests.byStatus[key] = (this.stats.requests.byStatus[key] ?? 0) + 1;
  }

  /** Clear everything except the id counter. */
  reset(): void {
    this.stats = SimState.emptyStats();
    this.records = [];
    this.log = [];
  }

  /** A deep copy of the stats. */
  snapshot(): SimStats {
    return structuredClone(this.stats);
  }
}
