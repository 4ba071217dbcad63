import { cleanup, render, waitFor, fireEvent } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamingMarkdown } from '../src/markdown/streaming-markdown.tsx';
import { highlightCode, preloadHighlighter } from '../src/markdown/highlight.tsx';

afterEach(cleanup);

describe('code blocks', () => {
  it('label the language, and offer Copy only once the closing fence has arrived', () => {
    const { container, rerender } = render(<StreamingMarkdown streaming>{'```ts\nconst a = 1;'}</StreamingMarkdown>);
    expect(container.querySelector('[data-md="code-lang"]')?.textContent).toBe('ts');
    expect(container.querySelector('[data-md="code-copy"]')).toBeNull();
    // The <pre> holds only the code: selecting it never picks up the chrome.
    expect(container.querySelector('pre')?.textContent).toBe('const a = 1;');
    rerender(<StreamingMarkdown streaming>{'```ts\nconst a = 1;\n```\n'}</StreamingMarkdown>);
    expect(container.querySelector('[data-md="code-copy"]')?.textContent).toBe('Copy');
  });

  it('copies the block’s code and says so', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { container } = render(<StreamingMarkdown>{'```py\nprint(1)\n```\n'}</StreamingMarkdown>);
    fireEvent.click(container.querySelector('[data-md="code-copy"]')!);
    await waitFor(() => expect(container.querySelector('[data-md="code-copy"]')?.textContent).toBe('Copied'));
    expect(writeText).toHaveBeenCalledWith('print(1)');
  });
});

describe('highlightCode (lazy)', () => {
  it('never highlights a block that is still streaming; highlights it once closed', async () => {
    await preloadHighlighter();
    const { container, rerender } = render(
      <StreamingMarkdown streaming highlight={highlightCode}>
        {'```js\nconst answer = 42;'}
      </StreamingMarkdown>,
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(container.querySelector('pre .hljs-keyword')).toBeNull();
    rerender(
      <StreamingMarkdown streaming highlight={highlightCode}>
        {'```js\nconst answer = 42;\n```\nAfter.'}
      </StreamingMarkdown>,
    );
    await waitFor(() => expect(container.querySelector('pre .hljs-keyword')?.textContent).toBe('const'));
    // Highlighting changes colours, never the text.
    expect(container.querySelector('pre')?.textContent).toBe('const answer = 42;');
  });

  it('leaves unknown and unlabelled languages plain', async () => {
    await preloadHighlighter();
    const { container } = render(<StreamingMarkdown highlight={highlightCode}>{'```nosuchlang\nx = 1\n```\n\n```\ny\n```\n'}</StreamingMarkdown>);
    await new Promise((r) => setTimeout(r, 50));
    expect(container.querySelectorAll('pre span').length).toBe(0);
    expect([...container.querySelectorAll('pre')].map((p) => p.textContent)).toEqual(['x = 1', 'y']);
  });
});
