import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamingMarkdown } from '../src/markdown/streaming-markdown.tsx';
import { safeHref } from '../src/markdown/safe-url.ts';
import { expectInert } from './helpers.ts';
import { XSS_PAYLOADS } from '@slipstream/sim';

afterEach(cleanup);

const CASES: [string, string][] = [
  ['script tag', 'Hello <script>alert(1)</script> world'],
  ['script block', '<script>\nalert(document.cookie)\n</script>'],
  ['img onerror', '<img src=x onerror="alert(1)">'],
  ['event handler attribute', '<div onclick="alert(1)" onmouseover=alert(2)>hover</div>'],
  ['javascript link', '[click](javascript:alert(1))'],
  ['javascript link, mixed case and spaces', '[click]( JaVaScRiPt:alert(1) )'],
  ['javascript link with tab', '[click](java\tscript:alert(1))'],
  ['javascript link with entity', '[click](javascript&#58;alert(1))'],
  ['vbscript link', '[click](vbscript:msgbox(1))'],
  ['data url link', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['javascript autolink', '<javascript:alert(1)>'],
  ['markdown image', '![a cat](https://example.com/cat.png)'],
  ['markdown image with js', '![x](javascript:alert(1))'],
  ['html anchor', '<a href="javascript:alert(1)">x</a>'],
  ['iframe', '<iframe src="https://evil.example"></iframe>'],
  ['svg onload', '<svg onload=alert(1)><circle/></svg>'],
  ['link title injection', '[x](https://ok.example "a\\" onmouseover=\\"alert(1))'],
  ['relative link', '[x](/admin)'],
  ['file link', '[x](file:///etc/passwd)'],
  ['inside table', '| a |\n|---|\n| <img src=x onerror=alert(1)> [y](javascript:alert(1)) |'],
  ['inside list and code', '- <script>x</script>\n- `<img onerror=alert(1)>`\n\n```html\n<script>alert(1)</script>\n```'],
];

describe('XSS: nothing executable is rendered', () => {
  for (const [name, md] of CASES) {
    it(`${name} (finished)`, () => {
      const { container } = render(<StreamingMarkdown>{md}</StreamingMarkdown>);
      expectInert(container);
    });
    it(`${name} (streaming, every prefix)`, () => {
      const { container, rerender } = render(<StreamingMarkdown streaming>{''}</StreamingMarkdown>);
      for (let n = 1; n <= md.length; n++) {
        rerender(<StreamingMarkdown streaming>{md.slice(0, n)}</StreamingMarkdown>);
        expectInert(container);
      }
    });
  }

  it('shows raw HTML as text', () => {
    const { container } = render(<StreamingMarkdown>{'Hello <script>alert(1)</script>'}</StreamingMarkdown>);
    expect(container.textContent).toContain('<script>alert(1)</script>');
  });

  it('renders unsafe links as their text, safe ones with rel', () => {
    const { container } = render(
      <StreamingMarkdown>{'[bad](javascript:alert(1)) [good](https://example.com) <mailto:a@b.co>'}</StreamingMarkdown>,
    );
    const links = container.querySelectorAll('a');
    expect([...links].map((a) => a.getAttribute('href'))).toEqual(['https://example.com', 'mailto:a@b.co']);
    for (const a of links) expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(container.textContent).toContain('bad');
  });

  it('renders images as alt text', () => {
    const { container } = render(<StreamingMarkdown>{'![a cat](https://example.com/cat.png)'}</StreamingMarkdown>);
    expect(container.querySelector('[data-md="image-alt"]')?.textContent).toBe('a cat');
  });

  it('safeHref allows only http(s) and mailto', () => {
    expect(safeHref('https://a.b/c?d=e')).toBe('https://a.b/c?d=e');
    expect(safeHref('mailto:x@y.z')).toBe('mailto:x@y.z');
    for (const bad of ['javascript:alert(1)', ' javascript:x', 'java\nscript:x', 'data:text/html,x', 'vbscript:x', '//evil.com', '/x', 'http:/x', 'https://a b', '\u0000javascript:x']) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });

  it(`the sim's ${XSS_PAYLOADS.length} payloads render inert, finished and streaming`, () => {
    for (const payload of XSS_PAYLOADS) {
      const md = `Here: ${payload}\n\n- ${payload}\n\n| a |\n|---|\n| ${payload} |`;
      const { container, rerender, unmount } = render(<StreamingMarkdown streaming>{''}</StreamingMarkdown>);
      for (let n = 1; n <= md.length; n += 3) {
        rerender(<StreamingMarkdown streaming>{md.slice(0, n)}</StreamingMarkdown>);
        expectInert(container);
      }
      rerender(<StreamingMarkdown>{md}</StreamingMarkdown>);
      expectInert(container);
      unmount();
    }
  });
});
