/**
 * The upstream side of one reply: open SDK streams, decide retries and fallbacks before the first
 * token, and hand a connected stream to the relay. After a 200 nothing is retried (it would duplicate
 * text): a failure there is a typed `error` event.
 *
 * Every attempt uses `maxRetries: 0`: the edge retries itself, so each attempt's rate-limit headers
 * are forwarded, a fast 429 can fall back at once, and `retry-after` is honoured within a bound.
 *
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import type { BetaMessageStreamParams, BetaRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import { FAST_MODE_BETA, type ErrorEvent, type FallbackEvent, type Speed, type SpeedPolicy } from '@slipstream/core';
import { classifyUpstreamError, type UpstreamFailure } from './errors.ts';
import type { EventStream } from './event-stream.ts';
import type { FallbackMemory, FallbackStore } from './fallback-store.ts';
import type { EdgeLogEvent, ResolvedOptions } from './options.ts';
import { rememberBudget, rememberRateLimit, type SpeedDecision } from './policy.ts';
import { parseRateLimitHeaders } from './ratelimit-headers.ts';
import { relay } from './relay.ts';

/** Request parameters without `speed`/`betas`, which each attempt sets. */
export type BaseParams = Omit<BetaMessageStreamParams, 'speed' | 'betas' | 'stream'>;

/** Everything one reply needs. */
export interface ReplyContext {
  client: Anthropic;
  params: BaseParams;
  policy: SpeedPolicy;
  decision: SpeedDecision;
  out: EventStream;
  opts: ResolvedOptions;
  conversationId: string | undefined;
  /** ms since the edge received the request. */
  t: () => number;
  store: FallbackStore;
  storeKeys: { key: string; conversation?: string };
  keyMemory: FallbackMemory | undefined;
  log: (event: EdgeLogEvent) => void;
}

/** A connected upstream stream, with an iterator created before any event could be missed. */
export interface OpenStream {
  stream: BetaMessageStream;
  events: AsyncIterator<BetaRawMessageStreamEvent>;
  response: Response;
  /** Set when the SDK reported an error the iterator may have swallowed (queued events, then error). */
  failure: () => unknown;
  abort: () => void;
}

/** Open one attempt. Rejects with whatever the SDK threw before the 200. */
export async function openAttempt(client: Anthropic, params: BaseParams, speed: Speed, signal: AbortSignal): Promise<OpenStream> {
  const body: BetaMessageStreamParams =
    speed === 'fast' ? { ...params, speed: 'fast', betas: [FAST_MODE_BETA] } : { ...params };
  const stream = client.beta.messages.stream(body, { signal, maxRetries: 0 });
  let failure: unknown;
  stream.on('error', (err) => {
    failure = err;
  });
  stream.on('abort', () => {});
  const events = stream[Symbol.asyncIterator]();
  const { response } = await stream.withResponse();
  return { stream, events, response, failure: () => failure, abort: () => stream.abort() };
}

/** An abortable sleep. Resolves early (false) when the signal fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `min(base·2^n, 8 s)` less up to 25 % jitter, as the SDK does. */
export function backoffMs(base: number, retriesMade: number): number {
  return Math.min(base * 2 ** retriesMade, 8_000) * (1 - Math.random() * 0.25);
}

/**
 * Run one reply to its end: fallbacks, retries, the relay. Always closes `ctx.out`.
 */
