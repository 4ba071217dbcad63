/**
 * Binding a chat to a stored thread: load once, then save as it changes — throttled while a reply
 * streams, at once when it ends, and when the page is hidden or goes away, so a reload keeps every
 * character that had arrived.
 *
 * Several writers can hold one thread: two tabs, or a chat finishing its reply in the background and
 * a new chat opened on it. Every save is conditional on the revision this chat last loaded or saved
 * (compare-and-set in one transaction), so none overwrites another's messages:
 * - an idle chat with nothing unsaved reloads the thread when another writer saves it;
 * - a chat with changes of its own (a reply streaming, a message just sent) that finds the thread
 *   changed under it goes on in a copy: its conversation is saved whole as a new thread and
 *   `onFork` says where. Both sides are kept, neither is merged into the other's history (a reply
 *   answers the messages it was asked with; splicing two histories would make it answer others).
 *
 * @module
 */
import type { FastChat, FastChatMessage } from '../chat-store.ts';
import { previewOf } from './record.ts';
import type { ChatPersistOptions, ThreadChange, ThreadStore } from './types.ts';

/** A new thread id (as core's `newId`, kept here so this subpath does not pull in the chat store). */
function newThreadId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${Math.random().toString(36).slice(2, 10)}`;
}

function busy(status: string): boolean {
  return status === 'submitted' || status === 'streaming';
}

/** A reply another writer is still streaming loads back `aborted`: the one to show as streaming until its end is saved. */
function liveReply(messages: readonly FastChatMessage[]): FastChatMessage | undefined {
  const last = messages[messages.length - 1];
  return last !== undefined && last.role === 'assistant' && last.status === 'aborted' && last.error === null ? last : undefined;
}

/** `messages` with the message `id` given `status` (when it has another). */
function withStatus(messages: readonly FastChatMessage[], id: string, status: FastChatMessage['status']): FastChatMessage[] {
  return messages.map((m) => (m.id === id && m.status !== status ? { ...m, status } : m));
}

/** The same messages as far as saving goes (a settled reply is a new object with the same content). */
function sameMessages(a: readonly FastChatMessage[], b: readonly FastChatMessage[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => {
      const o = b[i]!;
      return m.id === o.id && m.status === o.status && m.content === o.content && m.parts.length === o.parts.length && (m.versions?.length ?? 0) === (o.versions?.length ?? 0) && m.versionIndex === o.versionIndex;
    })
  );
}

/** What `ThreadStore.attach` does for stores made by `createThreadStore`; returns the detach function. */
export function bindThread(store: ThreadStore, chat: FastChat, options: ChatPersistOptions, loaded?: () => void): () => void {
  /** The thread this chat writes: `options.threadId`, or its copy after a fork. */
  let threadId = options.threadId;
  const throttleMs = options.throttleMs ?? 1000;
  const report = (err: unknown): void => {
    if (options.onError) options.onError(err);
    else if (typeof console !== 'undefined') console.warn('[slipstream] thread persistence:', err);
  };
  const page = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener; document?: Document };

  let ready = false;
  let detached = false;
  /** The messages last written or loaded: nothing to save while the chat still shows these. */
  let saved: readonly FastChatMessage[] | null = null;
  /**
   * The revision the chat's messages build on: `null` when nothing is stored (the first save creates
   * the thread), `undefined` when an unreadable entry is there (the first save replaces it).
   */
  let base: number | null | undefined = null;
  /** Revisions this chat wrote: their change notices are not news. */
  const mine = new Set<number>();
  /** Another writer saved after `base`: this chat's next save of changes of its own forks. */
  let stale = false;
  /** The thread's name, for its copy's. */
  let title: string | null = null;
  /** The message shown as streaming because another writer still streams it into the thread. */
  let liveId: string | null = null;
  /** After a fork, that message is no longer followed: shown as what it is in the copy (stopped) once the chat is idle. */
  let unfollow: string | null = null;
  /** Whether the last change notice said its writer still streams. */
  let othersLive = false;
  /** The thread was deleted while a reply streamed into it: that reply is not saved (deleting means it). */
  let dropped = false;
  /** Set while the chat is given a reloaded thread: that is not a change to save. */
  let applying = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let armed = false;

  const onHide = (e: Event): void => {
    if (e.type === 'pagehide') save(true);
    else if (page.document?.visibilityState === 'hidden') save();
  };
  // Page listeners only while something is unsaved: a chat that is never changed holds none.
  const arm = (on: boolean): void => {
    if (on === armed || typeof page.addEventListener !== 'function') return;
    armed = on;
    for (const type of ['pagehide', 'visibilitychange']) {
      if (on) page.addEventListener(type, onHide);
      else page.removeEventListener?.(type, onHide);
    }
  };

  /** The chat's conversation goes on in a new thread (see the module comment). */
  const fork = (forked: readonly FastChatMessage[], live: boolean): void => {
    let messages = forked;
    const from = threadId;
    const to = newThreadId();
    threadId = to;
    stale = false;
    othersLive = false;
    if (liveId !== null) {
      // The other writer's reply goes on in the thread, not in this copy: here it is what had arrived.
      messages = withStatus(messages, liveId, 'aborted');
      unfollow = liveId;
      liveId = null;
    }
    mine.clear();
    mine.add(1);
    base = 1;
    saved = forked;
    const name = `${title ?? (previewOf(messages) || 'Chat')} (copy)`;
    title = name;
    store.save({ id: to, conversationId: chat.conversationId, messages, title: name, ifRev: null, live }).catch(report);
    if (unfollow !== null) queueMicrotask(onChange);
    if (detached) return;
    try {
      options.onFork?.({ from, to });
    } catch (err) {
      report(err);
    }
  };

  /**
   * Writes the chat's messages if they changed. `leaving`: the page is going away, so the write cannot
   * wait for a read (a transaction that reads first may not be committed before the page is gone): it
   * is written over the revision this tab knows of, unless it has heard of a newer one (then it forks).
   */
  const save = (leaving = false, final = false): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    arm(false);
    if (!ready) return;
    const { messages, status } = chat.getSnapshot();
    if (dropped) {
      // Once the reply has ended, the chat's next change of its own starts the thread again.
      if (!busy(status)) {
        dropped = false;
        saved = messages;
      }
      return;
    }
    if (messages === saved || (messages.length === 0 && base === null)) return;
    const live = !leaving && !final && busy(status);
    // Changed under this chat, or changed by it while another writer streams a reply into the thread
    // (a turn sent now would cut into that reply's conversation): this chat goes on in a copy.
    if (stale || liveId !== null) {
      fork(messages, live);
      return;
    }
    saved = messages;
    const id = threadId;
    const conversationId = chat.conversationId;
    if (base === undefined || leaving) {
      if (base !== undefined) {
        mine.add((base ?? 0) + 1);
        base = (base ?? 0) + 1;
      }
      store.save({ id, conversationId, messages, live }).then((r) => {
        if (!r.ok || id !== threadId) return;
        mine.add(r.rev);
        if (base === undefined || base === null || base < r.rev) base = r.rev;
      }, report);
      return;
    }
    const ifRev = base;
    // The next save builds on this one; if this one is refused, so is that one, and the chat forks once.
    base = (ifRev ?? 0) + 1;
    mine.add(base);
    store.save({ id, conversationId, messages, live, ifRev }).then((r) => {
      if (r.ok || id !== threadId) return;
      if (r.rev === null) {
        // Deleted under us (its notice not here yet): it stays deleted, as `onStoreChange` says.
        forget();
        return;
      }
      // Changed under us: keep both sides (the module comment says why not merge). A chat already
      // detached forks what it last had; its copy simply appears in the list.
      const now = chat.getSnapshot();
      fork(detached ? messages : now.messages, !detached && busy(now.status));
    }, report);
  };

  const tick = (): void => {
    timer = undefined;
    save();
    // Also when the page stops notifying (a hidden tab has no animation frames): keep saving while it streams.
    if (!detached && busy(chat.getSnapshot().status)) schedule();
  };
  const schedule = (): void => {
    if (timer === undefined) timer = setTimeout(tick, throttleMs);
  };

  const onChange = (): void => {
    if (!ready || detached || applying) return;
    if (unfollow !== null && !busy(chat.getSnapshot().status)) {
      const id = unfollow;
      unfollow = null;
      apply(withStatus(chat.getSnapshot().messages, id, 'aborted'));
    }
    const s = chat.getSnapshot();
    if (s.messages === saved) return;
    if (!busy(s.status)) {
      save();
      return;
    }
    arm(true);
    schedule();
  };
  const unsubscribe = chat.subscribe(onChange);

  /**
   * The thread was deleted (here or in another tab): it stays deleted. A reply still streaming goes on
   * on screen but is not saved; the chat's next change of its own starts the thread again. (An idle
   * chat is also emptied by the caller when the deletion is told, not found by a refused save.)
   */
  const forget = (): void => {
    base = null;
    stale = false;
    mine.clear();
    liveId = null;
    othersLive = false;
    if (busy(chat.getSnapshot().status)) dropped = true;
    else saved = chat.getSnapshot().messages;
  };

  /** Gives the chat messages that are not its own change (nothing to save). */
  const apply = (messages: readonly FastChatMessage[]): void => {
    applying = true;
    try {
      chat.setMessages(messages);
    } finally {
      applying = false;
    }
  };

  /** Nothing of the chat's own is unsaved (it shows what was loaded or saved last). */
  const idle = (): boolean => {
    const s = chat.getSnapshot();
    if (busy(s.status)) return false;
    if (saved === null) return s.messages.length === 0;
    // A reply is frozen into a new list after its last save: the same messages, not a change.
    return s.messages === saved || sameMessages(s.messages, saved);
  };
  /** Another writer saved the thread: an idle chat shows what it saved; a busy one will fork. */
  const catchUp = (): void => {
    if (!idle()) return;
    const id = threadId;
    const before = chat.getSnapshot().messages;
    store.load(id).then((record) => {
      if (detached || id !== threadId || record === null || chat.getSnapshot().messages !== before || !idle()) return;
      if (base !== null && base !== undefined && record.rev <= base) return;
      const following = othersLive ? liveReply(record.messages) : undefined;
      liveId = following?.id ?? null;
      apply(following ? withStatus(record.messages, following.id, 'streaming') : record.messages);
      saved = chat.getSnapshot().messages;
      base = record.rev;
      title = record.title;
      stale = false;
    }, report);
  };
  const onStoreChange = (c: ThreadChange): void => {
    if (detached || !ready || c.id !== threadId) return;
    if (c.kind === 'rename') return;
    if (c.kind === 'remove') {
      if (base === null && !stale) return; // already known (a save refused for it), or never saved
      forget();
      if (!dropped && chat.getSnapshot().messages.length > 0) {
        apply([]);
        saved = chat.getSnapshot().messages;
      }
      return;
    }
    if (c.rev === null || mine.has(c.rev) || base === undefined || (base !== null && c.rev <= base)) return;
    stale = true;
    othersLive = c.live;
    catchUp();
  };
  const unsubscribeStore = store.subscribe(onStoreChange);

  store.load(threadId).then(
    (record) => {
      if (detached) return;
      if (record !== null) {
        base = record.rev;
        title = record.title;
        // Messages sent while it loaded win (they are what the reader sees); otherwise show the thread.
        if (chat.getSnapshot().messages.length === 0) chat.setMessages(record.messages);
      }
      ready = true;
      saved = record !== null && chat.getSnapshot().messages.length === record.messages.length ? chat.getSnapshot().messages : null;
      loaded?.();
      onChange();
    },
    (err: unknown) => {
      report(err);
      if (detached) return;
      ready = true;
      // Leave the unreadable entry alone until the chat has something of its own to write.
      saved = chat.getSnapshot().messages;
      base = undefined;
      loaded?.();
      onChange();
    },
  );

  return () => {
    if (detached) return;
    save(false, true);
    detached = true;
    unsubscribe();
    unsubscribeStore();
    arm(false);
  };
}
