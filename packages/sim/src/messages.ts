/**
 * `POST /v1/messages`: validation, faults, rate limits, then a streamed or JSON reply.
 * @module
 */
import { readBodyLimited } from './body.ts';
import type { SimCore } from './core.ts';
import { NO_CACHE, type CacheUsage } from './cache.ts';
import { CHUNKINGS, type Chunking } from './chunking.ts';
import { corsHeaders } from './cors.ts';
import { errorBody, invalid, SimApiError } from './errors.ts';
import { faultFromHeaders, type ChosenFault } from './faults.ts';
import { nonStreaming } from './json-reply.ts';
import { planReply } from './plan.ts';
import { createRng, hashString, makeId } from './random.ts';
import { retryAfter } from './ratelimit.ts';
import { replyFrames, type ReplySetup } from './reply.ts';
import { readMessagesRequest, type MessagesRequest } from './request.ts';
import { pushBounded } from './state.ts';
import { outcomeEnd, StreamRun } from './stream-run.ts';
import { epochNow, monoNow, sleep } from './time.ts';
import type { SimStreamRecord } from './types.ts';

/** What the runtime adapter can offer; `incoming.socket` exists under @hono/node-server. */
interface NodeLikeEnv {
  incoming?: { socket?: { resetAndDestroy?: () => void; destroy?: () => void; writableLength?: number } };
}

/** How long a drop waits at most for the bytes already written to leave before it resets anyway. */
const DROP_FLUSH_LIMIT_MS = 1_000;

/**
 * Reset the TCP connection where the runtime lets us (Node); elsewhere the caller errors the stream.
 * With `afterWritten`, what the reply already wrote goes out first, as on a real connection that breaks
 * after sending: Node's http response corks its socket until the next tick, and a reset discards what is
 * still queued, so a reset in the same tick as the last deltas (every delta of the reply when a loaded
 * machine runs the schedule late) would drop text the sim's records count as written.
 */
function resetSocket(env: unknown, afterWritten = false): boolean {
  const socket = (env as NodeLikeEnv | undefined)?.incoming?.socket;
  if (!socket) return false;
  const reset = (): void => {
    if (socket.resetAndDestroy) socket.resetAndDestroy();
    else socket.destroy?.();
  };
  if (!afterWritten) {
    reset();
    return true;
  }
  const giveUpAt = monoNow() + DROP_FLUSH_LIMIT_MS;
  const whenFlushed = (): void => {
    if ((socket.writableLength ?? 0) > 0 && monoNow() < giveUpAt) setTimeout(whenFlushed, 1);
    else reset();
  };
  // A timer runs after the tick that uncorks the socket.
  setTimeout(whenFlushed, 0);
  return true;
}

/** The `x-sim-chunking` test header, if present. */
function chunkingFromHeaders(headers: Headers): Chunking | undefined {
  const value = headers.get('x-sim-chunking');
  if (value === null || value === '') return undefined;
  if (!(CHUNKINGS as readonly string[]).includes(value)) throw invalid(`x-sim-chunking: one of ${CHUNKINGS.join(', ')}, got '${value}'`);
  return value as Chunking;
}

/** Bodies up to this size are kept in the request log as parsed JSON. */
const MAX_LOGGED_BODY_CHARS = 1_000_000;

function headersRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/**
 * Handle one `POST /v1/messages`.
 * @param env - the runtime's env (Node: `{ incoming, outgoing }`), used only to reset a socket for `drop`.
 */