export async function runReply(ctx: ReplyContext): Promise<void> {
  const { out, opts, policy } = ctx;
  let speed = ctx.decision.speed;
  let attempt = 0;
  let retriesMade = 0;
  let waitedForFast = false;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

  const sendFallback = (reason: NonNullable<SpeedDecision['fallback']>['reason'], retryAfterMs?: number, until?: number) => {
    const e: FallbackEvent = { from: 'fast', to: 'standard', reason, t: ctx.t() };
    if (retryAfterMs !== undefined) e.retryAfterMs = retryAfterMs;
    const untilIso = iso(until);
    if (untilIso !== undefined) e.until = untilIso;
    out.send('fallback', e);
  };
  const fail = (error: ErrorEvent, failure?: UpstreamFailure) => {
    out.send('error', { ...error, t: ctx.t() });
    const log: EdgeLogEvent = { kind: error.kind, message: error.message, phase: 'stream', attempt, speed };
    if (error.status !== undefined) log.status = error.status;
    if (failure?.error.requestId !== undefined) log.requestId = failure.error.requestId;
    ctx.log(log);
  };

  try {
    if (ctx.decision.fallback) sendFallback(ctx.decision.fallback.reason, undefined, ctx.decision.fallback.until);
    for (;;) {
      if (out.cancelled) return;
      attempt += 1;
      // One controller per attempt, fed by the client's abort and by the idle timer.
      const upstream = new AbortController();
      const onClientAbort = () => upstream.abort(out.signal.reason);
      out.signal.addEventListener('abort', onClientAbort, { once: true });
      let stalled = false;
      const idle = setTimeout(() => {
        stalled = true;
        upstream.abort(new Error('upstream idle timeout'));
      }, opts.idleTimeoutMs);
      try {
        let open: OpenStream;
        try {
          open = await openAttempt(ctx.client, ctx.params, speed, upstream.signal);
        } catch (err) {
          clearTimeout(idle);
          if (out.cancelled) return;
          if (stalled) return fail({ kind: 'stalled', message: 'Upstream sent nothing within the idle timeout.', status: 504, retryable: true });
          const failure = classifyUpstreamError(err, opts.now());
          const next = await onAttemptFailed(failure);
          if (next === 'stop') return;
          continue;
        }
        clearTimeout(idle);
        const rl = parseRateLimitHeaders(open.response.headers, speed, ctx.t(), opts.now());
        if (rl) {
          out.send('ratelimit', rl);
          const budget = rememberBudget(ctx.keyMemory, rl);
          if (budget) await ctx.store.set(ctx.storeKeys.key, budget, opts.fallbackTtlMs).catch(() => {});
        }
        await relay({
          open,
          out,
          speed,
          policy,
          attempt,
          conversationId: ctx.conversationId,
          t: ctx.t,
          idleTimeoutMs: opts.idleTimeoutMs,
          upstream,
          pricing: opts.pricing,
          fail,
          now: opts.now,
        });
        return;
      } finally {
        clearTimeout(idle);
        out.signal.removeEventListener('abort', onClientAbort);
      }
    }
  } catch (err) {
    // A bug of ours, not an upstream failure: still end with a typed error.
    if (!out.cancelled) fail({ kind: 'upstream', message: 'The edge failed while relaying.', status: 500, retryable: true });
    void err;
  } finally {
    out.close();
  }

  /** Decide what follows a failed attempt: retry, fall back, or end with an error. */
  async function onAttemptFailed(failure: UpstreamFailure): Promise<'again' | 'stop'> {
    if (failure.class === 'aborted' || out.cancelled) return 'stop';
    const rl = failure.headers ? parseRateLimitHeaders(failure.headers, speed, ctx.t(), opts.now()) : undefined;
    if (rl) out.send('ratelimit', rl);
    const logAttempt = (recovered: boolean) => {
      const e: EdgeLogEvent = { kind: failure.error.kind, message: failure.error.message, phase: 'upstream', attempt, speed, recovered };
      if (failure.status !== undefined) e.status = failure.status;
      if (failure.error.requestId !== undefined) e.requestId = failure.error.requestId;
      ctx.log(e);
    };

    if (failure.class === 'rate_limited' && speed === 'fast') {
      if (policy === 'auto') {
        const now = opts.now();
        const { keyUntil, conversationUntil } = rememberRateLimit(rl, failure.retryAfterMs, now, opts.fallbackTtlMs);
        const memo = (until: number) => ({ standardUntil: until, reason: 'rate_limited' as const });
        const writes = [ctx.store.set(ctx.storeKeys.key, { ...ctx.keyMemory, ...memo(keyUntil) }, keyUntil - now)];
        if (ctx.storeKeys.conversation !== undefined) {
          writes.push(ctx.store.set(ctx.storeKeys.conversation, memo(conversationUntil), conversationUntil - now));
        }
        await Promise.all(writes).catch(() => {});
        logAttempt(true);
        sendFallback('rate_limited', failure.retryAfterMs, ctx.storeKeys.conversation !== undefined ? conversationUntil : keyUntil);
        speed = 'standard';
        return 'again';
      }
      // policy fast: one short wait, when upstream says it is short.
      if (!waitedForFast && failure.retryAfterMs !== undefined && failure.retryAfterMs <= opts.fastWaitMaxMs) {
        waitedForFast = true;
        logAttempt(true);
        return (await sleep(failure.retryAfterMs, out.signal)) ? 'again' : 'stop';
      }
    }
    if (failure.class === 'retryable' && retriesMade < opts.upstreamRetries) {
      const delay = failure.retryAfterMs ?? backoffMs(opts.retryBaseMs, retriesMade);
      if (delay <= opts.retryAfterMaxMs) {
        retriesMade += 1;
        logAttempt(true);
        return (await sleep(delay, out.signal)) ? 'again' : 'stop';
      }
    }
    if (failure.class === 'retryable' && speed === 'fast' && policy === 'auto' && failure.error.kind !== 'network') {
      // Fast kept failing before the first token: standard has its own capacity.
      logAttempt(true);
      sendFallback('overloaded', failure.retryAfterMs);
      speed = 'standard';
      retriesMade = 0;
      return 'again';
    }
    fail(failure.error, failure);
    return 'stop';
  }
}
