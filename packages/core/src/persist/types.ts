/**
 * The shapes of conversation persistence: what a thread store keeps, and the interface a store
 * implements. Types only; the code is in `@slipstream/core/persist`.
 *
 * @module
 */
import type { FastChat, FastChatMessage } from '../chat-store.ts';

/** One saved conversation, as {@link ThreadStore.load} returns it. */
export interface ThreadRecord {
  /** The thread id (the chat's `persist.threadId`). */
  id: string;
  /** The name the user gave it; `null` until renamed (show {@link ThreadSummary.preview} instead). */
  title: string | null;
  /** Epoch ms of the first save. */
  createdAt: number;
  /** Epoch ms of the latest save. */
  updatedAt: number;
  /** The chat's `conversationId` when it was saved. */
  conversationId: string;
  /**
   * The messages as the chat held them: parts, steps, per-reply metrics, usage, cost, served speed,
   * errors, earlier versions, and any other field a message carries (e.g. a `replyId`). A reply that
   * was still streaming when saved comes back `aborted`, with the text that had arrived.
   */
  messages: FastChatMessage[];
}

/** What a thread list shows, without loading the messages. */
export interface ThreadSummary {
  id: string;
  /** The name the user gave it, or `null`. */
  title: string | null;
  /** The first user message's text, trimmed to 120 characters (a title until renamed). */
  preview: string;
  createdAt: number;
  updatedAt: number;
  messageCount: number;
  /** What every reply of the thread cost, earlier versions included, in USD. */
  costUsd: number;
}

/** {@link ThreadStore.list}'s answer: the threads, newest first, and the entries it could not read. */
export interface ThreadListing {
  threads: ThreadSummary[];
  /** Entries skipped as unreadable or from another record version; never thrown. */
  skipped: ThreadRecordErrorLike[];
}

/** The fields of `ThreadRecordError` (the class is in `@slipstream/core/persist`). */
export interface ThreadRecordErrorLike extends Error {
  readonly name: 'ThreadRecordError';
  /** `corrupt`: not a record this code can read; `version`: written by another record version. */
  readonly kind: 'corrupt' | 'version';
  readonly threadId: string | null;
}

/** What {@link ThreadStore.save} writes. */
export interface ThreadSave {
  id: string;
  conversationId: string;
  messages: readonly FastChatMessage[];
  /** Set the name; absent keeps the one saved (a chat never sends it, so a rename is never undone). */
  title?: string | null;
  /** Keep this creation time (restoring a deleted thread); absent keeps the saved one, or now. */
  createdAt?: number;
  /** Keep this time of the latest change (restoring a deleted thread: it goes back to its place in the list); absent is now. */
  updatedAt?: number;
}

/** How a chat is bound to a thread (`createFastChat({ persist })`, `useFastChat({ persist })`). */
export interface ChatPersistOptions {
  store: ThreadStore;
  threadId: string;
  /** While a reply streams, save at most this often, ms (also on `pagehide` and when hidden). @default 1000 */
  throttleMs?: number;
  /** A load or save failed (a `ThreadRecordError` for an unreadable record, else the store's error). */
  onError?(error: unknown): void;
}

/**
 * Somewhere conversations are kept. `createThreadStore` builds one over any key-value backend
 * (`createMemoryThreadStore`, and the IndexedDB adapter in `@slipstream/react/persist`). Operations
 * of one store run in order (a rename never races a save).
 */
export interface ThreadStore {
  /** Every thread, newest first; unreadable entries are reported in `skipped`, not thrown. */
  list(): Promise<ThreadListing>;
  /** The thread, or `null` when there is none. Rejects with a `ThreadRecordError` when unreadable. */
  load(id: string): Promise<ThreadRecord | null>;
  save(thread: ThreadSave): Promise<void>;
  /** Names a thread; no-op when there is none. */
  rename(id: string, title: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Calls `listener` after every change through this store (for thread lists). */
  subscribe(listener: () => void): () => void;
  /**
   * Binds a chat to a thread: loads it, then saves as the chat changes; calls `loaded` once the load
   * has ended (read, absent or failed) and the messages are in the chat. Returns the detach function
   * (the chat calls it on `destroy()`, after a last save).
   */
  attach(chat: FastChat, options: ChatPersistOptions, loaded?: () => void): () => void;
}
