'use client';
/**
 * The attachment controls: a button opening the file picker, the list of picked files with previews
 * and remove buttons (with the refusal and a polite live region), a drop zone, and a paste handler.
 * Unstyled structure with `data-*` attributes; `@slipstream/react/styles.css` themes them.
 *
 * @module
 */
import { ATTACHMENT_ACCEPT, formatBytes } from '@slipstream/core/attachments';
import {
  forwardRef,
  useCallback,
  useEffect,
  useRef,
  useState,
  type ClipboardEvent,
  type ComponentPropsWithoutRef,
  type DragEvent,
  type ReactNode,
  type RefObject,
} from 'react';
import { visuallyHidden } from '../live-region.tsx';
import type { Attachment, UseAttachmentsResult } from './use-attachments.ts';

export interface AttachButtonProps extends Omit<ComponentPropsWithoutRef<'button'>, 'onClick' | 'children'> {
  attachments: UseAttachmentsResult;
  /** Button content. @default a paperclip */
  children?: ReactNode;
  /** Accessible name. @default 'Attach images or PDFs' */
  label?: string;
}

/**
 * A button that opens the file picker (JPEG, PNG, GIF, WebP, PDF; several at once) and adds the
 * chosen files. A native `<button>`: Enter and Space open the picker.
 *
 * @example
 * <AttachButton attachments={attach} />
 */
export const AttachButton = forwardRef<HTMLButtonElement, AttachButtonProps>(function AttachButton(
  { attachments, children, label = 'Attach images or PDFs', disabled, ...props },
  ref,
) {
  const input = useRef<HTMLInputElement | null>(null);
  return (
    <>
      <button type="button" data-part="attach" aria-label={label} title={label} disabled={disabled} {...props} ref={ref} onClick={() => input.current?.click()}>
        {children ?? (
          // A drawn paperclip: an emoji needs a font that has it.
          <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
            <path d="M16 7v9a4 4 0 0 1-8 0V6a2.5 2.5 0 0 1 5 0v9.5a1 1 0 0 1-2 0V8" />
          </svg>
        )}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ATTACHMENT_ACCEPT}
        data-part="attach-input"
        tabIndex={-1}
        aria-hidden="true"
        style={visuallyHidden}
        disabled={disabled}
        onChange={(e) => {
          const files = e.currentTarget.files;
          if (files && files.length > 0) void attachments.add(Array.from(files));
          // The same file may be picked again after it was removed.
          e.currentTarget.value = '';
        }}
      />
    </>
  );
});

/** `"3 pages · 120 kB"`, `"640×480 · 1.2 MB"`, `"2576×1932 · 1.1 MB · scaled down from 4.6 MB"`. */
export function attachmentSummary(a: Attachment): string {
  const bits: string[] = [];
  if (a.kind === 'pdf') bits.push(a.pages === undefined ? 'PDF' : `${a.pages} ${a.pages === 1 ? 'page' : 'pages'}`);
  else if (a.dimensions) bits.push(`${a.dimensions.width}×${a.dimensions.height}`);
  bits.push(formatBytes(a.bytes));
  if (a.resizedFrom !== undefined) bits.push(`scaled down from ${formatBytes(a.resizedFrom)}`);
  return bits.join(' · ');
}

export interface AttachmentListProps extends Omit<ComponentPropsWithoutRef<'div'>, 'children'> {
  attachments: UseAttachmentsResult;
  /** Where focus goes when the last attachment is removed (typically the text box or the attach button). */
  returnFocusRef?: RefObject<HTMLElement | null>;
  /** Accessible name of the list. @default 'Attachments' */
  label?: string;
}

/**
 * The picked files as chips: a thumbnail for images, name, pages or pixel size, and size, each with a
 * remove button named after its file. Removing moves focus to the next chip (or `returnFocusRef`).
 * Refusals show in a `role="alert"`; additions and removals are announced politely. Renders the two
 * live regions even when empty, so the first announcement is read.
 *
 * @example
 * <AttachmentList attachments={attach} returnFocusRef={textareaRef} />
 */