export async function handleMessages(core: SimCore, req: Request, env: unknown): Promise<Response> {
  const arrivedAt = monoNow();
  const at = core.options.clock.now();
  const startedAt = epochNow();
  const { n, requestId } = core.nextRequest();
  const state = core.state;
  const stats = state.stats;
  const signal = req.signal;
  const url = new URL(req.url);
  const entry = { id: requestId, at, method: req.method, path: url.pathname, headers: headersRecord(req.headers), body: undefined as unknown };
  pushBounded(state.log, entry);
  const base: Record<string, string> = { 'request-id': requestId, ...corsHeaders() };
  const shouldRetry = req.headers.get('x-sim-should-retry');
  let speedHeaders: Record<string, string> = {};

  const errorResponse = (err: SimApiError): Response => {
    state.countStatus(err.status);
    const headers: Record<string, string> = {
      ...base,
      ...core.limits.standardHeaders(),
      ...speedHeaders,
      ...err.headers,
      'content-type': 'application/json',
    };
    if (shouldRetry === 'true' || shouldRetry === 'false') headers['x-should-retry'] = shouldRetry;
    // The unread rest of an oversized body makes the connection unusable for the next request.
    if (err.status === 413) headers['connection'] = 'close';
    return new Response(errorBody(err.type, err.message, requestId), { status: err.status, headers });
  };

  let request: MessagesRequest;
  let fault: ChosenFault | undefined;
  let cache: CacheUsage = NO_CACHE;
  let chunking: Chunking = core.options.chunking;
  try {
    const text = await readBodyLimited(req, core.options.maxBodyBytes).catch((err: unknown) => {
      entry.body = '[body not stored: too large]';
      throw err;
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
      // Keep the log small: a huge body is summarized rather than held 2000 times over.
      entry.body = text.length <= MAX_LOGGED_BODY_CHARS ? body : `[body not stored: ${text.length} characters]`;
    } catch {
      entry.body = text.length > 4096 ? `${text.slice(0, 4096)}…` : text;
      throw new SimApiError(400, 'invalid_request_error', 'There was an issue with the format or content of your request: the body is not valid JSON.');
    }
    request = readMessagesRequest(body, req.headers, core.options.models);
    chunking = chunkingFromHeaders(req.headers) ?? chunking;
    fault = faultFromHeaders(req.headers) ?? core.faults.take(request.speed, createRng(hashString(`fault:${n}`, core.options.seed)).next());
    if (request.speed === 'fast') speedHeaders = core.limits.fastHeaders();
    switch (fault?.fault) {
      case 'overloaded':
        throw new SimApiError(529, 'overloaded_error', 'Overloaded');
      case 'api_error':
        throw new SimApiError(500, 'api_error', 'Internal server error');
      case 'rate_limit':
        throw new SimApiError(429, 'rate_limit_error', 'This request would exceed your rate limit (simulated fault).', {
          ...(request.speed === 'fast' ? core.limits.fastHeaders('output') : {}),
          ...retryAfter(fault.after),
        });
      case 'slow_headers':
        if (!(await sleep(fault.after, signal))) return new Response(null, { status: 499 });
        break;
      default:
        break;
    }
    // Fast and standard never share a cached prefix: the speed is part of the cache key.
    const lookup = core.cache.lookup(`${request.model.id}|${request.speed}`, request.layout, request.model.minCacheableTokens ?? 1024, at);
    cache = lookup.usage;
    // Cache reads do not count toward input-token rate limits (rate-limit docs).
    const uncached = request.inputTokens - cache.read;
    if (request.speed === 'fast') core.limits.admitFast(uncached);
    core.limits.chargeRequest(request.speed, uncached);
    lookup.commit();
  } catch (err) {
    if (err instanceof SimApiError) return errorResponse(err);
    return errorResponse(new SimApiError(500, 'api_error', 'Internal server error'));
  }

  const plan = planReply({
    seed: core.options.seed,
    prompt: request.prompt,
    conversationKey: request.conversationKey,
    maxTokens: request.maxTokens,
    thinking: request.thinking,
    tools: request.tools,
    turns: request.turns,
    toolChoice: request.toolChoice,
    counter: n,
  });
  const record: SimStreamRecord = {
    id: makeId('msg', core.options.seed, n),
    requestId,
    model: request.model.id,
    speed: request.speed,
    startedAt,
    outputTokens: 0,
    inputTokens: request.inputTokens - cache.read - cache.creation,
    cacheReadInputTokens: cache.read,
    cacheCreationInputTokens: cache.creation,
    ttftMs: core.ttftFor(request.model, request.inputTokens - cache.read),
    deltaTimes: [],
    deltaTokens: [],
  };
  pushBounded(state.records, record);
  const run = new StreamRun(core, record, stats);
  const onClientAbort = (): void => run.disconnected();
  if (signal.aborted) run.disconnected();
  else signal.addEventListener('abort', onClientAbort, { once: true });

  const setup: ReplySetup = {
    messageId: record.id,
    requestId,
    model: request.model.id,
    speed: request.speed,
    plan,
    inputTokens: record.inputTokens,
    cache,
    arrivedAt,
    ttftMs: record.ttftMs,
    otps: core.otps(request.speed),
    jitter: core.options.jitter,
    rng: createRng(hashString(request.conversationKey, core.options.seed) ^ 0x9e3779b9),
    chunking,
    chunkRng: createRng(hashString(request.conversationKey, core.options.seed) ^ 0x2545f491),
    fault,
    signal: run.abort.signal,
  };
  const headers = { ...base, ...core.limits.standardHeaders(), ...(request.speed === 'fast' ? core.limits.fastHeaders() : {}) };
  const frames = replyFrames(setup);
  const cleanup = (): void => signal.removeEventListener('abort', onClientAbort);

  if (!request.stream) return nonStreaming(run, frames, setup, plan, headers, () => resetSocket(env), cleanup);

  state.countStatus(200);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let next = await frames.next();
        // Tokens with no text are counted, not written; a pull that enqueued nothing would not be called again.
        while (!next.done && next.value.frame === '' && !run.abort.signal.aborted) {
          run.wrote(next.value.tokens);
          next = await frames.next();
        }
        if (next.done) {
          cleanup();
          const outcome = next.value;
          if (outcome === 'drop') {
            run.finish('fault');
            // Node: reset the TCP connection. Elsewhere (workerd): error the stream, the closest thing.
            if (!resetSocket(env, true)) controller.error(new Error('sim: connection dropped (fault)'));
            return;
          }
          run.finish(outcomeEnd(outcome));
          if (outcome !== 'aborted') controller.close();
          return;
        }
        if (run.abort.signal.aborted && next.value.tokens > 0) {
          // Never write tokens once the client is gone; count them in case it ever happens.
          run.countAfterDisconnect(next.value.tokens);
          return;
        }
        controller.enqueue(encoder.encode(next.value.frame));
        run.wrote(next.value.tokens);
      } catch (err) {
        cleanup();
        run.finish('fault');
        controller.error(err);
      }
    },
    cancel() {
      cleanup();
      run.disconnected();
      void frames.return('aborted');
    },
  });
  return new Response(body, {
    status: 200,
    headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
  });
}

