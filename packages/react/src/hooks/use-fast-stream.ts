'use client';
/**
 * `useFastStream`: one streamed reply, as React state. A thin adapter over core's `createFastStream`
 * (the TanStack `useBaseQuery` / zustand `useStore` pattern): the store is created once, read through
 * `useSyncExternalStore`, and destroyed (aborting any request) when the component really unmounts.
 *
 * @module
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import {
  createFastStream,
  retryAfterRemainingMs,
  systemClock,
  type ChatRequest,
  type FastStream,
  type FastStreamOptions,
  type FastStreamState,
  type SpeedPolicy,
} from '@slipstream/core';
import { useIsoLayoutEffect } from '../use-iso-layout-effect.ts';
import { useNow } from '../use-now.ts';

/** Options of {@link useFastStream}: core's store options, plus request defaults that may change. */
export interface UseFastStreamOptions extends FastStreamOptions {
  /** Speed policy for every `start()` whose body names none. Default: the edge's (`auto`). */
  speed?: SpeedPolicy;
  /** Model for every `start()` whose body names none. */
  model?: string;
}

/** What {@link useFastStream} returns: the stream's state plus its commands. */
export interface UseFastStreamResult extends FastStreamState {
  /** Starts a reply (aborting any in flight). `speed`/`model` from options fill in what the body omits. */
  start: (body: ChatRequest) => void;
  /** Aborts the reply in flight; the text so far is kept and `status` becomes `aborted`. */
  stop: () => void;
  /** Starts the last request again. */
  retry: () => void;
  /** Back to `idle`, aborting any request. */
  reset: () => void;
  /** Live milliseconds until retrying at the requested speed should work (ticks while positive). */
  retryAfterMs: number | null;
  /** The underlying core store, for advanced use (subscribing outside React, `getSnapshot`). */
  stream: FastStream;
}

/**
 * Streams one reply from a Slipstream edge endpoint.
 *
 * Options are read through a ref: changing callbacks, `fetch`, `speed` or `model` between renders takes
 * effect without recreating the store. Store-level options (`endpoint`, `notify`, `clock`, `resume`, …)
 * are read once. The store notifies React at most once per animation frame by default (`notify: 'frame'`).
 * StrictMode-safe; unmounting aborts the request.
 *
 * Resumable replies (an edge that keeps replies): a lost connection reconnects by itself (`reconnecting`
 * is set meanwhile), `stop()` stops the reply at the edge too, and a reply that was streaming when the
 * page was reloaded is picked up again on mount, from the record kept in `sessionStorage` (see core's
 * `FastStreamOptions.resume`; `resume: false` turns it off). Unmounting mid-reply only detaches a
 * resumable reply, so mounting again within the edge's detach time picks it up.
 *
 * @example
 * const s = useFastStream({ endpoint: '/api/chat', speed: 'auto' });
 * s.start({ messages: [{ role: 'user', content: 'Hi' }] });
 * // s.status, s.text, s.metrics.liveOtps, s.servedSpeed, s.fallback, s.retryAfterMs …
 */
export function useFastStream(options: UseFastStreamOptions = {}): UseFastStreamResult {
  const optionsRef = useRef(options);
  useIsoLayoutEffect(() => {
    optionsRef.current = options;
  });

  const [stream, setStream] = useState(() => createStore(optionsRef));

  // Destroy only on a real unmount: StrictMode's simulated unmount is followed by a re-mount in the
  // same commit, before this microtask runs. If the component comes back after a real cleanup (an
  // `<Activity>` hidden then shown keeps state but re-runs effects), it gets a fresh store.
  const mounted = useRef(false);
  const destroyed = useRef(false);
  useEffect(() => {
    mounted.current = true;
    if (destroyed.current) {
      destroyed.current = false;
      setStream(createStore(optionsRef));
      return;
    }
    // A reply that was streaming when the page was reloaded (kept in sessionStorage) carries on here.
    // No-op when there is none, resume is off, or a reply is in flight (StrictMode's second run).
    stream.resume();
    return () => {
      mounted.current = false;
      queueMicrotask(() => {
        if (mounted.current) return;
        stream.destroy();
        destroyed.current = true;
      });
    };
  }, [stream]);

  return useStreamView(stream, optionsRef);
}

