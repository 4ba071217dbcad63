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
  /**
   * The revision: 1 for the first save, one more for each save after it (0 for a record written before
   * revisions existed). A save can be made conditional on it ({@link ThreadSave.ifRev}).
   */
  rev: number;
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
  /** The thread's revision ({@link ThreadRecord.rev}). */
  rev: number;
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
  /**
   * Compare-and-set: write only if the stored revision is still this one (`null`: only if nothing is
   * stored under this id). The check and the write are one transaction. Absent: write whatever is
   * stored (what restoring a deleted thread does).
   */
  ifRev?: number | null;
  /** The writer still has a reply streaming into this thread (told to other tabs: see {@link ThreadChange.live}). @default false */
  live?: boolean;
}

/**
 * {@link ThreadStore.save}'s answer. A conditional save that found another revision writes nothing
 * and says which revision is stored (`null`: none), so the caller can decide; it never throws for that.
 */
export type ThreadSaveResult = { ok: true; rev: number } | { ok: false; rev: number | null };

/** A change to a thread, made through this store or, for `remote`, by another tab (see {@link ThreadStore.subscribe}). */
export interface ThreadChange {
  kind: 'save' | 'rename' | 'remove';
  id: string;
  /** The revision after the change (`null` after `remove`). */
  rev: number | null;
  /** Made by another store on the same database (another tab), told over a `BroadcastChannel`. */
  remote: boolean;
  /** A `save` made while its writer still streams a reply into the thread: more saves will follow. */
  live: boolean;
}

/** How a chat is bound to a thread (`createFastChat({ persist })`, `useFastChat({ persist })`). */
export interface ChatPersistOptions {
  store: ThreadStore;
  threadId: string;
  /** While a reply streams, save at most this often, ms (also on `pagehide` and when hidden). @default 1000 */
  throttleMs?: number;
  /** A load or save failed (a `ThreadRecordError` for an unreadable record, else the store's error). */
  onError?(error: unknown): void;
  /**
   * The thread was changed elsewhere (another tab, or another chat of this page) while this chat had
   * changes of its own to save, so they could not go on into it without dropping the other side's:
   * this chat's conversation was saved whole as a new thread, `to` (titled "… (copy)"), and it goes on
   * there. Point your UI at `to`. Not called for a chat already destroyed (its copy just appears in the
   * list).
   */
  onFork?(fork: { from: string; to: string }): void;
  /**
   * When the chat is destroyed (unmounted) while a reply streams into it, the reply goes on in the
   * background until it ends, saved into its thread as usual, so the text (and the bill) is not lost;
   * a chat opened on the same thread through the same store meanwhile takes the reply over and shows
   * it live. `false`: destroying detaches the reply as a chat without `persist` does. @default true
   */
  background?: boolean;
}

/**
 * Somewhere conversations are kept. `createThreadStore` builds one over any key-value backend
 * (`createMemoryThreadStore`, and the IndexedDB adapter in `@slipstream/react/persist`). Operations
 * of one store run in order (a rename never races a save). Every thread has a revision; saves can be
 * compare-and-set ({@link ThreadSave.ifRev}), and stores on one database in several tabs tell each
 * other of their changes ({@link ThreadStore.subscribe}), which is how a chat bound with
 * {@link ThreadStore.attach} never overwrites another tab's messages.
 */
export interface ThreadStore {
  /** Every thread, newest first; unreadable entries are reported in `skipped`, not thrown. */
  list(): Promise<ThreadListing>;
  /** The thread, or `null` when there is none. Rejects with a `ThreadRecordError` when unreadable. */
  load(id: string): Promise<ThreadRecord | null>;
  /** Writes the thread (revision + 1); see {@link ThreadSave.ifRev} for a conditional save. */
  save(thread: ThreadSave): Promise<ThreadSaveResult>;
  /** Names a thread; no-op when there is none. */
  rename(id: string, title: string): Promise<void>;
  remove(id: string): Promise<void>;
  /**
   * Calls `listener` after every change through this store, and after every change another tab makes
   * through a store on the same database (`remote`, where `BroadcastChannel` exists): what keeps a
   * thread list, and an idle chat showing a thread, current in every tab.
   */
  subscribe(listener: (change: ThreadChange) => void): () => void;
  /**
   * Binds a chat to a thread: loads it, then saves as the chat changes (each save conditional on the
   * revision the chat last loaded or saved); reloads it when another tab saves it while the chat is
   * idle; forks on a conflict ({@link ChatPersistOptions.onFork}). Calls `loaded` once the load has
   * ended (read, absent or failed) and the messages are in the chat. Returns the detach function (the
   * chat calls it on `destroy()`, after a last save).
   */
  attach(chat: FastChat, options: ChatPersistOptions, loaded?: () => void): () => void;
}
