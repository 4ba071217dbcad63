'use client';
/**
 * `<MessageParts>`: a message's parts in order: text as streaming markdown, thinking blocks, tool call
 * cards (or the app's own renderer per tool name), images and documents, with a step divider before each
 * step of a multi-step reply.
 *
 * @module
 */
import { Fragment, memo, useCallback, type ReactNode } from 'react';
import {
  formatBytes,
  type ChatToolCallPart,
  type FastChatMessage,
  type FastChatPart,
  type ReplyStep,
  type ReplyThinkingPart,
  type ToolResultInput,
} from '@slipstream/core';
import { StreamingMarkdown } from '../markdown/streaming-markdown.tsx';
import { useRichParts } from './rich-parts-loader.ts';
import type { ToolRenderers } from './tool-call.tsx';

/** What the tool parts of a message can do: pass `chat.approve`, `chat.deny`, `chat.addToolResult`. */
export interface ToolHandlers {
  onApprove?: (toolCallId: string) => void;
  onDeny?: (toolCallId: string, reason?: string) => void;
  onToolResult?: (toolCallId: string, result: ToolResultInput) => void;
}

export interface MessagePartsProps extends ToolHandlers {
  message: FastChatMessage;
  /** Renderers by tool name, instead of the default card. Keep the object stable. */
  toolRenderers?: ToolRenderers;
  /** Passed to `<StreamingMarkdown>`. */
  highlight?: (code: string, lang: string) => ReactNode;
  linkTarget?: string;
}

/** Bytes a base64 string decodes to. */
const decodedBytes = (b64: string): number => Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The parts of one message, in order. Every part is its own memoized element keyed by step and index,
 * so only the part that is streaming re-renders each frame; finished parts are skipped.
 *
 * The tool call card, thinking block and step divider are a chunk of their own, loaded the first time a
 * message has such a part (a text-only chat never loads it); until it arrives, each such part shows a
 * one-line placeholder (`data-slipstream="part-loading"`, `data-for` naming the view it stands for).
 *
 * @example
 * <MessageParts message={m} toolRenderers={renderers} onApprove={chat.approve} onDeny={chat.deny} />
 */
export function MessageParts({ message, toolRenderers, highlight, linkTarget, ...handlers }: MessagePartsProps): ReactNode {
  const inFlight = message.status === 'submitted' || message.status === 'streaming';
  // Stopped, failed or cut at max_tokens: the last part's text may end mid-markup and renders like a
  // streaming tail.
  const cut = message.status === 'aborted' || message.status === 'error' || (message.status === 'done' && message.stopReason === 'max_tokens');
  const parts = message.parts.length > 0 || message.content === '' ? message.parts : [{ type: 'text' as const, text: message.content }];
  const stepped = message.steps.length > 1;
  const last = parts.length - 1;
  let shownStep = -1;
  return parts.map((part, i) => {
    const key = 'step' in part ? `${part.step}:${part.index}` : `u${i}`;
    let divider: ReactNode = null;
    if (stepped && 'step' in part && part.step !== shownStep) {
      shownStep = part.step;
      const step = findStep(message.steps, part.step);
      if (step) divider = <StepPart step={step} />;
    }
    return (
      <Fragment key={key}>
        {divider}
        <PartView
          part={part}
          role={message.role}
          streaming={inFlight && i === last}
          partial={cut && i === last}
          inFlight={inFlight}
          toolRenderers={toolRenderers}
          highlight={highlight}
          linkTarget={linkTarget}
          {...handlers}
        />
      </Fragment>
    );
  });
}

function findStep(steps: readonly ReplyStep[], n: number): ReplyStep | undefined {
  const at = steps[n];
  return at !== undefined && at.step === n ? at : steps.find((s) => s.step === n);
}

interface PartViewProps extends ToolHandlers {
  part: FastChatPart;
  role: FastChatMessage['role'];
  /** This part is the one receiving deltas. */
  streaming: boolean;
  /** This part was the one receiving deltas when the reply was stopped or failed. */
  partial: boolean;
  /** The message is in flight (a thinking block before the streaming part may still await its signature). */
  inFlight: boolean;
  toolRenderers: ToolRenderers | undefined;
  highlight: ((code: string, lang: string) => ReactNode) | undefined;
  linkTarget: string | undefined;
}