/**
 * The React view of a stream store: its state through `useSyncExternalStore`, a live retry-after
 * countdown, and stable commands (`start` fills `speed`/`model` from the latest options). Shared by
 * `useFastStream` and `useFastChat`.
 */
export function useStreamView(stream: FastStream, optionsRef: { current: Pick<UseFastStreamOptions, 'speed' | 'model' | 'clock'> }): UseFastStreamResult {
  const subscribe = useCallback((listener: () => void) => stream.subscribe(listener), [stream]);
  const getSnapshot = useCallback(() => stream.getSnapshot(), [stream]);
  const getServerSnapshot = useCallback(() => stream.getServerSnapshot(), [stream]);
  const state = useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);

  // The countdown reads the store's own clock (monotonic `performance.now()` by default); a 250 ms tick
  // re-renders only while there is time left.
  const clock = optionsRef.current.clock ?? systemClock;
  const waiting = state.retryAt !== null && state.retryAt > clock.now();
  useNow(waiting, 250);
  const retryAfterMs = retryAfterRemainingMs(state, clock.now());

  const start = useCallback(
    (body: ChatRequest) => {
      const { speed, model } = optionsRef.current;
      const full: ChatRequest = { ...body };
      if (full.speed === undefined && speed !== undefined) full.speed = speed;
      if (full.model === undefined && model !== undefined) full.model = model;
      stream.start(full);
    },
    [stream, optionsRef],
  );
  const stop = useCallback(() => stream.stop(), [stream]);
  const retry = useCallback(() => stream.retry(), [stream]);
  const reset = useCallback(() => stream.reset(), [stream]);

  return useMemo(
    () => ({ ...state, retryAfterMs, start, stop, retry, reset, stream }),
    [state, retryAfterMs, start, stop, retry, reset, stream],
  );
}

/**
 * The stream options a hook hands its store (both `useFastStream` and `useFastChat` use this, so they
 * forward the same options): what the store reads once (`notify`, `clock`, the meter's estimator
 * settings) comes from the first render; callbacks, `fetch`, `headers` and the per-request fields
 * (`endpoint`, `defaults`, `limits`) always read the latest render. `onFinish` is the caller's, its
 * signature differs per store.
 */
export function latestStreamOptions<O extends Omit<FastStreamOptions, 'onFinish'>>(optionsRef: { current: O }): Omit<FastStreamOptions, 'onFinish'> {
  const first = optionsRef.current;
  const latest = (): O => optionsRef.current;
  const wrapped: Omit<FastStreamOptions, 'onFinish'> = {
    // Read once by the store.
    ...(first.notify !== undefined ? { notify: first.notify } : {}),
    ...(first.clock !== undefined ? { clock: first.clock } : {}),
    ...(first.charsPerToken !== undefined ? { charsPerToken: first.charsPerToken } : {}),
    ...(first.liveWindowMs !== undefined ? { liveWindowMs: first.liveWindowMs } : {}),
    ...(first.liveWindow !== undefined ? { liveWindow: first.liveWindow } : {}),
    ...(first.calibration !== undefined ? { calibration: first.calibration } : {}),
    ...(first.resume !== undefined ? { resume: first.resume } : {}),
    // Read per request or per event: always the latest.
    fetch: (input, init) => (latest().fetch ?? globalThis.fetch)(input, init),
    headers: () => {
      const h = latest().headers;
      return (typeof h === 'function' ? h() : h) ?? {};
    },
    onEvent: (e) => latest().onEvent?.(e),
    onDelta: (delta, kind) => latest().onDelta?.(delta, kind),
    onToolCall: (part) => latest().onToolCall?.(part),
    onToolResult: (result, part) => latest().onToolResult?.(result, part),
    onStep: (step) => latest().onStep?.(step),
    onError: (error, state) => latest().onError?.(error, state),
    onFallback: (f) => latest().onFallback?.(f),
  };
  for (const key of ['endpoint', 'defaults', 'limits'] as const) {
    Object.defineProperty(wrapped, key, { enumerable: true, get: () => latest()[key] });
  }
  return wrapped;
}

/** Creates the store with callbacks that always call the latest options. */
function createStore(optionsRef: { current: UseFastStreamOptions }): FastStream {
  const wrapped: FastStreamOptions = latestStreamOptions(optionsRef);
  wrapped.onFinish = (state) => optionsRef.current.onFinish?.(state);
  return createFastStream(wrapped);
}
