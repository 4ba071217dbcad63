'use client';
/**
 * A polite live region for streamed text: it announces each finished sentence or block once, never each
 * token. The streamed text itself is rendered outside any live region.
 *
 * @module
 */

import { forwardRef, useEffect, useRef, useState, type ComponentPropsWithoutRef } from 'react';

/** Visually hidden but read by screen readers. */
export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;

/**
 * Offset just after the last finished sentence or block in `text`, or `from` if none.
 * A sentence ends at `.`, `!`, `?` or `…` followed by whitespace; a block ends at a blank line.
 * When `done`, the whole text counts as finished.
 */
export function lastBoundary(text: string, from: number, done: boolean): number {
  if (done) return text.length;
  let end = from;
  const re = /[.!?…]["')\]]*\s|\n\s*\n|```\s*\n/g;
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) end = m.index + m[0].length;
  return end;
}

/** Markdown marks are noise when read aloud. */
export function speakable(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)?/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_~`|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface LiveAnnouncerProps extends Omit<ComponentPropsWithoutRef<'div'>, 'children'> {
  /** The whole streamed text so far. */
  text: string;
  /** Whether the stream has ended (the rest is announced at once). */
  done: boolean;
}

/**
 * Visually hidden `aria-live="polite"` region. Its content changes only when a sentence or block
 * finishes (or the stream ends), so a screen reader hears whole sentences at a calm pace.
 *
 * @example
 * <LiveAnnouncer text={state.text} done={state.status !== 'streaming'} />
 */
export const LiveAnnouncer = forwardRef<HTMLDivElement, LiveAnnouncerProps>(function LiveAnnouncer(
  { text, done, style, ...props },
  ref,
) {
  const [announcement, setAnnouncement] = useState('');
  const announced = useRef<{ text: string; upTo: number } | null>(null);

  useEffect(() => {
    if (announced.current === null) {
      // Text that is already complete when we mount (history) is not news: announce nothing.
      announced.current = { text, upTo: done ? text.length : 0 };
      if (done) return;
    }
    const prev = announced.current;
    // A new or replaced text starts over.
    if (!text.startsWith(prev.text.slice(0, prev.upTo))) prev.upTo = 0;
    const end = lastBoundary(text, prev.upTo, done);
    if (end > prev.upTo) {
      const chunk = speakable(text.slice(prev.upTo, end));
      announced.current = { text, upTo: end };
      if (chunk) setAnnouncement(chunk);
    } else {
      announced.current = { text, upTo: prev.upTo };
    }
  }, [text, done]);

  return (
    <div
      data-slipstream="live-announcer"
      aria-live="polite"
      aria-atomic="true"
      role="status"
      {...props}
      ref={ref}
      style={{ ...visuallyHidden, ...style }}
    >
      {announcement}
    </div>
  );
});
