'use client';
/**
 * `useFastChat`: a conversation, as React state. A thin `useSyncExternalStore` adapter over core's
 * framework-free conversation store (`createFastChat`), which owns the message list, history building,
 * tool results, approvals and auto-continue. Each reply keeps its own parts, steps, metrics, served
 * speed, fallback, usage, cost and error; the conversation id stays stable so the edge's fallback memory
 * works per conversation.
 *
 * @module
 */
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type Dispatch,
  type SetStateAction,
} from 'react';
import {
  createFastChat,
  type ChatRequest,
  type ChatToolCallPart,
  type FastChat,
  type FastChatOptions,
  type FastStreamState,
  type JsonValue,
  type ToolResultInput,
  type UserPart,
} from '@slipstream/core';
import type { FastChatMessage } from '../chat-types.ts';
import { useIsoLayoutEffect } from '../use-iso-layout-effect.ts';
import { latestStreamOptions, useStreamView, type UseFastStreamOptions, type UseFastStreamResult } from './use-fast-stream.ts';

export { toHistory, newId } from '@slipstream/core';

export interface UseFastChatOptions extends Omit<UseFastStreamOptions, 'onFinish'> {
  /** Messages to start with (read once). `role` plus `content` or `parts`; the rest is filled in. */
  initialMessages?: FastChatOptions['initialMessages'];
  /** A conversation id to use instead of a generated one (e.g. restored from storage). Read once. */
  conversationId?: string;
  /** System prompt sent with every request (the edge may ignore it). */
  system?: string;
  /** Other request fields sent with every request (`max_tokens`, `effort`, `thinking`). */
  body?: Omit<Partial<ChatRequest>, 'messages'>;
  /**
   * Send the next request by itself once every pending tool call of the last reply has a result or a
   * verdict; when `false`, call `continueReply()`. @default true
   */
  autoContinue?: boolean;
  /**
   * Runs a client tool when a reply ends waiting for it: return (or resolve) its output, throw to
   * record an error, or return `undefined` and answer later with `addToolResult`.
   */
  onClientToolCall?: (call: ChatToolCallPart) => JsonValue | undefined | void | Promise<JsonValue | undefined | void>;
  /** Called when a request of a reply ends (done, error or stopped), with the message as it stands. */
  onFinish?: (message: FastChatMessage, state: FastStreamState) => void;
  /**
   * Keep the conversation in a thread store: `{ store, threadId }` with a store from
   * `@slipstream/react/persist` (`createIndexedDbThreadStore()`, `createMemoryThreadStore()`). The thread
   * is loaded on mount and saved while replies stream (throttled, and on `pagehide`). Read once: to
   * switch threads, remount with a `key` (`<Chat key={threadId} />`).
   */
  persist?: FastChatOptions['persist'];
  /** Resumable replies (see core's `FastChatOptions.resume`). Read once. @default true */
  resume?: FastChatOptions['resume'];
}

export interface UseFastChatResult {
  /** The conversation; the reply in flight updates about once per frame. */
  messages: FastChatMessage[];
  /** Status of the latest reply (`idle` before the first). */
  status: FastStreamState['status'];
  /** The live state of the latest reply's request (metrics, rate limit, …). */
  stream: UseFastStreamResult;
  /**
   * Appends a user message and streams the reply. Stops a reply in flight first. A string is one text
   * part; pass parts to add images or documents.
   */
  send: (content: string | readonly UserPart[]) => void;
  /** Stops the reply in flight; its partial content is kept. */
  stop: () => void;
  /** Asks again for the last reply; the earlier replies are kept as its `versions`. */
  regenerate: () => void;
  /** Shows version `index` (0-based) of a reply kept by `regenerate` (no-op while it streams). */
  selectVersion: (messageId: string, index: number) => void;
  /** Sends the latest request of the last reply again, into the same message. */
  retry: () => void;
  /** Replaces a user message's text, drops everything after it, and asks again. */
  edit: (id: string, text: string) => void;
  /** Replaces the conversation (stops a reply in flight). */
  setMessages: Dispatch<SetStateAction<FastChatMessage[]>>;
  /** Records a client tool's result (`{ output }` or `{ error }`); the last answer continues the reply. */
  addToolResult: (toolCallId: string, result: ToolResultInput) => void;
  /** Approves a call that waits for approval (`needsApproval`); the edge runs it in the next request. */
  approve: (toolCallId: string) => void;
  /** Denies a call that waits for approval; the model is told, with `reason` when given. */
  deny: (toolCallId: string, reason?: string) => void;
  /** Sends the next request of a reply whose tool calls are all answered (for `autoContinue: false`). */
  continueReply: () => void;
  /** Live retry-after countdown in ms, if rate limited. */
  retryAfterMs: number | null;
  /** Stable for the component's lifetime; sent as `conversationId` with every request. */
  conversationId: string;
  /** The underlying core store, for advanced use (subscribing outside React, persistence). */
  chat: FastChat;
}