export function AttachmentList({ attachments, returnFocusRef, label = 'Attachments', ...props }: AttachmentListProps): ReactNode {
  const { attachments: list, error, status, remove, dismissError } = attachments;
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const [focusAfter, setFocusAfter] = useState<number | null>(null);

  useEffect(() => {
    if (focusAfter === null) return;
    setFocusAfter(null);
    const next = list[Math.min(focusAfter, list.length - 1)];
    const target = next ? buttons.current.get(next.id) : returnFocusRef?.current;
    target?.focus();
  }, [focusAfter, list, returnFocusRef]);

  const onRemove = useCallback(
    (id: string, index: number) => {
      remove(id);
      setFocusAfter(index);
    },
    [remove],
  );

  return (
    <div data-slipstream="attachments" data-count={list.length} {...props}>
      {list.length > 0 ? (
        <ul aria-label={label} data-part="attachment-list">
          {list.map((a, i) => (
            <li key={a.id} data-part="attachment" data-kind={a.kind} data-status={a.status} aria-busy={a.status === 'reading' || undefined}>
              {a.previewUrl ? (
                <img data-part="thumbnail" src={a.previewUrl} alt="" width={40} height={40} />
              ) : (
                <span data-part="file-icon" aria-hidden="true">
                  {a.kind === 'pdf' ? 'PDF' : 'IMG'}
                </span>
              )}
              <span data-part="attachment-text">
                <span data-part="attachment-name">{a.name}</span>
                <span data-part="attachment-meta">{a.status === 'reading' ? 'Reading…' : attachmentSummary(a)}</span>
              </span>
              <button
                type="button"
                data-part="remove"
                aria-label={`Remove ${a.name}`}
                title={`Remove ${a.name}`}
                ref={(el) => {
                  if (el) buttons.current.set(a.id, el);
                  else buttons.current.delete(a.id);
                }}
                onClick={() => onRemove(a.id, i)}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div role="alert" data-part="attachment-error">
        {error ? (
          <>
            <span>{error}</span>
            <button type="button" data-part="dismiss" aria-label="Dismiss" onClick={dismissError}>
              <span aria-hidden="true">×</span>
            </button>
          </>
        ) : null}
      </div>
      <div role="status" style={visuallyHidden}>
        {status}
      </div>
    </div>
  );
}

/** Files in a drag or a clipboard, if it carries any. */
function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  return Array.from(data.files);
}

/**
 * An `onPaste` handler adding pasted files (a screenshot, files copied in a file manager); pasted
 * text is left to the text box.
 *
 * @example
 * <textarea onPaste={pasteAttachments(attach)} />
 */
export function pasteAttachments(attachments: Pick<UseAttachmentsResult, 'add'>): (e: ClipboardEvent<HTMLElement>) => void {
  return (e) => {
    const files = filesOf(e.clipboardData);
    if (files.length === 0) return;
    e.preventDefault();
    void attachments.add(files);
  };
}

export interface AttachmentDropZoneProps extends ComponentPropsWithoutRef<'div'> {
  attachments: UseAttachmentsResult;
  /** Ignore drops (and show nothing) while set. */
  disabled?: boolean;
  /** Shown over the zone while files are dragged over it. @default 'Drop images or PDFs to attach' */
  hint?: ReactNode;
}

/**
 * A container that takes dropped files: `data-dragging` is set while files are over it, with an
 * overlay hint. Dragging is a pointer gesture; the {@link AttachButton} and paste are the keyboard
 * paths.
 *
 * @example
 * <AttachmentDropZone attachments={attach}><Composer … /></AttachmentDropZone>
 */
export const AttachmentDropZone = forwardRef<HTMLDivElement, AttachmentDropZoneProps>(function AttachmentDropZone(
  { attachments, disabled = false, hint = 'Drop images or PDFs to attach', children, ...props },
  ref,
) {
  // dragenter/dragleave fire for every child crossed: count them to know when the drag really left.
  const depth = useRef(0);
  const [dragging, setDragging] = useState(false);
  const carriesFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  return (
    <div
      data-slipstream="drop-zone"
      data-dragging={dragging || undefined}
      {...props}
      ref={ref}
      onDragEnter={(e) => {
        props.onDragEnter?.(e);
        if (disabled || !carriesFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        props.onDragOver?.(e);
        if (disabled || !carriesFiles(e)) return;
        // Without this the browser opens the file instead of dropping it here.
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        props.onDragLeave?.(e);
        if (disabled || !carriesFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        props.onDrop?.(e);
        depth.current = 0;
        setDragging(false);
        if (disabled) return;
        const files = filesOf(e.dataTransfer);
        if (files.length === 0) return;
        e.preventDefault();
        void attachments.add(files);
      }}
    >
      {children}
      {dragging ? (
        <div data-part="drop-hint" aria-hidden="true">
          {hint}
        </div>
      ) : null}
    </div>
  );
});
