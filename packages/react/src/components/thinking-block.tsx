'use client';
/**
 * `<ThinkingBlock>`: a reply's extended thinking, collapsed by default, with its own live rate.
 *
 * @module
 */
import { forwardRef, memo, useId, useState, type ComponentPropsWithoutRef } from 'react';
import type { ReplyThinkingPart } from '@slipstream/core';
import { formatMs, formatRate } from '../format.ts';

export interface ThinkingBlockProps extends Omit<ComponentPropsWithoutRef<'div'>, 'part'> {
  part: ReplyThinkingPart;
  /** The thinking is still arriving (its signature has not come yet). */
  streaming?: boolean;
  /** Show the thinking text at first. @default false */
  defaultOpen?: boolean;
}

/**
 * A collapsible thinking block. The header button (`aria-expanded`) says "Thinking…" with the block's
 * live rate while it streams, then how long it took; the text renders only while open, so a closed
 * block costs nothing per frame. `data-state` is `streaming`, `done` or `redacted`.
 *
 * @example
 * <ThinkingBlock part={part} streaming={message.status === 'streaming'} />
 */
export const ThinkingBlock = memo(
  forwardRef<HTMLDivElement, ThinkingBlockProps>(function ThinkingBlock({ part, streaming = false, defaultOpen = false, ...props }, ref) {
    const [open, setOpen] = useState(defaultOpen);
    const id = useId();
    const live = streaming && part.signature === null && !part.redacted;
    const { firstDeltaAt, lastDeltaAt, liveOtps } = part.metrics;
    const took = firstDeltaAt !== null && lastDeltaAt !== null ? lastDeltaAt - firstDeltaAt : null;
    const title = part.redacted ? 'Thinking (redacted)' : live ? 'Thinking…' : took !== null ? `Thought for ${formatMs(took)}` : 'Thinking';
    const state = part.redacted ? 'redacted' : live ? 'streaming' : 'done';
    return (
      <div data-slipstream="thinking" data-state={state} {...props} ref={ref}>
        <button type="button" data-part="toggle" aria-expanded={open} aria-controls={open ? id : undefined} disabled={part.redacted} onClick={() => setOpen((o) => !o)}>
          {title}
          {liveOtps.value !== null && !part.redacted && (
            <span data-part="rate">
              {' · '}
              {liveOtps.isEstimate ? '~' : ''}
              {formatRate(liveOtps.value)} tok/s
            </span>
          )}
        </button>
        {open && !part.redacted && (
          <div id={id} data-part="content">
            {part.thinking}
          </div>
        )}
      </div>
    );
  }),
);
