/**
 * Reconnecting a resumable reply whose connection was lost, or that a reload picks up again: rounds of
 * `GET {endpoint}/{replyId}` attempts with backoff, and the edge's "gone" answer.
 *
 * Only a dropped connection or a resume after a reload needs this, so the store loads it by dynamic
 * import (a chunk of its own in a bundled page; see lazy.ts). It starts loading as soon as a resumable
 * reply starts: a connection lost because the network went away could not fetch the chunk any more.
 * It imports nothing at run time; what it needs of the store comes in through {@link ReconnectHost}.
 *
 * @module
 */
import type { ErrorEvent } from './protocol.ts';
import type { ResolvedResumeOptions } from './resume.ts';
import type { ReadOutcome, Run } from './store.ts';
import type { ReconnectingState } from './stream-state.ts';

/** The parts of the stream store a reconnection uses. */
export interface ReconnectHost {
  readonly options: ResolvedResumeOptions;
  /** `run` is still the store's request in flight (not stopped, replaced or settled). */
  live(run: Run): boolean;
  /** The store's clock. */
  now(): number;
  /** Fail the reply with `error`, now. */
  fail(error: ErrorEvent): void;
  /** Set (or clear, `null`) the state's `reconnecting`. */
  reconnecting(state: ReconnectingState | null): void;
  /** `GET {endpoint}/{replyId}` from after `run.lastId`, on `run.controller`'s signal. */
  open(run: Run): Promise<Response>;
  /** The typed error of an answer that is not a usable protocol stream, else `undefined`. */
  check(response: Response): Promise<ErrorEvent | undefined>;
  /** Read one connection of `run` (the store's read loop). */
  read(run: Run, body: ReadableStream<Uint8Array>): Promise<ReadOutcome>;
}

/**
 * Reconnect `run` until its reply settles, or fail it when it cannot be resumed. `cause` is the loss
 * (or, `fromReload`, a resume after a reload, which tries at once even with `auto` off).
 */
export async function recover(host: ReconnectHost, run: Run, cause: ErrorEvent, fromReload: boolean): Promise<void> {
  let immediate = fromReload;
  while (host.live(run)) {
    if (!host.options.auto && !immediate) {
      host.fail(cause);
      return;
    }
    const next = await reconnect(host, run, cause, immediate);
    if (next === undefined) return;
    cause = next;
    immediate = false;
  }
}

/**
 * One round of reconnection attempts with backoff. Returns the next loss when a resumed connection
 * delivered new events and was lost again (a fresh round follows); `undefined` when the reply settled,
 * was replaced, or failed here.
 */
async function reconnect(host: ReconnectHost, run: Run, cause: ErrorEvent, immediate: boolean): Promise<ReadOutcome> {
  const o = host.options;
  const since = host.now();
  let attempts = 0;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    const delay = immediate && attempt === 1 ? 0 : resumeDelayMs(attempt, o);
    const now = host.now();
    if (attempt > 1 && now + delay - since > o.windowMs) break;
    host.reconnecting({ attempt, maxAttempts: o.attempts, since, nextAttemptAt: now + delay });
    if (delay > 0) await wait(run, delay);
    if (!host.live(run)) return undefined;
    host.reconnecting({ attempt, maxAttempts: o.attempts, since, nextAttemptAt: null });
    attempts = attempt;
    run.controller = new AbortController();
    let response: Response;
    try {
      response = await host.open(run);
    } catch (err) {
      if (!host.live(run)) return undefined;
      cause = { kind: 'network', message: `Reconnecting failed: ${err instanceof Error ? err.message : String(err)}`, retryable: true };
      continue;
    }
    if (!host.live(run)) {
      response.body?.cancel().catch(() => {});
      return undefined;
    }
    // For an answer that is not ok: the edge's typed error.
    const problem = await host.check(response);
    if (!host.live(run)) return undefined;
    if (problem !== undefined) {
      if (!response.ok && (response.status === 404 || problem.kind === 'not_found')) {
        // Gone at the edge (expired, detached too long, stopped): the text so far stays; asking again works.
        host.fail({
          kind: 'not_found',
          message: problem.kind === 'not_found' ? problem.message : 'The reply can no longer be resumed: the edge no longer has it.',
          status: 404,
          retryable: true,
        });
        return undefined;
      }
      if (!response.ok && problem.retryable) {
        cause = problem;
        continue;
      }
      host.fail(problem);
      return undefined;
    }
    host.reconnecting(null);
    run.replaying = true;
    const before = run.lastId;
    const again = await host.read(run, response.body as ReadableStream<Uint8Array>);
    if (again === undefined) return undefined;
    // It delivered: a new loss gets a fresh round of attempts.
    if (run.lastId > before) return again;
    cause = again;
  }
  if (!host.live(run)) return undefined;
  host.fail({
    kind: 'network',
    message: `Connection lost; ${attempts} reconnection attempt${attempts === 1 ? '' : 's'} failed (${cause.message})`,
    retryable: true,
  });
  return undefined;
}

/** Wait `ms`, or less: until the run is stopped, or the browser says it is back online. */
function wait(run: Run, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const target = globalThis as { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void };
    const done = (): void => {
      clearTimeout(timer);
      target.removeEventListener?.('online', done);
      run.wake = null;
      resolve();
    };
    const timer = setTimeout(done, ms);
    target.addEventListener?.('online', done);
    run.wake = done;
  });
}

/**
 * The wait before reconnection attempt `attempt` (1-based): `baseDelayMs · 2^(attempt−1)`, capped at
 * `maxDelayMs`, then shortened by up to a quarter at random so many clients cut off together do not
 * come back in lockstep.
 */
export function resumeDelayMs(attempt: number, o: Pick<ResolvedResumeOptions, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const full = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return full * (1 - 0.25 * random());
}
