/**
 * Process-level guards: unhandled rejections / uncaught exceptions seen while a case runs, captured
 * console output (to scan for the key), and a hard per-case timeout that reports a hung stream.
 */
import { inspect } from 'node:util';

export class ProcessGuard {
  unhandled: unknown[] = [];
  uncaught: unknown[] = [];
  private readonly onRejection = (reason: unknown): void => {
    this.unhandled.push(reason);
  };
  private readonly onException = (err: unknown): void => {
    this.uncaught.push(err);
  };
  install(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
  }
  uninstall(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }
  /** Take (and clear) what was seen since the last call. */
  drain(): { unhandled: unknown[]; uncaught: unknown[] } {
    const out = { unhandled: this.unhandled, uncaught: this.uncaught };
    this.unhandled = [];
    this.uncaught = [];
    return out;
  }
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const METHODS: readonly ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

/** Captures everything written through console.* (still forwarding warn/error) so it can be scanned. */
export class ConsoleCapture {
  lines: string[] = [];
  private originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  install(forward = false): void {
    for (const m of METHODS) {
      const original = console[m].bind(console) as (...args: unknown[]) => void;
      this.originals.set(m, original);
      console[m] = (...args: unknown[]): void => {
        this.lines.push(`[${m}] ${args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' ')}`);
        if (forward) original(...args);
      };
    }
  }
  uninstall(): void {
    for (const [m, original] of this.originals) console[m] = original;
    this.originals.clear();
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Race `p` against a timer; rejects with TimeoutError (a hung stream) when it loses. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what}: no end within ${ms} ms (hung)`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until true or `ms` elapse; returns whether it became true. */
export async function eventually(check: () => boolean, ms: number, step = 10): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(step);
  }
  return check();
}
