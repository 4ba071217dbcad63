/**
 * Feeding `<OtpsMeter>`, `<SpeedBadge>` and `<CostTicker>` from an AI SDK `useChat` message served by
 * `@slipstream/edge/ai-sdk` (its fast-mode facts arrive as `message.metadata`). No dependency on the
 * AI SDK: the message is read structurally.
 *
 * @module
 */
import { useRef } from 'react';
import { estimateTextTokens, type AiSdkMessageMetadata, type Cost, type FallbackEvent, type Speed, type SpeedPolicy } from '@slipstream/core';
import type { MeterMetrics, StreamStatus } from './types.ts';

/** `useChat`'s `status`. */
export type AiSdkChatStatus = 'submitted' | 'streaming' | 'ready' | 'error';

/** The fields of a `useChat` `UIMessage` this adapter reads. */
export interface AiSdkMessageLike {
  id?: string;
  role: string;
  metadata?: unknown;
  parts?: ReadonlyArray<{ type: string; text?: string }>;
}

/** The bridge's message metadata, as `@slipstream/edge/ai-sdk` writes it: core's {@link AiSdkMessageMetadata}. */
export type AiSdkFastMetadata = AiSdkMessageMetadata;

/** Props for the three components, from one message. */
export interface AiSdkFastFacts {
  status: StreamStatus;
  requestedSpeed: Speed | null;
  servedSpeed: Speed | null;
  policy: SpeedPolicy | null;
  fallback: FallbackEvent | null;
  retryAfterMs: number | null;
  model: string | null;
  cost: Cost | null;
  metrics: MeterMetrics;
}

const metadataOf = (m: AiSdkMessageLike | undefined): AiSdkFastMetadata =>
  (typeof m?.metadata === 'object' && m.metadata !== null ? m.metadata : {}) as AiSdkFastMetadata;

const textOf = (m: AiSdkMessageLike | undefined): string => (m?.parts ?? []).map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');

/**
 * The stream status of `message` given the chat's status: `useChat` has no `aborted` status, so a reply
 * that ended (`ready`) without the bridge's finish figures was stopped.
 */
function statusOf(meta: AiSdkFastMetadata, chat: AiSdkChatStatus, isLast: boolean): StreamStatus {
  if (!isLast) return meta.error ? 'error' : meta.outputTokens !== undefined ? 'done' : 'aborted';
  if (chat === 'submitted') return 'submitted';
  if (chat === 'streaming') return 'streaming';
  if (chat === 'error' || meta.error) return 'error';
  return meta.outputTokens !== undefined ? 'done' : 'aborted';
}

/**
 * The facts of one assistant message, for `<SpeedBadge {...f}>`, `<OtpsMeter metrics={f.metrics}
 * status={f.status}>` and `<CostTicker cost={f.cost} usage={null} model={f.model} servedSpeed={f.servedSpeed}>`.
 * Final figures (TTFT, OTPS, cost) are the edge's, from the finish metadata. While streaming, pass
 * `live` (what {@link useAiSdkFastFacts} measures) for a live estimate.
 */
export function aiSdkFastFacts(
  message: AiSdkMessageLike | undefined,
  chatStatus: AiSdkChatStatus,
  options: { isLast?: boolean; live?: { otps: number | null; tokens: number } } = {},
): AiSdkFastFacts {
  const meta = metadataOf(message);
  const status = message ? statusOf(meta, chatStatus, options.isLast ?? true) : chatStatus === 'submitted' ? 'submitted' : 'idle';
  const final = meta.otps !== undefined;
  const fb = meta.fallback;
  return {
    status,
    requestedSpeed: meta.requestedSpeed ?? null,
    servedSpeed: meta.servedSpeed ?? null,
    policy: meta.policy ?? null,
    fallback: fb ? { ...fb, t: 0 } : null,
    retryAfterMs: fb?.retryAfterMs ?? meta.error?.retryAfterMs ?? null,
    model: meta.model ?? null,
    cost: meta.cost ?? null,
    metrics: {
      ttftMs: meta.ttftMs ?? null,
      otps: { value: meta.otps ?? null, isEstimate: false },
      liveOtps: final
        ? { value: meta.otps ?? null, isEstimate: false, state: 'final' }
        : { value: options.live?.otps ?? null, isEstimate: true, state: options.live?.otps != null ? 'live' : 'waiting' },
      outputTokens: meta.outputTokens !== undefined ? { value: meta.outputTokens, isEstimate: false } : { value: options.live?.tokens ?? null, isEstimate: true },
    },
  };
}

/**
 * {@link aiSdkFastFacts} plus a live output-speed estimate measured while the message's text grows
 * (tokens estimated from the text after the first, over the time since the first text arrived, on this
 * client). Call it with the last assistant message and `useChat`'s status.
 *
 * @example
 * const { messages, status } = useChat({ transport });
 * const last = messages.findLast((m) => m.role === 'assistant');
 * const f = useAiSdkFastFacts(last, status);
 * <SpeedBadge {...f} /> <OtpsMeter metrics={f.metrics} status={f.status} />
 */
export function useAiSdkFastFacts(message: AiSdkMessageLike | undefined, chatStatus: AiSdkChatStatus): AiSdkFastFacts {
  const first = useRef<{ id: string | undefined; at: number; tokens: number } | null>(null);
  const text = textOf(message);
  let live: { otps: number | null; tokens: number } | undefined;
  if (message && message.role === 'assistant' && text.length > 0) {
    const now = performance.now();
    const tokens = estimateTextTokens(text);
    // A new reply (another id, or text that shrank) starts a new measurement.
    if (first.current !== null && (first.current.id !== message.id || first.current.tokens > tokens)) first.current = null;
    first.current ??= { id: message.id, at: now, tokens };
    const seconds = (now - first.current.at) / 1000;
    live = { otps: seconds > 0.25 && tokens > first.current.tokens ? (tokens - first.current.tokens) / seconds : null, tokens };
  } else {
    first.current = null;
  }
  return aiSdkFastFacts(message, chatStatus, live ? { live } : {});
}
