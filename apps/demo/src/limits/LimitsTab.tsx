/**
 * SIM ONLY. The Limits & faults tab: spend the simulator's fast budget and watch `auto` fall back and
 * the gauge count down; inject a 529, a mid-stream error, a stall, a proxy-buffered stream, and see
 * the state each one ends in. Everything here goes through the demo server's `/api/sim/*` controls.
 * @module
 */
import type { SpeedPolicy } from '@slipstream/core';
import { useEffect, useRef, useState } from 'react';
import { ConversationView, useDemoChat } from '../chat/Conversation.tsx';
import { BUFFERED_CHAT_ENDPOINT, simControls } from '../sim-controls.ts';

/** Fast output tokens per minute while "exhausted": small enough that one reply spends it. */
const EXHAUSTED_FAST_TPM = 300;

interface Step {
  /** What to arm on the sim before sending (may be nothing). */
  arm?: () => Promise<unknown>;
  speed: SpeedPolicy;
  prompt: string;
  /** Send through the buffering-proxy endpoint. */
  buffered?: boolean;
}

const STEPS = {
  exhaust: {
    arm: () => simControls.configure({ fastOutputTpm: EXHAUSTED_FAST_TPM }),
    speed: 'fast',
    prompt: `Spend the fast budget: a 400-token fast reply with a ${EXHAUSTED_FAST_TPM} tokens/min fast limit. [[sim:tokens=400]]`,
  },
  auto: { speed: 'auto', prompt: 'Now with auto: is fast still available? [[sim:tokens=80]]' },
  overloaded: {
    // One 529 per attempt the edge makes (the first and its two retries); a retry afterwards is not one of them.
    arm: () => simControls.inject({ fault: 'overloaded', count: 3, speed: 'fast' }),
    speed: 'fast',
    prompt: 'Fast only, while every fast attempt answers 529 (the edge retries twice, then gives up). [[sim:tokens=80]]',
  },
  midstream: {
    arm: () => simControls.inject({ fault: 'midstream_error', after: 40 }),
    speed: 'auto',
    prompt: 'A reply that breaks after 40 tokens with an upstream error event. [[sim:tokens=300]]',
  },
  stall: {
    arm: () => simControls.inject({ fault: 'stall', after: 40 }),
    speed: 'auto',
    prompt: 'A reply whose upstream goes silent after 40 tokens (the edge gives up after 6 s). [[sim:tokens=300]]',
  },
  buffered: {
    speed: 'auto',
    prompt: 'A reply sent through a proxy that buffers the whole stream. [[sim:tokens=200]]',
    buffered: true,
  },
} satisfies Record<string, Step>;

type StepId = keyof typeof STEPS;

