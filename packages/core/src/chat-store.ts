/**
 * The framework-free conversation store: a message list over one {@link FastStream}, with history
 * building, tool results, approvals and auto-continue. `useFastChat` in `@slipstream/react` is a thin
 * `useSyncExternalStore` adapter over it; a Vue or Svelte adapter reads the same snapshot.
 *
 * A reply may take several requests: when it ends waiting for client tools or approvals
 * (`finishReason: 'tool_calls'`), {@link FastChat.addToolResult}, {@link FastChat.approve} and
 * {@link FastChat.deny} answer its pending calls, and once every one is answered the store sends the
 * next request by itself (`autoContinue`) and appends what streams to the same assistant message.
 *
 * @module
 */
import { replyToMessages } from './history.ts';
import { notifyManager } from './notify.ts';
import type {
  ChatMessage,
  ChatRequest,
  Cost,
  DocumentPart,
  ErrorEvent,
  FinishReason,
  ImagePart,
  JsonValue,
  MessagePart,
  PendingToolCall,
  Speed,
  SpeedPolicy,
  StopReason,
  FallbackEvent,
  TextPart,
  ToolApprovalPart,
  ToolResultEvent,
  ToolResultPart,
  Usage,
} from './protocol.ts';
import type { StreamMetrics } from './metrics.ts';
import { loadResumableReply, resolveResumeOptions, resolveResumeStorage, type ResumeOptions } from './resume.ts';
import { createFastStream, type FastStream, type FastStreamOptions } from './store.ts';
import {
  type FastStreamState,
  type ReconnectingState,
  type ReplyStep,
  type ReplyTextPart,
  type ReplyThinkingPart,
  type ReplyToolCallPart,
  type StreamStatus,
} from './stream-state.ts';
import { Subscribable } from './subscribable.ts';
import type { ChatPersistOptions, ThreadStore } from './persist/types.ts';

/** What a user message holds: text, images, documents. */
export type UserPart = TextPart | ImagePart | DocumentPart;

/** The user's verdict on a call that needed approval. */
export interface ToolApproval {
  approved: boolean;
  /** Shown to the model when denied. */
  reason?: string;
}

/** A tool call of a reply as the conversation keeps it: the stream's part plus the user's verdict. */
export interface ChatToolCallPart extends ReplyToolCallPart {
  /** Set by {@link FastChat.approve} / {@link FastChat.deny} for calls that needed approval. */
  approval?: ToolApproval;
}

/** One ordered part of an assistant message (every step of every request of the reply). */
export type ChatReplyPart = ReplyTextPart | ReplyThinkingPart | ChatToolCallPart;

/** One ordered part of a message: {@link UserPart}s in user messages, {@link ChatReplyPart}s in replies. */
export type FastChatPart = UserPart | ChatReplyPart;

/** One message of a conversation, with its own numbers. */
export interface FastChatMessage {
  id: string;
  role: 'user' | 'assistant';
  /** The visible text: every text part, joined (blank line between parts). */
  content: string;
  /**
   * User messages: the text, images and documents sent. Replies: text, thinking and tool calls (with
   * their results) in order, across every step and every request of the reply; `step` numbers keep
   * counting across auto-continued requests.
   */
  parts: readonly FastChatPart[];
  /** Replies: every step (upstream request) with its own metrics; empty for user messages. */
  steps: readonly ReplyStep[];
  /** User messages are always `done`. A reply goes `submitted → streaming → done | error | aborted`. */
  status: Exclude<StreamStatus, 'idle'>;
  /**
   * Metrics of the reply's latest request (core's full `StreamMetrics`); `null` for user messages.
   * Per-step numbers are in {@link FastChatMessage.steps}.
   */
  metrics: StreamMetrics | null;
  servedSpeed: Speed | null;
  requestedSpeed: Speed | null;
  fallback: FallbackEvent | null;
  /** Totals over every request of the reply. */
  usage: Usage | null;
  /** Total over every request of the reply. */
  cost: Cost | null;
  error: ErrorEvent | null;
  /** Model that answered (from `start`); absent or `null` for user messages. */
  model?: string | null;
  /** Why the reply's latest request ended; `null` while streaming and for user messages. */
  finishReason?: FinishReason | null;
  /**
   * The upstream stop reason of the reply's latest request (`end_turn`, `max_tokens`, …); `null` while
   * streaming and for user messages. A `done` reply with `max_tokens` was cut off at the length limit.
   */
  stopReason?: StopReason | null;
  /** Tool calls the reply waits for (client tools, approvals); empty otherwise. */
  pendingToolCalls?: readonly PendingToolCall[];
  /**
   * Replies: the other versions of this reply (kept by {@link FastChat.regenerate}), in order, without
   * this one; absent when there is only one. {@link FastChat.selectVersion} swaps which one is shown.
   */
  versions?: readonly FastChatMessage[];
  /**
   * Where this message stands among all `versions.length + 1` versions of the reply (0-based; with
   * `versions` and no index, this one is the last).
   */
  versionIndex?: number;
  /**
   * Set while the reply's connection is lost and the store reconnects (a resumable reply): say
   * "Reconnecting…". `null` or absent otherwise.
   */
  reconnecting?: ReconnectingState | null;
}

/**
 * A message to start from (`initialMessages`, `setMessages`): `role` plus `content` or `parts`; the
 * rest is filled in.
 */
export type FastChatMessageInit = Partial<FastChatMessage> & Pick<FastChatMessage, 'role'>;

/** The result {@link FastChat.addToolResult} records: exactly one of `output` and `error`. */
export type ToolResultInput = { output: JsonValue } | { error: string };