/**
 * A chat conversation streamed from a Slipstream edge endpoint.
 *
 * Options are read through a ref: callbacks, `fetch`, `body`, `system`, `speed`, `model` and
 * `autoContinue` may change between renders. StrictMode-safe; unmounting aborts the request, except
 * with `persist`: a reply streaming then finishes into its thread unseen, and a chat mounted on that
 * thread again takes it over live (core's `ChatPersistOptions.background`).
 *
 * Resumable replies (an edge that keeps replies): a lost connection reconnects by itself (the reply's
 * message has `reconnecting` set meanwhile: say "Reconnecting…"), `stop()` stops the reply at the edge
 * too, and on mount the hook calls `chat.resume()`: a reply that was streaming when the page was
 * reloaded comes back under its user message, with the conversation before it, and finishes. With
 * `persist`, the resume waits for the thread to load and picks the reply up over it: the reply keeps its
 * earlier versions, and a resume that fails keeps the text saved so far.
 *
 * @example
 * const chat = useFastChat({ endpoint: '/api/chat', speed: 'auto' });
 * <ChatThread messages={chat.messages} onApprove={chat.approve} onDeny={chat.deny} />
 * <Composer status={chat.status} onSend={chat.send} onStop={chat.stop} />
 */
export function useFastChat(options: UseFastChatOptions = {}): UseFastChatResult {
  const optionsRef = useRef(options);
  useIsoLayoutEffect(() => {
    optionsRef.current = options;
  });

  const [chat, setChat] = useState(() => createStore(optionsRef));
  // Destroy only on a real unmount (StrictMode re-mounts in the same commit, before the microtask).
  const mounted = useRef(false);
  const destroyed = useRef(false);
  useEffect(() => {
    mounted.current = true;
    if (destroyed.current) {
      destroyed.current = false;
      setChat(createStore(optionsRef));
      return;
    }
    // The reply that was streaming when the page was reloaded, under its user message. No-op when there
    // is none, resume is off, or a reply is in flight (StrictMode's second run).
    chat.resume();
    return () => {
      mounted.current = false;
      queueMicrotask(() => {
        if (mounted.current) return;
        chat.destroy();
        destroyed.current = true;
      });
    };
  }, [chat]);

  const state = useSyncExternalStore(chat.subscribe, chat.getSnapshot, chat.getServerSnapshot);
  const stream = useStreamView(chat.stream, optionsRef);
  const setMessages = useCallback<Dispatch<SetStateAction<FastChatMessage[]>>>(
    (action) => chat.setMessages(action as Parameters<FastChat['setMessages']>[0]),
    [chat],
  );

  return useMemo(
    () => ({
      // Frozen by the store; typed mutable for compatibility with earlier versions of this hook.
      messages: state.messages as FastChatMessage[],
      status: state.status,
      stream,
      send: chat.send,
      stop: chat.stop,
      regenerate: chat.regenerate,
      selectVersion: chat.selectVersion,
      retry: chat.retry,
      edit: chat.edit,
      setMessages,
      addToolResult: chat.addToolResult,
      approve: chat.approve,
      deny: chat.deny,
      continueReply: chat.continueReply,
      retryAfterMs: stream.retryAfterMs,
      conversationId: chat.conversationId,
      chat,
    }),
    [state, stream, chat, setMessages],
  );
}

/** Creates the store with options that always read the latest render's values. */
function createStore(optionsRef: { current: UseFastChatOptions }): FastChat {
  const first = optionsRef.current;
  const latest = (): UseFastChatOptions => optionsRef.current;
  const wrapped: FastChatOptions = latestStreamOptions(optionsRef);
  // Read once by the store.
  if (first.initialMessages !== undefined) wrapped.initialMessages = first.initialMessages;
  if (first.conversationId !== undefined) wrapped.conversationId = first.conversationId;
  if (first.persist !== undefined) wrapped.persist = first.persist;
  wrapped.onFinish = (message, state) => latest().onFinish?.(message, state);
  wrapped.onClientToolCall = (call) => latest().onClientToolCall?.(call);
  // Read per request: always the latest.
  for (const key of ['system', 'body', 'speed', 'model', 'autoContinue'] as const) {
    Object.defineProperty(wrapped, key, { enumerable: true, get: () => latest()[key] });
  }
  return createFastChat(wrapped);
}
