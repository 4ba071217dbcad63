import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createBlockLexer, lexBlocks } from '../src/markdown/blocks.ts';
import { parseInline } from '../src/markdown/inline.ts';
import { StreamingMarkdown } from '../src/markdown/streaming-markdown.tsx';

afterEach(cleanup);

const html = (md: string, streaming = false): string =>
  render(<StreamingMarkdown streaming={streaming}>{md}</StreamingMarkdown>).container.innerHTML;

describe('block lexer', () => {
  it('lexes headings, paragraphs, lists, tables, code, quotes, rules', () => {
    const md = [
      '# Title',
      '',
      'Some *text* here',
      'continues.',
      '',
      '- one',
      '- two',
      '  - nested',
      '',
      '1. first',
      '2. second',
      '',
      '| a | b |',
      '|:--|--:|',
      '| 1 | 2 |',
      '',
      '```ts',
      'const x = 1;',
      '```',
      '',
      '> quoted',
      '',
      '---',
    ].join('\n');
    const types = lexBlocks(md).map((b) => b.type);
    expect(types).toEqual(['heading', 'paragraph', 'list', 'list', 'table', 'code', 'blockquote', 'hr']);
  });

  it('keeps finished blocks as the same objects while the tail grows', () => {
    const lex = createBlockLexer();
    const a = lex('# Title\n\nFirst para.\n\nSecond');
    const b = lex('# Title\n\nFirst para.\n\nSecond para is longer');
    expect(b.blocks[0]).toBe(a.blocks[0]);
    expect(b.blocks[1]).toBe(a.blocks[1]);
    expect(b.blocks[2]).not.toBe(a.blocks[2]);
    expect(b.stableCount).toBe(2);
  });

  it('re-lexes the block before an unfinished line that may join it', () => {
    const lex = createBlockLexer();
    lex('para\n#');
    const r = lex('para\n#tag');
    expect(r.blocks.map((b) => b.type)).toEqual(['paragraph']);
    expect((r.blocks[0] as { text: string }).text).toBe('para\n#tag');
  });

  it('matches a full lex for every prefix of a document (incremental == batch)', () => {
    const md =
      '# H\n\nPara with **bold** and `code`.\n\n- a\n- b\n  1. c\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```js\nlet a;\n```\n\n> q\n> r\n\nEnd *it*.\n';
    const lex = createBlockLexer();
    for (let n = 0; n <= md.length; n++) {
      const prefix = md.slice(0, n);
      const inc = lex(prefix).blocks.map((b) => [b.type, b.raw]);
      const full = lexBlocks(prefix).map((b) => [b.type, b.raw]);
      expect(inc, `prefix ${JSON.stringify(prefix)}`).toEqual(full);
    }
  });

  it('starts over when the text is replaced', () => {
    const lex = createBlockLexer();
    lex('# A\n\nb');
    expect(lex('x\n\ny').blocks.map((b) => b.raw)).toEqual(['x', 'y']);
  });
});

describe('inline parser', () => {
  it('parses emphasis, code, links, strikethrough', () => {
    expect(parseInline('a **b** *c* `d` ~~e~~ [f](https://x.io)')).toEqual([
      { type: 'text', value: 'a ' },
      { type: 'strong', children: [{ type: 'text', value: 'b' }] },
      { type: 'text', value: ' ' },
      { type: 'em', children: [{ type: 'text', value: 'c' }] },
      { type: 'text', value: ' ' },
      { type: 'code', value: 'd' },
      { type: 'text', value: ' ' },
      { type: 'del', children: [{ type: 'text', value: 'e' }] },
      { type: 'text', value: ' ' },
      { type: 'link', href: 'https://x.io', children: [{ type: 'text', value: 'f' }] },
    ]);
  });
  it('leaves intraword underscores and lone stars alone', () => {
    expect(parseInline('snake_case_name and 2 * 3')).toEqual([{ type: 'text', value: 'snake_case_name and 2 * 3' }]);
  });
  it('treats unclosed syntax as literal in finished blocks, completed at a streaming tail', () => {
    expect(parseInline('a **b')).toEqual([{ type: 'text', value: 'a **b' }]);
    expect(parseInline('a **b', true)).toEqual([
      { type: 'text', value: 'a ' },
      { type: 'strong', children: [{ type: 'text', value: 'b' }] },
    ]);
    expect(parseInline('see [docs](https://exa', true)).toEqual([{ type: 'text', value: 'see docs' }]);
    expect(parseInline('run `npm i', true)).toEqual([
      { type: 'text', value: 'run ' },
      { type: 'code', value: 'npm i' },
    ]);
  });
});

