'use client';
/**
 * `<ChatThread>`: the conversation, kept scrolled to the newest text while the reader is at the bottom.
 *
 * @module
 */
import {
  Fragment,
  forwardRef,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  type ComponentPropsWithoutRef,
  type ReactNode,
  type UIEvent,
} from 'react';
import type { FastChatMessage } from '../chat-types.ts';
import { Message, type MessageProps } from './message.tsx';

const useIsoLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;

export interface ChatThreadProps extends ComponentPropsWithoutRef<'div'> {
  messages: readonly FastChatMessage[];
  /** Renders one message; default `<Message message={m} />`. */
  renderMessage?: (message: FastChatMessage, index: number) => ReactNode;
  /** Props passed to every default `<Message>`. */
  messageProps?: Omit<MessageProps, 'message'>;
  /** Keep the newest text in view while the reader is at the bottom. Default `true`. */
  stickToBottom?: boolean;
  /** Shown when there are no messages. */
  empty?: ReactNode;
  /** Accessible name. Default `Conversation`. */
  label?: string;
}

/**
 * A scrollable `role="log"` of messages. The log itself is `aria-live="off"`: streamed tokens are not
 * announced one by one; each reply's own polite region reads finished sentences instead.
 *
 * @example
 * <ChatThread messages={chat.messages} />
 */
export const ChatThread = forwardRef<HTMLDivElement, ChatThreadProps>(function ChatThread(
  { messages, renderMessage, messageProps, stickToBottom = true, empty = null, label = 'Conversation', onScroll, ...props },
  forwardedRef,
) {
  const inner = useRef<HTMLDivElement | null>(null);
  const atBottom = useRef(true);
  const setRef = useCallback(
    (node: HTMLDivElement | null) => {
      inner.current = node;
      if (typeof forwardedRef === 'function') forwardedRef(node);
      else if (forwardedRef) forwardedRef.current = node;
    },
    [forwardedRef],
  );
  const last = messages[messages.length - 1];
  useIsoLayoutEffect(() => {
    const el = inner.current;
    if (el && stickToBottom && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, last?.content, stickToBottom]);

  return (
    <div
      data-slipstream="chat-thread"
      data-state={messages.length === 0 ? 'empty' : 'filled'}
      role="log"
      aria-live="off"
      aria-label={label}
      {...props}
      ref={setRef}
      onScroll={(e: UIEvent<HTMLDivElement>) => {
        onScroll?.(e);
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 32;
      }}
    >
      {messages.length === 0
        ? empty
        : messages.map((m, i) =>
            renderMessage ? <Fragment key={m.id}>{renderMessage(m, i)}</Fragment> : <Message key={m.id} message={m} {...messageProps} />,
          )}
    </div>
  );
});

/** Short alias. */
export { ChatThread as Thread };
