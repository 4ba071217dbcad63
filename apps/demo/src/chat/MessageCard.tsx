/**
 * One message of a conversation: the kit's `<Message>` for the text, plus the demo's reply footer
 * (speed badge, live OTPS meter, TTFT, cost, the error with its retry path, the proxy-buffering check).
 * @module
 */
import type { ErrorEvent, FallbackReason } from '@slipstream/core';
import { CopyButton, CostTicker, Message, OtpsMeter, SpeedBadge, type FastChatMessage } from '@slipstream/react';
import { highlightCode } from '@slipstream/react/highlight';
import { memo, useId, useMemo, useRef, useState } from 'react';
import { displayPrompt } from '../display.ts';
import { formatCount, formatMs, formatRate } from '../format.ts';

/**
 * 125000 → "2 min 5 s", 120000 → "2 min", 14000 → "14 s" (whole seconds, rounded up: never "0 s" while
 * still waiting), as the kit's gauge writes it, so the two countdowns read the same.
 */
function formatCountdown(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const min = Math.floor(total / 60);
  const sec = total % 60;
  return min === 0 ? `${sec} s` : sec === 0 ? `${min} min` : `${min} min ${sec} s`;
}

export interface MessageCardProps {
  message: FastChatMessage;
  /** The policy the reply was asked with (for the badge). */
  policy?: string | null;
  /** Live retry-after (ms) from the conversation, for the error's countdown and the badge tooltip. */
  retryAfterMs?: number | null;
  /** A retry would be asked fast only, and fast refuses requests for this long (ms; 0 when it takes them). */
  fastWaitMs?: number;
  /** `retryAfterMs` is the fast bucket's estimate, not a wait the edge or the API gave: shown with ≈, as the gauge does. */
  retryEstimate?: boolean;
  /** Retry an errored or stopped reply. */
  onRetry?: () => void;
  /** Regenerate the last reply (only passed for the last one). */
  onRegenerate?: () => void;
  busy?: boolean;
  /** The reply ended at `max_tokens`: say so and offer {@link MessageCardProps.onContinue}. */
  cutAtMaxTokens?: boolean;
  onContinue?: () => void;
  /** Output rate measured on a standard reply of the same model in this session (tok/s), for the estimate. */
  standardOtps?: number | null;
  /** User messages: replace the text and ask again (drops everything after it). */
  onEdit?: (id: string, text: string) => void;
  /** Replies kept by Regenerate: show another version (`‹ 1/2 ›`). */
  onSelectVersion?: (id: string, index: number) => void;
}

const ERROR_TITLES: Partial<Record<ErrorEvent['kind'], string>> = {
  overloaded: 'Overloaded (529)',
  rate_limited: 'Rate limited (429)',
  stalled: 'Upstream stalled',
  upstream: 'Upstream error',
  network: 'Network error',
  unsupported: 'Not supported',
  invalid_request: 'Invalid request',
  protocol: 'Unexpected answer',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Reply no longer available',
  aborted: 'Stopped',
};

/** What the reader can do next, per error kind. */
const ERROR_HINTS: Partial<Record<ErrorEvent['kind'], string>> = {
  rate_limited: 'Fast is rate limited: retry after the wait, or switch to Auto to be served standard now.',
  overloaded: 'Retrying usually works; Auto also falls back to standard when fast stays overloaded.',
  stalled: 'The upstream went silent. Retry sends the same request again.',
  unsupported: 'This model has no fast mode: pick Auto or Standard, or a fast-capable model.',
  network: 'Check the connection, then retry.',
  not_found: 'The edge no longer has this reply (it ran past its detach time, expired, or was stopped). Retry asks again.',
};

const FALLBACK_REASONS: Record<FallbackReason, string> = {
  rate_limited: 'fast was rate limited (429)',
  remembered: 'fast was rate limited earlier (a 429 the edge remembers)',
  budget_low: 'the fast budget left cannot cover this reply',
  unsupported_model: 'this model has no fast mode',
  overloaded: 'fast kept failing with 529',
  spend_limit: 'your fast-mode allowance for now is used up',
};

