'use client';
/**
 * A polite live region for streamed text: it announces each finished sentence or block once, never each
 * token. The streamed text itself is rendered outside any live region.
 *
 * @module
 */

import { forwardRef, useEffect, useRef, type ComponentPropsWithoutRef } from 'react';
import { assignRef } from './assign-ref.ts';

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
  userSelect: 'none',
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
  /**
   * Shortest time between two announcements, in ms; sentences finished meanwhile are read together.
   * Default 1000: a fast model finishes several sentences a second, more than anyone can listen to.
   */
  minIntervalMs?: number;
}

/**
 * Visually hidden `aria-live="polite"` region. It speaks whole finished sentences or blocks (and the
 * rest when the stream ends), never single tokens. Its text is written to the DOM directly, so an
 * announcement costs no React render.
 *
 * @example
 * <LiveAnnouncer text={state.text} done={state.status !== 'streaming'} />
 */
export const LiveAnnouncer = forwardRef<HTMLDivElement, LiveAnnouncerProps>(function LiveAnnouncer(
  { text, done, minIntervalMs = 1000, style, ...props },
  forwardedRef,
) {
  const node = useRef<HTMLDivElement | null>(null);
  const announced = useRef<{ text: string; upTo: number } | null>(null);
  const pending = useRef('');
  const lastAt = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);

  useEffect(() => {
    const flush = (): void => {
      clearTimeout(timer.current);
      timer.current = undefined;
      if (!pending.current || !node.current) return;
      node.current.textContent = pending.current;
      pending.current = '';
      lastAt.current = Date.now();
    };
    if (announced.current === null) {
      // Text that is already complete when we mount (history) is not news: announce nothing.
      announced.current = { text, upTo: done ? text.length : 0 };
      if (done) return;
    }
    const prev = announced.current;
    // A new or replaced text starts over.
    let upTo = text.startsWith(prev.text.slice(0, prev.upTo)) ? prev.upTo : 0;
    const end = lastBoundary(text, upTo, done);
    if (end > upTo) {
      const chunk = speakable(text.slice(upTo, end));
      if (chunk) pending.current = pending.current ? `${pending.current} ${chunk}` : chunk;
      upTo = end;
    }
    announced.current = { text, upTo };
    if (!pending.current) return;
    const wait = minIntervalMs - (Date.now() - lastAt.current);
    if (done || wait <= 0) flush();
    else if (timer.current === undefined) timer.current = setTimeout(flush, wait);
  }, [text, done, minIntervalMs]);

  const setRef = (el: HTMLDivElement | null): void => {
    node.current = el;
    assignRef(forwardedRef, el);
  };

  return (
    <div
      data-slipstream="live-announcer"
      aria-live="polite"
      aria-atomic="true"
      role="status"
      {...props}
      ref={setRef}
      style={{ ...visuallyHidden, ...style }}
    />
  );
});
