/**
 * A conversation view over the kit's `useFastChat`: toolbar (pickers, fast budget gauge, session
 * cost), the thread with the demo's reply cards, and the composer.
 * @module
 */
import type { RateLimitEvent, SpeedPolicy } from '@slipstream/core';
import { ChatThread, Composer, RateLimitGauge, useFastChat, type FastChatMessage, type UserPart } from '@slipstream/react';
import { AttachButton, AttachmentDropZone, AttachmentList, conversationAttachments, pasteAttachments, useAttachments } from '@slipstream/react/attachments';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { formatUsd } from '../format.ts';
import { MessageCard } from './MessageCard.tsx';

export type DemoChat = ReturnType<typeof useFastChat> & {
  /** The last rate-limit event that carried the fast budget (a standard attempt's event carries none). */
  fastRateLimit: RateLimitEvent | null;
};

export function useDemoChat(options: {
  speed: SpeedPolicy;
  model: string;
  fetch?: typeof globalThis.fetch;
  /** Names this conversation's resumable-reply record: two conversations of the page share one endpoint. */
  resumeKey: string;
}): DemoChat {
  const [fastRateLimit, setFastRateLimit] = useState<RateLimitEvent | null>(null);
  const chat = useFastChat({
    endpoint: '/api/chat',
    speed: options.speed,
    model: options.model,
    // A dropped connection reconnects, and a reload mid-reply picks the reply up again (the demo's edge keeps replies).
    resume: { key: options.resumeKey },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // After a fallback the latest event is the standard attempt's; keep the fast budget seen before it.
    onEvent: (event) => {
      if (event.event === 'ratelimit' && event.data.fast) setFastRateLimit(event.data);
    },
  });
  return useMemo(() => ({ ...chat, fastRateLimit }), [chat, fastRateLimit]);
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
  const sessionCost = useMemo(() => messages.reduce((sum, m) => sum + (m.cost?.totalUsd ?? 0), 0), [messages]);

  const regenerate = useCallback(() => chat.regenerate(), [chat]);
  const { edit, send } = chat;
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
  // The last reply was cut at max_tokens: say so and offer to continue (a follow-up turn).
  const cut = chat.status === 'done' && chat.stream.stopReason === 'max_tokens' ? lastAssistant : undefined;
  const continueReply = useCallback(() => sendAndShow('Continue exactly where you stopped.'), [sendAndShow]);
  const composerRef = useRef<HTMLFormElement | null>(null);
  const hintId = useId();

  // Attachments: checked against what the conversation already carries (every request sends it again).
  const inConversation = useMemo(() => conversationAttachments(messages), [messages]);
  const attach = useAttachments({ conversation: inConversation });
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
  const renderMessage = useCallback(
    (message: FastChatMessage) => (
      <MessageCard
        key={message.id}
        message={message}
        policy={policy}
        retryAfterMs={message.id === lastAssistant ? chat.retryAfterMs : null}
        {...(message.id === lastAssistant ? { onRetry: regenerate, onRegenerate: regenerate } : {})}
        {...(message.id === cut ? { cutAtMaxTokens: true, onContinue: continueReply } : {})}
        {...(message.role === 'user' && composer ? { onEdit: editAndResend } : {})}
        standardOtps={message.model ? (standardRates.get(message.model) ?? null) : null}
        busy={busy}
      />
    ),
    [policy, lastAssistant, chat.retryAfterMs, regenerate, busy, cut, continueReply, editAndResend, composer, standardRates],
  );

  return (
    <AttachmentDropZone className="conversation" ref={root} attachments={attach} disabled={!composer} hint="Drop images or PDFs to attach" data-testid="drop-zone">
      <div className="card toolbar conversation-toolbar">
        {toolbar}
        <span className="spacer" />
        <div className="session">
          <RateLimitGauge data-testid="ratelimit-gauge" rateLimit={chat.fastRateLimit} retryAfterMs={chat.retryAfterMs} />
          <div className="stat" data-testid="session-cost">
            <span className="stat-label">Session</span>
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
}) {
  const chat = useDemoChat({ speed: props.speed, model: props.model, resumeKey: `chat:${props.id}` });
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