export function LimitsTab({ ready }: { ready: boolean }) {
  const [speed, setSpeed] = useState<SpeedPolicy>('auto');
  const buffered = useRef(false);
  const chat = useDemoChat({
    speed,
    model: 'claude-opus-4-8',
    resumeKey: 'limits',
    // The kit's `fetch` option: this tab's buffered step sends through the buffering proxy instead.
    // The flag is consumed by the request it was set for (the store may call fetch after a microtask).
    fetch: (input, init) => {
      const viaProxy = buffered.current;
      buffered.current = false;
      return globalThis.fetch(viaProxy ? BUFFERED_CHAT_ENDPOINT : input, init);
    },
  });
  const [pending, setPending] = useState<{ step: Step; n: number } | null>(null);
  const [armError, setArmError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const busy = chat.status === 'submitted' || chat.status === 'streaming' || pending !== null;

  // Send once the new speed has reached the hook's options (after the render that set it).
  useEffect(() => {
    if (!pending || speed !== pending.step.speed) return;
    buffered.current = pending.step.buffered === true;
    chat.send(pending.step.prompt);
    setPending(null);
  }, [pending, speed, chat]);

  const run = async (id: StepId) => {
    const step: Step = STEPS[id];
    setArmError(null);
    try {
      await step.arm?.();
    } catch (error) {
      setArmError((error as Error).message);
      return;
    }
    setSpeed(step.speed);
    setPending((p) => ({ step, n: (p?.n ?? 0) + 1 }));
  };

  const reset = async () => {
    setArmError(null);
    try {
      await simControls.reset();
      // What the page knew (budget, waits, errors with countdowns) described the old state: start clean.
      chat.setMessages([]);
      chat.forgetFast();
      setNote('Simulator reset: default rates, full fast budget, no pending faults, edge fallback memory cleared; conversation cleared.');
    } catch (error) {
      setArmError((error as Error).message);
    }
  };

  return (
    <div className="limits">
      <div className="limits-side">
        <div className="sim-label" data-testid="sim-label" role="note">
          <span aria-hidden="true">⚠</span>
          <span>
            <strong>Simulator only.</strong> These controls drive the embedded simulated Anthropic API (rate limits, faults) through
            this demo server's <code>/api/sim/*</code> endpoints. Nothing here reaches the real API.
          </span>
        </div>

        <section className="card control-group" aria-labelledby="limits-budget">
          <h2 id="limits-budget">Fast budget and fallback</h2>
          <p>
            Shrink the fast output limit to {EXHAUSTED_FAST_TPM} tokens/min and spend it with one fast reply: the reply overdraws
            the budget, and the gauge (marked ≈ until the API reports again) says how long until fast takes a request again and
            until the budget is full. Then ask with <strong>auto</strong> before that: the edge gets a 429, falls back to
            standard at once, and keeps this conversation on standard until the budget is full, so it does not flip speeds. The
            gauge then shows the two waits the 429 reported: <em>retry in</em> (fast takes requests again) and{' '}
            <em>resets in</em> (the budget is full).
          </p>
          <button type="button" className="button" data-testid="exhaust-fast" disabled={!ready || busy} onClick={() => void run('exhaust')}>
            1. Exhaust the fast budget
          </button>
          <button type="button" className="button" data-testid="send-auto" disabled={!ready || busy} onClick={() => void run('auto')}>
            2. Send with auto
          </button>
        </section>

        <section className="card control-group" aria-labelledby="limits-faults">
          <h2 id="limits-faults">Inject a fault, then send</h2>
          <div className="fault-list">
            <button type="button" className="button" data-testid="fault-overloaded" disabled={!ready || busy} onClick={() => void run('overloaded')}>
              529 overloaded
              <small data-testid="fault-overloaded-hint">
                Fast only; every attempt 529s (the edge retries twice). Ends in a retryable error.{' '}
                {chat.fastWaitMs > 0
                  ? 'Fast is rate limited now (see the gauge), so Retry waits out its countdown, then asks fast again.'
                  : 'Retry asks fast again and succeeds while the fast budget has room.'}
              </small>
            </button>
            <button type="button" className="button" data-testid="fault-midstream" disabled={!ready || busy} onClick={() => void run('midstream')}>
              Mid-stream error
              <small>Breaks after 40 tokens. The partial text stays, with the error and Retry.</small>
            </button>
            <button type="button" className="button" data-testid="fault-stall" disabled={!ready || busy} onClick={() => void run('stall')}>
              Stall
              <small>Upstream goes silent. The edge gives up after 6 s: a "stalled" error, text kept.</small>
            </button>
            <button type="button" className="button" data-testid="fault-buffered" disabled={!ready || busy} onClick={() => void run('buffered')}>
              Proxy-buffered stream
              <small>A proxy holds the stream until it ends. The page notices and says so.</small>
            </button>
          </div>
        </section>

        <section className="card control-group" aria-labelledby="limits-reset">
          <h2 id="limits-reset">Start over</h2>
          <button type="button" className="button" data-testid="reset-sim" disabled={!ready || busy} onClick={() => void reset()}>
            Reset the simulator
          </button>
          {note ? <p role="status">{note}</p> : null}
          {armError ? (
            <p role="alert" className="error-box">
              {armError}
            </p>
          ) : null}
        </section>
      </div>

      <ConversationView
        chat={chat}
        policy={speed}
        composer={false}
        label="Limits and faults conversation"
        toolbar={
          <span className="field">
            Policy of the last step: <strong data-testid="limits-policy">{speed}</strong>
          </span>
        }
        empty={
          <div className="empty">
            <h2>Pick a step on the left</h2>
            <p>Each one arms the simulator, then sends a message here, so you can watch the state it ends in.</p>
          </div>
        }
      />
    </div>
  );
}
