/**
 * Notification scheduling in one replaceable place (after TanStack query-core's `notifyManager`).
 *
 * The store decides *when* to notify (every change, once per frame, or once per interval); this module
 * decides *how*: which frame and timeout schedulers to use, and which function wraps the listener calls
 * (tests set it to React's `act`). Schedulers wrap the globals in arrow functions, so fake timers or spies
 * installed after import are still used.
 *
 * @module
 */

/** Runs `cb` later; returns a function that cancels it. */
export type ScheduleFn = (cb: () => void) => () => void;
/** Runs `cb` after `ms`; returns a function that cancels it. */
export type TimeoutScheduleFn = (cb: () => void, ms: number) => () => void;
/** Wraps a batch of listener calls, e.g. `(cb) => act(cb)`. */
export type NotifyFunction = (cb: () => void) => void;

/** Where notification scheduling lives; see {@link createNotifyManager}. */
export interface NotifyManager {
  /** Run `fn`; notifications requested inside it run once, when the outermost `batch` ends. */
  batch<T>(fn: () => T): T;
  /** Run listener calls through the notify function (or after the current batch). */
  notify(cb: () => void): void;
  /** Once per animation frame: `requestAnimationFrame`, or a 16 ms timer where there is none. */
  scheduleFrame: ScheduleFn;
  scheduleTimeout: TimeoutScheduleFn;
  setNotifyFunction(fn: NotifyFunction): void;
  setFrameScheduler(fn: ScheduleFn): void;
  setTimeoutScheduler(fn: TimeoutScheduleFn): void;
}

const FRAME_FALLBACK_MS = 16;

const defaultTimeout: TimeoutScheduleFn = (cb, ms) => {
  const id = setTimeout(cb, ms);
  return () => clearTimeout(id);
};

const defaultFrame: ScheduleFn = (cb) => {
  if (typeof requestAnimationFrame === 'function' && typeof cancelAnimationFrame === 'function') {
    const id = requestAnimationFrame(() => cb());
    return () => cancelAnimationFrame(id);
  }
  return defaultTimeout(cb, FRAME_FALLBACK_MS);
};

/** Create an independent notify manager (the store uses the shared {@link notifyManager}). */
export function createNotifyManager(): NotifyManager {
  let depth = 0;
  let queue: (() => void)[] = [];
  let notifyFn: NotifyFunction = (cb) => cb();
  let frameFn: ScheduleFn = defaultFrame;
  let timeoutFn: TimeoutScheduleFn = defaultTimeout;

  const flush = (): void => {
    const callbacks = queue;
    queue = [];
    if (callbacks.length > 0) {
      notifyFn(() => {
        for (const cb of callbacks) cb();
      });
    }
  };

  return {
    batch(fn) {
      depth++;
      try {
        return fn();
      } finally {
        depth--;
        if (depth === 0) flush();
      }
    },
    notify(cb) {
      if (depth > 0) {
        if (!queue.includes(cb)) queue.push(cb);
      } else {
        notifyFn(cb);
      }
    },
    scheduleFrame: (cb) => frameFn(cb),
    scheduleTimeout: (cb, ms) => timeoutFn(cb, ms),
    setNotifyFunction(fn) {
      notifyFn = fn;
    },
    setFrameScheduler(fn) {
      frameFn = fn;
    },
    setTimeoutScheduler(fn) {
      timeoutFn = fn;
    },
  };
}

/** The shared instance every store uses. */
export const notifyManager: NotifyManager = createNotifyManager();
