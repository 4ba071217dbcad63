/**
 * A conversation view over the kit's `useFastChat`: toolbar (pickers, fast budget gauge, session
 * cost), the thread with the demo's reply cards, and the composer.
 * @module
 */
import { fastRetryIn, readFastBudget, replyFastSpend, type FastChat, type RateLimitEvent, type SpeedPolicy } from '@slipstream/core';
import { ChatThread, Composer, RateLimitGauge, useFastChat, type FastChatMessage, type UseFastChatOptions, type UserPart } from '@slipstream/react';
import { AttachButton, AttachmentDropZone, AttachmentList, conversationAttachments, pasteAttachments, useAttachments } from '@slipstream/react/attachments';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { formatUsd } from '../format.ts';
import { MessageCard } from './MessageCard.tsx';

export type DemoChat = ReturnType<typeof useFastChat> & {
  /** The last rate-limit event that carried the fast budget (a standard attempt's event carries none). */
  fastRateLimit: RateLimitEvent | null;
  /**
   * Fast output tokens charged after {@link DemoChat.fastRateLimit} was read: its reply's steps served
   * fast from the one that read it on (an agent loop moved to standard part-way counts its fast steps only).
   */
  fastSpent: number;
  /**
   * Live ms until fast takes a request again: a fast 429's retry-after, a remembered fallback's end, or,
   * after a reply overdrew the budget, when the token bucket is back above zero. 0 when fast may be asked.
   */
  fastWaitMs: number;
  /** {@link DemoChat.fastWaitMs} is the token bucket's estimate, not a wait the edge or the API gave (show it with ≈). */
  fastWaitEstimate: boolean;
  /** The part of the wait given by a 429's retry-after or a remembered fallback's end (ms, live; 0 when none): exact. */
  fastRetryAfterMs: number;
  /** The clock reading {@link DemoChat.fastWaitMs} was computed at (ticks while a fast wait or reset runs). */
  fastNow: number;
  /** Forget what this page knows about the fast budget (after the simulator was reset). */
  forgetFast: () => void;
};

interface FastFacts {
  rateLimit: RateLimitEvent | null;
  /** The reply whose response carried `rateLimit`. */
  replyId: string | null;
  /** Epoch ms until which fast is refused (retry-after of a fast 429, or a remembered fallback's end). */
  refusedUntil: number | null;
}

const NO_FAST_FACTS: FastFacts = { rateLimit: null, replyId: null, refusedUntil: null };

