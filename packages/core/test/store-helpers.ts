import { vi } from 'vitest';
import type { Clock } from '../src/clock.ts';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type ProtocolEventMap, type ProtocolEventName } from '../src/protocol.ts';
import { encodeEvent } from '../src/sse-encode.ts';
import { loadValidator } from '../src/request-check.ts';

// The store loads the validator lazily (a chunk in a real page, prefetched when the store is created)
// and checks synchronously once it is loaded: load it before any test, as a page would have. The
// reconnection code and the error descriptions are chunks too, loaded on first need (lazy-chunks.test.ts
// covers that); loaded here so tests that count ticks (`settle`) do not wait on a module load.
await Promise.all([loadValidator(), import('../src/reconnect.ts'), import('../src/problems.ts')]);

const utf8 = new TextEncoder();

/** A clock tests move by hand. */
export function fakeClock(start = 0): Clock & { t: number; advance(ms: number): void } {
  return {
    t: start,
    now() {
      return this.t;
    },
    advance(ms: number) {
      this.t += ms;
    },
  };
}

/** A response body the test writes to. Aborting the request errors it, as real fetch does. */
export function controlledBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      cancelled = true;
    },
  });
  return {
    stream,
    get cancelled() {
      return cancelled;
    },
    /** Write raw text; ignored once the stream was aborted or closed (like a server writing late). */
    send(text: string) {
      try {
        controller.enqueue(utf8.encode(text));
      } catch {
        // closed or errored
      }
    },
    event<K extends ProtocolEventName>(name: K, data: ProtocolEventMap[K]) {
      this.send(encodeEvent(name, data));
    },
    close() {
      controller.close();
    },
    error(e: unknown) {
      try {
        controller.error(e);
      } catch {
        // already closed
      }
    },
  };
}

export type ControlledBody = ReturnType<typeof controlledBody>;

export function sseResponse(body: ControlledBody, headers: Record<string, string> = {}): Response {
  return new Response(body.stream, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION), ...headers },
  });
}

/** A fetch mock answering each call with the next response; it honours the abort signal. */
export function mockFetch(...answers: (Response | Error | ControlledBody | 'hang')[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(url), init: init ?? {} });
    const answer = answers.shift();
    const signal = init?.signal ?? undefined;
    if (answer === undefined) throw new Error('unexpected fetch');
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => {
        signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    if (answer instanceof Error) throw answer;
    if (answer instanceof Response) return answer;
    signal?.addEventListener('abort', () => answer.error(new DOMException('aborted', 'AbortError')));
    return sseResponse(answer);
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

/** Let pending promise jobs and zero-delay timers run. */
export async function settle(ms = 0): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, ms));
}

export const startEvent = (over: Partial<ProtocolEventMap['start']> = {}): ProtocolEventMap['start'] => ({
  protocol: 2,
  messageId: 'msg_1',
  model: 'claude-opus-4-6',
  requestedSpeed: 'fast',
  policy: 'auto',
  attempt: 1,
  t: 1,
  ...over,
});

export const usageOf = (outputTokens: number, inputTokens = 10) => ({
  inputTokens,
  outputTokens,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
});

export const doneEvent = (outputTokens: number, over: Partial<ProtocolEventMap['done']> = {}): ProtocolEventMap['done'] => ({
  stopReason: 'end_turn',
  finishReason: 'stop',
  steps: 1,
  usage: usageOf(outputTokens),
  speed: 'fast',
  model: 'claude-opus-4-6',
  timings: { firstDeltaT: 10, lastDeltaT: 20, totalT: 25, attempts: 1 },
  cost: null,
  t: 25,
  ...over,
});
