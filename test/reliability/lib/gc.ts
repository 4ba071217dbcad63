/** Force a full GC when possible (`--expose-gc`, else the V8 flag trick), then read heapUsed. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
if (gcFn === undefined) {
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = undefined;
  }
}

export const canGc = gcFn !== undefined;

export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gcFn?.();
    await new Promise((r) => setTimeout(r, 10));
  }
  return process.memoryUsage().heapUsed;
}
