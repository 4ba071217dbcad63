/**
 * Binding a chat to a stored thread: load once, then save as it changes — throttled while a reply
 * streams, at once when it ends, and when the page is hidden or goes away, so a reload keeps every
 * character that had arrived.
 *
 * @module
 */
import type { FastChat, FastChatMessage } from '../chat-store.ts';
import type { ChatPersistOptions, ThreadStore } from './types.ts';

function busy(status: string): boolean {
  return status === 'submitted' || status === 'streaming';
}

/** What `ThreadStore.attach` does for stores made by `createThreadStore`; returns the detach function. */
export function bindThread(store: ThreadStore, chat: FastChat, options: ChatPersistOptions, loaded?: () => void): () => void {
  const { threadId } = options;
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
  /** Something is stored under this id (an empty chat is not written until it has a message). */
  let stored = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let armed = false;

  const onHide = (e: Event): void => {
    if (e.type === 'pagehide' || page.document?.visibilityState === 'hidden') save();
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

  const save = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    arm(false);
    if (!ready) return;
    const { messages } = chat.getSnapshot();
    if (messages === saved || (messages.length === 0 && !stored)) return;
    saved = messages;
    stored = true;
    store.save({ id: threadId, conversationId: chat.conversationId, messages }).catch(report);
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
    if (!ready || detached) return;
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

  store.load(threadId).then(
    (record) => {
      if (detached) return;
      if (record !== null) {
        stored = true;
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
      stored = true;
      loaded?.();
      onChange();
    },
  );

  return () => {
    if (detached) return;
    save();
    detached = true;
    unsubscribe();
    arm(false);
  };
}
