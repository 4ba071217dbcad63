/**
 * The Chat tab's saved conversations: New chat, open, rename (inline), delete (with Undo). A sidebar
 * on wide screens; on phones the same list in a modal sheet opened from the toolbar.
 * @module
 */
import type { ThreadSummary } from '@slipstream/react/persist';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { displayPrompt } from '../display.ts';
import { formatUsd } from '../format.ts';

/** What a thread is called in the list: its name, else its first prompt (directives hidden). */
export function threadName(t: Pick<ThreadSummary, 'title' | 'preview'>): string {
  // A copy's title is made from its first message, which may carry the sim's markers.
  return displayPrompt(t.title?.trim() ?? '') || displayPrompt(t.preview) || 'Untitled chat';
}

export interface ThreadListProps {
  threads: readonly ThreadSummary[];
  currentId: string;
  loading: boolean;
  /** Saved entries that could not be read (skipped, not shown). */
  skipped: number;
  onOpen(id: string): void;
  onNew(): void;
  onRename(id: string, title: string): void;
  onDelete(id: string): void;
  /** Set on the heading's id, for a dialog that wraps the list. */
  headingId?: string;
  /** A live status under the heading (the Undo of a delete): inside the list, so it is reachable in the phone sheet too. */
  notice?: ReactNode;
}

export function ThreadList(props: ThreadListProps) {
  const { threads, currentId, loading, skipped, onOpen, onNew, onRename, onDelete } = props;
  const fallbackId = useId();
  const headingId = props.headingId ?? fallbackId;
  return (
    <nav className="threads" aria-labelledby={headingId} data-testid="thread-list">
      <div className="threads-head">
        <h2 id={headingId} className="threads-title">
          Chats
        </h2>
        <button type="button" className="button small primary" data-testid="new-chat" onClick={onNew}>
          New chat
        </button>
      </div>
      <div className="threads-notice" role="status">
        {props.notice}
      </div>
      {threads.length === 0 ? (
        <p className="threads-empty">{loading ? 'Loading…' : 'Chats you start are kept here, in this browser.'}</p>
      ) : (
        <ul className="threads-items">
          {threads.map((t) => (
            <ThreadItem
              key={t.id}
              thread={t}
              current={t.id === currentId}
              onOpen={onOpen}
              onRename={onRename}
              onDelete={onDelete}
            />
          ))}
        </ul>
      )}
      {skipped > 0 ? (
        <p className="threads-empty" data-testid="threads-skipped">
          {skipped} saved {skipped === 1 ? 'chat' : 'chats'} could not be read (damaged or from another version) and {skipped === 1 ? 'is' : 'are'}{' '}
          not shown.
        </p>
      ) : null}
    </nav>
  );
}

function ThreadItem(props: {
  thread: ThreadSummary;
  current: boolean;
  onOpen(id: string): void;
  onRename(id: string, title: string): void;
  onDelete(id: string): void;
}) {
  const { thread: t, current, onOpen, onRename, onDelete } = props;
  const name = threadName(t);
  const [draft, setDraft] = useState<string | null>(null);
  const renameButton = useRef<HTMLButtonElement | null>(null);
  const inputId = useId();
  const wasEditing = useRef(false);
  // Back to the Rename button when the field closes (saved or cancelled), never to <body>.
  useEffect(() => {
    if (draft === null && wasEditing.current) renameButton.current?.focus();
    wasEditing.current = draft !== null;
  }, [draft]);

  if (draft !== null) {
    const save = () => {
      const title = draft.trim();
      if (title && title !== name) onRename(t.id, title);
      setDraft(null);
    };
    return (
      <li className="thread-item" data-testid="thread-item" data-thread-id={t.id} data-current={current}>
        <form
          className="thread-rename"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <label htmlFor={inputId} className="visually-hidden">
            Chat name
          </label>
          <input
            id={inputId}
            className="thread-rename-input"
            data-testid="thread-rename-input"
            value={draft}
            maxLength={120}
            autoFocus
            onFocus={(e) => e.currentTarget.select()}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setDraft(null);
              }
            }}
          />
          <button type="submit" className="button small primary" data-testid="thread-rename-save">
            Save
          </button>
          <button type="button" className="button small" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className="thread-item" data-testid="thread-item" data-thread-id={t.id} data-current={current}>
      <button
        type="button"
        className="thread-open"
        data-testid="thread-open"
        aria-current={current ? 'page' : undefined}
        onClick={() => onOpen(t.id)}
      >
        <span className="thread-name">{name}</span>
        <span className="thread-meta">
          {t.messageCount} {t.messageCount === 1 ? 'message' : 'messages'} · {formatUsd(t.costUsd)}
        </span>
      </button>
      <button
        type="button"
        ref={renameButton}
        className="thread-action"
        data-testid="thread-rename"
        aria-label={`Rename “${name}”`}
        title="Rename"
        onClick={() => setDraft(name)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 20h4L19 9l-4-4L4 16v4Z" />
          <path d="m13.5 6.5 4 4" />
        </svg>
      </button>
      <button
        type="button"
        className="thread-action"
        data-testid="thread-delete"
        aria-label={`Delete “${name}”`}
        title="Delete"
        onClick={() => onDelete(t.id)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13" />
        </svg>
      </button>
    </li>
  );
}
