/**
 * `@slipstream/edge/ai-sdk`: the chat handler answering in the AI SDK's UI message stream protocol
 * (what `useChat` from `@ai-sdk/react` reads), with the fast-mode facts as message metadata.
 *
 * It is a layer over {@link createChatHandler}, not a second implementation: the request is translated
 * (UI messages → the Slipstream request), served by the native handler (same validation, speed policy,
 * fallback, retries, abort, hardening), and its protocol events are re-encoded as UI message chunks.
 * File parts of user messages (`data:` URLs of images, PDFs and plain text) become image and document
 * parts and go through the native checks; a native refusal names the UI part the client sent.
 * Native users import none of this.
 *
 * @module
 */
import {
  headlineOtps,
  readProtocolStream,
  type AiSdkMessageMetadata,
  type ErrorBody,
  type ProtocolEvent,
  type StopReason,
} from '@slipstream/core';
import { Hono } from 'hono';
import { toUIPaths, translateRequest, type UIPathMap } from './ai-sdk-request.ts';
import { createChatHandler } from './handler.ts';
import { DEFAULTS, type ChatHandlerOptions } from './options.ts';
import { readJsonBody } from './read-body.ts';

/** The fast-mode facts on each assistant message (`message.metadata`): core's {@link AiSdkMessageMetadata}. */
export type SlipstreamMessageMetadata = AiSdkMessageMetadata;

/** A UI message stream chunk, as far as this bridge writes them (a subset of the AI SDK's `UIMessageChunk`). */
export type UIMessageChunk =
  | { type: 'start'; messageId?: string; messageMetadata?: SlipstreamMessageMetadata }
  | { type: 'start-step' }
  | { type: 'finish-step' }
  | { type: 'text-start' | 'text-end' | 'reasoning-start' | 'reasoning-end'; id: string }
  | { type: 'text-delta' | 'reasoning-delta'; id: string; delta: string }
  | { type: 'message-metadata'; messageMetadata: SlipstreamMessageMetadata }
  | { type: 'error'; errorText: string }
  | { type: 'finish'; finishReason?: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other'; messageMetadata?: SlipstreamMessageMetadata };

/** Response headers of a UI message stream (the AI SDK's `UI_MESSAGE_STREAM_HEADERS`, plus ours). */
const UI_STREAM_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
};

function finishReason(stop: StopReason | null): NonNullable<Extract<UIMessageChunk, { type: 'finish' }>['finishReason']> {
  switch (stop) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/**
 * Turns Slipstream protocol events into UI message chunks. Stateful (open text and reasoning parts,
 * the current step), one per reply. Tool events are not translated: this bridge carries text,
 * reasoning and the fast-mode facts.
 */
export function createUIMessageEncoder(): (event: ProtocolEvent) => UIMessageChunk[] {
  let started = false;
  let stepOpen = false;
  /** Metadata seen before `start` (a fallback precedes the attempt that streams). */
  let pending: SlipstreamMessageMetadata = {};
  const open = new Map<string, 'text' | 'reasoning'>();

  const closeParts = (out: UIMessageChunk[]): void => {
    for (const [id, kind] of open) out.push({ type: kind === 'text' ? 'text-end' : 'reasoning-end', id });
    open.clear();
  };
  const closeStep = (out: UIMessageChunk[]): void => {
    closeParts(out);
    if (stepOpen) out.push({ type: 'finish-step' });
    stepOpen = false;
  };
  const metadata = (out: UIMessageChunk[], m: SlipstreamMessageMetadata): void => {
    if (started) out.push({ type: 'message-metadata', messageMetadata: m });
    else pending = { ...pending, ...m };
  };
  const ensureStarted = (out: UIMessageChunk[], messageId?: string, m: SlipstreamMessageMetadata = {}): void => {
    if (started) return;
    started = true;
    out.push({ type: 'start', ...(messageId !== undefined ? { messageId } : {}), messageMetadata: { ...pending, ...m } });
    pending = {};
  };
  const delta = (out: UIMessageChunk[], kind: 'text' | 'reasoning', step: number, index: number, text: string): void => {
    ensureStarted(out);
    if (!stepOpen) {
      out.push({ type: 'start-step' });
      stepOpen = true;
    }
    const id = `${kind}-${step}-${index}`;
    if (!open.has(id)) {
      open.set(id, kind);
      out.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id });
    }
    out.push({ type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id, delta: text });
  };

  return (e) => {
    const out: UIMessageChunk[] = [];
    switch (e.event) {
      case 'start':
        if (started) metadata(out, { requestedSpeed: e.data.requestedSpeed, attempts: e.data.attempt });
        else ensureStarted(out, e.data.messageId, { requestedSpeed: e.data.requestedSpeed, policy: e.data.policy, model: e.data.model });
        break;
      case 'fallback': {
        const { from, to, reason, retryAfterMs, until } = e.data;
        metadata(out, { fallback: { from, to, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(until !== undefined ? { until } : {}) } });
        break;
      }
      case 'step_start':
        ensureStarted(out);
        closeStep(out);
        out.push({ type: 'start-step' });
        stepOpen = true;
        break;
      case 'text':
        delta(out, 'text', e.data.step, e.data.index, e.data.delta);
        break;
      case 'thinking':
        delta(out, 'reasoning', e.data.step, e.data.index, e.data.delta);
        break;
      case 'step_finish':
        closeStep(out);
        break;
      case 'usage':
        metadata(out, { servedSpeed: e.data.speed ?? null });
        break;
      case 'error': {
        ensureStarted(out);
        closeStep(out);
        const { kind, retryable, retryAfterMs } = e.data;
        out.push({ type: 'message-metadata', messageMetadata: { error: { kind, retryable, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) } } });
        out.push({ type: 'error', errorText: e.data.message });
        break;
      }
      case 'done': {
        ensureStarted(out);
        closeStep(out);
        const d = e.data;
        out.push({
          type: 'finish',
          finishReason: finishReason(d.stopReason),
          messageMetadata: {
            servedSpeed: d.speed,
            model: d.model,
            ttftMs: d.timings.firstDeltaT,
            otps: headlineOtps(d.usage.outputTokens, d.timings.firstDeltaT, d.timings.lastDeltaT),
            outputTokens: d.usage.outputTokens,
            cost: d.cost,
            attempts: d.timings.attempts,
          },
        });
        break;
      }
      default:
        // ratelimit, tool and signature events have no UI message chunk here.
        break;
    }
    return out;
  };
}

