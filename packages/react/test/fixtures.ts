import type { StreamMetrics } from '@slipstream/core';
import type { FastChatMessage } from '../src/chat-types.ts';

export const metrics = (over: Partial<StreamMetrics> = {}): StreamMetrics => ({
  ttftMs: 412,
  otps: { value: null, isEstimate: false },
  liveOtps: { value: 180.4, isEstimate: true },
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