/** Options for {@link createFastChat}: the stream's options plus the conversation's. */
export interface FastChatOptions extends Omit<FastStreamOptions, 'onFinish'> {
  /** Messages to start with. */
  initialMessages?: readonly FastChatMessageInit[];
  /** A conversation id to use instead of a generated one (e.g. restored from storage). */
  conversationId?: string;
  /** System prompt sent with every request. Read per request. */
  system?: string;
  /** Other request fields sent with every request (`max_tokens`, `effort`, `thinking`, …). Read per request. */
  body?: Omit<Partial<ChatRequest>, 'messages'>;
  /** Speed policy for every request whose `body` names none. Read per request. */
  speed?: SpeedPolicy;
  /** Model for every request whose `body` names none. Read per request. */
  model?: string;
  /**
   * Send the next request by itself once every pending tool call of the last reply has a result or a
   * verdict. When `false`, call {@link FastChat.continueReply}. @default true
   */
  autoContinue?: boolean;
  /**
   * Runs a client tool when a reply ends waiting for it (`awaiting-client`). Return (or resolve) its output to record it as
   * the result, throw (or reject) to record an error, or return `undefined` to answer later with
   * {@link FastChat.addToolResult}.
   */
  onClientToolCall?(call: ChatToolCallPart): JsonValue | undefined | void | Promise<JsonValue | undefined | void>;
  /** A request of a reply ended (done, error or stopped), with the message as it now stands. */
  onFinish?(message: FastChatMessage, state: FastStreamState): void;
  /**
   * Keep the conversation in a thread store (`@slipstream/core/persist`): loaded when the store is
   * created (unless messages were sent meanwhile), saved while replies stream (throttled) and when they
   * end. The thread id is the default `conversationId`. Read once.
   *
   * @example
   * // createMemoryThreadStore is exported by `@slipstream/core/persist`
   * const chat = createFastChat({ endpoint: '/api/chat', persist: { store: createMemoryThreadStore(), threadId: 't1' } });
   */
  persist?: ChatPersistOptions;
  /**
   * Resumable replies, as for the stream (see `FastStreamOptions.resume`). The conversation keeps its
   * record under `slipstream:reply:chat:<endpoint>` unless `key` says otherwise, with the messages the
   * reply answers, so {@link FastChat.resume} can show the resumed reply under its user message after a
   * reload. Read once. @default true
   */
  resume?: boolean | Omit<ResumeOptions, 'context'>;
}

/** One immutable snapshot of a {@link FastChat}. */
export interface FastChatState {
  /** The conversation; the reply in flight is rebuilt at most once per store notification. */
  messages: readonly FastChatMessage[];
  /** Status of the latest reply's request; `idle` before the first and after the list is emptied. */
  status: StreamStatus;
}

/** A conversation store. Every method may be called detached (`const { send } = chat`). */
export interface FastChat {
  subscribe(listener: () => void): () => void;
  /** The current state: immutable, and the same object until something changes. */
  getSnapshot(): FastChatState;
  /** The initial state, always the same object (for server rendering). */
  getServerSnapshot(): FastChatState;
  /** The stream carrying the reply in flight (live metrics, rate limit, fallback). */
  readonly stream: FastStream;
  /** Sent as `conversationId` with every request. */
  readonly conversationId: string;
  /**
   * Appends a user message and streams the reply. Stops a reply in flight first (keeping its partial
   * text). A string is one text part; pass parts to add images or documents. Empty text does nothing.
   */
  send(content: string | readonly UserPart[]): void;
  /**
   * Stops the reply in flight; its partial content is kept and it becomes `aborted`. A resumable reply
   * is stopped at the edge too (`POST …/stop`).
   */
  stop(): void;
  /**
   * Picks up the reply that was streaming when the page was reloaded (its record is in
   * `sessionStorage`): the messages it answers come back from the record, unless the conversation
   * already holds its message (restored from elsewhere, e.g. a persisted thread: then everything from
   * that message on is replaced), and the reply is replayed from its first event into that message,
   * then streams live. Returns `false` (changing nothing) when there is no record, resume is off, a
   * reply is in flight, or the record belongs to another conversation than the one this store was
   * opened on (`conversationId`, `persist.threadId`). Call it once after creating the store
   * (`useFastChat` does, on mount); a reply the edge no longer has ends in an error of kind `not_found`.
   * With `persist`, a call made while the thread loads returns `false` and the store resumes by itself
   * once it has loaded, over the saved thread: the reply keeps its earlier versions, and a resume that
   * fails before replaying the text saved so far keeps that text (with the error).
   */
  resume(): boolean;
  /**
   * Asks again for the last reply. The replies after the last user message are kept as earlier
   * versions of the new one (`versions`, browsable with {@link FastChat.selectVersion}); versions with
   * nothing in them (a request that failed before any text) are dropped.
   */
  regenerate(): void;
  /**
   * Shows version `index` (0-based, oldest first) of the reply `messageId`: that version takes the
   * message's place in the list (and in the history sent next). No-op while that reply streams or for
   * an index out of range.
   */
  selectVersion(messageId: string, index: number): void;
  /** Sends the latest request again into the same message (keeping earlier requests' parts). */
  retry(): void;
  /** Replaces a user message's text, drops everything after it, and asks again; a reply's text is just replaced. */
  edit(id: string, text: string): void;
  /** Replaces the conversation (stops a reply in flight). */
  setMessages(next: readonly FastChatMessageInit[] | ((prev: readonly FastChatMessage[]) => readonly FastChatMessageInit[])): void;
  /**
   * Records the result of a client tool call of the last reply. Throws when no such call waits for a
   * result. Answering the last pending call continues the reply (see `autoContinue`).
   */
  addToolResult(toolCallId: string, result: ToolResultInput): void;
  /** Approves a call that waits for approval; the edge runs it in the next request. */
  approve(toolCallId: string): void;
  /** Denies a call that waits for approval; the model is told, with `reason` when given. */
  deny(toolCallId: string, reason?: string): void;
  /**
   * Sends the next request of the last reply with its tool results and verdicts. Done automatically
   * unless `autoContinue` is `false`. No-op unless that reply waits and every pending call is answered.
   */
  continueReply(): void;
  /**
   * Aborts, drops all listeners. The store cannot be used again. With `persist`, a reply streaming now
   * is not aborted: it runs on unseen until it ends and is saved into its thread (or is taken over by
   * a new chat on that thread); `persist.background: false` aborts it as without `persist`.
   */
  destroy(): void;
}

/**
 * Create a conversation store.
 *
 * @example
 * const chat = createFastChat({ endpoint: '/api/chat', speed: 'auto' });
 * chat.subscribe(() => render(chat.getSnapshot().messages));
 * chat.send('What is the weather in Paris?');
 * // later, for a client tool the reply waits for:
 * chat.addToolResult('toolu_01', { output: { tempC: 18 } }); // the reply continues by itself
 */
