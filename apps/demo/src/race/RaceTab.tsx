/**
 * The Race tab: one prompt, streamed at fast and at standard speed from the same instant, side by side.
 * When both finish: the measured OTPS ratio, the TTFT difference and the cost of each.
 * @module
 */
import { getModelCapability } from '@slipstream/core';
import { OtpsMeter, SpeedBadge, StreamingMarkdown, useFastStream, type UseFastStreamResult } from '@slipstream/react';
import { highlightCode } from '@slipstream/react/highlight';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { formatCount, formatMs, formatRate, formatSignedMs, formatUsd } from '../format.ts';
import { ModelSelect } from '../chat/controls.tsx';
import { RACE_PRESETS } from '../presets.ts';

type Lane = UseFastStreamResult;

function isActive(lane: Lane): boolean {
  return lane.status === 'submitted' || lane.status === 'streaming';
}

export function RaceTab() {
  // A lane whose connection drops reconnects; a reload ends the race (no record kept for it).
  const fast = useFastStream({ endpoint: '/api/chat', resume: { storage: false } });
  const standard = useFastStream({ endpoint: '/api/chat', resume: { storage: false } });
  const [prompt, setPrompt] = useState(RACE_PRESETS[0]?.prompt ?? '');
  const [preset, setPreset] = useState<string | null>(RACE_PRESETS[0]?.id ?? null);
  const [model, setModel] = useState('claude-opus-4-8');
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const promptId = useId();
  const runId = useRef(0);

  const running = isActive(fast) || isActive(standard);
  // A standard-only model could only fail or fall back in the fast lane, and never reach a verdict:
  // refuse it up front instead.
  const capability = getModelCapability(model);
  const raceable = capability?.fast === true;
  const root = useRef<HTMLDivElement | null>(null);
  const startButton = useRef<HTMLButtonElement | null>(null);

  const start = useCallback(
    (event?: FormEvent) => {
      event?.preventDefault();
        const text = prompt.trim();
      if (!text || !raceable) return;
      runId.current += 1;
      const conversationId = `race-${Date.now().toString(36)}-${runId.current}`;
      const messages = [{ role: 'user' as const, content: text }];
      setStartedAt(performance.now());
      // Same tick, same body, one speed each: the only difference between the lanes is `speed`.
      fast.start({ messages, speed: 'fast', model, conversationId: `${conversationId}-fast` });
      standard.start({ messages, speed: 'standard', model, conversationId: `${conversationId}-standard` });
    },
    [prompt, model, fast, standard, raceable],
  );

  const stop = useCallback(() => {
    fast.stop();
    standard.stop();
    // "Stop both" disappears with the race: hand focus to the start button, never to <body>.
    requestAnimationFrame(() => {
      const active = document.activeElement;
      if (!active || active === document.body || !active.isConnected) startButton.current?.focus();
    });
  }, [fast, standard]);

  // Esc stops the race from anywhere in this panel.
  useEffect(() => {
    if (!running) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const el = root.current;
      if (!el || el.offsetParent === null) return;
      const panel = el.closest('[role=tabpanel]') ?? el;
      const target = e.target as Node | null;
      if (target && target !== document.body && !panel.contains(target)) return;
      e.preventDefault();
      stop();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [running, stop]);

  const presetNote = RACE_PRESETS.find((p) => p.id === preset)?.note ?? 'Your own prompt. Longer replies show the gap best.';

  return (
    <div className="race" ref={root}>
      <form className="card race-form" onSubmit={start} aria-describedby={`${promptId}-note`}>
        <div className="race-row" role="group" aria-label="Preset prompts">
          <span className="stat-label">Presets</span>
          {RACE_PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              className="chip"
              aria-pressed={preset === p.id}
              data-testid={`race-preset-${p.id}`}
              disabled={running}
              onClick={() => {
                setPreset(p.id);
                setPrompt(p.prompt);
              }}
            >
              {p.label}
            </button>
          ))}
        </div>
        <label htmlFor={promptId} className="visually-hidden">
          Race prompt
        </label>
        <textarea
          id={promptId}
          data-testid="race-prompt"
          value={prompt}
          onChange={(e) => {
            setPrompt(e.target.value);
            setPreset(RACE_PRESETS.find((p) => p.prompt === e.target.value)?.id ?? null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) start();
            if (e.key === 'Escape' && running) {
              e.preventDefault();
              stop();
            }
          }}
          rows={2}
        />
        <div className="race-row">
          <ModelSelect value={model} onChange={setModel} id="race-model" disabled={running} />
          <span className="spacer" style={{ flex: 1 }} />
          {running ? (
            <button type="button" className="button danger" onClick={stop} data-testid="race-stop">
              Stop both
            </button>
          ) : null}
          <button
            ref={startButton}
            type="submit"
            className="button primary"
            disabled={running || !prompt.trim() || !raceable}
            aria-describedby={raceable ? undefined : `${promptId}-model`}
            data-testid="race-start"
            title="Ctrl+Enter in the prompt also starts; Esc stops"
          >
            {startedAt === null ? 'Start race' : 'Race again'}
          </button>
        </div>
        {raceable ? null : (
          <p className="race-refusal" id={`${promptId}-model`} data-testid="race-refusal" role="status">
            {capability?.displayName ?? model} has no fast mode, so there is nothing to race: the fast lane could only fail or fall
            back. Pick a fast-capable model.
          </p>
        )}
        <p className="race-note" id={`${promptId}-note`}>
          {presetNote}
        </p>
      </form>

      <Verdict fast={fast} standard={standard} />

      <div className="lanes">
        <LaneView lane={fast} speed="fast" title="Fast" lead={leadTokens(fast, standard)} />
        <LaneView lane={standard} speed="standard" title="Standard" lead={leadTokens(fast, standard)} />
      </div>
    </div>
  );
}

