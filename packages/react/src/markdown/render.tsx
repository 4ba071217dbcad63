/**
 * React rendering of lexed markdown blocks. Everything becomes React elements with text children:
 * no `dangerouslySetInnerHTML`, no raw HTML, no images, only allow-listed link URLs.
 *
 * @module
 */

import { memo, type ReactNode } from 'react';
import type { Block } from './blocks.ts';
import { parseInline, type Inline } from './inline.ts';
import { CodeHeader } from './code-block.tsx';

/** Rendering options shared by every block. */
export interface MarkdownRenderOptions {
  /**
   * Highlights a finished code block. Called only once the closing fence has arrived, never for the
   * streaming tail, so highlighting cannot flicker or cost per frame.
   */
  highlight?: ((code: string, lang: string) => ReactNode) | undefined;
  /** `target` for rendered links. Default: none (same tab). */
  linkTarget?: string | undefined;
}

const LINK_REL = 'noopener noreferrer nofollow';

export function renderInline(nodes: readonly Inline[], opts: MarkdownRenderOptions): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.type) {
      case 'text':
        return n.value;
      case 'code':
        return (
          <code key={i} data-md="code-inline">
            {n.value}
          </code>
        );
      case 'strong':
        return <strong key={i}>{renderInline(n.children, opts)}</strong>;
      case 'em':
        return <em key={i}>{renderInline(n.children, opts)}</em>;
      case 'del':
        return <del key={i}>{renderInline(n.children, opts)}</del>;
      case 'br':
        return <br key={i} />;
      case 'image':
        return (
          <span key={i} data-md="image-alt">
            {n.alt}
          </span>
        );
      case 'link':
        return (
          <a key={i} href={n.href} rel={LINK_REL} target={opts.linkTarget}>
            {renderInline(n.children, opts)}
          </a>
        );
    }
  });
}

function Inlines({ text, partial, opts }: { text: string; partial: boolean; opts: MarkdownRenderOptions }): ReactNode {
  return <>{renderInline(parseInline(text, partial), opts)}</>;
}

export interface BlockViewProps {
  block: Block;
  /** The streaming tail: unfinished syntax is completed sensibly. */
  partial: boolean;
  opts: MarkdownRenderOptions;
  /**
   * The last block of a contained chunk: its bottom margin is dropped, since it cannot collapse with
   * the next chunk's first block (whose top margin makes the gap instead).
   */
  flush?: boolean;
}

const FLUSH_STYLE = { marginBottom: 0 } as const;

/** Renders one block. Not memoized itself; see {@link MemoBlock}. */
export function BlockView({ block, partial, opts, flush = false }: BlockViewProps): ReactNode {
  const edge = flush ? FLUSH_STYLE : undefined;
  switch (block.type) {
    case 'heading': {
      const Tag = `h${block.level}` as const;
      return (
        <Tag data-md="heading" style={edge}>
          <Inlines text={block.text} partial={partial} opts={opts} />
        </Tag>
      );
    }
    case 'paragraph':
      return (
        <p data-md="paragraph" style={edge}>
          <Inlines text={block.text} partial={partial} opts={opts} />
        </p>
      );
    case 'hr':
      return <hr data-md="hr" style={edge} />;
    case 'code': {
      const highlighted = block.closed && opts.highlight ? opts.highlight(block.code, block.lang) : null;
      // Label and copy button sit above the <pre>, so the <pre> holds only the code (selecting or
      // copying it never picks up the chrome).
      return (
        <div data-md="code-block" style={edge}>
          <CodeHeader lang={block.lang} code={block.code} closed={block.closed} />
          {/* Focusable: wide code scrolls sideways, and a scroll box must be reachable by keyboard. */}
          <pre data-md="code" data-language={block.lang || undefined} data-state={block.closed ? 'closed' : 'open'} tabIndex={0}>
            <code className={block.lang ? `language-${block.lang.replace(/[^\w-]/g, '')}` : undefined}>
              {highlighted ?? block.code}
            </code>
          </pre>
        </div>
      );
    }
    case 'blockquote':
      return (
        <blockquote data-md="blockquote" style={edge}>
          <Blocks blocks={block.blocks} partial={partial} opts={opts} />
        </blockquote>
      );
    case 'list': {
      const items = block.items.map((item, i) => {
        const tight = item.blocks.length <= 2 && item.blocks[0]?.type === 'paragraph';
        const last = i === block.items.length - 1;
        return (
          <li key={i} data-md="list-item" data-checked={item.checked === null ? undefined : String(item.checked)}>
            {item.checked !== null && (
              <input type="checkbox" checked={item.checked} disabled readOnly aria-label={item.checked ? 'done' : 'not done'} />
            )}
            {tight ? (
              <>
                <Inlines text={(item.blocks[0] as { text: string }).text} partial={partial && last && item.blocks.length === 1} opts={opts} />
                {item.blocks.length > 1 && <BlockView block={item.blocks[1]!} partial={partial && last} opts={opts} />}
              </>
            ) : (
              <Blocks blocks={item.blocks} partial={partial && last} opts={opts} />
            )}
          </li>
        );
      });
      return block.ordered ? (
        <ol data-md="list" start={block.startNumber === 1 ? undefined : block.startNumber} style={edge}>
          {items}
        </ol>
      ) : (
        <ul data-md="list" style={edge}>
          {items}
        </ul>
      );
    }
    case 'table':
      return (
        <div data-md="table-wrapper" style={edge}>
          <table data-md="table">
            <thead>
              <tr>
                {block.header.map((cell, i) => (
                  <th key={i} scope="col" style={block.align[i] ? { textAlign: block.align[i]! } : undefined}>
                    <Inlines text={cell} partial={false} opts={opts} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, i) => (
                    <td key={i} style={block.align[i] ? { textAlign: block.align[i]! } : undefined}>
                      <Inlines text={cell} partial={partial && r === block.rows.length - 1} opts={opts} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

/**
 * A finished block renders once: it re-renders only if its source text, tail flag or options change.
 * Blocks keep their object identity across frames (see `createBlockLexer`), so the check is usually a
 * pointer compare.
 */
export const MemoBlock = memo(BlockView, (a, b) => {
  return (
    (a.block === b.block || a.block.raw === b.block.raw) && a.partial === b.partial && a.opts === b.opts && a.flush === b.flush
  );
});

function Blocks({ blocks, partial, opts }: { blocks: readonly Block[]; partial: boolean; opts: MarkdownRenderOptions }): ReactNode {
  return (
    <>
      {blocks.map((b, i) => (
        <MemoBlock key={i} block={b} partial={partial && i === blocks.length - 1} opts={opts} />
      ))}
    </>
  );
}