export function createFastChat(options: FastChatOptions = {}): FastChat {
  return new FastChatStore(options);
}

/** A random id: `crypto.randomUUID` when available (secure contexts), else a time-and-random string. */
export function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${Math.random().toString(36).slice(2, 10)}`;
}

const NONE: readonly never[] = Object.freeze([]);

/** Chats destroyed while their reply streams, still finishing it, by thread store and thread id. */
const parkedChats = new WeakMap<ThreadStore, Map<string, FastChatStore>>();

/** What a reply had before the request now streaming into it (auto-continue). */
interface Base {
  parts: readonly ChatReplyPart[];
  steps: readonly ReplyStep[];
  usage: Usage | null;
  cost: Cost | null;
  /** Steps before this request: the stream's step 0 becomes this number. */
  stepOffset: number;
}

/**
 * What the conversation keeps with the record of its reply in flight ({@link ResumableReply.context}):
 * the messages before the reply, the reply's message id, and what the message held before this request
 * (for an auto-continued reply).
 */
interface ChatResumeContext {
  v: 1;
  conversationId: string;
  messageId: string;
  messages: readonly FastChatMessage[];
  base: Base;
}

/** One request streaming into one assistant message. */
interface Run {
  messageId: string;
  base: Base;
  /** The request as the stream validated it, for `retry`. */
  request: ChatRequest | null;
  /** The stream's `earlierToolResults` last applied to `baseView`. */
  early: readonly ToolResultEvent[];
  /** `base.parts` with the results of their calls that arrived in this request (step -1) applied. */
  baseView: readonly ChatReplyPart[];
  /** A resumed reply over a message restored from a thread store: what that message held. */
  prior?: FastChatMessage;
}

class FastChatStore extends Subscribable implements FastChat {
  readonly #options: FastChatOptions;
  readonly stream: FastStream;
  readonly conversationId: string;

  #messages: readonly FastChatMessage[];
  #run: Run | null = null;
  /** The last request sent, kept after it ends, for `retry`. */
  #lastRun: Run | null = null;
  #version = 0;

  #snapshot: FastChatState;
  #snapshotVersion = 0;
  #snapshotStream: FastStreamState;
  readonly #serverSnapshot: FastChatState;
  #lastNotified: FastChatState | undefined;
  #unsubscribeStream: (() => void) | undefined;
  // Shifted copies of the stream's parts and steps, so a settled part keeps its identity across frames.
  #shiftedParts = new WeakMap<object, ChatReplyPart>();
  #shiftedSteps = new WeakMap<ReplyStep, ReplyStep>();
  #detachPersist: (() => void) | undefined;
  /** The thread store is still loading: a resume waits for it (see `resume`). */
  #persistLoading = false;
  #resumeWanted = false;
  readonly #resumeKey: string;
  /** Destroyed while its reply streams: running on, unseen, until the reply ends (see `ChatPersistOptions.background`). */
  #parked = false;
  #offParked: (() => void) | undefined;
  #destroyed = false;

  constructor(options: FastChatOptions) {
    super();
    this.#options = options;
    const resume = resolveResumeOptions(options.resume);
    const resumeOpts = typeof options.resume === 'object' ? options.resume : {};
    this.#resumeKey = resumeOpts.key ?? `chat:${options.endpoint ?? '/api/chat'}`;
    // A reply resumed after a reload belongs to its conversation: keep that id (the edge's fallback memory is per conversation).
    const kept = resume === undefined ? undefined : readChatContext(loadResumableReply(resolveResumeStorage(resumeOpts.storage), this.#resumeKey, resume.maxAgeMs)?.context);
    this.conversationId = options.conversationId ?? options.persist?.threadId ?? kept?.conversationId ?? newId();
    this.#messages = (options.initialMessages ?? NONE).map(normalizeMessage);
    this.stream = createFastStream(this.#streamOptions());
    this.#snapshotStream = this.stream.getSnapshot();
    this.#snapshot = Object.freeze({ messages: this.#messages, status: 'idle' as StreamStatus });
    this.#serverSnapshot = this.#snapshot;
    // Bound so they can be passed around detached (`subscribe` is bound by Subscribable).
    this.getSnapshot = this.getSnapshot.bind(this);
    this.getServerSnapshot = this.getServerSnapshot.bind(this);
    this.send = this.send.bind(this);
    this.stop = this.stop.bind(this);
    this.resume = this.resume.bind(this);
    this.regenerate = this.regenerate.bind(this);
    this.selectVersion = this.selectVersion.bind(this);
    this.retry = this.retry.bind(this);
    this.edit = this.edit.bind(this);
    this.setMessages = this.setMessages.bind(this);
    this.addToolResult = this.addToolResult.bind(this);
    this.approve = this.approve.bind(this);
    this.deny = this.deny.bind(this);
    this.continueReply = this.continueReply.bind(this);
    this.destroy = this.destroy.bind(this);
    // Last: the store may read the snapshot and subscribe at once.
    const persist = options.persist;
    if (persist !== undefined) {
      // A chat of this page still finishing a reply in this thread in the background: take the reply
      // over (it stops reading it after a last save; this one loads that save and resumes the reply
      // from the edge, live), so one reader, and one writer, goes on with it.
      const parked = parkedChats.get(persist.store)?.get(persist.threadId);
      if (parked !== undefined && resume !== undefined && parked.#replyIsResumable() && this.stream.storedReply()?.replyId === parked.stream.getSnapshot().replyId) {
        parked.#finishDestroy();
        this.#resumeWanted = true;
      }
      this.#persistLoading = true;
      const own = persist.onFork;
      // A chat running on in the background is no longer on screen: its copy just appears in the list.
      const bound = own === undefined ? persist : { ...persist, onFork: (f: { from: string; to: string }) => (this.#parked ? undefined : own.call(persist, f)) };
      this.#detachPersist = persist.store.attach(this, bound, () => {
        this.#persistLoading = false;
        if (!this.#resumeWanted) return;
        this.#resumeWanted = false;
        this.resume();
      });
    }
  }

  /** The stream's options: the user's, read on use, with our hooks around the callbacks. */
  #streamOptions(): FastStreamOptions {
    const o = this.#options;
    const wrapped: FastStreamOptions = {
      onEvent: (e) => o.onEvent?.(e),
      onDelta: (delta, kind) => o.onDelta?.(delta, kind),
      onToolCall: (part) => o.onToolCall?.(part),
      onToolResult: (result, part) => o.onToolResult?.(result, part),
      onStep: (step) => o.onStep?.(step),
      onFinish: (s) => this.#settle(s),
      onError: (e, s) => {
        this.#settle(s);
        o.onError?.(e, s);
      },
      onFallback: (f) => o.onFallback?.(f),
    };
    // Read once by the stream.
    if (o.notify !== undefined) wrapped.notify = o.notify;
    if (o.clock !== undefined) wrapped.clock = o.clock;
    if (o.charsPerToken !== undefined) wrapped.charsPerToken = o.charsPerToken;
    if (o.liveWindowMs !== undefined) wrapped.liveWindowMs = o.liveWindowMs;
    if (o.liveWindow !== undefined) wrapped.liveWindow = o.liveWindow;
    if (o.calibration !== undefined) wrapped.calibration = o.calibration;
    wrapped.resume =
      o.resume === false ? false : { ...(typeof o.resume === 'object' ? o.resume : {}), key: this.#resumeKey, context: () => this.#resumeContext() };
    // Read per request: always the caller's current values (their getters keep working).
    for (const key of ['endpoint', 'headers', 'fetch', 'defaults', 'limits'] as const) {
      Object.defineProperty(wrapped, key, { enumerable: true, get: () => o[key] });
    }
    return wrapped;
  }

  // ---- snapshot --------------------------------------------------------------------------------

  getSnapshot(): FastChatState {
    const s = this.stream.getSnapshot();
    if (this.#snapshotVersion === this.#version && this.#snapshotStream === s) return this.#snapshot;
    const run = this.#run;
    let messages = this.#messages;
    if (run !== null) messages = messages.map((m) => (m.id === run.messageId ? this.#live(m, run, s) : m));
    const status: StreamStatus = run !== null ? (s.status === 'idle' ? 'submitted' : s.status) : messages.length === 0 ? 'idle' : s.status;
    this.#snapshot = Object.freeze({ messages, status });
    this.#snapshotVersion = this.#version;
    this.#snapshotStream = s;
    return this.#snapshot;
  }

  getServerSnapshot(): FastChatState {
    return this.#serverSnapshot;
  }

  /** The message `m` as it stands with the request `run` streaming into it (stream state `s`). */
  #live(m: FastChatMessage, run: Run, s: FastStreamState): FastChatMessage {
    const { base } = run;
    if (s.earlierToolResults !== run.early && s.earlierToolResults.length > 0) {
      // Results of calls made in an earlier request of this reply (approved calls, run before step 0).
      const byId = new Map(s.earlierToolResults.map((r) => [r.toolCallId, r]));
      run.baseView = base.parts.map((p) => {
        const r = p.type === 'tool_call' ? byId.get(p.toolCallId) : undefined;
        return r === undefined || p.type !== 'tool_call' ? p : withResult(p, r);
      });
    }
    run.early = s.earlierToolResults;
    let streamed: readonly ChatReplyPart[] = s.parts;
    // A store that keeps no parts (or none yet) still has the text.
    if (streamed.length === 0 && s.text !== '') streamed = [{ type: 'text', step: 0, index: 0, text: s.text }];
    if (base.stepOffset > 0) streamed = streamed.map((p) => this.#shiftPart(p, base.stepOffset));
    const steps = base.stepOffset > 0 ? s.steps.map((st) => this.#shiftStep(st, base.stepOffset)) : s.steps;
    const parts = run.baseView.length === 0 ? streamed : [...run.baseView, ...streamed];
    return {
      ...m,
      content: joinText(parts),
      parts,
      steps: base.steps.length === 0 ? steps : [...base.steps, ...steps],
      status: s.status === 'idle' ? 'submitted' : s.status,
      metrics: s.metrics,
      servedSpeed: s.servedSpeed,
      requestedSpeed: s.requestedSpeed,
      fallback: s.fallback,
      usage: addUsage(base.usage, s.usage),
      cost: addCost(base.cost, s.cost),
      error: s.error,
      model: s.model,
      finishReason: s.finishReason,
      stopReason: s.stopReason,
      pendingToolCalls: s.pendingToolCalls,
      reconnecting: s.reconnecting,
    };
  }

  /** The record's context: what a reloaded page needs to show the reply in flight in its conversation. */
  #resumeContext(): JsonValue | undefined {
    const run = this.#run;
    if (run === null) return undefined;
    const i = this.#messages.findIndex((m) => m.id === run.messageId);
    if (i === -1) return undefined;
    const context: ChatResumeContext = { v: 1, conversationId: this.conversationId, messageId: run.messageId, messages: this.#messages.slice(0, i), base: run.base };
    // Messages and parts are plain JSON data.
    return context as unknown as JsonValue;
  }

  #shiftPart(p: ChatReplyPart, offset: number): ChatReplyPart {
    let shifted = this.#shiftedParts.get(p);
    if (shifted === undefined) {
      shifted = { ...p, step: p.step + offset };
      this.#shiftedParts.set(p, shifted);
    }
    return shifted;
  }

  #shiftStep(st: ReplyStep, offset: number): ReplyStep {
    let shifted = this.#shiftedSteps.get(st);
    if (shifted === undefined) {
      shifted = { ...st, step: st.step + offset };
      this.#shiftedSteps.set(st, shifted);
    }
    return shifted;
  }

  // ---- stream events ---------------------------------------------------------------------------

  /** The request in flight ended (done, error, or stopped): freeze its message into the list. */
  #settle(s: FastStreamState): void {
    const run = this.#run;
    if (run === null) return;
    this.#run = null;
    let frozen: FastChatMessage | undefined;
    this.#messages = this.#messages.map((m) => {
      if (m.id !== run.messageId) return m;
      frozen = finalize(this.#live(m, run, s));
      // A resume that failed before replaying what the saved thread already held keeps that text (and says why it stopped).
      const prior = run.prior;
      if (prior !== undefined && frozen.status !== 'done' && frozen.content.length < prior.content.length)
        frozen = { ...prior, status: frozen.status, error: frozen.error, reconnecting: null };
      return frozen;
    });
    this.#version++;
    if (frozen === undefined) return;
    const message = frozen;
    this.#safely(() => this.#options.onFinish?.(message, s));
    if (this.#parked) {
      // The reply ran on unseen and has ended: saved by the detach, no tools or auto-continue after it.
      queueMicrotask(() => this.#finishDestroy());
      return;
    }
    // Not from inside the stream's own event handling: a tool answering at once continues the reply.
    if (message.status === 'done' && message.finishReason === 'tool_calls') queueMicrotask(() => this.#runClientTools(message));
  }

  #runClientTools(message: FastChatMessage): void {
    const onClientToolCall = this.#options.onClientToolCall;
    if (onClientToolCall === undefined || this.#destroyed) return;
    for (const p of message.parts) {
      if (p.type !== 'tool_call' || p.state !== 'awaiting-client') continue;
      const answer = (result: ToolResultInput): void => {
        // The conversation may have moved on (edited, reset) while the tool ran.
        if (this.#findCall(p.toolCallId)?.call.state === 'awaiting-client') this.addToolResult(p.toolCallId, result);
      };
      let value: ReturnType<NonNullable<FastChatOptions['onClientToolCall']>>;
      try {
        value = onClientToolCall.call(this.#options, p);
      } catch (err) {
        answer({ error: describe(err) });
        continue;
      }
      if (isPromiseLike(value)) {
        value.then(
          (v) => {
            if (v !== undefined) answer({ output: v });
          },
          (err: unknown) => answer({ error: describe(err) }),
        );
      } else if (value !== undefined) answer({ output: value });
    }
  }

  // ---- commands --------------------------------------------------------------------------------

  send(content: string | readonly UserPart[]): void {
    const parts: readonly UserPart[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
    if (!parts.some((p) => p.type !== 'text' || p.text.trim() !== '')) return;
    this.#batch(() => {
      this.#settleInFlight();
      this.#ask([...this.#messages.map(abandon), userMessage(parts)]);
    });
  }

  stop(): void {
    if (this.#run === null) return;
    this.#batch(() => this.#settleInFlight());
  }

  resume(): boolean {
    // A reply resumed over its saved thread: the thread holds the reply's earlier versions and the text
    // saved so far, so it goes first and the resume follows its load.
    if (this.#persistLoading) {
      this.#resumeWanted = true;
      return false;
    }
    if (this.#run !== null) return false;
    const record = this.stream.storedReply();
    const context = readChatContext(record?.context);
    if (record === undefined || context === undefined) return false;
    // A reply of another conversation (this store was opened on a given thread) is not this one's to show.
    const own = this.#options.conversationId ?? this.#options.persist?.threadId;
    if (own !== undefined && own !== context.conversationId) return false;
    // That reply is still being read by a chat of this page finishing it in the background (it was
    // destroyed as this one was made): it saves the reply, and this chat shows its saves.
    const persist = this.#options.persist;
    const parked = persist === undefined ? undefined : parkedChats.get(persist.store)?.get(persist.threadId);
    if (parked !== undefined && parked !== this && parked.stream.getSnapshot().replyId === record.replyId) return false;
    let resumed = false;
    this.#batch(() => {
      const before = this.#messages;
      const at = before.findIndex((m) => m.id === context.messageId);
      const prior = at !== -1 ? before[at] : undefined;
      const history = at !== -1 ? before.slice(0, at) : context.messages.map(normalizeMessage);
      const { base } = context;
      const message: FastChatMessage = { ...assistantMessage(), id: context.messageId, ...baseFields(base) };
      if (prior?.versions !== undefined) {
        message.versions = prior.versions;
        if (prior.versionIndex !== undefined) message.versionIndex = prior.versionIndex;
      }
      this.#messages = [...history, message];
      const run: Run = { messageId: context.messageId, base, request: record.request ?? null, early: NONE, baseView: base.parts };
      if (prior !== undefined) run.prior = prior;
      this.#run = run;
      this.#lastRun = run;
      this.#version++;
      resumed = this.stream.resume(record);
      if (!resumed) {
        this.#run = null;
        this.#lastRun = null;
        this.#messages = before;
      }
    });
    return resumed;
  }

  regenerate(): void {
    this.#batch(() => {
      this.#settleInFlight();
      const current = this.#messages;
      let lastUser = -1;
      for (let i = current.length - 1; i >= 0; i--) {
        if (current[i]!.role === 'user') {
          lastUser = i;
          break;
        }
      }
      if (lastUser === -1) return;
      const earlier: FastChatMessage[] = [];
      for (const m of current.slice(lastUser + 1)) if (m.role === 'assistant') earlier.push(...allVersions(abandon(m)).filter((v) => v.parts.length > 0));
      this.#ask(current.slice(0, lastUser + 1), earlier);
    });
  }

  selectVersion(messageId: string, index: number): void {
    if (this.#run?.messageId === messageId) return;
    const m = this.#messages.find((x) => x.id === messageId);
    if (m === undefined || m.versions === undefined) return;
    const all = allVersions(m);
    if (!Number.isInteger(index) || index < 0 || index >= all.length || index === shownAt(m)) return;
    const shown: FastChatMessage = { ...all[index]!, versions: all.filter((_, i) => i !== index), versionIndex: index };
    this.#batch(() => {
      this.#messages = this.#messages.map((x) => (x.id === messageId ? shown : x));
      this.#lastRun = null;
      this.#version++;
    });
  }

  retry(): void {
    this.#batch(() => {
      this.#settleInFlight();
      const last = this.#lastRun;
      const tail = this.#messages[this.#messages.length - 1];
      if (last === null || last.request === null || tail === undefined || tail.id !== last.messageId) {
        this.regenerate();
        return;
      }
      // Put the message back as it was before that request, and send the same request again.
      this.#messages = this.#messages.map((m) =>
        m.id === last.messageId ? { ...m, ...baseFields(last.base), status: 'submitted' as const, error: null } : m,
      );
      this.#start(last.messageId, last.base, last.request);
    });
  }

  edit(id: string, text: string): void {
    this.#batch(() => {
      this.#settleInFlight();
      const current = this.#messages;
      const i = current.findIndex((m) => m.id === id);
      if (i === -1) return;
      const target = current[i]!;
      if (target.role !== 'user') {
        // Editing a reply replaces its text (the edited reply goes back as one text part).
        this.#messages = current.map((m) =>
          m.id === id ? { ...m, content: text, parts: [{ type: 'text', text, step: 0, index: 0 }], steps: NONE } : m,
        );
        this.#lastRun = null;
        this.#version++;
        return;
      }
      const kept = target.parts.filter((p) => p.type !== 'text');
      this.#ask([...current.slice(0, i), { ...target, content: text, parts: [{ type: 'text', text }, ...kept] }]);
    });
  }

  setMessages(next: readonly FastChatMessageInit[] | ((prev: readonly FastChatMessage[]) => readonly FastChatMessageInit[])): void {
    this.#batch(() => {
      this.#settleInFlight();
      const list = typeof next === 'function' ? next(this.#messages) : next;
      this.#messages = list.map(normalizeMessage);
      this.#lastRun = null;
      this.#version++;
    });
  }

  addToolResult(toolCallId: string, result: ToolResultInput): void {
    const found = this.#findCall(toolCallId);
    if (found === undefined) throw new Error(`addToolResult: no tool call "${toolCallId}" in the conversation`);
    const { call } = found;
    if (hasResult(call)) return;
    if (call.state === 'awaiting-approval') throw new Error(`addToolResult: tool call "${toolCallId}" waits for approval; use approve() or deny()`);
    if (this.#run?.messageId === found.messageId) throw new Error(`addToolResult: the reply holding tool call "${toolCallId}" is still streaming`);
    const answered: ChatToolCallPart =
      'error' in result ? { ...call, state: 'output-error', error: result.error } : { ...call, state: 'output-available', output: result.output };
    this.#batch(() => {
      this.#replaceCall(found.messageId, answered);
      this.#maybeContinue();
    });
  }

  approve(toolCallId: string): void {
    this.#verdict(toolCallId, { approved: true });
  }

  deny(toolCallId: string, reason?: string): void {
    this.#verdict(toolCallId, reason === undefined ? { approved: false } : { approved: false, reason });
  }

  #verdict(toolCallId: string, approval: ToolApproval): void {
    const found = this.#findCall(toolCallId);
    const verb = approval.approved ? 'approve' : 'deny';
    if (found === undefined) throw new Error(`${verb}: no tool call "${toolCallId}" in the conversation`);
    const { call } = found;
    if (call.approval !== undefined || hasResult(call)) return;
    if (call.state !== 'awaiting-approval') throw new Error(`${verb}: tool call "${toolCallId}" does not wait for approval (it is ${call.state})`);
    // Approved: input complete, about to run at the edge. Denied: it will not run.
    const next: ChatToolCallPart = { ...call, approval, state: approval.approved ? 'input-available' : 'output-error' };
    this.#batch(() => {
      this.#replaceCall(found.messageId, next);
      this.#maybeContinue();
    });
  }

  continueReply(): void {
    const last = this.#messages[this.#messages.length - 1];
    if (this.#run !== null || last === undefined || !isReadyToContinue(last)) return;
    this.#batch(() => {
      const parts = last.parts.filter(isReplyPart);
      const base: Base = {
        parts,
        steps: last.steps,
        usage: last.usage,
        cost: last.cost,
        stepOffset: Math.max(last.steps.length, ...parts.map((p) => p.step + 1)),
      };
      this.#messages = this.#messages.map((m) => (m.id === last.id ? { ...m, status: 'submitted' as const, error: null } : m));
      this.#start(last.id, base, this.#request(this.#messages));
    });
  }

  destroy(): void {
    if (this.#destroyed || this.#parked) return;
    const persist = this.#options.persist;
    if (persist !== undefined && persist.background !== false && this.#run !== null && this.#detachPersist !== undefined) {
      // Nobody sees this chat any more, but its reply goes on into its thread (the text is kept, the
      // bill buys something); it finishes destroying when the reply ends, or when a new chat on the
      // thread takes the reply over.
      this.#parked = true;
      let byThread = parkedChats.get(persist.store);
      if (byThread === undefined) parkedChats.set(persist.store, (byThread = new Map()));
      byThread.set(persist.threadId, this);
      // Its thread deleted meanwhile (here or in another tab): nobody wants the reply, stop it at the edge.
      this.#offParked = persist.store.subscribe((c) => {
        if (c.kind === 'remove' && c.id === persist.threadId) this.stop();
      });
      return;
    }
    this.#finishDestroy();
  }

  /** The reply in flight has a record this page kept, so another chat can resume it from the edge. */
  #replyIsResumable(): boolean {
    const replyId = this.stream.getSnapshot().replyId;
    return this.#run !== null && replyId !== null && this.stream.storedReply()?.replyId === replyId;
  }

  #finishDestroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const persist = this.#options.persist;
    this.#offParked?.();
    this.#offParked = undefined;
    if (this.#parked && persist !== undefined) {
      const byThread = parkedChats.get(persist.store);
      if (byThread?.get(persist.threadId) === this) byThread.delete(persist.threadId);
    }
    // First, while the reply in flight can still be read: the store saves it as it stands.
    this.#detachPersist?.();
    this.#detachPersist = undefined;
    this.#run = null;
    this.stream.destroy();
    this.#unsubscribeStream?.();
    this.#unsubscribeStream = undefined;
    this.listeners.clear();
  }

  // ---- internals -------------------------------------------------------------------------------

  #maybeContinue(): void {
    if (this.#options.autoContinue === false) return;
    this.continueReply();
  }

  /** Stops a request in flight and freezes its message as it stands (`aborted`). */
  #settleInFlight(): void {
    if (this.#run === null) return;
    this.stream.stop();
    this.#settle(this.stream.getSnapshot());
  }

  /** Appends a fresh assistant message to `history` and streams the reply into it. */
  #ask(history: readonly FastChatMessage[], earlier: readonly FastChatMessage[] = NONE): void {
    const reply = assistantMessage();
    if (earlier.length > 0) {
      reply.versions = earlier;
      reply.versionIndex = earlier.length;
    }
    this.#messages = [...history, reply];
    this.#start(reply.id, EMPTY_BASE, this.#request(history));
  }

  #start(messageId: string, base: Base, request: ChatRequest): void {
    const run: Run = { messageId, base, request: null, early: NONE, baseView: base.parts };
    this.#run = run;
    this.#lastRun = run;
    this.#version++;
    // A refused request settles the run from inside start() (onError).
    this.stream.start(request);
    run.request = this.stream.getSnapshot().request;
  }

  #request(messages: readonly FastChatMessage[]): ChatRequest {
    const o = this.#options;
    const req: ChatRequest = { ...o.body, messages: toHistory(messages), conversationId: this.conversationId };
    if (o.system !== undefined && req.system === undefined) req.system = o.system;
    if (o.speed !== undefined && req.speed === undefined) req.speed = o.speed;
    if (o.model !== undefined && req.model === undefined) req.model = o.model;
    return req;
  }

  /** The tool call `toolCallId` of the last assistant message (as settled, not as streaming). */
  #findCall(toolCallId: string): { messageId: string; call: ChatToolCallPart } | undefined {
    for (let i = this.#messages.length - 1; i >= 0; i--) {
      const m = this.#messages[i]!;
      if (m.role !== 'assistant') continue;
      for (const p of m.parts) if (p.type === 'tool_call' && p.toolCallId === toolCallId) return { messageId: m.id, call: p };
      return undefined;
    }
    return undefined;
  }

  #replaceCall(messageId: string, call: ChatToolCallPart): void {
    this.#messages = this.#messages.map((m) =>
      m.id === messageId ? { ...m, parts: m.parts.map((p) => (p.type === 'tool_call' && p.toolCallId === call.toolCallId ? call : p)) } : m,
    );
    this.#version++;
  }

  /** Runs `fn` as one batch: listeners hear about it once, at the end. */
  #batch(fn: () => void): void {
    notifyManager.batch(() => {
      fn();
      this.#notify();
    });
  }

  #notify(): void {
    if (this.hasListeners()) notifyManager.notify(this.#emitIfChanged);
  }

  readonly #emitIfChanged = (): void => {
    const snapshot = this.getSnapshot();
    if (snapshot === this.#lastNotified) return;
    this.#lastNotified = snapshot;
    this.emit();
  };

  protected override onSubscribe(): void {
    // The stream already batches per frame; its notification is ours.
    this.#unsubscribeStream = this.stream.subscribe(this.#emitIfChanged);
  }

  protected override onUnsubscribe(): void {
    this.#unsubscribeStream?.();
    this.#unsubscribeStream = undefined;
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

const EMPTY_BASE: Base = Object.freeze({ parts: NONE, steps: NONE, usage: null, cost: null, stepOffset: 0 });

/** The conversation part of a reply record, checked (storage is writable by other code). */
function readChatContext(x: unknown): ChatResumeContext | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const c = x as Partial<ChatResumeContext> & Record<string, unknown>;
  if (c.v !== 1 || typeof c.conversationId !== 'string' || typeof c.messageId !== 'string' || !Array.isArray(c.messages)) return undefined;
  const b = (c.base ?? {}) as Partial<Base>;
  const messages = c.messages.filter((m): m is FastChatMessage => typeof m === 'object' && m !== null && (m.role === 'user' || m.role === 'assistant'));
  const base: Base = {
    parts: Array.isArray(b.parts) ? b.parts : NONE,
    steps: Array.isArray(b.steps) ? b.steps : NONE,
    usage: b.usage ?? null,
    cost: b.cost ?? null,
    stepOffset: typeof b.stepOffset === 'number' ? b.stepOffset : 0,
  };
  return { v: 1, conversationId: c.conversationId, messageId: c.messageId, messages, base };
}

function baseFields(base: Base): Pick<FastChatMessage, 'parts' | 'steps' | 'usage' | 'cost' | 'content'> {
  return { parts: base.parts, steps: base.steps, usage: base.usage, cost: base.cost, content: joinText(base.parts) };
}

function emptyRecord(role: 'user' | 'assistant'): FastChatMessage {
  return {
    id: newId(),
    role,
    content: '',
    parts: NONE,
    steps: NONE,
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

function userMessage(parts: readonly UserPart[]): FastChatMessage {
  return { ...emptyRecord('user'), parts, content: joinText(parts) };
}

function assistantMessage(): FastChatMessage {
  return { ...emptyRecord('assistant'), status: 'submitted' };
}

/** Fills in what a message given by the caller leaves out (`content` from parts, or parts from `content`). */
function normalizeMessage(m: FastChatMessageInit): FastChatMessage {
  const base = emptyRecord(m.role);
  const parts: readonly FastChatPart[] =
    m.parts ?? (m.content ? [m.role === 'user' ? { type: 'text', text: m.content } : { type: 'text', text: m.content, step: 0, index: 0 }] : NONE);
  return { ...base, ...m, id: m.id ?? base.id, parts, steps: m.steps ?? NONE, content: m.content ?? joinText(parts) };
}

/** Tool calls left unfinished by an ended request get the state that says so. */
function finalize(m: FastChatMessage): FastChatMessage {
  const pending = new Map((m.pendingToolCalls ?? NONE).map((c) => [c.toolCallId, c.awaiting]));
  let changed = false;
  const parts = m.parts.map((p) => {
    if (p.type !== 'tool_call' || hasResult(p)) return p;
    let state = p.state;
    const awaiting = pending.get(p.toolCallId);
    if (awaiting !== undefined && p.approval === undefined) state = awaiting === 'client' ? 'awaiting-client' : 'awaiting-approval';
    else if (m.status !== 'done' && (state === 'input-streaming' || state === 'input-available' || state === 'running')) state = 'cancelled';
    if (state === p.state) return p;
    changed = true;
    return { ...p, state };
  });
  return changed ? { ...m, parts } : m;
}

/** Calls of `m` still waiting for an answer become `cancelled`: the conversation went on without them. */
function abandon(m: FastChatMessage): FastChatMessage {
  let changed = false;
  const parts = m.parts.map((p) => {
    if (p.type !== 'tool_call' || (p.state !== 'awaiting-client' && p.state !== 'awaiting-approval') || p.approval !== undefined) return p;
    changed = true;
    return { ...p, state: 'cancelled' as const };
  });
  return changed ? { ...m, parts, pendingToolCalls: NONE } : m;
}

function withResult(p: ChatToolCallPart, r: ToolResultEvent): ChatToolCallPart {
  const next: ChatToolCallPart = { ...p, durationMs: r.durationMs };
  if (r.error !== undefined) {
    next.state = 'output-error';
    next.error = r.error;
  } else {
    next.state = 'output-available';
    next.output = r.output ?? null;
  }
  return next;
}

function hasResult(p: ChatToolCallPart): boolean {
  return p.output !== undefined || p.error !== undefined;
}

/** A reply that ended waiting for tools, each of which now has a result or a verdict. */
function isReadyToContinue(m: FastChatMessage): boolean {
  if (m.role !== 'assistant' || m.status !== 'done' || m.finishReason !== 'tool_calls') return false;
  const pending = m.pendingToolCalls ?? NONE;
  if (pending.length === 0) return false;
  return pending.every(({ toolCallId }) =>
    m.parts.some((p) => p.type === 'tool_call' && p.toolCallId === toolCallId && (hasResult(p) || p.approval !== undefined)),
  );
}

/** Where `m` stands among the versions of its reply. */
function shownAt(m: FastChatMessage): number {
  const n = m.versions?.length ?? 0;
  return Math.min(Math.max(m.versionIndex ?? n, 0), n);
}

/** Every version of a reply, in order: `m` (without its version fields) in its place. */
function allVersions(m: FastChatMessage): FastChatMessage[] {
  if (m.versions === undefined && m.versionIndex === undefined) return [m];
  const { versions = NONE, versionIndex: _index, ...shown } = m;
  const at = shownAt(m);
  return [...versions.slice(0, at), shown, ...versions.slice(at)];
}

function isReplyPart(p: FastChatPart): p is ChatReplyPart {
  return 'step' in p;
}

/** Every text part's text, a blank line between parts. */
export function joinText(parts: readonly FastChatPart[]): string {
  let out = '';
  let first = true;
  for (const p of parts) {
    if (p.type !== 'text') continue;
    out += first ? p.text : `\n\n${p.text}`;
    first = false;
  }
  return out;
}

function addUsage(a: Usage | null, b: Usage | null): Usage | null {
  if (a === null) return b;
  if (b === null) return a;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
  };
}

function addCost(a: Cost | null, b: Cost | null): Cost | null {
  if (a === null) return b;
  if (b === null) return a;
  return {
    inputUsd: a.inputUsd + b.inputUsd,
    outputUsd: a.outputUsd + b.outputUsd,
    cacheReadUsd: a.cacheReadUsd + b.cacheReadUsd,
    cacheWriteUsd: a.cacheWriteUsd + b.cacheWriteUsd,
    totalUsd: a.totalUsd + b.totalUsd,
  };
}

// ---- history ---------------------------------------------------------------------------------

/**
 * The request history for a conversation, in the protocol's shape: alternating turns starting and
 * ending with `user`. A text-only message goes as a plain string. A reply becomes, per step, an
 * `assistant` turn (thinking with its signature, text, tool calls) and a `user` turn with that step's
 * tool results (or, for calls waiting for approval, the verdicts): core's `replyToMessages`. Calls
 * whose input never completed are left out; a complete call nobody answered goes back with an error
 * result saying why, since every call needs an answer in the next user turn. Empty turns are skipped and same-role neighbours
 * are joined (strings with a blank line).
 *
 * @example
 * toHistory(chat.getSnapshot().messages); // [{ role: 'user', content: 'Hi' }, …]
 */
export function toHistory(messages: readonly FastChatMessage[]): ChatMessage[] {
  const turns: ChatMessage[] = [];
  const push = (role: 'user' | 'assistant', content: MessagePart[]): void => {
    if (content.length === 0) return;
    const last = turns[turns.length - 1];
    if (last === undefined || last.role !== role) {
      turns.push({ role, content: compact(content) });
      return;
    }
    if (typeof last.content === 'string' && content.length === 1 && content[0]!.type === 'text') {
      last.content += `\n\n${content[0]!.text}`;
      return;
    }
    const prev = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
    // Tool results and verdicts lead a user turn.
    const joined = [...prev, ...content];
    last.content = role === 'user' ? [...joined.filter(isAnswer), ...joined.filter((p) => !isAnswer(p))] : joined;
  };
  for (const m of messages) {
    // Records saved before messages had parts carry only `content`.
    const parts = m.parts ?? normalizeMessage({ role: m.role, content: m.content }).parts;
    if (m.role === 'user') {
      push('user', parts.filter((p) => p.type !== 'text' || p.text.trim() !== '').map(userPartOut));
      continue;
    }
    const reply = parts.filter(isReplyPart);
    for (const turn of replyToMessages(reply, answersOf(reply, m.status))) {
      push(turn.role, typeof turn.content === 'string' ? [{ type: 'text', text: turn.content }] : turn.content);
    }
  }
  while (turns.length > 0 && turns[0]!.role !== 'user') turns.shift();
  while (turns.length > 0 && turns[turns.length - 1]!.role !== 'user') turns.pop();
  return turns;
}

function compact(content: MessagePart[]): string | MessagePart[] {
  return content.length === 1 && content[0]!.type === 'text' ? content[0]!.text : content;
}

function isAnswer(p: MessagePart): boolean {
  return p.type === 'tool_result' || p.type === 'tool_approval';
}

function userPartOut(p: FastChatPart): MessagePart {
  if (p.type === 'text') return { type: 'text', text: p.text };
  return p as MessagePart;
}

/**
 * Answers the store knows that the parts do not carry: verdicts on calls waiting for approval, and
 * calls the conversation went on without (cancelled in a finished reply).
 */
function answersOf(parts: readonly ChatReplyPart[], status: FastChatMessage['status']): (ToolResultPart | ToolApprovalPart)[] {
  const out: (ToolResultPart | ToolApprovalPart)[] = [];
  for (const p of parts) {
    if (p.type !== 'tool_call' || hasResult(p)) continue;
    if (p.approval !== undefined && p.state !== 'cancelled') {
      const verdict: ToolApprovalPart = { type: 'tool_approval', toolCallId: p.toolCallId, approved: p.approval.approved };
      if (p.approval.reason !== undefined) verdict.reason = p.approval.reason;
      out.push(verdict);
    } else if (p.state === 'cancelled' && status === 'done') {
      out.push({ type: 'tool_result', toolCallId: p.toolCallId, error: 'Not run: the conversation went on without answering this tool call.' });
    }
  }
  return out;
}

function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