describe('<StreamingMarkdown>', () => {
  it('renders the structure', () => {
    const { container } = render(
      <StreamingMarkdown>{'## Hi\n\n- [x] done\n- [ ] todo\n\n1. a\n   - b\n\n```py\nprint(1)\n```'}</StreamingMarkdown>,
    );
    expect(container.querySelector('h2')?.textContent).toBe('Hi');
    expect(container.querySelectorAll('input[type=checkbox]')).toHaveLength(2);
    expect(container.querySelector('ol ul li')?.textContent).toBe('b');
    const pre = container.querySelector('pre')!;
    expect(pre.dataset.language).toBe('py');
    expect(pre.dataset.state).toBe('closed');
    expect(pre.querySelector('code')?.className).toBe('language-py');
  });

  it('shows an unclosed fence as code mid-stream', () => {
    const out = html('Intro\n\n```js\nconst a = "**not bold**";\nfor (', true);
    expect(out).toContain('data-state="open"');
    expect(out).toContain('const a = "**not bold**";\nfor (');
    expect(out).not.toContain('<strong>');
  });

  it('renders half table rows and a table whose delimiter row is still arriving', () => {
    const { container } = render(<StreamingMarkdown streaming>{'| a | b | c |\n|---|---|---|\n| 1 | 2'}</StreamingMarkdown>);
    const cells = [...container.querySelectorAll('tbody td')].map((td) => td.textContent);
    expect(cells).toEqual(['1', '2', '']);
    const early = render(<StreamingMarkdown streaming>{'| a | b |\n|--'}</StreamingMarkdown>).container;
    expect([...early.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['a', 'b']);
  });

  it('renders a dangling ** as bold while streaming and literally once done', () => {
    expect(html('This is **important', true)).toContain('<strong>important</strong>');
    expect(html('This is **important', false)).toContain('This is **important');
    expect(html('Trailing **', true)).not.toContain('**');
  });

  it('renders a cut-off text (partial) like a streaming tail, with every block final', () => {
    const { container } = render(<StreamingMarkdown partial>{'Done para.\n\nTrailing **bold and `code'}</StreamingMarkdown>);
    const root = container.firstElementChild!;
    expect(root.getAttribute('data-state')).toBe('partial');
    expect(root.textContent).not.toContain('**');
    expect(root.querySelector('strong')?.textContent).toBe('bold and code');
    expect([...root.querySelectorAll('[data-md="chunk"]')].every((c) => c.getAttribute('data-state') === 'settled')).toBe(true);
  });

  it('highlights only finished code blocks', () => {
    const calls: string[] = [];
    const highlight = (code: string): string => {
      calls.push(code);
      return `HL(${code})`;
    };
    const { rerender, container } = render(
      <StreamingMarkdown streaming highlight={highlight}>
        {'```js\nlet a'}
      </StreamingMarkdown>,
    );
    expect(calls).toEqual([]);
    rerender(
      <StreamingMarkdown streaming highlight={highlight}>
        {'```js\nlet a = 1;\n```\n'}
      </StreamingMarkdown>,
    );
    expect(calls).toEqual(['let a = 1;']);
    expect(container.textContent).toContain('HL(let a = 1;)');
  });

  it('does not re-render finished blocks when the tail grows', async () => {
    let paragraphRenders = 0;
    const { Profiler } = await import('react');
    const base = Array.from({ length: 50 }, (_, i) => `Paragraph ${i} is done.`).join('\n\n');
    const { rerender, container } = render(
      <Profiler id="md" onRender={() => paragraphRenders++}>
        <StreamingMarkdown streaming>{base + '\n\nTail'}</StreamingMarkdown>
      </Profiler>,
    );
    const first = container.querySelectorAll('p')[0];
    for (const tail of ['Tail grows', 'Tail grows more', 'Tail grows more and more']) {
      rerender(
        <Profiler id="md" onRender={() => paragraphRenders++}>
          <StreamingMarkdown streaming>{`${base}\n\n${tail}`}</StreamingMarkdown>
        </Profiler>,
      );
    }
    // Same DOM node for a finished block, and it was never re-rendered (text unchanged).
    expect(container.querySelectorAll('p')[0]).toBe(first);
    expect(container.querySelectorAll('p')).toHaveLength(51);
    expect(container.querySelectorAll('p')[50]!.textContent).toBe('Tail grows more and more');
  });
});

describe('per-frame cost', () => {
  it('lexes only the tail: work per frame does not grow with the reply', () => {
    const para = (i: number) => `Paragraph ${i} has a few words, **some bold**, and a [link](https://example.com/${i}).`;
    const doc = Array.from({ length: 300 }, (_, i) => (i % 25 === 0 ? `## Section ${i}\n\n| a | b |\n|---|---|\n| ${i} | x |` : para(i))).join('\n\n');
    const lexed: number[] = [];
    const lex = createBlockLexer({ onLex: (_from, length) => lexed.push(length) });
    for (let n = 8; n <= doc.length; n += 8) lex(doc.slice(0, n));
    // The longest block plus a chunk bounds every frame's work, even at 30,000+ characters.
    const longestBlock = Math.max(...lexBlocks(doc).map((b) => b.raw.length));
    expect(doc.length).toBeGreaterThan(25_000);
    expect(Math.max(...lexed)).toBeLessThanOrEqual(longestBlock + 2 + 8);
    // The last frames cost the same as the first ones.
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(lexed.slice(-200))).toBeLessThan(avg(lexed.slice(0, 200)) * 2);
  });
});

