import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createRef } from 'react';
import type { ReplyStep } from '@slipstream/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatThread } from '../src/components/chat-thread.tsx';
import { Composer } from '../src/components/composer.tsx';
import { CostTicker } from '../src/components/cost-ticker.tsx';
import { Message } from '../src/components/message.tsx';
import { OtpsMeter } from '../src/components/otps-meter.tsx';
import { RateLimitGauge } from '../src/components/rate-limit-gauge.tsx';
import { SpeedBadge } from '../src/components/speed-badge.tsx';
import { live, metrics, reply } from './fixtures.ts';

afterEach(cleanup);

afterEach(() => vi.useRealTimers());

describe('<OtpsMeter>', () => {
  it('shows a live estimate with ≈, "estimate", TTFT, sparkline and meter ARIA', () => {
    const { container } = render(<OtpsMeter metrics={metrics()} status="streaming" />);
    const meter = screen.getByRole('meter', { name: 'Output speed' });
    expect(meter.getAttribute('aria-valuenow')).toBe('180');
    expect(meter.getAttribute('aria-valuemin')).toBe('0');
    expect(meter.getAttribute('aria-valuemax')).toBe('250');
    expect(meter.getAttribute('aria-valuetext')).toBe('about 180 tokens per second, estimate, live');
    expect(container.textContent).toContain('≈180');
    expect(container.textContent).toContain('estimate');
    expect(container.textContent).toContain('TTFT 412 ms');
    expect(container.querySelector('svg polyline')).not.toBeNull();
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('streaming');
    expect(container.firstElementChild?.hasAttribute('data-estimate')).toBe(true);
  });

  it('changes the live number at most every updateIntervalMs, and shows the final exact value at once', () => {
    vi.useFakeTimers();
    const { rerender } = render(<OtpsMeter metrics={metrics()} status="streaming" />);
    const meter = screen.getByRole('meter');
    for (let v = 181; v < 190; v++) {
      rerender(<OtpsMeter metrics={metrics({ liveOtps: live(v) })} status="streaming" />);
      act(() => void vi.advanceTimersByTime(20));
    }
    // 180 ms passed: the meter has not moved yet.
    expect(meter.getAttribute('aria-valuenow')).toBe('180');
    act(() => void vi.advanceTimersByTime(300));
    expect(meter.getAttribute('aria-valuenow')).toBe('189');
    rerender(
      <OtpsMeter metrics={metrics({ otps: { value: 203.7, isEstimate: false }, liveOtps: live(190) })} status="done" />,
    );
    expect(meter.getAttribute('aria-valuenow')).toBe('203.7');
    expect(meter.getAttribute('aria-valuetext')).toBe('204 tokens per second');
    expect(screen.queryByText('estimate')).toBeNull();
  });

  it('says "measuring…" until core has enough data for a number, then shows it', () => {
    vi.useFakeTimers();
    const { container, rerender } = render(<OtpsMeter metrics={metrics({ liveOtps: live(null) })} status="streaming" />);
    const meter = screen.getByRole('meter');
    expect(screen.getByText('measuring…')).toBeTruthy();
    expect(meter.getAttribute('aria-valuenow')).toBe('0'); // ARIA needs a value; the value text says why
    expect(meter.getAttribute('aria-valuetext')).toBe('measuring');
    expect(container.firstElementChild?.hasAttribute('data-measuring')).toBe(true);
    expect(container.firstElementChild?.hasAttribute('data-estimate')).toBe(false);
    // Measuring lasts at least half a second in core; the calm meter shows the first number at once.
    act(() => void vi.advanceTimersByTime(500));
    rerender(<OtpsMeter metrics={metrics({ liveOtps: live(52.4) })} status="streaming" />);
    expect(screen.queryByText('measuring…')).toBeNull();
    expect(meter.getAttribute('aria-valuenow')).toBe('52');
    expect(container.firstElementChild?.hasAttribute('data-measuring')).toBe(false);
  });

  it('has no value before streaming and passes props and ref through', () => {
    const ref = createRef<HTMLDivElement>();
    const { container } = render(
      <OtpsMeter ref={ref} metrics={metrics({ ttftMs: null })} status="submitted" className="x" data-testid="m" />,
    );
    // ARIA requires aria-valuenow on a meter: 0 before the first reading, with a value text that says so.
    expect(screen.getByRole('meter').getAttribute('aria-valuenow')).toBe('0');
    expect(screen.getByRole('meter').getAttribute('aria-valuetext')).not.toMatch(/^0 /);
    expect(ref.current).toBe(container.firstElementChild);
    expect(ref.current?.className).toBe('x');
    expect(ref.current?.dataset.state).toBe('waiting');
  });
});

