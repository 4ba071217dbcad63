/**
 * Block-level markdown lexer for streamed text.
 *
 * The text is cut into blocks (headings, paragraphs, lists, tables, fenced code, quotes, rules). Blocks
 * before the tail are final: new text can only change the tail, so {@link createBlockLexer} re-lexes from
 * the start of the tail block on each call and keeps every earlier block object as it was (same identity),
 * which lets the renderer skip them. Per-frame cost therefore depends on the tail, not the reply length.
 *
 * Raw HTML is not a block type: it stays text and is rendered as text.
 *
 * @module
 */

export type Align = 'left' | 'center' | 'right' | null;

export interface BlockBase {
  /** The source text of the block, lines joined with `\n`. */
  raw: string;
  /** Offset of the block's first character in the lexed text. */
  start: number;
}

export interface HeadingBlock extends BlockBase {
  type: 'heading';
  level: 1 | 2 | 3 | 4 | 5 | 6;
  text: string;
}
export interface ParagraphBlock extends BlockBase {
  type: 'paragraph';
  text: string;
}
export interface CodeBlock extends BlockBase {
  type: 'code';
  lang: string;
  code: string;
  /** `false` while the closing fence has not arrived yet. */
  closed: boolean;
}
export interface ListItem {
  /** The item's own content, lexed as blocks (nested lists included). */
  blocks: Block[];
  /** Task list state, `null` for plain items. */
  checked: boolean | null;
}
export interface ListBlock extends BlockBase {
  type: 'list';
  ordered: boolean;
  startNumber: number;
  items: ListItem[];
}
export interface TableBlock extends BlockBase {
  type: 'table';
  header: string[];
  align: Align[];
  rows: string[][];
}
export interface QuoteBlock extends BlockBase {
  type: 'blockquote';
  blocks: Block[];
}
export interface RuleBlock extends BlockBase {
  type: 'hr';
}

export type Block = HeadingBlock | ParagraphBlock | CodeBlock | ListBlock | TableBlock | QuoteBlock | RuleBlock;

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*$)/;
const TABLE_DELIMITER = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
/** A delimiter row still being typed (`|--`, `| :-- | -`): only pipes, dashes, colons and spaces. */
const PARTIAL_DELIMITER = /^[ \t]*\|?[ \t]*[-:][-:| \t]*$/;
const BLANK = /^[ \t]*$/;

interface Line {
  text: string;
  /** Offset of the line start in the lexed text. */
  start: number;
}

function splitLines(text: string, offset: number): Line[] {
  const lines: Line[] = [];
  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) {
      // The last line; an empty one after a trailing newline carries nothing.
      if (pos < text.length) lines.push({ text: text.slice(pos), start: offset + pos });
      break;
    }
    lines.push({ text: text.slice(pos, nl), start: offset + pos });
    pos = nl + 1;
  }
  return lines;
}

/** Splits a table row into trimmed cells, honouring `\|` escapes and code spans loosely. */
export function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && s[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell.trim());
  return cells;
}

function parseAlign(line: string): Align[] {
  return splitRow(line)
    .filter((c) => c.length > 0)
    .map((c) => {
      const left = c.startsWith(':');
      const right = c.endsWith(':') && c.length > 1;
      if (left && right) return 'center';
      if (right) return 'right';
      if (left) return 'left';
      return null;
    });
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || startsListInterrupting(line);
}

/** A list item may interrupt a paragraph only when it has content (and, if ordered, starts at 1). */
function startsListInterrupting(line: string): boolean {
  const m = LIST_ITEM.exec(line);
  if (!m || m[3] === undefined || m[3].trim() === '') return false;
  const marker = m[2] ?? '';
  return !/^\d/.test(marker) || /^1[.)]$/.test(marker);
}

function isTableStart(lines: Line[], i: number): boolean {
  const head = lines[i];
  const delim = lines[i + 1];
  if (!head || !head.text.includes('|')) return false;
  if (!delim) return false;
  if (TABLE_DELIMITER.test(delim.text)) return true;
  // Mid-stream: the delimiter row is the last (unfinished) line and still looks like one.
  return i + 2 === lines.length && PARTIAL_DELIMITER.test(delim.text) && delim.text.includes('-');
}

/**
 * Lexes `text` into blocks. `offset` is added to every block's `start`.
 * Pure and non-incremental; {@link createBlockLexer} adds the incremental cache.
 */
