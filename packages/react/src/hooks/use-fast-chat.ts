'use client';
/**
 * `useFastChat`: a conversation over {@link useFastStream}. Each reply keeps its own metrics, served
 * speed, fallback, usage, cost and error; the conversation id stays stable so the edge's fallback memory
 * works per conversation.
 *
 * @module
 */
import { useCallback, useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { ChatMessage, ChatRequest, FastStreamState } from '@slipstream/core';
import type { FastChatMessage } from '../chat-types.ts';
import { useFastStream, type UseFastStreamOptions, type UseFastStreamResult } from './use-fast-stream.ts';

export interface UseFastChatOptions extends Omit<UseFastStreamOptions, 'onFinish'> {
  /** Messages to start with. */
  initialMessages?: FastChatMessage[];
  /** A conversation id to use instead of a generated one (e.g. restored from storage). */
  conversationId?: string;
  /** System prompt sent with every request (the edge may ignore it). */
  system?: string;
  /** Other request fields sent with every request (`max_tokens`, `effort`, `thinking`). */
  body?: Omit<Partial<ChatRequest>, 'messages'>;
  /** Called when a reply ends (done, error or stopped), with the final message. */
  onFinish?: (message: FastChatMessage, state: FastStreamState) => void;
}

export interface UseFastChatResult {
  /** The conversation; the reply in flight updates about once per frame. */
  messages: FastChatMessage[];
  /** Status of the latest reply (`idle` before the first). */
  status: FastStreamState['status'];
  /** The live state of the latest reply (metrics, rate limit, …). */
  stream: UseFastStreamResult;
  /** Appends a user message and streams the reply. Stops a reply in flight first. */
  send: (text: string) => void;
  /** Stops the reply in flight; its partial text is kept. */
  stop: () => void;
  /** Drops the last reply and asks again. */
  regenerate: () => void;
  /** Replaces a user message's text, drops everything after it, and asks again. */
  edit: (id: string, text: string) => void;
  /** Replaces the conversation (stops a reply in flight). */
  setMessages: Dispatch<SetStateAction<FastChatMessage[]>>;
  /** Live retry-after countdown in ms, if rate limited. */
  retryAfterMs: number | null;
  /** Stable for the component's lifetime; sent as `conversationId` with every request. */
  conversationId: string;
}

/** A random id: `crypto.randomUUID` when available (secure contexts), else a time-and-random string. */
export function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${Math.random().toString(36).slice(2, 10)}`;
}

function userMessage(text: string): FastChatMessage {
  return {
    id: newId(),
    role: 'user',
    content: text,
    status: 'done',
    metrics: null,
    servedSpeed: null,
    requestedSpeed: null,
    fallback: null,
    usage: null,
    cost: null,
    error: null,
  };
}

function pendingReply(): FastChatMessage {
  return { ...userMessage(''), role: 'assistant', status: 'submitted' };
}

/** A message record filled from a stream state. */
function fromState(m: FastChatMessage, s: FastStreamState): FastChatMessage {
  return {
    ...m,
    content: s.text,
    status: s.status === 'idle' ? 'submitted' : s.status,
    metrics: s.metrics,
    servedSpeed: s.servedSpeed,
    requestedSpeed: s.requestedSpeed,
    fallback: s.fallback,
    usage: s.usage,
    cost: s.cost,
    error: s.error,
    model: s.model,
  };
}

/**
 * The request history for a conversation: protocol v1 wants alternating turns starting and ending with
 * `user`, so empty replies (failed before any text) are skipped and same-role neighbours are joined.
 */
export function toHistory(messages: readonly FastChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.content.trim() === '') continue;
    const last = out[out.length - 1];
    if (last && last.role === m.role) last.content += `\n\n${m.content}`;
    else out.push({ role: m.role, content: m.content });
  }
  while (out.length > 0 && out[0]!.role !== 'user') out.shift();
  while (out.length > 0 && out[out.length - 1]!.role !== 'user') out.pop();
  return out;
}

interface Run {
  id: string;
  request: ChatRequest | null;
}

/**
 * A chat conversation streamed from a Slipstream edge endpoint.
 *
 * @example
 * const chat = useFastChat({ endpoint: '/api/chat', speed: 'auto' });
 * <ChatThread messages={chat.messages} />
 * <Composer status={chat.status} onSend={chat.send} onStop={chat.stop} />
 */
export function useFastChat(options: UseFastChatOptions = {}): UseFastChatResult {
  const { initialMessages, conversationId: idOption, system, body, onFinish, ...streamOptions } = options;
  const [conversationId] = useState(() => idOption ?? newId());
  const [messages, setMessagesState] = useState<FastChatMessage[]>(() => initialMessages ?? []);
  const [run, setRun] = useState<Run | null>(null);
  const s = useFastStream(streamOptions);
  const { start, stop: stopStream, stream } = s;
  const optionsRef = useRef(options);
  const messagesRef = useRef(messages);
  const runRef = useRef(run);
  // Read by the commands, which stay stable across renders.
  optionsRef.current = options;
  messagesRef.current = messages;
  runRef.current = run;

  // The reply in flight belongs to this run when the store's request is the one we started.
  const live = run !== null && s.request === run.request;

  // Freeze the reply into the list once its stream ends.
  useEffect(() => {
    if (!run || !live) return;
    if (s.status !== 'done' && s.status !== 'error' && s.status !== 'aborted') return;
    const state = stream.getSnapshot();
    const target = messagesRef.current.find((m) => m.id === run.id);
    setRun(null);
    runRef.current = null;
    if (!target) return;
    const finished = fromState(target, state);
    setMessagesState((ms) => ms.map((m) => (m.id === run.id ? finished : m)));
    optionsRef.current.onFinish?.(finished, state);
  }, [run, live, s.status, stream]);

  const view = useMemo(
    () => (run && live ? messages.map((m) => (m.id === run.id ? fromState(m, s) : m)) : messages),
    [messages, run, live, s],
  );

  const ask = useCallback(
    (history: FastChatMessage[]) => {
      const reply = pendingReply();
      const o = optionsRef.current;
      const req: ChatRequest = { ...o.body, messages: toHistory(history), conversationId };
      if (o.system !== undefined) req.system = o.system;
      start(req);
      const next = [...history, reply];
      const nextRun = { id: reply.id, request: stream.getSnapshot().request };
      messagesRef.current = next;
      runRef.current = nextRun;
      setMessagesState(next);
      setRun(nextRun);
    },
    [conversationId, start, stream],
  );

  /** The list without a reply in flight, with that reply frozen as it is now. */
  const settled = useCallback((): FastChatMessage[] => {
    const current = messagesRef.current;
    const active = runRef.current;
    if (!active) return current;
    stopStream();
    const state = stream.getSnapshot();
    runRef.current = null;
    return current.map((m) => (m.id === active.id ? fromState(m, state) : m));
  }, [stopStream, stream]);

  const send = useCallback(
    (text: string) => {
      if (text.trim() === '') return;
      ask([...settled(), userMessage(text)]);
    },
    [ask, settled],
  );

  const regenerate = useCallback(() => {
    const current = settled();
    let lastUser = -1;
    for (let i = current.length - 1; i >= 0; i--) {
      if (current[i]!.role === 'user') {
        lastUser = i;
        break;
      }
    }
    if (lastUser === -1) return;
    ask(current.slice(0, lastUser + 1));
  }, [ask, settled]);

  const edit = useCallback(
    (id: string, text: string) => {
      const current = settled();
      const i = current.findIndex((m) => m.id === id);
      if (i === -1) return;
      const target = current[i]!;
      if (target.role !== 'user') {
        // Editing a reply just replaces its text.
        const next = current.map((m) => (m.id === id ? { ...m, content: text } : m));
        messagesRef.current = next;
        setMessagesState(next);
        setRun(null);
        return;
      }
      ask([...current.slice(0, i), { ...target, content: text }]);
    },
    [ask, settled],
  );

  const setMessages = useCallback<Dispatch<SetStateAction<FastChatMessage[]>>>(
    (action) => {
      if (runRef.current) stopStream();
      runRef.current = null;
      setRun(null);
      setMessagesState(action);
    },
    [stopStream],
  );

  return {
    messages: view,
    status: run ? (live ? s.status : 'submitted') : messages.length > 0 ? s.status : 'idle',
    stream: s,
    send,
    stop: stopStream,
    regenerate,
    edit,
    setMessages,
    retryAfterMs: s.retryAfterMs,
    conversationId,
  };
}