describe('<SpeedBadge>', () => {
  it('goes pending → fast', () => {
    const { rerender, container } = render(<SpeedBadge status="streaming" requestedSpeed="fast" servedSpeed={null} />);
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('pending');
    rerender(<SpeedBadge status="done" requestedSpeed="fast" servedSpeed="fast" />);
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('fast');
    expect(container.textContent).toBe('Fast');
  });

  it('explains a fallback in an accessible tooltip shown on hover and focus', async () => {
    render(
      <SpeedBadge
        status="done"
        requestedSpeed="standard"
        servedSpeed="standard"
        fallback={{ from: 'fast', to: 'standard', reason: 'rate_limited', retryAfterMs: 30_000, t: 5 }}
        retryAfterMs={12_400}
      />,
    );
    const badge = screen.getByText('Fell back to standard').parentElement!;
    expect(badge.dataset.state).toBe('fallback');
    const tip = screen.getByRole('tooltip', { hidden: true });
    expect(badge.getAttribute('aria-describedby')).toBe(tip.id);
    expect(tip.textContent).toContain('rate limit');
    expect(tip.textContent).toContain('13 s');
    expect(tip.hidden).toBe(true);
    fireEvent.mouseEnter(badge);
    expect(tip.hidden).toBe(false);
    fireEvent.mouseLeave(badge);
    expect(tip.hidden).toBe(true);
    await userEvent.tab();
    expect(document.activeElement).toBe(badge);
    expect(tip.hidden).toBe(false);
    fireEvent.keyDown(badge, { key: 'Escape' });
    expect(tip.hidden).toBe(true);
  });

  it("runs the user's handlers first; preventDefault() there keeps the tooltip as it is", () => {
    const seen: string[] = [];
    render(
      <SpeedBadge
        status="done"
        requestedSpeed="standard"
        servedSpeed="standard"
        fallback={{ from: 'fast', to: 'standard', reason: 'rate_limited', retryAfterMs: 30_000, t: 5 }}
        onMouseEnter={(e) => {
          seen.push(`enter:${screen.getByRole('tooltip', { hidden: true }).hidden}`);
          e.preventDefault();
        }}
        onFocus={() => seen.push('focus')}
        onKeyDown={(e) => {
          seen.push(`key:${e.key}`);
          if (e.key === 'Escape') e.preventDefault();
        }}
      />,
    );
    const badge = screen.getByText('Fell back to standard').parentElement!;
    const tip = screen.getByRole('tooltip', { hidden: true });
    fireEvent.mouseEnter(badge);
    expect(tip.hidden).toBe(true);
    fireEvent.focus(badge);
    expect(tip.hidden).toBe(false);
    fireEvent.keyDown(badge, { key: 'Escape' });
    expect(tip.hidden).toBe(false);
    fireEvent.blur(badge);
    expect(tip.hidden).toBe(true);
    expect(seen).toEqual(['enter:true', 'focus', 'key:Escape']);
  });

  it('shows requested vs served when they differ', () => {
    render(<SpeedBadge status="done" requestedSpeed="fast" servedSpeed="standard" />);
    expect(screen.getByText(/requested fast, served standard/)).toBeTruthy();
  });
});