export function lexBlocks(text: string, offset = 0): Block[] {
  const lines = splitLines(text, offset);
  const blocks: Block[] = [];
  let i = 0;
  const rawOf = (from: number, to: number): string =>
    lines
      .slice(from, to)
      .map((l) => l.text)
      .join('\n');

  while (i < lines.length) {
    const line = lines[i]!;
    const t = line.text;
    if (BLANK.test(t)) {
      i++;
      continue;
    }
    const start = line.start;

    const fence = FENCE.exec(t);
    if (fence) {
      const marker = fence[1]!;
      const info = (fence[2] ?? '').trim();
      // Backtick fences cannot have backticks in their info string.
      if (!(marker[0] === '`' && info.includes('`'))) {
        const indent = t.length - t.trimStart().length;
        const body: string[] = [];
        let j = i + 1;
        let closed = false;
        const closeRe = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
        while (j < lines.length) {
          const l = lines[j]!.text;
          if (closeRe.test(l)) {
            closed = true;
            j++;
            break;
          }
          body.push(indent > 0 ? l.replace(new RegExp(`^ {0,${indent}}`), '') : l);
          j++;
        }
        blocks.push({
          type: 'code',
          lang: info.split(/\s+/)[0] ?? '',
          code: body.join('\n'),
          closed,
          raw: rawOf(i, j),
          start,
        });
        i = j;
        continue;
      }
    }

    const heading = HEADING.exec(t);
    if (heading) {
      blocks.push({
        type: 'heading',
        level: heading[1]!.length as HeadingBlock['level'],
        text: (heading[2] ?? '').trim(),
        raw: t,
        start,
      });
      i++;
      continue;
    }

    if (RULE.test(t)) {
      blocks.push({ type: 'hr', raw: t, start });
      i++;
      continue;
    }

    if (QUOTE.test(t)) {
      const inner: string[] = [];
      let j = i;
      while (j < lines.length) {
        const q = QUOTE.exec(lines[j]!.text);
        if (q) inner.push(q[1] ?? '');
        else if (!BLANK.test(lines[j]!.text) && inner.length > 0 && !startsBlock(lines[j]!.text)) {
          // Lazy continuation of a quoted paragraph.
          inner.push(lines[j]!.text);
        } else break;
        j++;
      }
      blocks.push({ type: 'blockquote', blocks: lexBlocks(inner.join('\n')), raw: rawOf(i, j), start });
      i = j;
      continue;
    }

    const item = LIST_ITEM.exec(t);
    if (item) {
      const j = lexList(lines, i, blocks);
      i = j;
      continue;
    }

    if (isTableStart(lines, i)) {
      const header = splitRow(t);
      const delimLine = lines[i + 1]!.text;
      const align = parseAlign(delimLine);
      const rows: string[][] = [];
      let j = i + 2;
      while (j < lines.length) {
        const l = lines[j]!.text;
        if (BLANK.test(l) || !l.includes('|') || startsBlock(l)) break;
        const cells = splitRow(l);
        // Half-streamed rows are padded; extra cells are dropped, as GFM does.
        while (cells.length < header.length) cells.push('');
        rows.push(cells.slice(0, header.length));
        j++;
      }
      while (align.length < header.length) align.push(null);
      blocks.push({ type: 'table', header, align: align.slice(0, header.length), rows, raw: rawOf(i, j), start });
      i = j;
      continue;
    }

    // Paragraph: runs until a blank line or a line that starts another block.
    let j = i + 1;
    while (j < lines.length) {
      const l = lines[j]!.text;
      if (BLANK.test(l) || startsBlock(l) || isTableStart(lines, j)) break;
      j++;
    }
    const raw = rawOf(i, j);
    blocks.push({ type: 'paragraph', text: raw.trim(), raw, start });
    i = j;
  }
  return blocks;
}

