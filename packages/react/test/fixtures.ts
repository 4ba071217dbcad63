import type { LiveMetric, StreamMetrics } from '@slipstream/core';
import type { FastChatMessage } from '../src/chat-types.ts';

/** A live metric in its `live` state (or `measuring` for `null`). */
export const live = (value: number | null, over: Partial<LiveMetric> = {}): LiveMetric => ({
  value,
  isEstimate: value !== null,
  state: value === null ? 'measuring' : 'live',
  windowMs: 1000,
  windowStartAt: 1000,
  windowTokens: 150,
  ...over,
});

export const metrics = (over: Partial<StreamMetrics> = {}): StreamMetrics => ({
  ttftMs: 412,
  otps: { value: null, isEstimate: false },
  liveOtps: live(180.4),
  effectiveOtps: { value: null, isEstimate: false },
  outputTokens: { value: 120, isEstimate: true },
  series: [100, 150, 170, 180],
  gaps: { p50: 10, p90: 20, max: 40, count: 30 },
  proxyBuffered: null,
  sentAt: 1000,
  firstDeltaAt: 1412,
  lastDeltaAt: 2000,
  ...over,
});

export const reply = (over: Partial<FastChatMessage> = {}): FastChatMessage => ({
  id: 'a1',
  role: 'assistant',
  content: 'Hello **there**.',
  status: 'done',
  metrics: metrics({ otps: { value: 201, isEstimate: false } }),
  servedSpeed: 'fast',
  requestedSpeed: 'fast',
  fallback: null,
  usage: { inputTokens: 10, outputTokens: 100, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
  cost: null,
  error: null,
  ...over,
  parts: over.parts ?? [{ type: 'text', text: over.content ?? 'Hello **there**.', step: 0, index: 0 }],
  steps: over.steps ?? [],
});
