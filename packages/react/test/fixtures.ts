import type { FastChatMessage } from '../src/chat-types.ts';
import type { MeterMetrics } from '../src/types.ts';

export const metrics = (over: Partial<MeterMetrics> = {}): MeterMetrics => ({
  ttftMs: 412,
  otps: { value: null, isEstimate: false },
  liveOtps: { value: 180.4, isEstimate: true },
  effectiveOtps: { value: null, isEstimate: false },
  outputTokens: { value: 120, isEstimate: true },
  series: [100, 150, 170, 180],
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
});