function laneTokens(lane: Lane): number {
  return lane.usage?.outputTokens ?? lane.metrics.outputTokens.value ?? 0;
}

/** The longest reply so far, in tokens: both progress bars are drawn against it. */
function leadTokens(a: Lane, b: Lane): number {
  return Math.max(laneTokens(a), laneTokens(b), 1);
}

/** Keep a scroll box pinned to its bottom while content grows, unless the reader scrolled up. */
function useFollowBottom(content: string) {
  const ref = useRef<HTMLDivElement | null>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [content]);
  const onScroll = () => {
    const el = ref.current;
    if (el) pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  return { ref, onScroll };
}

function LaneView({ lane, speed, title, lead }: { lane: Lane; speed: 'fast' | 'standard'; title: string; lead: number }) {
  const m = lane.metrics;
  const done = lane.status === 'done';
  const otps = done && m.otps.value !== null ? m.otps : m.liveOtps;
  const tokens = lane.usage?.outputTokens ?? m.outputTokens.value;
  const progress = lane.status === 'idle' ? 0 : Math.min(100, (laneTokens(lane) / lead) * 100);
  const follow = useFollowBottom(lane.text);
  return (
    <section className={`card lane lane-${speed}`} data-testid={`race-lane-${speed}`} data-status={lane.status} aria-label={`${title} lane`}>
      <header className="lane-head">
        <h2 className="lane-title">
          {title}
          {lane.status === 'aborted' ? (
            <span className="lane-stopped" data-testid="lane-stopped">
              Stopped
            </span>
          ) : null}
        </h2>
        <SpeedBadge
          data-testid="speed-badge"
          status={lane.status}
          requestedSpeed={lane.requestedSpeed}
          servedSpeed={lane.servedSpeed}
          fallback={lane.fallback}
          policy={lane.policy}
          retryAfterMs={lane.retryAfterMs}
        />
      </header>
      <div
        className="lane-progress"
        role="progressbar"
        aria-label={`${title}: share of the longest reply so far`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(progress)}
      >
        <span style={{ width: `${progress}%` }} />
      </div>
      <div className="lane-meter">
        <OtpsMeter metrics={m} status={lane.status} ttft={false} label={`${title} output speed`} />
      </div>
      <dl className="lane-stats">
        <div className="stat">
          <dt className="stat-label">TTFT</dt>
          <dd className="stat-value" data-testid="lane-ttft">
            {m.ttftMs !== null ? formatMs(m.ttftMs) : '—'}
          </dd>
        </div>
        <div className="stat">
          <dt className="stat-label">{done ? 'OTPS' : 'OTPS live'}</dt>
          <dd className="stat-value" data-testid="lane-otps" data-value={otps.value ?? ''}>
            {otps.value !== null ? `${otps.isEstimate ? '≈' : ''}${formatRate(otps.value)}` : '—'}
          </dd>
        </div>
        <div className="stat">
          <dt className="stat-label">Tokens</dt>
          <dd className="stat-value">{tokens !== null ? `${lane.usage ? '' : '≈'}${formatCount(tokens)}` : '—'}</dd>
        </div>
        <div className="stat">
          <dt className="stat-label">Total</dt>
          <dd className="stat-value">
            {done && m.sentAt !== null && m.lastDeltaAt !== null ? formatMs(m.lastDeltaAt - m.sentAt) : '—'}
          </dd>
        </div>
      </dl>
      {lane.error ? (
        <div className="error-box" role="alert" style={{ margin: '0 16px 10px' }} data-kind={lane.error.kind}>
          <strong>{lane.error.kind}</strong> {lane.error.message}
          <button type="button" className="button small" onClick={lane.retry}>
            Retry
          </button>
        </div>
      ) : null}
      <div className="lane-body" tabIndex={0} aria-label={`${title} reply`} ref={follow.ref} onScroll={follow.onScroll}>
        {lane.text ? (
          // A stopped or failed lane renders its cut-off tail as a tail (an open `**` as bold, not raw).
          <StreamingMarkdown
            streaming={isActive(lane)}
            partial={lane.status === 'aborted' || lane.status === 'error'}
            highlight={highlightCode}
          >
            {lane.text}
          </StreamingMarkdown>
        ) : (
          <p className="muted">{lane.status === 'submitted' ? 'Waiting for the first token…' : 'Start a race to see this lane stream.'}</p>
        )}
      </div>
    </section>
  );
}

