/**
 * Opening one upstream attempt, and the waits between attempts. The loop (`loop.ts`) decides retries
 * and fallbacks before the first token of each step; after a 200 nothing is retried (it would
 * duplicate text): a failure there is a typed `error` event.
 *
 * Every attempt uses `maxRetries: 0`: the edge retries itself, so each attempt's rate-limit headers
 * are forwarded, a fast 429 can fall back at once, and `retry-after` is honoured within a bound.
 *
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import type { BetaMessageStreamParams, BetaRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import { FAST_MODE_BETA, type Speed } from '@slipstream/core';

/** Request parameters without `speed`/`betas`, which each attempt sets. */
export type BaseParams = Omit<BetaMessageStreamParams, 'speed' | 'betas' | 'stream'>;

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

