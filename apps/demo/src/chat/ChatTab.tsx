/**
 * The Chat tab: a conversation with a speed policy and model picker, each reply with its own badge,
 * TTFT, OTPS and cost; stop, regenerate (versions kept), retry. Conversations are kept in this
 * browser (IndexedDB, through `@slipstream/react/persist`): a list to start, open, rename and delete
 * them, and a reload brings back the open one with every character that had arrived.
 * @module
 */
import { newId, type SpeedPolicy } from '@slipstream/core';
import { createIndexedDbThreadStore, useThreads, type ThreadRecord } from '@slipstream/react/persist';
import { useCallback, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Conversation } from './Conversation.tsx';
import { fastUnavailableReason, ModelSelect, SpeedSelect } from './controls.tsx';
import { ThreadList, threadName } from './ThreadList.tsx';

/** One store for the tab's lifetime: its summaries cache makes a save on `pagehide` a single write. */
const threadStore = createIndexedDbThreadStore({ dbName: 'slipstream-demo' });
const CURRENT_KEY = 'slipstream-demo:thread';
const UNDO_MS = 10_000;
const PHONE = '(max-width: 860px)';

/** This tab's open chat across reloads (`sessionStorage`), else the one opened last in any tab (`localStorage`). */
function readCurrent(): string {
  try {
    return sessionStorage.getItem(CURRENT_KEY) ?? localStorage.getItem(CURRENT_KEY) ?? newId();
  } catch {
    return newId();
  }
}

function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (cb) => {
      const mql = window.matchMedia(query);
      mql.addEventListener('change', cb);
      return () => mql.removeEventListener('change', cb);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}

const focusComposer = () =>
  requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('#panel-chat [data-testid=composer-input]')?.focus());

interface Deleted {
  name: string;
  record: ThreadRecord | null;
  wasCurrent: boolean;
}

