/**
 * Clocks and abortable sleeps.
 * @module
 */

/**
 * Epoch milliseconds with sub-millisecond precision, comparable across processes.
 * Some runtimes (workerd) report `performance.timeOrigin` as 0; fall back to `Date.now()` there.
 */
export function epochNow(): number {
  const origin = typeof performance !== 'undefined' ? performance.timeOrigin : 0;
  if (typeof origin === 'number' && origin > 0) return origin + performance.now();
  return Date.now();
}

/** Monotonic milliseconds, for scheduling. */
export function monoNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Resolve after `ms`, or early (with `false`) when the signal aborts. Resolves `true` on time. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sleep until the monotonic time `target` (see {@link monoNow}). */
export function sleepUntil(target: number, signal?: AbortSignal): Promise<boolean> {
  const wait = target - monoNow();
  // Below a millisecond a timer would only add latency; yield a macrotask instead so aborts are seen.
  return sleep(wait > 0.5 ? wait : 0, signal);
}