/** Lexes the list starting at `lines[i]`, pushes it onto `blocks`, returns the index after it. */
function lexList(lines: Line[], i: number, blocks: Block[]): number {
  const first = LIST_ITEM.exec(lines[i]!.text)!;
  const ordered = /^\d/.test(first[2]!);
  const kind = ordered ? first[2]!.slice(-1) : first[2]!;
  const startNumber = ordered ? Number.parseInt(first[2]!, 10) : 1;
  const baseIndent = first[1]!.length;
  const items: string[][] = [];
  let contentIndent = 0;
  let pendingBlank = false;
  let j = i;
  const openItem = (m: RegExpExecArray, l: string): void => {
    const markerWidth = m[1]!.length + m[2]!.length;
    const rest = m[3] ?? '';
    const gap = l.length - markerWidth - rest.length;
    // Content starts after the marker and 1-4 spaces; more than 4 means indented content.
    contentIndent = markerWidth + (gap >= 1 && gap <= 4 ? gap : 1);
    items.push([rest]);
    pendingBlank = false;
  };
  openItem(first, lines[i]!.text);
  j++;
  while (j < lines.length) {
    const l = lines[j]!.text;
    const current = items[items.length - 1]!;
    if (BLANK.test(l)) {
      current.push('');
      pendingBlank = true;
      j++;
      continue;
    }
    const indent = leadingSpaces(l);
    const m = LIST_ITEM.exec(l);
    if (indent >= contentIndent || (m && indent > baseIndent)) {
      // Continuation or a nested block (nested lists may be indented less than the content column).
      current.push(dedent(l, Math.min(indent, contentIndent)));
      pendingBlank = false;
      j++;
      continue;
    }
    if (m) {
      const sameKind = ordered ? /^\d/.test(m[2]!) && m[2]!.slice(-1) === kind : m[2] === kind;
      if (!sameKind) break;
      openItem(m, l);
      j++;
      continue;
    }
    if (!pendingBlank && !startsBlock(l)) {
      // Lazy paragraph continuation.
      current.push(l);
      j++;
      continue;
    }
    break;
  }
  // Trailing blank lines belong to no item.
  let end = j;
  while (end > i + 1 && BLANK.test(lines[end - 1]!.text)) end--;
  const listItems: ListItem[] = items.map((itemLines) => {
    let text = itemLines.join('\n');
    let checked: boolean | null = null;
    const task = /^\[([ xX])\](?:[ \t]+|$)/.exec(text);
    if (task) {
      checked = task[1] !== ' ';
      text = text.slice(task[0].length);
    }
    return { blocks: lexBlocks(text), checked };
  });
  const raw = lines
    .slice(i, end)
    .map((l) => l.text)
    .join('\n');
  blocks.push({ type: 'list', ordered, startNumber, items: listItems, raw, start: lines[i]!.start });
  return j;
}

function leadingSpaces(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    if (s[k] === ' ') n++;
    else if (s[k] === '\t') n += 4 - (n % 4);
    else break;
  }
  return n;
}

/** Removes up to `columns` columns of leading whitespace (tabs count to the next multiple of 4). */
function dedent(s: string, columns: number): string {
  let col = 0;
  let k = 0;
  while (k < s.length && col < columns) {
    if (s[k] === ' ') col++;
    else if (s[k] === '\t') col += 4 - (col % 4);
    else break;
    k++;
  }
  return s.slice(k);
}

/** The result of one incremental lex. */
export interface LexResult {
  blocks: Block[];
  /** How many leading blocks are final: new text appended later cannot change them. */
  stableCount: number;
}

export interface BlockLexerOptions {
  /** Called with the offset and length of each stretch of text actually lexed (for tests and profiling). */
  onLex?: (from: number, length: number) => void;
}

/**
 * An incremental lexer: call it with the whole text each frame. When the new text extends the previous
 * one, blocks before the tail are reused (same objects) and only the tail is lexed again.
 *
 * @example
 * const lex = createBlockLexer();
 * lex('# Title\n\nSome te').blocks; // heading, paragraph (tail)
 * lex('# Title\n\nSome text.\n\n- a').blocks; // same heading object, paragraph, list (tail)
 */
export function createBlockLexer(options: BlockLexerOptions = {}): (text: string) => LexResult {
  const { onLex } = options;
  let prevText = '';
  let prev: LexResult = { blocks: [], stableCount: 0 };
  return function lexIncremental(text: string): LexResult {
    if (text === prevText) return prev;
    let keep = 0;
    if (text.startsWith(prevText)) keep = prev.stableCount;
    const kept = prev.blocks.slice(0, keep);
    const from = keep < prev.blocks.length ? prev.blocks[keep]!.start : keep > 0 ? prevText.length : 0;
    onLex?.(from, text.length - from);
    const fresh = lexBlocks(text.slice(from), from);
    const blocks = kept.concat(fresh);
    prevText = text;
    prev = { blocks, stableCount: stableCountOf(text, blocks) };
    return prev;
  };
}

/**
 * Blocks before the last one are final, except the block just before a block that starts on the
 * unfinished last line: that line's final form may still join it (`#` becoming `#tag`, for instance).
 * A list or quote followed only by blank lines is still open too, since it is the last block.
 */
function stableCountOf(text: string, blocks: Block[]): number {
  if (blocks.length <= 1) return 0;
  let count = blocks.length - 1;
  if (!text.endsWith('\n')) {
    const lastLineStart = text.lastIndexOf('\n') + 1;
    let k = blocks.length;
    for (let b = 0; b < blocks.length; b++) {
      if (blocks[b]!.start >= lastLineStart) {
        k = b;
        break;
      }
    }
    const before = blocks[k - 1];
    // A blank line between them means the unfinished line cannot join the block before it, unless
    // that block is a list (whose items may continue after blank lines) or a closed fence.
    const separated =
      before !== undefined &&
      before.type !== 'list' &&
      /\n[ \t]*\n/.test(text.slice(before.start + before.raw.length, lastLineStart));
    const closedFence = before !== undefined && before.type === 'code' && before.closed;
    count = Math.min(count, separated || closedFence ? k : Math.max(0, k - 1));
  }
  return count;
}