/** The measured result, shown once both lanes are done. Space is reserved so nothing shifts. */
function Verdict({ fast, standard }: { fast: Lane; standard: Lane }) {
  const both = fast.status === 'done' && standard.status === 'done';
  // Stopped before both finished: a partial verdict from what arrived, labelled as such.
  const ended = fast.status !== 'idle' && !isActive(fast) && !isActive(standard);
  const stopped = ended && (fast.status === 'aborted' || standard.status === 'aborted');
  const laneOtps = (lane: Lane) => lane.metrics.otps.value ?? (stopped ? lane.metrics.liveOtps.value : null);
  const fo = laneOtps(fast);
  const so = laneOtps(standard);
  const ratio = (both || stopped) && fo !== null && so !== null && so > 0 ? fo / so : null;
  const ft = fast.metrics.ttftMs;
  const st = standard.metrics.ttftMs;
  const ttftDiff = both && ft !== null && st !== null ? ft - st : null;
  const fc = fast.cost?.totalUsd ?? null;
  const sc = standard.cost?.totalUsd ?? null;
  const fastTotal = fast.metrics.lastDeltaAt !== null && fast.metrics.sentAt !== null ? fast.metrics.lastDeltaAt - fast.metrics.sentAt : null;
  const standardTotal =
    standard.metrics.lastDeltaAt !== null && standard.metrics.sentAt !== null ? standard.metrics.lastDeltaAt - standard.metrics.sentAt : null;
  const saved = both && fastTotal !== null && standardTotal !== null ? standardTotal - fastTotal : null;
  const tokens = Math.max(laneTokens(fast), laneTokens(standard));
  const short = both && tokens > 0 && tokens < 40;

  return (
    <section
      className="card verdict"
      aria-label="Race result"
      aria-live="polite"
      data-testid="race-verdict"
      data-ready={String(both)}
      data-partial={String(stopped)}
    >
      {stopped ? (
        <p className="verdict-callout" data-testid="race-stopped-note">
          Stopped before both lanes finished: fast {laneSummary(fast)}, standard {laneSummary(standard)}. The ratio below is from
          the tokens that arrived (partial); time saved and cost need both replies complete.
        </p>
      ) : null}
      {short && saved !== null ? (
        <p className="verdict-callout" data-testid="race-short-note">
          Only {tokens} tokens: both lanes spent most of their time waiting for the first token, and fast mode does not
          shorten that wait. Fast saved {formatMs(Math.max(0, saved))} here; the gap grows with the length of the reply.
        </p>
      ) : null}
      <div className="stat verdict-ratio" data-testid="race-ratio" data-value={ratio ?? ''}>
        <span className="stat-label">Measured OTPS ratio</span>
        <span className="stat-value">{ratio !== null ? `${stopped ? '≈' : ''}${ratio.toFixed(2)}×` : '—'}</span>
        <span className="stat-sub">
          {ratio !== null ? `${formatRate(fo ?? 0)} vs ${formatRate(so ?? 0)} tok/s${stopped ? ' (partial)' : ''}` : 'fast ÷ standard, after both finish'}
        </span>
      </div>
      <div className="stat" data-testid="race-ttft-diff" data-value={ttftDiff ?? ''}>
        <span className="stat-label">TTFT difference</span>
        <span className="stat-value">{ttftDiff !== null ? formatSignedMs(ttftDiff) : '—'}</span>
        <span className="stat-sub">fast mode does not shorten time to first token</span>
      </div>
      <div className="stat" data-testid="race-time-saved" data-value={saved ?? ''}>
        <span className="stat-label">Time saved</span>
        <span className="stat-value">{saved !== null ? formatMs(saved) : '—'}</span>
        <span className="stat-sub">{saved !== null && standardTotal ? `${Math.round((saved / standardTotal) * 100)}% of the standard wait` : 'request sent → last token'}</span>
      </div>
      <div className="stat">
        <span className="stat-label">Cost</span>
        <span className="stat-value cost-pair">
          <span data-testid="race-cost-fast">
            <span className="cost-label">fast</span> {both && fc !== null ? formatUsd(fc) : '—'}
          </span>
          <span data-testid="race-cost-standard">
            <span className="cost-label">standard</span> {both && sc !== null ? formatUsd(sc) : '—'}
          </span>
        </span>
        <span className="stat-sub">{both && fc !== null && sc !== null && sc > 0 ? `fast costs ${(fc / sc).toFixed(1)}× as much` : 'fast mode: 6× standard Opus rates'}</span>
      </div>
    </section>
  );
}

function laneSummary(lane: Lane): string {
  const tokens = laneTokens(lane);
  const state = lane.status === 'done' ? 'finished' : lane.status === 'aborted' ? 'stopped' : lane.status;
  return `${state} at ${formatCount(tokens)} tokens`;
}
