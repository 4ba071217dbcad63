/**
 * In-page instrumentation shared by every stack in the browser benchmark, so each is measured the same
 * way: a `fetch` wrapper stamping network byte arrival, a long-task observer, a frame sampler, a React
 * Profiler callback counting commits, and a completion stamp taken after the final frame is painted.
 * @module
 */

export interface PageStats {
  startAt: number;
  firstByteAt: number;
  lastByteAt: number;
  paintedAt: number;
  commits: number;
  /** Sum of Profiler `actualDuration`, ms. */
  renderMs: number;
  longTasks: { start: number; duration: number }[];
  frames: number;
  /** Frames whose gap from the previous one exceeded 50 ms. */
  slowFrames: number;
  maxFrameGapMs: number;
  finalChars: number;
  done: boolean;
  error: string | null;
}

export const H: PageStats = {
  startAt: 0,
  firstByteAt: 0,
  lastByteAt: 0,
  paintedAt: 0,
  commits: 0,
  renderMs: 0,
  longTasks: [],
  frames: 0,
  slowFrames: 0,
  maxFrameGapMs: 0,
  finalChars: 0,
  done: false,
  error: null,
};
(globalThis as unknown as { __H: PageStats }).__H = H;

const originalFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const res = await originalFetch(input, init);
  if (!res.body) return res;
  const stamp = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const t = performance.now();
      if (H.firstByteAt === 0) H.firstByteAt = t;
      H.lastByteAt = t;
      controller.enqueue(chunk);
    },
  });
  return new Response(res.body.pipeThrough(stamp), { status: res.status, statusText: res.statusText, headers: res.headers });
};

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) H.longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });

let lastFrame = 0;
function frame(t: number): void {
  if (H.startAt > 0 && !H.done) {
    H.frames++;
    if (lastFrame > 0) {
      const gap = t - lastFrame;
      if (gap > 50) H.slowFrames++;
      if (gap > H.maxFrameGapMs) H.maxFrameGapMs = gap;
    }
    lastFrame = t;
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

/** React `<Profiler onRender>`. */
export function onRender(_id: string, _phase: string, actualDuration: number): void {
  if (H.startAt > 0 && !H.done) {
    H.commits++;
    H.renderMs += actualDuration;
  }
}

export function markStart(): void {
  H.startAt = performance.now();
}

let finishing = false;
/** Call from an effect once the final text has been committed: stamps the next painted frame. */
export function markFinished(chars: number): void {
  if (finishing) return;
  finishing = true;
  H.finalChars = chars;
  requestAnimationFrame(() => {
    // rAF runs before the paint of its frame; a macrotask queued here runs after that paint.
    setTimeout(() => {
      H.paintedAt = performance.now();
      H.done = true;
    }, 0);
  });
}

export function markError(message: string): void {
  H.error = message;
  H.done = true;
}

/** The prompt every stack sends. */
export const PROMPT_TOKENS = Number(new URLSearchParams(location.search).get('tokens') ?? 20000);
export const PROMPT = `Write a long technical guide in markdown with headings, prose, lists, tables and code blocks. [[sim:tokens=${PROMPT_TOKENS}]]`;