const PartView = memo(function PartView({ part, role, streaming, partial, inFlight, toolRenderers, highlight, linkTarget, ...handlers }: PartViewProps): ReactNode {
  switch (part.type) {
    case 'text':
      if (role === 'user') return <div data-part="text">{part.text}</div>;
      return (
        <StreamingMarkdown streaming={streaming} partial={partial} announce {...(highlight ? { highlight } : {})} {...(linkTarget ? { linkTarget } : {})}>
          {part.text}
        </StreamingMarkdown>
      );
    case 'thinking':
      return <ThinkingPart part={part} streaming={inFlight} />;
    case 'tool_call':
      return <ToolPart part={part} toolRenderers={toolRenderers} {...handlers} />;
    case 'image':
      // Only the image types the protocol allows, as a data URL: nothing here can run script.
      return IMAGE_TYPES.has(part.mediaType) ? (
        <img data-part="image" src={`data:${part.mediaType};base64,${part.data}`} alt={part.name ?? 'Attached image'} />
      ) : null;
    case 'document':
      return (
        <div data-part="document" data-media-type={part.mediaType}>
          {part.name ?? (part.mediaType === 'application/pdf' ? 'PDF document' : 'Text document')}
          {part.mediaType === 'application/pdf' ? <span data-part="document-meta"> · {formatBytes(decodedBytes(part.data))}</span> : null}
        </div>
      );
  }
});

function ToolPart({ part, toolRenderers, onApprove, onDeny, onToolResult }: ToolHandlers & { part: ChatToolCallPart; toolRenderers: ToolRenderers | undefined }): ReactNode {
  const id = part.toolCallId;
  const approve = useCallback(() => onApprove?.(id), [onApprove, id]);
  const deny = useCallback((reason?: string) => onDeny?.(id, reason), [onDeny, id]);
  const addResult = useCallback((result: ToolResultInput) => onToolResult?.(id, result), [onToolResult, id]);
  const Custom = toolRenderers !== undefined && Object.hasOwn(toolRenderers, part.name) ? toolRenderers[part.name] : undefined;
  if (Custom) return <Custom part={part} approve={approve} deny={deny} addResult={addResult} />;
  return <DefaultToolCard part={part} onApprove={onApprove} onDeny={onDeny} />;
}

// The views below render their lazily loaded component once its chunk is there (at once on every later
// mount), and a placeholder of about the same height until then.

function DefaultToolCard({ part, onApprove, onDeny }: Pick<ToolHandlers, 'onApprove' | 'onDeny'> & { part: ChatToolCallPart }): ReactNode {
  const views = useRichParts();
  if (!views) return <PartLoading of="tool-call" status>{`Tool ${part.name}: loading…`}</PartLoading>;
  return <views.ToolCallCard part={part} {...(onApprove ? { onApprove } : {})} {...(onDeny ? { onDeny } : {})} />;
}

function ThinkingPart({ part, streaming }: { part: ReplyThinkingPart; streaming: boolean }): ReactNode {
  const views = useRichParts();
  // "Thinking…" only while this block is still arriving, as the block itself says.
  if (!views) return <PartLoading of="thinking" status>{streaming && part.signature === null && !part.redacted ? 'Thinking…' : 'Thinking'}</PartLoading>;
  return <views.ThinkingBlock part={part} streaming={streaming} />;
}

/** Memoized like the divider itself: a settled step's divider is skipped while the next step streams. */
const StepPart = memo(function StepPart({ step }: { step: ReplyStep }): ReactNode {
  const views = useRichParts();
  if (!views) return <PartLoading of="step-divider">{`Step ${step.step + 1}`}</PartLoading>;
  return <views.StepDivider step={step} />;
});

/** A one-line stand-in; a polite status for tool calls and thinking, so the wait is not silent. */
function PartLoading({ of, status = false, children }: { of: 'tool-call' | 'thinking' | 'step-divider'; status?: boolean; children: string }): ReactNode {
  return (
    <div data-slipstream="part-loading" data-for={of} role={status ? 'status' : undefined}>
      {children}
    </div>
  );
}