export function useDemoChat(options: {
  speed: SpeedPolicy;
  model: string;
  fetch?: typeof globalThis.fetch;
  /** Names this conversation's resumable-reply record: two conversations of the page share one endpoint. */
  resumeKey: string;
  /** Keep the conversation in a thread store (read once: remount with a `key` to switch). */
  persist?: UseFastChatOptions['persist'];
}): DemoChat {
  const [facts, setFacts] = useState<FastFacts>(NO_FAST_FACTS);
  const store = useRef<FastChat | null>(null);
  const lastReplyId = (): string | null => {
    const messages = store.current?.getSnapshot().messages ?? [];
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'assistant') return messages[i]!.id;
    return null;
  };
  const chat = useFastChat({
    endpoint: '/api/chat',
    speed: options.speed,
    model: options.model,
    // A dropped connection reconnects, and a reload mid-reply picks the reply up again (the demo's edge keeps replies).
    resume: { key: options.resumeKey },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.persist ? { persist: options.persist } : {}),
    onEvent: (event) => {
      if (event.event === 'ratelimit' && event.data.fast) {
        // After a fallback the latest event is the standard attempt's; keep the fast budget seen before it.
        const data = event.data;
        const replyId = lastReplyId();
        // A fast 429: a budget at 0 with a retry-after (a 529's retry-after is not about the budget).
        const refusal = data.retryAfterMs !== undefined && data.speed === 'fast' && (data.fast?.output.remaining === 0 || data.fast?.input.remaining === 0);
        setFacts((f) => ({
          rateLimit: data,
          replyId,
          // A 429 says when to come back; other headers (an admitted request, a 529) leave that as it was.
          refusedUntil: refusal ? Math.max(f.refusedUntil ?? 0, Date.now() + (data.retryAfterMs ?? 0)) : f.refusedUntil,
        }));
      } else if (event.event === 'fallback') {
        const { reason, retryAfterMs, until } = event.data;
        if (reason === 'rate_limited' && retryAfterMs !== undefined) {
          setFacts((f) => ({ ...f, refusedUntil: Math.max(f.refusedUntil ?? 0, Date.now() + retryAfterMs) }));
        } else if ((reason === 'remembered' || reason === 'budget_low') && until !== undefined) {
          // The edge remembers a 429 this page never saw (another tab, a reload): without it the gauge
          // would say "not known yet" beside a reply that says fast is rate limited.
          const end = Date.parse(until);
          setFacts((f) => (f.rateLimit === null && f.refusedUntil === null && Number.isFinite(end) ? { ...f, refusedUntil: end } : f));
        }
      }
    },
  });
  store.current = chat.chat;

  const reply = facts.replyId ? chat.messages.find((m) => m.id === facts.replyId) : undefined;
  // Headers come before the reply: its steps served fast from the one that read them on spend after them
  // (the kit's replyFastSpend; a step moved to standard spends nothing from the fast budget).
  // The budget belongs to the API key, not the thread: when that reply leaves the list (another thread
  // opened, a new chat) what it spent stays spent.
  const spentSeen = useRef<{ id: string | null; tokens: number }>({ id: null, tokens: 0 });
  const fastSpent =
    reply !== undefined
      ? replyFastSpend(reply.steps, facts.rateLimit).spentTokens
      : spentSeen.current.id === facts.replyId
        ? spentSeen.current.tokens
        : 0;
  spentSeen.current = { id: facts.replyId, tokens: fastSpent };

  // Fast takes a request again once the bucket has a token back (the sim's rule, and the API's bucket),
  // and not before a 429's retry-after or a remembered fallback's end. The kit's fastRetryIn says which
  // one governs, so the gauge (which works the bucket's wait out the same way) and the reply's countdown
  // mark the same figure as an estimate.
  const exactAt = (now: number): number => (facts.refusedUntil !== null ? Math.max(0, facts.refusedUntil - now) : 0);
  const waitAt = (now: number) => fastRetryIn(readFastBudget(facts.rateLimit, { spentTokens: fastSpent, refill: true, now }), exactAt(now), now);
  // One clock for the gauge, the reply's countdown and the step hints, so they never read a second apart.
  const at = Date.now();
  const resetAt = readFastBudget(facts.rateLimit, { spentTokens: fastSpent, refill: true, now: at }).resetAt;
  const fastNow = useNow(waitAt(at) !== null || (resetAt !== null && resetAt > at), 250);
  const wait = waitAt(fastNow);
  const fastWaitMs = wait?.ms ?? 0;
  const fastWaitEstimate = wait?.estimate ?? false;
  const fastRetryAfterMs = exactAt(fastNow);
  const forgetFast = useCallback(() => setFacts(NO_FAST_FACTS), []);

  return useMemo(
    () => ({ ...chat, fastRateLimit: facts.rateLimit, fastSpent, fastWaitMs, fastWaitEstimate, fastRetryAfterMs, fastNow, forgetFast }),
    [chat, facts.rateLimit, fastSpent, fastWaitMs, fastWaitEstimate, fastRetryAfterMs, fastNow, forgetFast],
  );
}

/** `Date.now()`, re-read every `intervalMs` while `active` (countdowns). */
function useNow(active: boolean, intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [active, intervalMs]);
  return active ? now : Date.now();
}

/** The versions of a reply share one row (as in the kit's ChatThread): switching keeps the card and its focus. */
function rowKey(m: FastChatMessage): string {
  const first = m.versionIndex !== 0 ? m.versions?.[0] : undefined;
  return first ? first.id : m.id;
}

function isBusy(status: string): boolean {
  return status === 'submitted' || status === 'streaming';
}

