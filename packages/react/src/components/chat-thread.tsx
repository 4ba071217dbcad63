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
  useRef,
  type ComponentPropsWithoutRef,
  type ReactNode,
  type UIEvent,
} from 'react';
import { assignRef } from '../assign-ref.ts';
import type { FastChatMessage } from '../chat-types.ts';
import { useIsoLayoutEffect } from '../use-iso-layout-effect.ts';
import { Message, type MessageProps } from './message.tsx';
import type { ToolHandlers } from './message-parts.tsx';
import type { ToolRenderers } from './tool-call.tsx';

export interface ChatThreadProps extends ComponentPropsWithoutRef<'div'>, ToolHandlers {
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
  /** Renderers by tool name for every default `<Message>`: `{ get_weather: WeatherCard }`. Keep it stable. */
  toolRenderers?: ToolRenderers;
}

/**
 * A scrollable `role="log"` of messages. Tool handlers and `toolRenderers` go to every default
 * `<Message>` (pass `chat.approve`, `chat.deny`, `chat.addToolResult`: they are stable). The log itself is `aria-live="off"`: streamed tokens are not
 * announced one by one; each reply's own polite region reads finished sentences instead.
 *
 * @example
 * <ChatThread messages={chat.messages} onApprove={chat.approve} onDeny={chat.deny} toolRenderers={renderers} />
 */
export const ChatThread = forwardRef<HTMLDivElement, ChatThreadProps>(function ChatThread(
  {
    messages,
    renderMessage,
    messageProps,
    stickToBottom = true,
    empty = null,
    label = 'Conversation',
    onScroll,
    toolRenderers,
    onApprove,
    onDeny,
    onToolResult,
    ...props
  },
  forwardedRef,
) {
  const inner = useRef<HTMLDivElement | null>(null);
  const atBottom = useRef(true);
  const setRef = useCallback(
    (node: HTMLDivElement | null) => {
      inner.current = node;
      assignRef(forwardedRef, node);
    },
    [forwardedRef],
  );
  const last = messages[messages.length - 1];
  useIsoLayoutEffect(() => {
    const el = inner.current;
    if (el && stickToBottom && atBottom.current) el.scrollTop = el.scrollHeight;
    // The last message changes identity on every streamed frame (text, tool input, thinking).
  }, [messages.length, last, stickToBottom]);

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
            renderMessage ? (
              <Fragment key={rowKey(m)}>{renderMessage(m, i)}</Fragment>
            ) : (
              <Message
                key={rowKey(m)}
                message={m}
                toolRenderers={toolRenderers}
                onApprove={onApprove}
                onDeny={onDeny}
                onToolResult={onToolResult}
                {...messageProps}
              />
            ),
          )}
    </div>
  );
});

/** The versions of a reply share one row, keyed by the first: switching versions keeps it (and focus). */
function rowKey(m: FastChatMessage): string {
  const first = m.versionIndex !== 0 ? m.versions?.[0] : undefined;
  return first ? first.id : m.id;
}

/** Short alias. */
export { ChatThread as Thread };