function refuse(message: string, field: string): Response {
  const body: ErrorBody = { error: { kind: 'invalid_request', message, status: 400, retryable: false, ...(field ? { field } : {}) } };
  return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/**
 * A native refusal (`ErrorBody`) with its field and message naming the UI message parts the client sent
 * (`messages[0].parts[1].url`) rather than the translated request's (`messages[0].content[1].data`).
 * Anything else passes through unchanged.
 */
async function withUIPaths(res: Response, paths: UIPathMap): Promise<Response> {
  if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return res;
  const text = await res.text();
  let body: ErrorBody;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    return new Response(text, { status: res.status, headers: res.headers });
  }
  const error = body.error;
  if (typeof error === 'object' && error !== null) {
    if (typeof error.message === 'string') error.message = toUIPaths(error.message, paths);
    if (typeof error.field === 'string') error.field = toUIPaths(error.field, paths);
  }
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status: res.status, headers });
}

const encoder = new TextEncoder();
const sse = (chunk: UIMessageChunk | '[DONE]'): Uint8Array => encoder.encode(`data: ${chunk === '[DONE]' ? chunk : JSON.stringify(chunk)}\n\n`);

/** Re-encode a native protocol stream as a UI message stream. Cancelling it cancels the native stream (and so upstream). */
function toUIMessageStream(native: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  let queue: Uint8Array[] = [];
  const heartbeat = encoder.encode(': hb\n\n');
  const events = readProtocolStream(native, { signal: stop.signal, onComment: () => queue.push(heartbeat) });
  const encode = createUIMessageEncoder();
  let finished = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Pull until something is written, so each read makes progress.
      while (queue.length === 0 && !finished) {
        let next: IteratorResult<ProtocolEvent>;
        try {
          next = await events.next();
        } catch {
          // A broken native stream (it never is, short of a bug): end the reply with an error, not a hang.
          for (const c of encode({ event: 'error', data: { kind: 'network', message: 'The reply stream broke off.', retryable: true } })) queue.push(sse(c));
          finished = true;
          break;
        }
        if (next.done) {
          finished = true;
          break;
        }
        for (const c of encode(next.value)) queue.push(sse(c));
      }
      if (finished) queue.push(sse('[DONE]'));
      for (const bytes of queue) controller.enqueue(bytes);
      queue = [];
      if (finished) controller.close();
    },
    async cancel(reason) {
      stop.abort(reason);
      await events.return(undefined).catch(() => {});
    },
  });
}

/**
 * A chat endpoint for the AI SDK's `useChat`: the same options, policy, fallback, abort and hardening as
 * {@link createChatHandler}, answering in the UI message stream protocol with
 * {@link SlipstreamMessageMetadata} on the assistant message. Replies are never resumable here (`resume`
 * is ignored): the UI message stream carries no reply ids, and `useChat`'s stop only closes the
 * connection, which must therefore abort upstream at once.
 *
 * @example
 * // server
 * import { createAiSdkChatHandler } from '@slipstream/edge/ai-sdk';
 * export default createAiSdkChatHandler(); // POST /api/chat
 *
 * // client
 * const { messages } = useChat({ transport: new DefaultChatTransport({ api: '/api/chat', body: { speed: 'auto' } }) });
 */
export function createAiSdkChatHandler(options: ChatHandlerOptions = {}): Hono {
  // Not resumable: a closed connection is the only stop signal useChat sends.
  const native = createChatHandler({ ...options, resume: false });
  const path = options.path ?? DEFAULTS.path;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const app = new Hono();
  app.all('*', async (c) => {
    let ctx: ExecutionContextLike | undefined;
    try {
      ctx = c.executionCtx as ExecutionContextLike;
    } catch {
      ctx = undefined; // Node and other runtimes without an execution context
    }
    const raw = c.req.raw;
    if (raw.method !== 'POST' || new URL(raw.url).pathname !== path) return native.fetch(raw, c.env, ctx as never);
    const read = await readJsonBody(raw, maxBodyBytes);
    if (!read.ok) {
      const body: ErrorBody = { error: read.error };
      return new Response(JSON.stringify(body), { status: read.status, headers: { 'content-type': 'application/json; charset=utf-8' } });
    }
    const translated = translateRequest(read.value);
    if (!translated.ok) return refuse(translated.message, translated.field);
    const headers = new Headers(raw.headers);
    headers.delete('content-length');
    headers.set('content-type', 'application/json');
    const inner = new Request(raw.url, { method: 'POST', headers, body: JSON.stringify(translated.body), signal: raw.signal });
    const res = await native.fetch(inner, c.env, ctx as never);
    if (!res.ok) return withUIPaths(res, translated.paths);
    if (!res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return res;
    const out = new Headers(res.headers);
    for (const [k, v] of Object.entries(UI_STREAM_HEADERS)) out.set(k, v);
    return new Response(toUIMessageStream(res.body), { status: 200, headers: out });
  });
  return app;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}