export function ConversationView(props: {
  chat: DemoChat;
  policy: SpeedPolicy;
  toolbar?: ReactNode;
  empty?: ReactNode;
  suggestions?: readonly string[];
  /** Show the composer (the Limits tab drives its conversation with buttons instead). */
  composer?: boolean;
  label: string;
}) {
  const { chat, policy, toolbar, empty, suggestions, composer = true, label } = props;
  const busy = isBusy(chat.status);
  const messages = chat.messages;
  const lastAssistant = useMemo(() => {
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'assistant') return messages[i]?.id;
    return undefined;
  }, [messages]);
  // The standard output rate last measured per model in this conversation: the basis of the
  // "standard would have taken" estimate under fast replies (none until a standard reply finished).
  const standardRates = useMemo(() => {
    const rates = new Map<string, number>();
    for (const m of messages) {
      const otps = m.metrics?.otps.value;
      if (m.role === 'assistant' && m.status === 'done' && m.servedSpeed === 'standard' && m.model && otps && !m.metrics?.otps.isEstimate)
        rates.set(m.model, otps);
    }
    return rates;
  }, [messages]);
  // Every reply paid for, the versions Regenerate kept included (saved with the thread, so it survives a reload).
  const sessionCost = useMemo(
    () => messages.reduce((sum, m) => sum + (m.cost?.totalUsd ?? 0) + (m.versions ?? []).reduce((s, v) => s + (v.cost?.totalUsd ?? 0), 0), 0),
    [messages],
  );

  const regenerate = useCallback(() => chat.regenerate(), [chat]);
  const { edit, send, selectVersion } = chat;
  const root = useRef<HTMLDivElement | null>(null);
  const threadRef = useRef<HTMLDivElement | null>(null);
  const [awayFromBottom, setAwayFromBottom] = useState(false);
  const toBottom = useCallback((smooth: boolean) => {
    const el = threadRef.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
  }, []);
  // Sending scrolls to the new message even when the reader had scrolled up: they asked for it.
  const sendAndShow = useCallback(
    (content: string | readonly UserPart[]) => {
      send(content);
      requestAnimationFrame(() => toBottom(false));
    },
    [send, toBottom],
  );
  const editAndResend = useCallback(
    (id: string, text: string) => {
      edit(id, text);
      requestAnimationFrame(() => toBottom(false));
    },
    [edit, toBottom],
  );
  // A reply cut at max_tokens says so (its own stop reason, kept with it); the last one offers to
  // continue (a follow-up turn).
  const continueReply = useCallback(() => sendAndShow('Continue exactly where you stopped.'), [sendAndShow]);
  const composerRef = useRef<HTMLFormElement | null>(null);
  const hintId = useId();

  // Attachments: checked against what the conversation already carries (every request sends it again).
  const inConversation = useMemo(() => conversationAttachments(messages), [messages]);
  // A phone photo over 3.75 MB is scaled down to fit rather than refused.
  const attach = useAttachments({ conversation: inConversation, downscale: true });
  // Removing the last attachment returns focus to the text box.
  const textBox = useMemo(() => ({ get current(): HTMLElement | null { return composerRef.current?.querySelector('textarea') ?? null; } }), []);
  const { parts: attachmentParts, clear: clearAttachments } = attach;
  const sendComposed = useCallback(
    (text: string) => {
      if (attachmentParts.length === 0) return sendAndShow(text);
      // Images and documents before the question, as Anthropic recommends.
      sendAndShow([...attachmentParts, ...(text ? [{ type: 'text' as const, text }] : [])]);
      clearAttachments();
    },
    [attachmentParts, clearAttachments, sendAndShow],
  );

  // Stop, then put focus somewhere useful: the Stop button disappears with the stream, and focus must
  // not fall back to <body> (keyboard and screen-reader users would lose their place).
  const { stop } = chat;
  const stopAndRefocus = useCallback(() => {
    stop();
    requestAnimationFrame(() => {
      const active = document.activeElement;
      if (active && active !== document.body && active.isConnected && !(active as HTMLButtonElement).disabled) return;
      const target = composerRef.current?.querySelector('textarea') ?? root.current?.querySelector<HTMLElement>('[data-testid=retry]');
      target?.focus();
    });
  }, [stop]);

  // Esc stops from anywhere in this conversation's panel (the composer handles its own Esc first).
  useEffect(() => {
    if (!busy) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || e.isComposing) return;
      const el = root.current;
      if (!el || el.offsetParent === null) return; // panel hidden: another tab is showing
      const target = e.target as Node | null;
      const panel = el.closest('[role=tabpanel]') ?? el;
      if (target && target !== document.body && !panel.contains(target)) return;
      e.preventDefault();
      stopAndRefocus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [busy, stopAndRefocus]);
  // A retry under policy `fast` can only be served fast: while fast refuses requests it cannot succeed.
  const fastOnly = policy === 'fast';
  const renderMessage = useCallback(
    (message: FastChatMessage) => (
      <MessageCard
        key={rowKey(message)}
        message={message}
        policy={policy}
        retryAfterMs={message.id === lastAssistant ? (fastOnly && chat.fastWaitMs > 0 ? chat.fastWaitMs : chat.retryAfterMs) : null}
        fastWaitMs={message.id === lastAssistant && fastOnly ? chat.fastWaitMs : 0}
        retryEstimate={message.id === lastAssistant && fastOnly && chat.fastWaitMs > 0 && chat.fastWaitEstimate}
        {...(message.id === lastAssistant ? { onRetry: regenerate, onRegenerate: regenerate } : {})}
        {...(message.role === 'assistant' && message.status === 'done' && message.stopReason === 'max_tokens'
          ? { cutAtMaxTokens: true, ...(message.id === lastAssistant ? { onContinue: continueReply } : {}) }
          : {})}
        {...(message.role === 'user' && composer ? { onEdit: editAndResend } : {})}
        {...(message.versions?.length ? { onSelectVersion: selectVersion } : {})}
        standardOtps={message.model ? (standardRates.get(message.model) ?? null) : null}
        busy={busy}
      />
    ),
    [policy, fastOnly, lastAssistant, chat.retryAfterMs, chat.fastWaitMs, chat.fastWaitEstimate, regenerate, busy, continueReply, editAndResend, composer, standardRates, selectVersion],
  );

  return (
    <AttachmentDropZone className="conversation" ref={root} attachments={attach} disabled={!composer} hint="Drop images or PDFs to attach" data-testid="drop-zone">
      <div className="card toolbar conversation-toolbar">
        {toolbar}
        <span className="spacer" />
        <div className="session">
          <RateLimitGauge
            data-testid="ratelimit-gauge"
            rateLimit={chat.fastRateLimit}
            spentTokens={chat.fastSpent}
            refill
            // The exact wait only: the gauge works out the bucket's own (and marks it ≈) from the same reading.
            retryAfterMs={chat.fastRetryAfterMs}
            now={chat.fastNow}
          />
          <div className="stat" data-testid="session-cost">
            <span className="stat-label">This chat</span>
            <span className="stat-value">{formatUsd(sessionCost)}</span>
          </div>
        </div>
      </div>
      <div className="thread">
        <ChatThread
          ref={threadRef}
          onScroll={(e) => {
            const el = e.currentTarget;
            setAwayFromBottom(el.scrollHeight - el.scrollTop - el.clientHeight > 120);
          }}
          messages={messages}
          renderMessage={renderMessage}
          label={label}
          className="thread-log"
          stickToBottom
          empty={
            <>
              {empty}
              {suggestions && composer ? (
                <div className="suggestions">
                  {suggestions.map((s) => (
                    <button key={s} type="button" className="chip" onClick={() => sendAndShow(s)} disabled={busy}>
                      {s}
                    </button>
                  ))}
                </div>
              ) : null}
            </>
          }
        />
        {awayFromBottom && messages.length > 0 ? (
          <button type="button" className="jump-latest" data-testid="jump-latest" onClick={() => toBottom(false)}>
            Jump to latest ↓
          </button>
        ) : null}
      </div>
      {composer ? (
        <div className="composer-wrap">
          <Composer
            ref={composerRef}
            className="composer"
            data-testid="composer"
            status={chat.status}
            onSend={sendComposed}
            onStop={stopAndRefocus}
            placeholder="Message Claude…"
            canSend={attach.reading ? false : attachmentParts.length > 0 ? true : undefined}
            attachments={<AttachmentList attachments={attach} returnFocusRef={textBox} data-testid="attachments" />}
            actions={<AttachButton attachments={attach} className="attach-button" data-testid="attach" />}
            textareaProps={
              {
                'data-testid': 'composer-input',
                rows: 1,
                'aria-describedby': hintId,
                onPaste: pasteAttachments(attach),
              } as React.TextareaHTMLAttributes<HTMLTextAreaElement>
            }
          />
          <p className="composer-hint" id={hintId}>
            Enter sends · Shift+Enter adds a line · Esc stops a reply · attach, paste or drop images and PDFs
          </p>
        </div>
      ) : null}
    </AttachmentDropZone>
  );
}

export function Conversation(props: {
  id: string;
  speed: SpeedPolicy;
  model: string;
  toolbar?: ReactNode;
  empty?: ReactNode;
  suggestions?: readonly string[];
  persist?: UseFastChatOptions['persist'];
  /** Set to this conversation's `stop` while mounted (the Chat tab stops a reply in a chat it deletes). */
  stopRef?: { current: (() => void) | null };
}) {
  const chat = useDemoChat({ speed: props.speed, model: props.model, resumeKey: `chat:${props.id}`, ...(props.persist ? { persist: props.persist } : {}) });
  const { stopRef } = props;
  const { stop } = chat;
  useEffect(() => {
    if (!stopRef) return;
    stopRef.current = stop;
    return () => {
      if (stopRef.current === stop) stopRef.current = null;
    };
  }, [stopRef, stop]);
  return (
    <ConversationView
      chat={chat}
      policy={props.speed}
      toolbar={props.toolbar}
      empty={props.empty}
      {...(props.suggestions ? { suggestions: props.suggestions } : {})}
      label="Conversation"
    />
  );
}
