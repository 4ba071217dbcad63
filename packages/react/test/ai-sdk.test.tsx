/**
 * The AI SDK adapter: a `useChat` message carrying the bridge's metadata (the shapes
 * `@slipstream/edge/ai-sdk` writes; the edge's ai-sdk test reads them with the AI SDK's own parser)
 * feeds the badge, the meter and the cost ticker.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { aiSdkFastFacts, type AiSdkMessageLike } from '../src/ai-sdk.ts';
import { CostTicker } from '../src/components/cost-ticker.tsx';
import { OtpsMeter } from '../src/components/otps-meter.tsx';
import { SpeedBadge } from '../src/components/speed-badge.tsx';

afterEach(cleanup);

const cost = { inputUsd: 0.0001, outputUsd: 0.0015, cacheReadUsd: 0, cacheWriteUsd: 0, totalUsd: 0.0016 };
const message = (metadata: object, text = 'Hello there'): AiSdkMessageLike => ({ id: 'm1', role: 'assistant', metadata, parts: [{ type: 'text', text }] });

function Facts({ m, status }: { m: AiSdkMessageLike; status: 'submitted' | 'streaming' | 'ready' | 'error' }) {
  const f = aiSdkFastFacts(m, status);
  return (
    <>
      <SpeedBadge {...f} />
      <OtpsMeter metrics={f.metrics} status={f.status} />
      <CostTicker cost={f.cost} usage={null} model={f.model} servedSpeed={f.servedSpeed} requestedSpeed={f.requestedSpeed} />
    </>
  );
}

describe('aiSdkFastFacts', () => {
  it('a finished fast reply: badge fast, final OTPS and TTFT from the edge, cost', () => {
    const m = message({ requestedSpeed: 'fast', policy: 'auto', model: 'claude-opus-4-6', servedSpeed: 'fast', ttftMs: 212, otps: 124.6, outputTokens: 60, cost });
    const { container } = render(<Facts m={m} status="ready" />);
    expect(aiSdkFastFacts(m, 'ready').status).toBe('done');
    expect(container.querySelector('[data-state="fast"]')).not.toBeNull();
    expect(screen.getByRole('meter').getAttribute('aria-valuenow')).toBe('124.6');
    expect(container.textContent).toContain('TTFT 212 ms');
    expect(container.textContent).toContain('$0.0016');
  });

  it('a fallback shows in the badge with its reason', () => {
    const m = message({ requestedSpeed: 'standard', policy: 'auto', servedSpeed: 'standard', fallback: { from: 'fast', to: 'standard', reason: 'rate_limited', retryAfterMs: 30_000 } });
    const { container } = render(<Facts m={m} status="streaming" />);
    expect(container.querySelector('[data-state="fallback"]')).not.toBeNull();
    const f = aiSdkFastFacts(m, 'streaming');
    expect(f.fallback).toMatchObject({ from: 'fast', to: 'standard', reason: 'rate_limited' });
    expect(f.retryAfterMs).toBe(30_000);
  });

  it('a stopped reply (ready without finish figures) is aborted; an error reply is an error', () => {
    expect(aiSdkFastFacts(message({ requestedSpeed: 'fast' }), 'ready').status).toBe('aborted');
    expect(aiSdkFastFacts(message({ error: { kind: 'rate_limited', retryable: true, retryAfterMs: 5000 } }), 'ready').status).toBe('error');
    expect(aiSdkFastFacts(undefined, 'submitted').status).toBe('submitted');
    expect(aiSdkFastFacts(message({}), 'streaming', { live: { otps: 118, tokens: 40 } }).metrics.liveOtps).toMatchObject({ value: 118, isEstimate: true, state: 'live' });
  });
});
