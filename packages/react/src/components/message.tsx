'use client';
/**
 * `<Message>`: one chat message, with its speed badge and meter when it is a reply.
 *
 * @module
 */
import { forwardRef, memo, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import type { FastChatMessage } from '../chat-types.ts';
import { MessageParts, type ToolHandlers } from './message-parts.tsx';
import { OtpsMeter } from './otps-meter.tsx';
import { SpeedBadge } from './speed-badge.tsx';
import type { ToolRenderers } from './tool-call.tsx';

export interface MessageProps extends ComponentPropsWithoutRef<'article'>, ToolHandlers {
  message: FastChatMessage;
  /** Show the speed badge and meter under replies. Default `true`. */
  meta?: boolean;
  /** Renders a message's content instead of the built-in markdown renderer. */
  renderContent?: (message: FastChatMessage) => ReactNode;
  /** Passed to `<StreamingMarkdown>`: highlights finished code blocks. */
  highlight?: (code: string, lang: string) => ReactNode;
  linkTarget?: string;
  /**
   * Renderers by tool name, used instead of the default `<ToolCallCard>`:
   * `toolRenderers={{ get_weather: WeatherCard }}`. Keep the object stable (module scope or `useMemo`).
   */
  toolRenderers?: ToolRenderers;
}

/**
 * A message, its parts in order (see `<MessageParts>`): user text as plain text, images and documents;
 * reply text as streaming markdown with a polite live region that reads finished sentences, thinking
 * blocks, tool call cards (Approve/Deny call `onApprove`/`onDeny`; `toolRenderers` replace the card per
 * tool name) and, in a multi-step reply, a divider with each step's speed, TTFT and OTPS.
 * `data-role` is `user`/`assistant`; `data-state` is the message status. Errors show in a `role="alert"` part, and a stopped reply keeps its partial text.
 * While a resumable reply's connection is lost (`message.reconnecting`), a `role="status"` part says "Reconnecting…".
 * When core's detector says a proxy buffered the stream (`metrics.proxyBuffered`), a note says so.
 * Memoized: a finished message in a long thread does not re-render while another streams.
 *
 * @example
 * {messages.map((m) => <Message key={m.id} message={m} />)}
 */
export const Message = memo(
  forwardRef<HTMLElement, MessageProps>(function Message(
    { message, meta = true, renderContent, highlight, linkTarget, toolRenderers, onApprove, onDeny, onToolResult, ...props },
    ref,
  ) {
    const streaming = message.status === 'submitted' || message.status === 'streaming';
    const isUser = message.role === 'user';
    const content: ReactNode = renderContent ? (
      renderContent(message)
    ) : (
      <MessageParts
        message={message}
        toolRenderers={toolRenderers}
        highlight={highlight}
        linkTarget={linkTarget}
        onApprove={onApprove}
        onDeny={onDeny}
        onToolResult={onToolResult}
      />
    );
    return (
      <article
        data-slipstream="message"
        data-role={message.role}
        data-state={message.status}
        aria-label={isUser ? 'You said' : 'Reply'}
        aria-busy={streaming || undefined}
        {...props}
        ref={ref}
      >
        <div data-part="content">{content}</div>
        {message.status === 'submitted' && (
          <span data-part="pending" aria-hidden="true">
            …
          </span>
        )}
        {message.status === 'aborted' && <span data-part="stopped">Stopped</span>}
        {message.reconnecting && (
          <div data-part="reconnecting" role="status">
            Reconnecting… (attempt {message.reconnecting.attempt} of {message.reconnecting.maxAttempts})
          </div>
        )}
        {message.error && message.status === 'error' && (
          <div role="alert" data-part="error">
            {message.error.message}
          </div>
        )}
        {!isUser && message.metrics?.proxyBuffered === true && (
          <div data-part="proxy-warning" role="note">
            This reply arrived in one burst at the end although it was generated over time: a proxy between
            you and the server is buffering the stream.
          </div>
        )}
        {meta && !isUser && (
          <footer data-part="meta">
            <SpeedBadge
              status={message.status}
              requestedSpeed={message.requestedSpeed}
              servedSpeed={message.servedSpeed}
              fallback={message.fallback}
            />
            {message.metrics && <OtpsMeter metrics={message.metrics} status={message.status} sparkline={false} />}
          </footer>
        )}
      </article>
    );
  }),
);