describe('<RateLimitGauge>', () => {
  const reset = new Date(Date.now() + 42_000).toISOString();
  const rl = (remaining: number) => ({
    speed: 'fast' as const,
    fast: {
      input: { limit: 100_000, remaining: 90_000, reset },
      output: { limit: 40_000, remaining, reset },
    },
    t: 1,
  });
  it('shows the fast output budget left and a reset countdown', () => {
    const { container } = render(<RateLimitGauge rateLimit={rl(12_000)} now={Date.parse(reset) - 23_000} />);
    const meter = screen.getByRole('meter', { name: 'Fast output budget' });
    expect(meter.getAttribute('aria-valuenow')).toBe('12000');
    expect(meter.getAttribute('aria-valuemax')).toBe('40000');
    expect(container.textContent).toBe('12,000 of 40,000 tokens per minute left, resets in 23 s');
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('ok');
  });
  it('is low, exhausted, or unknown', () => {
    const { container, rerender } = render(<RateLimitGauge rateLimit={rl(1000)} />);
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('low');
    rerender(<RateLimitGauge rateLimit={rl(0)} retryAfterMs={5000} />);
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('exhausted');
    expect(container.textContent).toContain('retry in 5 s');
    rerender(<RateLimitGauge rateLimit={null} />);
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('unknown');
  });
  it('shows the retry-after and the reset side by side, and a spent budget without headers', () => {
    const now = Date.parse(reset) - 75_000;
    const { container, rerender } = render(<RateLimitGauge rateLimit={rl(0)} retryAfterMs={16_000} now={now} />);
    expect(container.textContent).toBe('0 of 40,000 tokens per minute left, retry in 16 s, resets in 1 min 15 s');
    // A 429 seen without fast headers (e.g. a remembered fallback) is not "not known yet".
    rerender(<RateLimitGauge rateLimit={null} retryAfterMs={9_000} now={now} />);
    expect(container.textContent).toBe('fast budget spent, retry in 9 s');
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('exhausted');
  });
  it('counts a reply spent after its headers: the budget left and the reset are estimated from the bucket', () => {
    // Headers read with the bucket full (reset = now), then a 400-token fast reply on a 300/min budget.
    const t0 = Date.parse('2026-12-02T08:00:00Z');
    const full = { speed: 'fast' as const, fast: { input: { limit: 1e5, remaining: 1e5, reset: new Date(t0).toISOString() }, output: { limit: 300, remaining: 300, reset: new Date(t0).toISOString() } }, t: 1 };
    const { container, rerender } = render(<RateLimitGauge rateLimit={full} spentTokens={400} now={t0 + 3000} />);
    const gauge = container.firstElementChild!;
    expect(gauge.getAttribute('data-estimate')).toBe('true');
    expect(gauge.getAttribute('data-state')).toBe('exhausted');
    // 400 tokens at 300/min refill take 80 s, 3 s of which passed; a token is back 60 s before that.
    expect(container.textContent).toBe('≈0 of 300 tokens per minute left, retry in ≈18 s, resets in ≈1 min 17 s');
    // 40 s after the headers the bucket is back at 300 − 400 + 200 = 100.
    rerender(<RateLimitGauge rateLimit={full} spentTokens={400} now={t0 + 40_000} />);
    expect(container.textContent).toBe('≈100 of 300 tokens per minute left, resets in ≈40 s');
  });
  it('with refill, a 429-spent budget shows both waits', () => {
    const t0 = Date.parse('2026-12-02T08:00:00Z');
    const spent = { speed: 'fast' as const, fast: { input: { limit: 1e5, remaining: 1e5, reset: new Date(t0).toISOString() }, output: { limit: 300, remaining: 0, reset: new Date(t0 + 80_000).toISOString() } }, t: 1 };
    const { container, rerender } = render(<RateLimitGauge rateLimit={spent} refill retryAfterMs={20_000} now={t0} />);
    expect(container.textContent).toBe('0 of 300 tokens per minute left, retry in 20 s, resets in 1 min 20 s');
    // 30 s later the bucket has refilled 150 of the 400 it was short: 50 left (an estimate), reset unchanged.
    rerender(<RateLimitGauge rateLimit={spent} refill now={t0 + 30_000} />);
    expect(container.textContent).toBe('≈50 of 300 tokens per minute left, resets in 50 s');
  });
  it('marks a retry wait it estimated from the bucket with ≈, and shows a retry-after from the headers as it is', () => {
    const t0 = Date.parse('2026-12-02T08:00:00Z');
    const full = { speed: 'fast' as const, fast: { input: { limit: 1e5, remaining: 1e5, reset: new Date(t0).toISOString() }, output: { limit: 300, remaining: 300, reset: new Date(t0).toISOString() } }, t: 1 };
    // The bucket's own wait after a 400-token reply (a token back 20.2 s after the headers), even when a
    // caller passes it as retryAfterMs (the figure is the same; that it is an estimate is not lost).
    const { container, rerender } = render(<RateLimitGauge rateLimit={full} spentTokens={400} refill now={t0 + 3000} />);
    expect(container.textContent).toBe('≈0 of 300 tokens per minute left, retry in ≈18 s, resets in ≈1 min 17 s');
    rerender(<RateLimitGauge rateLimit={full} spentTokens={400} refill retryAfterMs={17_200} now={t0 + 3000} />);
    expect(container.textContent).toBe('≈0 of 300 tokens per minute left, retry in ≈18 s, resets in ≈1 min 17 s');
    // A longer retry-after from a 429 is exact: no ≈ on it.
    rerender(<RateLimitGauge rateLimit={full} spentTokens={400} refill retryAfterMs={30_000} now={t0 + 3000} />);
    expect(container.textContent).toBe('≈0 of 300 tokens per minute left, retry in 30 s, resets in ≈1 min 17 s');
    // The 429's own headers: everything exact.
    const spent = { ...full, fast: { ...full.fast, output: { limit: 300, remaining: 0, reset: new Date(t0 + 80_000).toISOString() } }, retryAfterMs: 20_000 };
    rerender(<RateLimitGauge rateLimit={spent} refill retryAfterMs={20_000} now={t0} />);
    expect(container.textContent).toBe('0 of 300 tokens per minute left, retry in 20 s, resets in 1 min 20 s');
  });
  it('with steps, counts only the steps served fast after the last fast headers (an agent loop moved to standard)', () => {
    const t0 = Date.parse('2026-12-02T08:00:00Z');
    const full = { speed: 'fast' as const, fast: { input: { limit: 1e5, remaining: 1e5, reset: new Date(t0).toISOString() }, output: { limit: 300, remaining: 300, reset: new Date(t0).toISOString() } }, t: 1 };
    const metric = (value: number | null) => ({ value, isEstimate: false });
    const step = (n: number, speed: 'fast' | 'standard', tokens: number, fastRateLimit?: typeof full): ReplyStep => ({
      step: n,
      messageId: `msg_${n}`,
      model: 'claude-opus-4-8',
      requestedSpeed: speed,
      servedSpeed: speed,
      stopReason: 'tool_use',
      usage: { inputTokens: 4000, outputTokens: tokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      cost: null,
      edge: null,
      metrics: { ttftMs: null, otps: metric(null), effectiveOtps: metric(null), liveOtps: metric(null), outputTokens: metric(tokens) },
      status: 'done',
      ...(fastRateLimit ? { fastRateLimit } : {}),
    });
    // Step 0 ran fast (120 tokens), then a low budget moved step 1 (200 tokens) to standard.
    const steps = [step(0, 'fast', 120, full), step(1, 'standard', 200)];
    const { container } = render(<RateLimitGauge rateLimit={{ speed: 'standard', t: 9 }} steps={steps} now={t0} />);
    expect(container.textContent).toBe('≈180 of 300 tokens per minute left, resets in ≈24 s');
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('ok');
  });
  it('counts down on its own', () => {
    vi.useFakeTimers();
    const start = Date.now();
    const r = rl(5000);
    r.fast.output.reset = new Date(start + 10_000).toISOString();
    const { container } = render(<RateLimitGauge rateLimit={r} />);
    expect(container.textContent).toContain('resets in 10 s');
    act(() => void vi.advanceTimersByTime(3000));
    expect(container.textContent).toContain('resets in 7 s');
  });
});

describe('<CostTicker>', () => {
  const usage = { inputTokens: 1000, outputTokens: 1000, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  it('shows the exact cost and the other speed', () => {
    const { container } = render(<CostTicker cost={null} usage={usage} model="claude-opus-4-6" servedSpeed="fast" />);
    expect(container.textContent).toBe('$0.180 (standard would be $0.030)');
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('exact');
  });
  it('runs as an estimate while streaming', () => {
    const { container } = render(
      <CostTicker cost={null} usage={null} model="claude-opus-4-6" servedSpeed={null} requestedSpeed="fast" estimatedOutputTokens={2000} />,
    );
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('estimate');
    expect(container.textContent).toContain('≈$0.300');
  });
});

describe('<Composer>', () => {
  it('sends on Enter, newline on Shift+Enter, clears after sending', async () => {
    const onSend = vi.fn();
    render(<Composer onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
    await userEvent.type(box, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(box.value).toBe('line one\nline two');
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.type(box, '{Enter}');
    expect(onSend).toHaveBeenCalledWith('line one\nline two');
    expect(box.value).toBe('');
  });
  it('does not send empty text or while busy; Escape and Stop stop', async () => {
    const onSend = vi.fn();
    const onStop = vi.fn();
    const { rerender } = render(<Composer onSend={onSend} onStop={onStop} status="streaming" />);
    const box = screen.getByRole('textbox');
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(box, 'hi{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.type(box, '{Escape}');
    expect(onStop).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalledTimes(2);
    rerender(<Composer onSend={onSend} onStop={onStop} status="done" />);
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(onSend).toHaveBeenCalledWith('hi');
  });
  it('is fully disabled when disabled', () => {
    const { container } = render(<Composer onSend={() => {}} disabled />);
    expect((screen.getByRole('textbox') as HTMLTextAreaElement).disabled).toBe(true);
    expect(container.firstElementChild?.getAttribute('data-state')).toBe('disabled');
  });
});

describe('<Message> and <ChatThread>', () => {
  it('renders user text as text and replies as markdown with a badge and meter', () => {
    render(
      <ChatThread
        messages={[
          { ...reply({ id: 'u1', role: 'user', content: 'Say **hi** <b>x</b>', metrics: null, servedSpeed: null, requestedSpeed: null }) },
          reply(),
        ]}
      />,
    );
    const log = screen.getByRole('log', { name: 'Conversation' });
    expect(log.getAttribute('aria-live')).toBe('off');
    const [user, assistant] = screen.getAllByRole('article');
    expect(user!.textContent).toBe('Say **hi** <b>x</b>');
    expect(assistant!.querySelector('strong')?.textContent).toBe('there');
    expect(assistant!.querySelector('[data-slipstream="speed-badge"]')?.getAttribute('data-state')).toBe('fast');
    expect(assistant!.querySelector('[role="meter"]')?.getAttribute('aria-valuenow')).toBe('201');
  });
  it('keeps partial text with an alert on error, and marks a stopped reply', () => {
    const { rerender } = render(
      <Message
        message={reply({
          status: 'error',
          content: 'Partial answer',
          error: { kind: 'upstream', message: 'Upstream failed', retryable: true },
        })}
      />,
    );
    expect(screen.getByRole('alert').textContent).toBe('Upstream failed');
    expect(document.querySelector('[data-md="paragraph"]')?.textContent).toBe('Partial answer');
    rerender(<Message message={reply({ status: 'aborted', content: 'Half' })} />);
    expect(screen.getByText('Stopped')).toBeTruthy();
    expect(document.querySelector('[data-md="paragraph"]')?.textContent).toBe('Half');
  });
  it('says Reconnecting… while a resumable reply is away, and nothing once it is back', () => {
    const away = { attempt: 2, maxAttempts: 9, since: 0, nextAttemptAt: 500 };
    const { rerender } = render(<Message message={reply({ status: 'streaming', content: 'So far', reconnecting: away })} />);
    expect(document.querySelector('[data-part="reconnecting"][role="status"]')?.textContent).toBe('Reconnecting… (attempt 2 of 9)');
    expect(document.querySelector('[data-md="paragraph"]')?.textContent).toBe('So far');
    rerender(<Message message={reply({ status: 'streaming', content: 'So far, and more', reconnecting: null })} />);
    expect(document.querySelector('[data-part="reconnecting"]')).toBeNull();
  });
  it('renders the cut-off markup of a stopped or failed reply like a streaming tail, never raw', () => {
    const text = 'Use a **token bucket** so the **limit';
    const { rerender, container } = render(<Message message={reply({ status: 'aborted', content: text })} />);
    const md = () => container.querySelector('[data-slipstream="markdown"]')!;
    expect(md().getAttribute('data-state')).toBe('partial');
    expect(md().textContent).toBe('Use a token bucket so the limit');
    expect([...md().querySelectorAll('strong')].map((s) => s.textContent)).toEqual(['token bucket', 'limit']);
    // An open fence stays code, and a failed reply is cut the same way.
    rerender(<Message message={reply({ status: 'error', content: 'Here:\n\n```ts\nconst a = "**x', error: { kind: 'upstream', message: 'boom', retryable: true } })} />);
    expect(md().getAttribute('data-state')).toBe('partial');
    expect(md().querySelector('pre')?.textContent).toBe('const a = "**x');
    expect(md().querySelector('strong')).toBeNull();
    // A reply cut at max_tokens is cut off too.
    rerender(<Message message={reply({ status: 'done', stopReason: 'max_tokens', content: text })} />);
    expect(md().getAttribute('data-state')).toBe('partial');
    expect(md().textContent).toBe('Use a token bucket so the limit');
    // Only a cut reply: a finished one shows unclosed markup literally, as CommonMark does.
    rerender(<Message message={reply({ status: 'done', stopReason: 'end_turn', content: text })} />);
    expect(md().getAttribute('data-state')).toBe('complete');
    expect(md().textContent).toContain('**limit');
  });
  it('announces finished sentences politely, not tokens', async () => {
    const { rerender, container } = render(<Message message={reply({ status: 'streaming', content: 'First sent' })} />);
    const region = () => container.querySelector('[aria-live="polite"]')!;
    expect(region().textContent).toBe('');
    rerender(<Message message={reply({ status: 'streaming', content: 'First sentence. Sec' })} />);
    expect(region().textContent).toBe('First sentence.');
    rerender(<Message message={reply({ status: 'streaming', content: 'First sentence. Second one' })} />);
    expect(region().textContent).toBe('First sentence.');
    rerender(<Message message={reply({ status: 'done', content: 'First sentence. Second **one**' })} />);
    expect(region().textContent).toBe('Second one');
  });
  it('says so when a proxy buffered the stream', () => {
    const { container, rerender } = render(<Message message={reply()} />);
    expect(container.querySelector('[data-part="proxy-warning"]')).toBeNull();
    rerender(<Message message={reply({ metrics: metrics({ proxyBuffered: true }) })} />);
    expect(screen.getByRole('note').textContent).toMatch(/proxy .* buffering/);
  });
  it('does not announce history that is already done when it mounts', () => {
    const { container } = render(<Message message={reply()} />);
    expect(container.querySelector('[aria-live="polite"]')!.textContent).toBe('');
  });
});

describe('<LiveAnnouncer>', () => {
  it('batches sentences finished within minIntervalMs into one announcement', async () => {
    vi.useFakeTimers();
    const { LiveAnnouncer } = await import('../src/live-region.tsx');
    const { rerender, container } = render(<LiveAnnouncer text="One. " done={false} />);
    const region = container.firstElementChild!;
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(region.textContent).toBe('One.');
    rerender(<LiveAnnouncer text="One. Two. " done={false} />);
    rerender(<LiveAnnouncer text="One. Two. Three. Fo" done={false} />);
    expect(region.textContent).toBe('One.');
    act(() => void vi.advanceTimersByTime(1000));
    expect(region.textContent).toBe('Two. Three.');
    rerender(<LiveAnnouncer text="One. Two. Three. Four" done />);
    expect(region.textContent).toBe('Four');
  });
});