/** `proxyBuffered` lives on core's full `StreamMetrics`; the message type only promises a subset. */
function proxyBuffered(message: FastChatMessage): boolean {
  const metrics = message.metrics as (FastChatMessage['metrics'] & { proxyBuffered?: boolean | null }) | null;
  return metrics?.proxyBuffered === true;
}

export const MessageCard = memo(function MessageCard({
  message,
  policy,
  retryAfterMs,
  onRetry,
  onRegenerate,
  busy,
  cutAtMaxTokens,
  onContinue,
  onEdit,
  onSelectVersion,
  standardOtps = null,
  fastWaitMs = 0,
  retryEstimate = false,
}: MessageCardProps) {
  if (message.role === 'user') return <UserBubble message={message} busy={busy === true} {...(onEdit ? { onEdit } : {})} />;
  const m = message.metrics;
  const finished = message.status === 'done' || message.status === 'error' || message.status === 'aborted';
  const otps = finished && m?.otps.value != null ? m.otps : m?.liveOtps;
  const error = message.status === 'error' ? message.error : null;
  const tokens = message.usage?.outputTokens ?? null;
  const standardEstimate =
    message.status === 'done' && message.servedSpeed === 'fast' && standardOtps && tokens && tokens > 1 && m?.ttftMs != null && m.sentAt !== null && m.lastDeltaAt !== null
      ? { otps: standardOtps, totalMs: m.ttftMs + ((tokens - 1) / standardOtps) * 1000, fastMs: m.lastDeltaAt - m.sentAt }
      : null;
  // Under Auto, a standard-only model is simply served standard: nothing failed and nothing fell back,
  // so no warning colour and no "fell back" note (the fallback event still says why, for the tooltip).
  const expectedStandard = policy === 'auto' && message.fallback?.reason === 'unsupported_model';
  const fallback = expectedStandard ? null : message.fallback;
  // A clock time, not a countdown: it stays true on an old reply, and matches the gauge's reset when the
  // edge remembers the 429 for this conversation (until the fast budget is full).
  const untilMs = fallback?.until ? Date.parse(fallback.until) : Number.NaN;
  const fallbackUntil = Number.isFinite(untilMs) ? new Date(untilMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : null;
  // The card shows the error and the reconnecting state itself, with more to say than the kit's line.
  const shown = error || message.reconnecting ? { ...message, error: null, reconnecting: null } : message;
  // The live countdown (the conversation's) belongs to the last reply; older errors show their wait as sent.
  const waitMs = error && onRetry ? (retryAfterMs ?? null) : null;
  const approx = retryEstimate ? '≈' : '';
  const hint = !error
    ? undefined
    : error.kind === 'overloaded' && message.fallback
      ? // Already on standard: there is nothing left for Auto to fall back to.
        'This reply was already being served at standard, so there is nothing to fall back to: Retry sends it again.'
      : error.kind === 'overloaded' && fastWaitMs > 0
        ? // A fast-only retry now meets the spent budget, not the overload.
          'Fast is also rate limited now (see the gauge): Retry asks fast again once the wait is over.'
        : ERROR_HINTS[error.kind];

  return (
    <div
      className="msg-wrap"
      data-testid="message-assistant"
      data-status={message.status}
      data-empty={String(finished && message.content === '')}
      data-chars={message.content.length}
    >
      <Message message={shown} meta={false} highlight={highlightCode} className="msg msg-assistant" data-testid="message-text" />
      {message.reconnecting ? (
        <div className="warn-box" role="status" data-testid="reconnecting" data-attempt={message.reconnecting.attempt}>
          <strong>Reconnecting…</strong> The connection dropped; the reply goes on at the edge and continues here when it is back
          (attempt {message.reconnecting.attempt} of {message.reconnecting.maxAttempts}).
        </div>
      ) : null}
      {error ? (
        <div className="error-box" role="alert" data-testid="message-error" data-kind={error.kind}>
          <strong>{ERROR_TITLES[error.kind] ?? 'Error'}</strong>
          <span>{error.message}</span>
          {waitMs !== null && waitMs > 0 ? (
            <span className="num" data-testid="retry-countdown" role="timer">
              {`retry in ${approx}${formatCountdown(waitMs)}`}
            </span>
          ) : error.retryAfterMs != null && onRetry === undefined ? (
            <span className="num">retry after {formatMs(error.retryAfterMs)}</span>
          ) : null}
          {hint ? <span className="muted">{hint}</span> : null}
          {message.content ? <span className="muted">Partial reply kept above.</span> : null}
          {onRetry ? (
            // While the server's retry-after runs, a retry can only fail the same way: disabled, with the wait on it.
            <button type="button" className="button small" data-testid="retry" onClick={onRetry} disabled={busy || (waitMs !== null && waitMs > 0)}>
              {waitMs !== null && waitMs > 0 ? `Retry in ${approx}${formatCountdown(waitMs)}` : error.retryable ? 'Retry' : 'Try again'}
            </button>
          ) : null}
        </div>
      ) : null}
      {proxyBuffered(message) ? (
        <div className="warn-box" role="status" data-testid="buffering-warning">
          <strong>Arrived all at once.</strong> Something between the edge and this page buffered the stream (a proxy or CDN).
          Live numbers cannot be measured; send <code>cache-control: no-transform</code> and <code>x-accel-buffering: no</code>, and
          turn off compression for <code>text/event-stream</code>.
        </div>
      ) : null}
      <footer className="msg-meta" aria-label="Reply numbers">
        <SpeedBadge
          data-testid="speed-badge"
          status={message.status}
          requestedSpeed={message.requestedSpeed}
          servedSpeed={message.servedSpeed}
          fallback={fallback}
          {...(policy ? { policy: policy as 'fast' | 'standard' | 'auto' } : {})}
          {...(retryAfterMs != null ? { retryAfterMs } : {})}
        />
        {m ? <OtpsMeter className="meter-inline" metrics={m} status={message.status} ttft={false} data-testid="otps-meter" /> : null}
        <dl className="stats">
          <div className="stat" data-testid="metric-ttft" data-value={m?.ttftMs ?? ''}>
            <dt className="stat-label">TTFT</dt>
            <dd className="stat-value">{m?.ttftMs != null ? formatMs(m.ttftMs) : '—'}</dd>
          </div>
          <div className="stat" data-testid="metric-cost">
            <dt className="stat-label">Cost</dt>
            <dd className="stat-value">
              <CostTicker
                cost={message.cost}
                usage={message.usage}
                model={message.model ?? null}
                servedSpeed={message.servedSpeed}
                requestedSpeed={message.requestedSpeed}
                estimatedOutputTokens={m?.outputTokens?.value ?? null}
                compare={false}
              />
            </dd>
          </div>
        </dl>
        {standardEstimate ? (
          <p className="standard-estimate" data-testid="standard-estimate">
            Standard would have taken <strong>≈{formatMs(standardEstimate.totalMs)}</strong> (this reply: {formatMs(standardEstimate.fastMs)}) —
            an estimate from the standard rate measured on {message.model ?? 'this model'} in this session ({formatRate(standardEstimate.otps)}{' '}
            tok/s), with the same time to first token.
          </p>
        ) : null}
        <details className="msg-details" data-testid="reply-details">
          <summary>Details</summary>
          <dl className="stats">
            <div className="stat" data-testid="metric-otps" data-value={otps?.value ?? ''} data-estimate={String(otps?.isEstimate ?? true)}>
            <dt className="stat-label">
              {finished ? 'OTPS' : 'OTPS live'}
            </dt>
            <dd className="stat-value">
              {otps?.value != null ? `${otps.isEstimate ? '≈' : ''}${formatRate(otps.value)}` : '—'}
              <span className="unit"> tok/s</span>
            </dd>
          </div>
            <div
            className="stat"
            data-testid="metric-effective"
          >
            <dt className="stat-label">Effective</dt>
            <dd className="stat-value">
              {finished && m?.effectiveOtps?.value != null
                ? `${m.effectiveOtps.isEstimate ? '≈' : ''}${formatRate(m.effectiveOtps.value)}`
                : '—'}
              <span className="unit"> tok/s</span>
            </dd>
          </div>
            <div className="stat" data-testid="metric-tokens">
            <dt className="stat-label">Tokens</dt>
            <dd className="stat-value">
              {message.usage ? formatCount(message.usage.outputTokens) : m?.outputTokens?.value != null ? `≈${formatCount(m.outputTokens.value)}` : '—'}
            </dd>
          </div>
            <div className="stat stat-served">
            <dt className="stat-label">Served</dt>
            <dd className="stat-value" data-testid="served-speed">
              {message.servedSpeed ?? '—'}
            </dd>
          </div>
          </dl>
          <dl className="definitions">
            <dt>TTFT</dt>
            <dd>Time to first token: request sent → first text received. Fast mode does not shorten it.</dd>
            <dt>OTPS (tok/s)</dt>
            <dd>Output tokens per second: tokens after the first ÷ (last token − first token), measured as they arrive. ≈ marks a live estimate; the final figure is exact.</dd>
            <dt>Effective</dt>
            <dd>Output tokens ÷ (last token − request sent): the rate you experience, waiting time included. Short replies score low here because the wait dominates.</dd>
            <dt>Cost</dt>
            <dd>From the token counts in <code>usage</code> at this model's price for the speed served (fast mode costs more per token).</dd>
          </dl>
        </details>
        {expectedStandard ? (
          <p className="standard-note" data-testid="standard-note">
            Served standard: this model has no fast mode.
          </p>
        ) : null}
        {fallback ? (
          <p className="fallback-note" data-testid="fallback-note">
            Asked for fast; served standard because {FALLBACK_REASONS[fallback.reason]}
            {fallbackUntil ? (
              <>
                ; the edge keeps this conversation on standard until <time dateTime={fallback.until}>{fallbackUntil}</time>
              </>
            ) : null}
            .
          </p>
        ) : null}
        {cutAtMaxTokens ? (
          <p className="cut-note" data-testid="cut-note">
            Cut off at the length limit (stop reason <code>max_tokens</code>).
          </p>
        ) : null}
        <div className="msg-actions">
          {message.versions?.length && onSelectVersion ? (
            <Versions message={message} onSelect={onSelectVersion} disabled={!finished} />
          ) : null}
          {message.content && finished ? <CopyButton text={message.content} className="button small" data-testid="copy-reply" /> : null}
          {cutAtMaxTokens && onContinue ? (
            <button type="button" className="button small" data-testid="continue" onClick={onContinue} disabled={busy}>
              Continue
            </button>
          ) : null}
          {/* One control per state: Retry for a stopped reply (an error has its own in the error box),
              Regenerate for a finished one. */}
          {message.status === 'aborted' && onRetry ? (
            <button type="button" className="button small" data-testid="retry" onClick={onRetry} disabled={busy}>
              Retry
            </button>
          ) : null}
          {onRegenerate && message.status === 'done' ? (
            <button type="button" className="button small" data-testid="regenerate" onClick={onRegenerate} disabled={busy}>
              Regenerate
            </button>
          ) : null}
        </div>
      </footer>
    </div>
  );
});

/**
 * `‹ 2/3 ›`: the versions Regenerate kept. The buttons say which way they go; the count is announced as
 * "Version 2 of 3" when it changes (the card keeps its identity across versions, so focus stays here).
 */
function Versions({ message, onSelect, disabled }: { message: FastChatMessage; onSelect: (id: string, index: number) => void; disabled: boolean }) {
  const total = (message.versions?.length ?? 0) + 1;
  const at = Math.min(message.versionIndex ?? total - 1, total - 1);
  const prev = useRef<HTMLButtonElement | null>(null);
  const next = useRef<HTMLButtonElement | null>(null);
  // At either end the pressed button becomes disabled and would drop focus to <body>: hand it over.
  const go = (index: number) => {
    onSelect(message.id, index);
    const other = index === 0 ? next : index === total - 1 ? prev : null;
    if (other) requestAnimationFrame(() => other.current?.focus());
  };
  return (
    <div className="versions" role="group" aria-label="Reply versions" data-testid="versions">
      <button
        type="button"
        className="button small ghost"
        aria-label="Previous version"
        data-testid="version-prev"
        disabled={disabled || at === 0}
        ref={prev}
        onClick={() => go(at - 1)}
      >
        ‹
      </button>
      <span className="num versions-count" data-testid="version-count" aria-live="polite" aria-atomic="true">
        <span aria-hidden="true">
          {at + 1}/{total}
        </span>
        <span className="visually-hidden">
          Version {at + 1} of {total}
        </span>
      </span>
      <button
        type="button"
        className="button small ghost"
        aria-label="Next version"
        data-testid="version-next"
        disabled={disabled || at === total - 1}
        ref={next}
        onClick={() => go(at + 1)}
      >
        ›
      </button>
    </div>
  );
}

/** A prompt as sent, shown without the simulator's test directives; Copy and Edit under it. */
function UserBubble({ message, busy, onEdit }: { message: FastChatMessage; busy: boolean; onEdit?: (id: string, text: string) => void }) {
  const shown = useMemo(() => {
    const content = displayPrompt(message.content);
    if (content === message.content) return message;
    // The kit renders a message's parts: strip the directives from its text parts as well.
    const parts = message.parts.map((p) => (p.type === 'text' ? { ...p, text: displayPrompt(p.text) } : p));
    return { ...message, content, parts };
  }, [message]);
  const [draft, setDraft] = useState<string | null>(null);
  const editId = useId();
  if (draft !== null && onEdit) {
    const save = () => {
      const text = draft.trim();
      if (!text) return;
      setDraft(null);
      // Directives the prompt carried (sim only) are kept, so an edited test prompt behaves the same.
      const directives = message.content.match(/\[\[sim:[^\]]*\]\]/g)?.join(' ') ?? '';
      onEdit(message.id, directives ? `${text} ${directives}` : text);
    };
    return (
      <form
        className="msg-edit"
        data-testid="message-edit"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <label htmlFor={editId} className="visually-hidden">
          Edit your message
        </label>
        <textarea
          id={editId}
          value={draft}
          autoFocus
          rows={3}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              setDraft(null);
            } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              save();
            }
          }}
        />
        <div className="msg-edit-actions">
          <button type="button" className="button small" onClick={() => setDraft(null)}>
            Cancel
          </button>
          <button type="submit" className="button small primary" data-testid="edit-send" disabled={busy || !draft.trim()}>
            Send
          </button>
        </div>
      </form>
    );
  }
  return (
    <div className="msg-user-wrap">
      <Message message={shown} meta={false} className="msg msg-user" data-testid="message-user" data-status={message.status} />
      <div className="msg-user-actions">
        <CopyButton text={shown.content} className="button small ghost" data-testid="copy-prompt" />
        {onEdit ? (
          <button type="button" className="button small ghost" data-testid="edit" disabled={busy} onClick={() => setDraft(shown.content)}>
            Edit
          </button>
        ) : null}
      </div>
    </div>
  );
}
