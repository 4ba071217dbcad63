/**
 * Bookkeeping of one reply: its record, the stats it counts into, and a once-only finish.
 * @module
 */
import type { SimCore } from './core.ts';
import type { ReplyOutcome } from './reply.ts';
import { epochNow } from './time.ts';
import type { SimStats, SimStreamRecord, StreamEnd } from './types.ts';

/** A streaming run's bookkeeping: the record, the stats it counts into, and a once-only finish. */
export class StreamRun {
  readonly abort = new AbortController();
  afterDisconnect = 0;
  #done = false;
  #slot: number | undefined;

  constructor(
    readonly core: SimCore,
    readonly record: SimStreamRecord,
    private readonly stats: SimStats,
  ) {
    stats.activeStreams += 1;
  }

  /** Count tokens written after the disconnect was noticed (kept visible in stats; by construction 0). */
  countAfterDisconnect(tokens: number): void {
    this.afterDisconnect += tokens;
    if (this.#slot !== undefined) this.stats.tokensAfterDisconnect[this.#slot] = this.afterDisconnect;
  }

  /** Count a written chunk. */
  wrote(tokens: number): void {
    if (tokens === 0) return;
    if (this.abort.signal.aborted) this.countAfterDisconnect(tokens);
    this.record.deltaTimes.push(epochNow());
    this.record.deltaTokens.push(tokens);
    this.record.outputTokens += tokens;
    this.stats.tokensEmitted += tokens;
    this.core.limits.chargeOutput(this.record.speed, tokens);
  }

  /** The client went away: stop generating at once. */
  disconnected(): void {
    if (this.#done) return;
    this.record.disconnectedAt = epochNow();
    this.abort.abort();
    this.finish('client_abort');
  }

  /** End the run once (later calls are ignored): set the record's end and move the counters. */
  finish(end: StreamEnd): void {
    if (this.#done) return;
    this.#done = true;
    this.record.end = end;
    this.record.endedAt = epochNow();
    this.stats.activeStreams -= 1;
    if (end === 'complete') this.stats.completedStreams += 1;
    if (end === 'client_abort') {
      this.stats.abortedStreams += 1;
      this.#slot = this.stats.tokensAfterDisconnect.push(this.afterDisconnect) - 1;
    }
    if (!this.abort.signal.aborted) this.abort.abort();
  }
}

/** The record's `end` for a generator outcome. */
export function outcomeEnd(outcome: ReplyOutcome): StreamEnd {
  if (outcome === 'complete') return 'complete';
  if (outcome === 'aborted') return 'client_abort';
  return 'fault';
}

