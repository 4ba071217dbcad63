/**
 * A conversation view over the kit's `useFastChat`: toolbar (pickers, fast budget gauge, session
 * cost), the thread with the demo's reply cards, and the composer.
 * @module
 */
import type { RateLimitEvent, SpeedPolicy } from '@slipstream/core';
import { ChatThread, Composer, RateLimitGauge, useFastChat, type FastChatMessage } from '@slipstream/react';
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { formatUsd } from '../format.ts';
import { MessageCard } from './MessageCard.tsx';

export type DemoChat = ReturnType<typeof useFastChat> & {
  /** The last rate-limit event that carried the fast budget (a standard attempt's event carries none). */
  fastRateLimit: RateLimitEvent | null;
};

export function useDemoChat(options: { speed: SpeedPolicy; model: string; fetch?: typeof globalThis.fetch }): DemoChat {
  const [fastRateLimit, setFastRateLimit] = useState<RateLimitEvent | null>(null);
  const chat = useFastChat({
    endpoint: '/api/chat',
    speed: options.speed,
    model: options.model,
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
  const sessionCost = useMemo(() => messages.reduce((sum, m) => sum + (m.cost?.totalUsd ?? 0), 0), [messages]);

  const regenerate = useCallback(() => chat.regenerate(), [chat]);
  const renderMessage = useCallback(
    (message: FastChatMessage) => (
      <MessageCard
        key={message.id}
        message={message}
        policy={policy}
        retryAfterMs={message.id === lastAssistant ? chat.retryAfterMs : null}
        {...(message.id === lastAssistant ? { onRetry: regenerate, onRegenerate: regenerate } : {})}
        busy={busy}
      />
    ),
    [policy, lastAssistant, chat.retryAfterMs, regenerate, busy],
  );

  return (
    <div className="conversation">
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
                    <button key={s} type="button" className="chip" onClick={() => chat.send(s)} disabled={busy}>
                      {s}
                    </button>
                  ))}
                </div>
              ) : null}
            </>
          }
        />
      </div>
      {composer ? (
        <div className="composer-wrap">
          <Composer
            className="composer"
            data-testid="composer"
            status={chat.status}
            onSend={(text) => chat.send(text)}
            onStop={chat.stop}
            placeholder="Message Claude… (Enter sends, Shift+Enter for a new line, Esc stops)"
            textareaProps={{ 'data-testid': 'composer-input', rows: 1 } as React.TextareaHTMLAttributes<HTMLTextAreaElement>}
          />
        </div>
      ) : null}
    </div>
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
  const chat = useDemoChat({ speed: props.speed, model: props.model });
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
