'use client';
/**
 * `<StreamingMarkdown>`: markdown that keeps up with fast models.
 *
 * @module
 */

import { forwardRef, useMemo, useState, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import { createBlockLexer } from './blocks.ts';
import { MemoBlock, type MarkdownRenderOptions } from './render.tsx';
import { LiveAnnouncer } from '../live-region.tsx';

export interface StreamingMarkdownProps extends Omit<ComponentPropsWithoutRef<'div'>, 'children'> {
  /** The markdown so far. Grows as the stream arrives. */
  children: string;
  /**
   * Whether more text may still arrive. The tail block then renders unfinished syntax sensibly (an
   * open fence as code, a dangling `**` as bold). Default `false`.
   */
  streaming?: boolean;
  /** Highlights finished code blocks only (see {@link MarkdownRenderOptions.highlight}). */
  highlight?: (code: string, lang: string) => ReactNode;
  /** `target` for links, e.g. `_blank`. Links always get `rel="noopener noreferrer nofollow"`. */
  linkTarget?: string;
  /** Announce finished sentences in a polite live region. Default `false` (`<Message>` turns it on). */
  announce?: boolean;
}

/**
 * Renders streamed markdown safely and cheaply: block-level lexing with finished blocks memoized, only
 * the tail block re-parsed per frame. Raw HTML renders as text, images as their alt text, and only
 * `http:`, `https:` and `mailto:` links become `<a>`.
 *
 * @example
 * <StreamingMarkdown streaming={status === 'streaming'}>{text}</StreamingMarkdown>
 */
export const StreamingMarkdown = forwardRef<HTMLDivElement, StreamingMarkdownProps>(function StreamingMarkdown(
  { children, streaming = false, highlight, linkTarget, announce = false, ...props },
  ref,
) {
  // One lexer per mounted component; it caches finished blocks between frames.
  const [lex] = useState(createBlockLexer);
  const { blocks } = lex(children);
  const opts = useMemo<MarkdownRenderOptions>(() => ({ highlight, linkTarget }), [highlight, linkTarget]);
  const root = (
    <div data-slipstream="markdown" data-state={streaming ? 'streaming' : 'complete'} {...props} ref={ref}>
      {blocks.map((block, i) => (
        <MemoBlock key={i} block={block} partial={streaming && i === blocks.length - 1} opts={opts} />
      ))}
    </div>
  );
  // The announcer sits beside the text, not inside it, so copying the reply never copies it.
  return announce ? (
    <>
      {root}
      <LiveAnnouncer text={children} done={!streaming} />
    </>
  ) : (
    root
  );
});

/** Short alias. */
export { StreamingMarkdown as Markdown };
