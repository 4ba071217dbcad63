/** Test helpers: fake edge responses made of real protocol v1 SSE bytes (core's encoder). */
import { expect } from 'vitest';
import { encodeEvent, PROTOCOL_HEADER, PROTOCOL_VERSION, type ChatRequest, type ProtocolEvent } from '@slipstream/core';

export type Step = ProtocolEvent | { wait: number } | { fail: string };

const enc = new TextEncoder();
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const id = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(id);
      resolve();
    });
  });

/** A `200 text/event-stream` protocol response that plays `steps`, honouring `signal`. */
export function sseResponse(steps: Step[], signal?: AbortSignal | null): Response {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const step of steps) {
        if (cancelled || signal?.aborted) break;
        if ('wait' in step) {
          await sleep(step.wait, signal ?? undefined);
          continue;
        }
        if ('fail' in step) {
          controller.error(new Error(step.fail));
          return;
        }
        controller.enqueue(enc.encode(encodeEvent(step.event, step.data as never)));
      }
      if (signal?.aborted) {
        controller.error(new DOMException('aborted', 'AbortError'));
        return;
      }
      if (!cancelled) controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
  });
}

export interface FakeFetch {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  calls: { url: string; body: ChatRequest; signal: AbortSignal | null; headers: Record<string, string> }[];
}

/** A fetch that answers every call with `respond(body, signal)`. */
export function fakeFetch(respond: (body: ChatRequest, signal: AbortSignal | null, n: number) => Response | Promise<Response>): FakeFetch {
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as ChatRequest;
    const signal = init?.signal ?? null;
    fn.calls.push({ url: String(input), body, signal, headers: { ...(init?.headers as Record<string, string>) } });
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    return respond(body, signal, fn.calls.length);
  }) as FakeFetch;
  fn.calls = [];
  return fn;
}

export interface ReplyOptions {
  text?: string;
  chunks?: number;
  /** ms between text chunks */
  every?: number;
  served?: 'fast' | 'standard';
  requested?: 'fast' | 'standard';
  policy?: 'fast' | 'standard' | 'auto';
  outputTokens?: number;
  fallback?: ProtocolEvent & { event: 'fallback' };
  /** Replace the tail (usage + done) with this error after the given number of chunks. */
  errorAfter?: { chunks: number; message: string };
  model?: string;
}

/** A whole reply as steps: start, text chunks, usage, done. */
export function reply(o: ReplyOptions = {}): Step[] {
  const text = o.text ?? 'Hello from the fast lane. It streams quickly.';
  const n = o.chunks ?? 6;
  const requested = o.requested ?? o.served ?? 'fast';
  const served = o.served ?? requested;
  const model = o.model ?? 'claude-opus-4-6';
  const steps: Step[] = [];
  if (o.fallback) steps.push(o.fallback);
  steps.push({
    event: 'start',
    data: { protocol: 2, messageId: 'msg_1', model, requestedSpeed: requested, policy: o.policy ?? 'auto', attempt: 1, t: 1 },
  });
  const size = Math.ceil(text.length / n);
  for (let i = 0; i < n; i++) {
    if (o.errorAfter && i === o.errorAfter.chunks) {
      steps.push({ event: 'error', data: { kind: 'upstream', message: o.errorAfter.message, retryable: true, status: 500 } });
      return steps;
    }
    if (o.every) steps.push({ wait: o.every });
    const delta = text.slice(i * size, (i + 1) * size);
    if (delta) steps.push({ event: 'text', data: { delta, step: 0, index: 0, t: 10 + i } });
  }
  const usage = { inputTokens: 12, outputTokens: o.outputTokens ?? 11, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  steps.push({ event: 'usage', data: { ...usage, speed: served, t: 50 } });
  steps.push({
    event: 'done',
    data: {
      stopReason: 'end_turn',
      finishReason: 'stop',
      steps: 1,
      usage,
      speed: served,
      model,
      timings: { firstDeltaT: 10, lastDeltaT: 20, totalT: 30, attempts: 1 },
      cost: null,
      t: 60,
    },
  });
  return steps;
}

/** Nothing executable: no script/img/iframe/object/embed/svg/style, no on* attributes, only safe hrefs. */
export function expectInert(root: HTMLElement): void {
  expect(root.querySelectorAll('script, img, iframe, object, embed, svg, style, form, base, meta, link')).toHaveLength(0);
  for (const el of root.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      expect(attr.startsWith('on'), `${el.tagName} has ${attr}`).toBe(false);
      if (attr === 'href' || attr === 'src' || attr === 'action' || attr === 'formaction' || attr === 'xlink:href') {
        expect(el.getAttribute(attr)).toMatch(/^(https?:\/\/|mailto:)/i);
      }
    }
  }
}