describe('chunks', () => {
  const paras = (n: number) => Array.from({ length: n }, (_, i) => `Paragraph ${i}.`).join('\n\n');
  it('groups blocks in chunks; settled chunks may be skipped off screen, with no layout change on settling', () => {
    const { container, rerender } = render(<StreamingMarkdown streaming>{`${paras(70)}\n\nTail`}</StreamingMarkdown>);
    const chunks = [...container.querySelectorAll<HTMLElement>('[data-md="chunk"]')];
    expect(chunks.map((c) => c.dataset.state)).toEqual(['settled', 'settled', 'open']);
    expect(chunks[0]!.style.getPropertyValue('content-visibility')).toBe('auto');
    expect(chunks[2]!.style.getPropertyValue('content-visibility')).toBe('');
    // Open and settled chunks are both formatting contexts, so settling does not move anything.
    expect(chunks.map((c) => c.style.display)).toEqual(['flow-root', 'flow-root', 'flow-root']);
    // The last block of each chunk drops its bottom margin (it cannot collapse across the boundary).
    const ps = [...container.querySelectorAll<HTMLElement>('p')];
    expect(ps).toHaveLength(71);
    expect(ps[31]!.style.marginBottom).toBe('0px');
    expect(ps[30]!.style.marginBottom).toBe('');
    expect(ps[32]!.style.marginTop).toBe('');
    rerender(
      <StreamingMarkdown streaming skipOffscreen={false}>
        {`${paras(70)}\n\nTail`}
      </StreamingMarkdown>,
    );
    expect(container.querySelector<HTMLElement>('[data-md="chunk"]')!.getAttribute('style')).toBeNull();
    expect(container.querySelectorAll<HTMLElement>('p')[31]!.getAttribute('style')).toBeNull();
  });
  it('settles every chunk when the stream ends', () => {
    const { container } = render(<StreamingMarkdown>{paras(40)}</StreamingMarkdown>);
    expect([...container.querySelectorAll<HTMLElement>('[data-md="chunk"]')].map((c) => c.dataset.state)).toEqual(['settled', 'settled']);
  });
});
