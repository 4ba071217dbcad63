/**
 * The streaming markdown renderer, also importable alone as `@slipstream/react/markdown`.
 *
 * @module
 */
export { StreamingMarkdown, Markdown, type StreamingMarkdownProps } from './streaming-markdown.tsx';
export { createBlockLexer, lexBlocks, type Block, type BlockLexerOptions, type LexResult } from './blocks.ts';
export { parseInline, plainText, type Inline } from './inline.ts';
export { safeHref } from './safe-url.ts';
export { CopyButton } from './code-block.tsx';
