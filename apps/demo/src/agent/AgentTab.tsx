/**
 * The Agent tab: one multi-step tool task (list, read, write a file, run checks) run by the same
 * agent at fast and at standard speed, side by side. Each lane shows the tool calls as they stream
 * and a per-step timeline (time to first token, streaming, tool time); when both finish, the wall
 * time saved, the cache reads per step and the cost of each side.
 * @module
 */
import type { ReplyStep } from '@slipstream/core';
import { fallbackReasonText, MessageParts, SpeedBadge, useFastChat, type FastChatMessage } from '@slipstream/react';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { formatCount, formatMs, formatUsd } from '../format.ts';
import { AGENT_TASKS, agentPrompt } from './tasks.ts';
import './agent.css';

type LaneSpeed = 'fast' | 'standard';

/** What a lane reports up, once per change, for the verdict. */
interface LaneResult {
  status: FastChatMessage['status'] | 'idle';
  wallMs: number | null;
  costUsd: number | null;
  steps: number;
}

const IDLE: LaneResult = { status: 'idle', wallMs: null, costUsd: null, steps: 0 };

export function AgentTab({ simulated }: { simulated: boolean }) {
  const [taskId, setTaskId] = useState(AGENT_TASKS[0]!.id);
  const [review, setReview] = useState(false);
  const [run, setRun] = useState<{ id: number; prompt: string; review: boolean } | null>(null);
  const [results, setResults] = useState<Record<LaneSpeed, LaneResult>>({ fast: IDLE, standard: IDLE });
  const stops = useRef(new Map<LaneSpeed, () => void>());
  const runButton = useRef<HTMLButtonElement | null>(null);
  const reviewId = useId();
  const task = AGENT_TASKS.find((t) => t.id === taskId) ?? AGENT_TASKS[0]!;
  const running = results.fast.status === 'submitted' || results.fast.status === 'streaming' || results.standard.status === 'submitted' || results.standard.status === 'streaming';

  const start = (event?: FormEvent) => {
    event?.preventDefault();
    setResults({ fast: IDLE, standard: IDLE });
    setRun((previous) => ({ id: (previous?.id ?? 0) + 1, prompt: agentPrompt(task, simulated), review }));
  };
  const stopBoth = () => {
    for (const stop of stops.current.values()) stop();
    requestAnimationFrame(() => runButton.current?.focus());
  };
  const report = useCallback((speed: LaneSpeed, result: LaneResult) => {
    setResults((previous) => (sameResult(previous[speed], result) ? previous : { ...previous, [speed]: result }));
  }, []);
  const registerStop = useCallback((speed: LaneSpeed, stop: () => void) => stops.current.set(speed, stop), []);

  // Esc stops both lanes from anywhere while they run. Subscribed once per run, not per render:
  // `stopBoth` only reads refs, so the closure from the run's first render stays right.
  useEffect(() => {
    if (!running) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') stopBoth();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [running]);

  return (
    <section className="agent" aria-labelledby="agent-title" data-testid="agent-tab">
      <h2 id="agent-title" className="visually-hidden">
        Agent race
      </h2>
      <form className="agent-form" onSubmit={start}>
        <fieldset className="agent-tasks">
          <legend>Task for the agent</legend>
          {AGENT_TASKS.map((t) => (
            <label key={t.id} className="agent-task">
              <input type="radio" name="agent-task" value={t.id} checked={t.id === taskId} onChange={() => setTaskId(t.id)} disabled={running} />
              <span>
                <strong>{t.title}</strong>
                <span className="agent-task-text">{t.text}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="agent-actions">
          <label className="agent-review" htmlFor={reviewId}>
            <input id={reviewId} type="checkbox" checked={review} onChange={(e) => setReview(e.target.checked)} disabled={running} />
            Ask me before writing files
          </label>
          {running ? (
            <button type="button" className="button danger" onClick={stopBoth} data-testid="agent-stop">
              Stop both
            </button>
          ) : (
            <button type="submit" className="button primary" ref={runButton} data-testid="agent-run">
              Run at fast and standard
            </button>
          )}
        </div>
      </form>

      <AgentVerdict fast={results.fast} standard={results.standard} />

      {run ? (
        <div className="agent-lanes">
          {(['fast', 'standard'] as const).map((speed) => (
            <AgentLane key={`${run.id}-${speed}`} speed={speed} run={run} onReport={report} onStopReady={registerStop} />
          ))}
        </div>
      ) : (
        <p className="agent-empty">
          The agent works on a small in-memory TypeScript project: it lists the files, reads one, writes a change
          (a whole file, so its tool input streams for a while) and runs the checks. Both lanes get the same task at the
          same moment; only the speed differs.
        </p>
      )}
    </section>
  );
}

function sameResult(a: LaneResult, b: LaneResult): boolean {
  return a.status === b.status && a.wallMs === b.wallMs && a.costUsd === b.costUsd && a.steps === b.steps;
}

interface LaneProps {
  speed: LaneSpeed;
  run: { id: number; prompt: string; review: boolean };
  onReport: (speed: LaneSpeed, result: LaneResult) => void;
  onStopReady: (speed: LaneSpeed, stop: () => void) => void;
}

function AgentLane({ speed, run, onReport, onStopReady }: LaneProps) {
  const startedAt = useRef<number | null>(null);
  const [endedAt, setEndedAt] = useState<number | null>(null);
  const chat = useFastChat({
    endpoint: run.review ? '/api/agent-review' : '/api/agent',
    conversationId: `agent-${run.id}-${speed}-${Date.now().toString(36)}`,
    // The fast lane asks for `auto`: fast whenever it can be had, and if fast becomes unavailable
    // mid-loop (a 429, the budget) the rest of the loop goes standard instead of failing.
    body: { speed: speed === 'fast' ? 'auto' : 'standard', max_tokens: 4096 },
    // The agent's one client tool runs here, in the browser.
    onClientToolCall: (call) => (call.name === 'get_user_time' ? { time: new Date().toISOString(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone } : undefined),
  });
  const { send, stop } = chat;
  useEffect(() => {
    onStopReady(speed, stop);
  }, [onStopReady, speed, stop]);
  useEffect(() => {
    startedAt.current = performance.now();
    send(run.prompt);
    // One run per mount: the lane is keyed by the run.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const reply = chat.messages.find((m) => m.role === 'assistant');
  const status = reply?.status ?? 'submitted';
  const waiting = (reply?.pendingToolCalls?.length ?? 0) > 0 && status === 'done';
  const finished = (status === 'done' && !waiting) || status === 'error' || status === 'aborted';
  useEffect(() => {
    if (finished && endedAt === null) setEndedAt(performance.now());
  }, [finished, endedAt]);
  const wallMs = endedAt !== null && startedAt.current !== null ? endedAt - startedAt.current : null;
  useEffect(() => {
    onReport(speed, { status: waiting ? 'streaming' : status, wallMs, costUsd: reply?.cost?.totalUsd ?? null, steps: reply?.steps.length ?? 0 });
  }, [onReport, speed, status, waiting, wallMs, reply?.cost?.totalUsd, reply?.steps.length]);

  return (
    <article className={`agent-lane agent-lane-${speed}`} aria-label={`${speed === 'fast' ? 'Fast' : 'Standard'} lane`} data-testid={`agent-lane-${speed}`} data-status={status}>
      <header className="agent-lane-head">
        <h3>{speed === 'fast' ? 'Fast' : 'Standard'}</h3>
        <SpeedBadge status={status} requestedSpeed={reply?.requestedSpeed ?? speed} servedSpeed={reply?.servedSpeed ?? null} fallback={reply?.fallback ?? null} policy={speed === 'fast' ? 'auto' : 'standard'} />
        <span className="agent-lane-wall" data-testid={`agent-wall-${speed}`}>
          {wallMs !== null ? formatMs(wallMs) : status === 'aborted' ? 'stopped' : '…'}
        </span>
      </header>
      {reply?.fallback ? (
        <p className="agent-note" role="status" data-testid={`agent-fallback-${speed}`}>
          {fallbackReasonText(reply.fallback.reason)} The rest of this run went at standard speed, and stays there (a speed switch is a prompt-cache miss).
        </p>
      ) : null}
      <StepTimeline steps={reply?.steps ?? []} />
      <div className="agent-transcript">
        {reply ? <MessageParts message={reply} onApprove={chat.approve} onDeny={chat.deny} onToolResult={chat.addToolResult} /> : <p className="agent-wait">Sending…</p>}
      </div>
      {reply?.error ? (
        <p className="agent-error" role="alert">
          {reply.error.message}
        </p>
      ) : null}
    </article>
  );
}

/** Per step: time to first token, streaming time and the tool time after it, drawn to one scale. */
function StepTimeline({ steps }: { steps: readonly ReplyStep[] }) {
  const rows = steps.map((step, i) => {
    const edge = step.edge;
    const next = steps[i + 1]?.edge;
    const ttft = edge && edge.firstDeltaT !== null ? edge.firstDeltaT - edge.startT : null;
    const streaming = edge && edge.firstDeltaT !== null && edge.lastDeltaT !== null ? edge.lastDeltaT - edge.firstDeltaT : null;
    // Tool time: from this step's end to the next step's request (same reply request only).
    const tools = edge && next && next.startT >= edge.endT ? next.startT - edge.endT : null;
    return { step, ttft, streaming, tools };
  });
  const total = rows.reduce((sum, r) => sum + (r.ttft ?? 0) + (r.streaming ?? 0) + (r.tools ?? 0), 0);
  if (rows.length === 0) return null;
  const pct = (ms: number | null) => `${total > 0 && ms !== null ? (ms / total) * 100 : 0}%`;
  return (
    <div className="agent-timeline-scroll" tabIndex={0} role="region" aria-label="Per-step timeline">
    <table className="agent-timeline" data-testid="agent-timeline">
      <caption className="visually-hidden">Per-step timeline</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">TTFT</th>
          <th scope="col">Streaming</th>
          <th scope="col">Tools</th>
          <th scope="col">Cache read</th>
          <th scope="col">
            <span className="visually-hidden">Bar</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ step, ttft, streaming, tools }) => (
          <tr key={step.step} data-step={step.step} data-speed={step.servedSpeed ?? step.requestedSpeed}>
            <th scope="row">
              {step.step + 1}
              <span className={`agent-step-speed agent-step-speed-${step.servedSpeed ?? step.requestedSpeed}`}>{step.servedSpeed ?? step.requestedSpeed}</span>
            </th>
            <td>{ttft !== null ? formatMs(ttft) : '…'}</td>
            <td>{streaming !== null ? formatMs(streaming) : '…'}</td>
            <td>{tools !== null ? formatMs(tools) : '—'}</td>
            <td>{step.usage ? `${formatCount(step.usage.cacheReadInputTokens)} tok` : '…'}</td>
            <td className="agent-bar-cell" aria-hidden="true">
              <span className="agent-bar">
                <span className="agent-bar-ttft" style={{ width: pct(ttft) }} />
                <span className="agent-bar-stream" style={{ width: pct(streaming) }} />
                <span className="agent-bar-tools" style={{ width: pct(tools) }} />
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

function AgentVerdict({ fast, standard }: { fast: LaneResult; standard: LaneResult }) {
  if (fast.status === 'idle' && standard.status === 'idle') return null;
  const done = fast.status === 'done' && standard.status === 'done' && fast.wallMs !== null && standard.wallMs !== null;
  const stopped = fast.status === 'aborted' || standard.status === 'aborted';
  let text: string;
  if (done) {
    const saved = standard.wallMs! - fast.wallMs!;
    const ratio = standard.wallMs! / fast.wallMs!;
    text = `Fast finished the ${fast.steps}-step task in ${formatMs(fast.wallMs!)}, standard in ${formatMs(standard.wallMs!)}: ${formatMs(Math.abs(saved))} ${saved >= 0 ? 'saved' : 'lost'} (${ratio.toFixed(2)}× as fast).`;
    if (fast.costUsd !== null && standard.costUsd !== null) text += ` Cost: ${formatUsd(fast.costUsd)} fast, ${formatUsd(standard.costUsd)} standard.`;
  } else if (stopped) {
    text = 'Stopped: no verdict for a run that did not finish.';
  } else if (fast.status === 'error' || standard.status === 'error') {
    text = 'A lane failed: see its message below.';
  } else {
    text = 'Running the same task at both speeds…';
  }
  return (
    <p className="agent-verdict" role="status" aria-live="polite" data-testid="agent-verdict" data-done={done ? 'true' : 'false'}>
      {text}
    </p>
  );
}
