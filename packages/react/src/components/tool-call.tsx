'use client';
/**
 * `<ToolCallCard>`: one tool call of a reply: its name, its input streaming in pretty-printed, its
 * status (with Approve/Deny when it waits for approval), its result and how long it ran.
 *
 * @module
 */
import { forwardRef, memo, useId, useMemo, useState, type ComponentPropsWithoutRef, type ComponentType } from 'react';
import type { ChatToolCallPart, JsonValue, ToolResultInput } from '@slipstream/core';
import { formatMs, formatRate } from '../format.ts';

/** What a tool call card shows, from the call's state (`data-state` on the card). */
export type ToolCallStatus = 'pending' | 'running' | 'awaiting-approval' | 'awaiting-client' | 'done' | 'error' | 'denied' | 'cancelled';

/** The card's status and its label for a call. */
export function toolCallStatus(part: ChatToolCallPart): { status: ToolCallStatus; label: string } {
  switch (part.state) {
    case 'input-streaming':
      return { status: 'pending', label: 'Preparing input…' };
    case 'input-available':
    case 'running':
      return { status: 'running', label: part.approval?.approved ? 'Approved, running…' : 'Running…' };
    case 'awaiting-approval':
      return { status: 'awaiting-approval', label: 'Waiting for approval' };
    case 'awaiting-client':
      return { status: 'awaiting-client', label: 'Waiting for the app' };
    case 'output-available':
      return { status: 'done', label: 'Done' };
    case 'output-error':
      return part.approval?.approved === false ? { status: 'denied', label: 'Denied' } : { status: 'error', label: 'Failed' };
    case 'cancelled':
      return { status: 'cancelled', label: 'Cancelled' };
  }
}

/**
 * A JSON value pretty-printed (2 spaces); a string as it is. In an object, a string value spanning lines
 * (a file, a diff) is shown as its text, indented under its key, rather than as one escaped line.
 */
export function prettyJson(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return JSON.stringify(value, null, 2);
  const keys = Object.keys(value);
  if (!keys.some((k) => isMultiline(value[k]))) return JSON.stringify(value, null, 2);
  const lines = keys.map((k, i) => {
    const v = value[k]!;
    const sep = i < keys.length - 1 ? ',' : '';
    if (isMultiline(v)) return `  ${JSON.stringify(k)}:\n${v.replace(/^/gm, '    ')}${sep}`;
    return `  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}${sep}`;
  });
  return `{\n${lines.join('\n')}\n}`;
}

function isMultiline(v: JsonValue | undefined): v is string {
  return typeof v === 'string' && v.includes('\n');
}

/** Props a custom renderer for one tool (see `toolRenderers`) receives. */
export interface ToolRendererProps {
  part: ChatToolCallPart;
  /** Approve the call (only meaningful while it waits for approval). */
  approve: () => void;
  /** Deny the call, telling the model why when `reason` is given. */
  deny: (reason?: string) => void;
  /** Record a client tool's result (`{ output }` or `{ error }`). */
  addResult: (result: ToolResultInput) => void;
}

/**
 * Renderers by tool name, used instead of the default card: `{ get_weather: WeatherCard }`. Keep the
 * object stable (module scope or `useMemo`) so settled messages do not re-render.
 */
export type ToolRenderers = Readonly<Record<string, ComponentType<ToolRendererProps>>>;

export interface ToolCallCardProps extends Omit<ComponentPropsWithoutRef<'section'>, 'part'> {
  part: ChatToolCallPart;
  /** Shows Approve/Deny while the call waits for approval. */
  onApprove?: (toolCallId: string) => void;
  onDeny?: (toolCallId: string, reason?: string) => void;
  /** Show input and result at first. @default true */
  defaultOpen?: boolean;
}

/**
 * A tool call: name, status (`data-state` = {@link ToolCallStatus}), duration, and a body with the input
 * (pretty-printed from the tolerantly parsed input as it streams) and the result or error. The header
 * button shows or hides the body (`aria-expanded`). The status is a polite `role="status"` that changes
 * per state, never per token. Memoized: a settled card does not re-render while others stream.
 *
 * @example
 * <ToolCallCard part={part} onApprove={chat.approve} onDeny={chat.deny} />
 */
export const ToolCallCard = memo(
  forwardRef<HTMLElement, ToolCallCardProps>(function ToolCallCard({ part, onApprove, onDeny, defaultOpen = true, ...props }, ref) {
    const [open, setOpen] = useState(defaultOpen);
    const bodyId = useId();
    const { status, label } = toolCallStatus(part);
    const input = useMemo(() => (part.input === undefined ? part.inputText : prettyJson(part.input)), [part.input, part.inputText]);
    const output = useMemo(() => prettyJson(part.output), [part.output]);
    const rate = part.state === 'input-streaming' ? part.metrics.liveOtps.value : null;
    return (
      <section data-slipstream="tool-call" data-state={status} data-tool={part.name} aria-label={`Tool ${part.name}`} {...props} ref={ref}>
        <div data-part="header">
          <button type="button" data-part="toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((o) => !o)}>
            <span data-part="name">{part.name}</span>
          </button>
          <span data-part="status" role="status">
            {label}
          </span>
          {rate !== null && <span data-part="rate">~{formatRate(rate)} tok/s</span>}
          {part.durationMs !== undefined && <span data-part="duration">{formatMs(part.durationMs)}</span>}
        </div>
        <div id={bodyId} data-part="body" hidden={!open}>
          {input !== '' && (
            // Focusable: a long input scrolls, and a scroll box must be reachable by keyboard (WCAG 2.1.1).
            <pre data-part="input" aria-label="Input" tabIndex={0}>
              {input}
            </pre>
          )}
          {part.output !== undefined && (
            <pre data-part="output" aria-label="Result" tabIndex={0}>
              {output}
            </pre>
          )}
          {part.error !== undefined && <div data-part="error">{part.error}</div>}
          {part.approval?.approved === false && part.approval.reason !== undefined && part.error === undefined && (
            <div data-part="error">Denied: {part.approval.reason}</div>
          )}
        </div>
        {status === 'awaiting-approval' && (onApprove || onDeny) && (
          <div data-part="actions">
            {onApprove && (
              <button type="button" data-part="approve" aria-label={`Approve ${part.name}`} onClick={() => onApprove(part.toolCallId)}>
                Approve
              </button>
            )}
            {onDeny && (
              <button type="button" data-part="deny" aria-label={`Deny ${part.name}`} onClick={() => onDeny(part.toolCallId)}>
                Deny
              </button>
            )}
          </div>
        )}
      </section>
    );
  }),
);