export function ChatTab() {
  const [speed, setSpeed] = useState<SpeedPolicy>('auto');
  const [model, setModel] = useState('claude-opus-4-8');
  const noFast = fastUnavailableReason(model);
  const pickModel = (next: string) => {
    setModel(next);
    // Fast cannot succeed on a standard-only model: move the policy to Auto rather than offer a sure error.
    if (speed === 'fast' && fastUnavailableReason(next) !== null) setSpeed('auto');
  };

  const { threads, skipped, loading } = useThreads(threadStore);
  const [threadId, setThreadId] = useState(readCurrent);
  useEffect(() => {
    try {
      sessionStorage.setItem(CURRENT_KEY, threadId);
      localStorage.setItem(CURRENT_KEY, threadId);
    } catch {
      // private mode: the open chat is simply not remembered
    }
  }, [threadId]);
  // The open conversation's mount: a new one for each chat opened, the same one when the chat forks
  // (its reply goes on in the copy without a remount).
  const [mount, setMount] = useState(0);
  const [forked, setForked] = useState(false);
  const persist = useMemo(
    () => ({
      store: threadStore,
      threadId,
      // Another tab changed this chat while this one had changes of its own: they go on in a copy.
      onFork: ({ to }: { from: string; to: string }) => {
        setThreadId(to);
        setForked(true);
      },
    }),
    [threadId],
  );

  const phone = useMediaQuery(PHONE);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const drawer = useRef<HTMLDialogElement | null>(null);
  const toggle = useRef<HTMLButtonElement | null>(null);
  const drawerHeading = useId();
  useEffect(() => {
    const d = drawer.current;
    if (!d) return;
    if (drawerOpen && !d.open) d.showModal();
    else if (!drawerOpen && d.open) d.close();
  }, [drawerOpen, phone]);
  const closeDrawer = useCallback((refocus: boolean) => {
    setDrawerOpen(false);
    if (refocus) requestAnimationFrame(() => toggle.current?.focus());
  }, []);

  const open = useCallback(
    (id: string) => {
      if (id !== threadId) {
        setThreadId(id);
        setMount((m) => m + 1);
        setForked(false);
      }
      closeDrawer(false);
      focusComposer();
    },
    [closeDrawer, threadId],
  );
  const startNew = useCallback(() => open(newId()), [open]);
  const rename = useCallback((id: string, title: string) => void threadStore.rename(id, title), []);

  const stopCurrent = useRef<(() => void) | null>(null);
  const [deleted, setDeleted] = useState<Deleted | null>(null);
  const undoButton = useRef<HTMLButtonElement | null>(null);
  const remove = useCallback(
    async (id: string) => {
      const summary = threads.find((t) => t.id === id);
      const name = summary ? threadName(summary) : 'Chat';
      const wasCurrent = id === threadId;
      if (wasCurrent) {
        // A reply still streaming in it is stopped at the edge too (unmounting alone only detaches a resumable reply).
        stopCurrent.current?.();
        setThreadId(newId());
        setMount((m) => m + 1);
        // Let the open chat unmount first: its last save must not bring the thread back.
        await new Promise((r) => setTimeout(r, 50));
      }
      const record = await threadStore.load(id).catch(() => null);
      await threadStore.remove(id);
      setDeleted({ name, record, wasCurrent });
    },
    [threads, threadId],
  );
  const undo = useCallback(async () => {
    const d = deleted;
    setDeleted(null);
    if (!d?.record) return;
    const { record } = d;
    const { id, conversationId, messages, title, createdAt, updatedAt } = record;
    await threadStore.save({ id, conversationId, messages, title, createdAt, updatedAt });
    if (d.wasCurrent) open(record.id);
    else requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-thread-id="${record.id}"] [data-testid=thread-open]`)?.focus());
  }, [deleted, open]);
  useEffect(() => {
    if (!deleted) return;
    // The deleted row took the focused Delete button with it: focus goes to Undo, not to <body>.
    undoButton.current?.focus();
    const timer = setTimeout(() => {
      const hadFocus = document.activeElement === undoButton.current;
      setDeleted(null);
      if (hadFocus) focusComposer();
    }, UNDO_MS);
    return () => clearTimeout(timer);
  }, [deleted]);

  const notice = forked ? (
    <div className="toast" role="status" data-testid="fork-toast">
      <span>This chat was changed in another tab, so this conversation goes on as a copy.</span>
      <button type="button" className="button small" data-testid="fork-dismiss" onClick={() => setForked(false)}>
        OK
      </button>
    </div>
  ) : deleted ? (
    <div className="toast" data-testid="undo-toast">
      <span>Deleted “{deleted.name}”.</span>
      {deleted.record ? (
        <button type="button" ref={undoButton} className="button small" data-testid="undo-delete" onClick={() => void undo()}>
          Undo
        </button>
      ) : null}
    </div>
  ) : null;
  const list = (headingId?: string) => (
    <ThreadList
      threads={threads}
      currentId={threadId}
      loading={loading}
      skipped={skipped.length}
      onOpen={open}
      onNew={startNew}
      onRename={rename}
      onDelete={(id) => void remove(id)}
      notice={notice}
      {...(headingId ? { headingId } : {})}
    />
  );

  return (
    <div className="chat-layout">
      {phone ? (
        <dialog
          ref={drawer}
          className="threads-drawer"
          aria-labelledby={drawerHeading}
          data-testid="threads-drawer"
          onClose={() => closeDrawer(drawerOpen)}
          onClick={(e) => {
            // A tap on the backdrop (the dialog element itself, outside its content) closes it.
            if (e.target === e.currentTarget) closeDrawer(true);
          }}
        >
          <div className="threads-drawer-body">
            {list(drawerHeading)}
            <button type="button" className="button small" data-testid="threads-close" onClick={() => closeDrawer(true)}>
              Close
            </button>
          </div>
        </dialog>
      ) : (
        <aside className="threads-side">{list()}</aside>
      )}
      <Conversation
        key={mount}
        id="chat"
        speed={speed}
        model={model}
        persist={persist}
        stopRef={stopCurrent}
        toolbar={
          <>
            {phone ? (
              <button
                type="button"
                ref={toggle}
                className="button small"
                data-testid="threads-toggle"
                aria-haspopup="dialog"
                aria-expanded={drawerOpen}
                onClick={() => setDrawerOpen(true)}
              >
                Chats
              </button>
            ) : null}
            <SpeedSelect value={speed} onChange={setSpeed} name="chat-speed" fastUnavailableReason={noFast} />
            <ModelSelect value={model} onChange={pickModel} id="chat-model" />
          </>
        }
        empty={
          <div className="empty">
            <h2>Ask anything, and watch the numbers</h2>
            <p>
              Each reply shows the speed it was <em>served</em> at (from <code>usage.speed</code>), time to first token, output
              tokens per second (live estimate while streaming, exact when done) and its cost. Try <strong>Auto</strong>: fast when
              the fast budget allows, standard otherwise, and the badge says why.
            </p>
          </div>
        }
        suggestions={[
          'Write a TypeScript function that debounces a fetch, with code',
          'Give me a step-by-step plan to migrate a chat API to the edge',
          'Return a JSON config for a rate limiter',
        ]}
      />
    </div>
  );
}
