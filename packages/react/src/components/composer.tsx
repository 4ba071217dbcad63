'use client';
/**
 * `<Composer>`: the message box. Enter sends, Shift+Enter is a newline, Escape stops.
 *
 * @module
 */
import {
  forwardRef,
  useState,
  type ComponentPropsWithoutRef,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  type TextareaHTMLAttributes,
} from 'react';
import { isActive, type StreamStatus } from '../types.ts';

export type ComposerState = 'idle' | 'busy' | 'disabled';

export interface ComposerProps extends Omit<ComponentPropsWithoutRef<'form'>, 'onSubmit'> {
  /** Called with the trimmed text. Return `false` to keep the text in the box. */
  onSend: (text: string) => void | boolean;
  /** Stops the reply in flight (Escape, or the Stop button). */
  onStop?: () => void;
  /** The stream status: while `submitted`/`streaming` the composer is busy (no sending, Stop shown). */
  status?: StreamStatus;
  /** Disables the whole composer. */
  disabled?: boolean;
  /** Controlled text. */
  value?: string;
  /** Initial text when uncontrolled. */
  defaultValue?: string;
  onValueChange?: (value: string) => void;
  placeholder?: string;
  /** Accessible name of the text box. Default `Message`. */
  label?: string;
  sendLabel?: string;
  stopLabel?: string;
  /** Extra props for the `<textarea>`. */
  textareaProps?: TextareaHTMLAttributes<HTMLTextAreaElement>;
  /** Shown above the text box, inside the form: the attachment list (`@slipstream/react/attachments`). */
  attachments?: ReactNode;
  /** Extra controls before Stop/Send: an attach button. */
  actions?: ReactNode;
  /**
   * Whether Send may be used, instead of "there is text": pass `text !== '' || attachments ready` so a
   * message of attachments alone can be sent, and `false` while a file is being read. Busy and
   * disabled still win. `onSend` then gets `''` when the box is empty.
   */
  canSend?: boolean;
}

/**
 * A form with a textarea, a Send button and (while busy) a Stop button. Enter sends, Shift+Enter adds a
 * newline, Escape stops; IME composition is respected. `data-state` is `idle`, `busy` or `disabled`.
 *
 * @example
 * <Composer status={chat.status} onSend={chat.send} onStop={chat.stop} />
 */
export const Composer = forwardRef<HTMLFormElement, ComposerProps>(function Composer(
  {
    onSend,
    onStop,
    status = 'idle',
    disabled = false,
    value: valueProp,
    defaultValue = '',
    onValueChange,
    placeholder = 'Send a message',
    label = 'Message',
    sendLabel = 'Send',
    stopLabel = 'Stop',
    textareaProps,
    attachments,
    actions,
    canSend: canSendProp,
    ...props
  },
  ref,
) {
  const [uncontrolled, setUncontrolled] = useState(defaultValue);
  const controlled = valueProp !== undefined;
  const value = controlled ? valueProp : uncontrolled;
  const setValue = (v: string): void => {
    if (!controlled) setUncontrolled(v);
    onValueChange?.(v);
  };
  const busy = isActive(status);
  const state: ComposerState = disabled ? 'disabled' : busy ? 'busy' : 'idle';
  const canSend = !disabled && !busy && (canSendProp ?? value.trim().length > 0);

  const send = (): void => {
    if (!canSend) return;
    if (onSend(value.trim()) !== false) setValue('');
  };

  return (
    <form
      data-slipstream="composer"
      data-state={state}
      aria-busy={busy || undefined}
      {...props}
      ref={ref}
      onSubmit={(e: FormEvent<HTMLFormElement>) => {
        e.preventDefault();
        send();
      }}
    >
      {attachments}
      <textarea
        aria-label={label}
        placeholder={placeholder}
        rows={1}
        data-part="input"
        {...textareaProps}
        value={value}
        disabled={disabled}
        onChange={(e) => {
          textareaProps?.onChange?.(e);
          setValue(e.target.value);
        }}
        onKeyDown={(e: KeyboardEvent<HTMLTextAreaElement>) => {
          textareaProps?.onKeyDown?.(e);
          if (e.defaultPrevented) return;
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === 'Escape' && busy && onStop) {
            e.preventDefault();
            onStop();
          }
        }}
      />
      {actions}
      {busy && onStop && (
        <button type="button" data-part="stop" onClick={onStop} disabled={disabled}>
          {stopLabel}
        </button>
      )}
      <button type="submit" data-part="send" disabled={!canSend}>
        {sendLabel}
      </button>
    </form>
  );
});
