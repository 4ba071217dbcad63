'use client';
/**
 * `<StreamingMarkdown>`: markdown that keeps up with fast models.
 *
 * @module
 */

import { forwardRef, memo, useMemo, useState, type ComponentPropsWithoutRef, type CSSProperties, type ReactNode } from 'react';
import { createBlockLexer, type Block } from './blocks.ts';
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
  /**
   * The text ended early and will not grow: a stopped or failed reply, or one cut at `max_tokens`. Its
   * last block is rendered like a streaming tail (an open `**` as bold, an open fence as code, a half
   * link as its text), so cut-off markup never shows raw, but every block is final (settled, and
   * `data-state="partial"`). Ignored while `streaming`. Default `false`.
   */
  partial?: boolean;
  /** Highlights finished code blocks only (see {@link MarkdownRenderOptions.highlight}). */
  highlight?: (code: string, lang: string) => ReactNode;
  /** `target` for links, e.g. `_blank`. Links always get `rel="noopener noreferrer nofollow"`. */
  linkTarget?: string;
  /** Announce finished sentences in a polite live region. Default `false` (`<Message>` turns it on). */
  announce?: boolean;
  /**
   * Let the browser skip style, layout and paint for settled chunks of blocks that are off screen
   * (`content-visibility: auto`, sizes remembered with `contain-intrinsic-size: auto`). Each chunk is
   * then its own formatting context: its last block's bottom margin is dropped so the gap between
   * chunks is the next block's top margin. `false` renders chunks as plain divs. Default `true`.
   */
  skipOffscreen?: boolean;
}

/** Blocks per chunk: a settled chunk is one memoized element, so a frame touches ~n/32 + 32 elements. */
const CHUNK_SIZE = 32;
const OPEN_STYLE: CSSProperties = { display: 'flow-root' };
const SETTLED_STYLE: CSSProperties = { display: 'flow-root', contentVisibility: 'auto', containIntrinsicSize: 'auto 500px' };

interface ChunkProps {
  blocks: readonly Block[];
  from: number;
  to: number;
  /** Index of the streaming tail block, or -1. */
  tail: number;
  /** Every block in the chunk is final. */
  settled: boolean;
  skipOffscreen: boolean;
  opts: MarkdownRenderOptions;
}

function holdsTail(p: ChunkProps): boolean {
  return p.tail >= p.from && p.tail < p.to;
}

/** A run of blocks. Settled chunks re-render only if their blocks were replaced (a new text). */
const Chunk = memo(
  function Chunk({ blocks, from, to, tail, settled, skipOffscreen, opts }: ChunkProps) {
    const items: ReactNode[] = [];
    for (let i = from; i < to; i++) {
      items.push(<MemoBlock key={i} block={blocks[i]!} partial={i === tail} flush={skipOffscreen && i === to - 1} opts={opts} />);
    }
    // With skipping on, every chunk is its own formatting context from the start (so settling changes
    // no layout); its last block's bottom margin is dropped and the next chunk's first top margin
    // makes the gap. Settled chunks add content-visibility, so off screen they cost nothing.
    let style: CSSProperties | undefined;
    if (skipOffscreen) style = settled ? SETTLED_STYLE : OPEN_STYLE;
    return (
      <div data-md="chunk" data-state={settled ? 'settled' : 'open'} style={style}>
        {items}
      </div>
    );
  },
  (a, b) =>
    a.settled &&
    b.settled &&
    // A cut-off text's settled last chunk renders its tail as partial: re-render when that changes.
    holdsTail(a) === holdsTail(b) &&
    a.from === b.from &&
    a.to === b.to &&
    a.opts === b.opts &&
    a.skipOffscreen === b.skipOffscreen &&
    a.blocks[a.from] === b.blocks[b.from] &&
    a.blocks[a.to - 1] === b.blocks[b.to - 1],
);

/**
 * Renders streamed markdown safely and cheaply: block-level lexing with finished blocks memoized, only
 * the tail block re-parsed per frame. Blocks are grouped in chunks of 32; a settled chunk is a single
 * memoized element, and off screen the browser may skip it (`content-visibility: auto`). Raw HTML renders as text, images as their alt text, and only
 * `http:`, `https:` and `mailto:` links become `<a>`.
 *
 * @example
 * <StreamingMarkdown streaming={status === 'streaming'}>{text}</StreamingMarkdown>
 */
export const StreamingMarkdown = forwardRef<HTMLDivElement, StreamingMarkdownProps>(function StreamingMarkdown(
  { children, streaming = false, partial = false, highlight, linkTarget, announce = false, skipOffscreen = true, ...props },
  ref,
) {
  // One lexer per mounted component; it caches finished blocks between frames.
  const [lex] = useState(() => createBlockLexer());
  const { blocks, stableCount } = lex(children);
  const opts = useMemo<MarkdownRenderOptions>(() => ({ highlight, linkTarget }), [highlight, linkTarget]);
  const settledUpTo = streaming ? stableCount : blocks.length;
  // A cut-off text keeps its last block rendered as a tail, though nothing more will arrive.
  const tail = streaming || partial ? blocks.length - 1 : -1;
  const chunks: ReactNode[] = [];
  for (let from = 0; from < blocks.length; from += CHUNK_SIZE) {
    const to = Math.min(from + CHUNK_SIZE, blocks.length);
    const settled = to <= settledUpTo && (to - from === CHUNK_SIZE || !streaming);
    chunks.push(
      <Chunk
        key={from}
        blocks={blocks}
        from={from}
        to={to}
        tail={tail}
        settled={settled}
        skipOffscreen={skipOffscreen}
        opts={opts}
      />,
    );
  }
  const root = (
    <div data-slipstream="markdown" data-state={streaming ? 'streaming' : partial ? 'partial' : 'complete'} {...props} ref={ref}>
      {chunks}
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
