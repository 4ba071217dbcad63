/**
 * Inline markdown: code spans, strong, emphasis, strikethrough, links, autolinks, images (as alt text),
 * escapes and hard breaks. Raw HTML is not recognised: it stays text.
 *
 * With `partial: true` (the tail block while streaming), unclosed syntax at the end is completed the way
 * it will most likely end: a dangling `**bold` renders bold, an open code span renders as code, a link
 * whose URL has not arrived renders its text only.
 *
 * @module
 */

import { safeHref } from './safe-url.ts';

export type Inline =
  | { type: 'text'; value: string }
  | { type: 'code'; value: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'del'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'image'; alt: string }
  | { type: 'br' };

const PUNCT_ESCAPABLE = /[!-/:-@[-`{-~]/;
const BARE_URL = /^(?:https?:\/\/|www\.)[^\s<]*[^\s<?!.,:;*_~'")\]]/i;

/**
 * Parses inline markdown into a small tree.
 *
 * @param text the block's text
 * @param partial whether more text may still arrive (default `false`)
 */
export function parseInline(text: string, partial = false): Inline[] {
  return new InlineParser(text, partial).parse(0, text.length);
}

class InlineParser {
  readonly #src: string;
  readonly #partial: boolean;
  constructor(src: string, partial: boolean) {
    this.#src = src;
    this.#partial = partial;
  }

  parse(from: number, to: number, inLink = false): Inline[] {
    const src = this.#src;
    const out: Inline[] = [];
    let buf = '';
    const flush = (): void => {
      if (buf) {
        pushText(out, buf);
        buf = '';
      }
    };
    let i = from;
    while (i < to) {
      const ch = src[i]!;

      if (ch === '\\' && i + 1 < to) {
        const next = src[i + 1]!;
        if (next === '\n') {
          flush();
          out.push({ type: 'br' });
          i += 2;
          continue;
        }
        if (PUNCT_ESCAPABLE.test(next)) {
          buf += next;
          i += 2;
          continue;
        }
      }

      if (ch === '\n') {
        // Two trailing spaces before a newline make a hard break; otherwise a soft break.
        if (buf.endsWith('  ')) {
          buf = buf.replace(/ +$/, '');
          flush();
          out.push({ type: 'br' });
        } else {
          buf = buf.replace(/ +$/, '');
          buf += '\n';
        }
        i++;
        continue;
      }

      if (ch === '`') {
        const run = runLength(src, i, '`', to);
        const close = findRun(src, i + run, to, '`', run);
        if (close !== -1) {
          flush();
          out.push({ type: 'code', value: trimCode(src.slice(i + run, close)) });
          i = close + run;
          continue;
        }
        if (this.#partial && to === src.length) {
          flush();
          out.push({ type: 'code', value: trimCode(src.slice(i + run, to)) });
          i = to;
          continue;
        }
        buf += src.slice(i, i + run);
        i += run;
        continue;
      }

      if (ch === '*' || ch === '_' || ch === '~') {
        const run = runLength(src, i, ch, to);
        const node = this.#delimited(i, run, to, ch, inLink);
        if (node) {
          flush();
          if (node.node.type !== 'text') out.push(node.node);
          i = node.end;
          continue;
        }
        buf += src.slice(i, i + run);
        i += run;
        continue;
      }

      if (ch === '!' && src[i + 1] === '[') {
        const link = this.#linkAt(i + 1, to);
        if (link) {
          flush();
          // Images are never loaded from model output: show the alt text.
          out.push({ type: 'image', alt: plainText(this.parse(link.textFrom, link.textTo, true)) });
          i = link.end;
          continue;
        }
      }

      if (ch === '[' && !inLink) {
        const link = this.#linkAt(i, to);
        if (link) {
          flush();
          const children = this.parse(link.textFrom, link.textTo, true);
          const href = link.url === null ? null : safeHref(link.url);
          if (href !== null) out.push({ type: 'link', href, children });
          else for (const c of children) c.type === 'text' ? pushText(out, c.value) : out.push(c);
          i = link.end;
          continue;
        }
      }

      if (ch === '<' && !inLink) {
        const m = /^<((?:https?|mailto):[^\s<>]*)>/i.exec(src.slice(i, to));
        if (m) {
          const href = safeHref(m[1]!);
          flush();
          if (href !== null) out.push({ type: 'link', href, children: [{ type: 'text', value: m[1]! }] });
          else out.push({ type: 'text', value: m[0] });
          i += m[0].length;
          continue;
        }
      }

      if ((ch === 'h' || ch === 'w' || ch === 'H' || ch === 'W') && !inLink && (i === 0 || /[\s*_~(]/.test(src[i - 1]!))) {
        const m = BARE_URL.exec(src.slice(i, to));
        // At the very end of a streaming block the URL may be cut short: wait for it.
        if (m && !(this.#partial && i + m[0].length === src.length)) {
          const raw = m[0];
          const href = safeHref(/^www\./i.test(raw) ? `https://${raw}` : raw);
          if (href !== null) {
            flush();
            out.push({ type: 'link', href, children: [{ type: 'text', value: raw }] });
            i += raw.length;
            continue;
          }
        }
      }

      buf += ch;
      i++;
    }
    flush();
    return out;
  }

  /** `*em*`, `**strong**`, `***both***`, `_em_`, `__strong__`, `~~del~~`. */
  #delimited(
    i: number,
    run: number,
    to: number,
    ch: string,
    inLink: boolean,
  ): { node: Inline; end: number } | null {
    const src = this.#src;
    if (ch === '~' && run !== 2) return null;
    if (run > 3) return null;
    const after = src[i + run];
    if (after === undefined || /\s/.test(after)) {
      // A delimiter followed by nothing yet, at the end of a streaming block: hide it for now.
      if (after === undefined && this.#partial && i + run === src.length) return { node: { type: 'text', value: '' }, end: i + run };
      return null;
    }
    if (ch === '_' && i > 0 && /[\p{L}\p{N}]/u.test(src[i - 1]!)) return null;
    const use = run;
    const close = this.#findCloser(i + run, to, ch, use);
    let innerEnd: number;
    let end: number;
    if (close !== -1) {
      innerEnd = close;
      end = close + use;
    } else if (this.#partial && to === src.length && (i === 0 || /[\s\p{P}]/u.test(src[i - 1]!))) {
      // Unclosed at the tail of a streaming block: render it as it will most likely end.
      innerEnd = to;
      end = to;
    } else {
      return null;
    }
    const children = this.parse(i + run, innerEnd, inLink);
    let node: Inline;
    if (ch === '~') node = { type: 'del', children };
    else if (use === 3) node = { type: 'strong', children: [{ type: 'em', children }] };
    else if (use === 2) node = { type: 'strong', children };
    else node = { type: 'em', children };
    return { node, end };
  }

  /** Finds a closing run of exactly `len` `ch`s, preceded by non-space, skipping code spans. */
  #findCloser(from: number, to: number, ch: string, len: number): number {
    const src = this.#src;
    let k = from;
    while (k < to) {
      const c = src[k]!;
      if (c === '\\') {
        k += 2;
        continue;
      }
      if (c === '`') {
        const run = runLength(src, k, '`', to);
        const close = findRun(src, k + run, to, '`', run);
        k = close === -1 ? k + run : close + run;
        continue;
      }
      if (c === ch) {
        const run = runLength(src, k, ch, to);
        const before = src[k - 1];
        const afterClose = src[k + run];
        const leftOk = before !== undefined && !/\s/.test(before);
        const rightOk = ch !== '_' || afterClose === undefined || !/[\p{L}\p{N}]/u.test(afterClose);
        if (run === len && leftOk && rightOk && k > from) return k;
        k += run;
        continue;
      }
      k++;
    }
    return -1;
  }

  /** Parses `[text](url)` starting at the `[`. `url` is `null` while it is still streaming in. */
  #linkAt(i: number, to: number): { textFrom: number; textTo: number; url: string | null; end: number } | null {
    const src = this.#src;
    let depth = 0;
    let k = i;
    for (; k < to; k++) {
      const c = src[k];
      if (c === '\\') {
        k++;
        continue;
      }
      if (c === '`') {
        const run = runLength(src, k, '`', to);
        const close = findRun(src, k + run, to, '`', run);
        if (close !== -1) k = close + run - 1;
        continue;
      }
      if (c === '[') depth++;
      else if (c === ']') {
        depth--;
        if (depth === 0) break;
      } else if (c === '\n' && src[k + 1] === '\n') return null;
    }
    const atEnd = this.#partial && to === src.length;
    if (k >= to) {
      // `[text` at the end of a streaming block: most likely a link on its way.
      return atEnd && k - i > 1 ? { textFrom: i + 1, textTo: to, url: null, end: to } : null;
    }
    const closeBracket = k;
    if (src[closeBracket + 1] !== '(') {
      if (atEnd && closeBracket + 1 === to) return { textFrom: i + 1, textTo: closeBracket, url: null, end: to };
      return null;
    }
    let p = closeBracket + 2;
    let parens = 1;
    for (; p < to; p++) {
      const c = src[p];
      if (c === '\\') {
        p++;
        continue;
      }
      if (c === '(') parens++;
      else if (c === ')') {
        parens--;
        if (parens === 0) break;
      } else if (c === '\n') break;
    }
    if (p >= to || src[p] !== ')') {
      if (atEnd && p >= to) return { textFrom: i + 1, textTo: closeBracket, url: null, end: to };
      return null;
    }
    let dest = src.slice(closeBracket + 2, p).trim();
    // Drop an optional title: `(url "title")`.
    dest = dest.replace(/\s+(?:"[^"]*"|'[^']*'|\([^)]*\))$/, '');
    if (dest.startsWith('<') && dest.endsWith('>')) dest = dest.slice(1, -1);
    return { textFrom: i + 1, textTo: closeBracket, url: dest, end: p + 1 };
  }
}

function pushText(out: Inline[], value: string): void {
  if (!value) return;
  const last = out[out.length - 1];
  if (last && last.type === 'text') out[out.length - 1] = { type: 'text', value: last.value + value };
  else out.push({ type: 'text', value });
}

function runLength(s: string, i: number, ch: string, to: number): number {
  let n = 0;
  while (i + n < to && s[i + n] === ch) n++;
  return n;
}

function findRun(s: string, from: number, to: number, ch: string, len: number): number {
  let k = from;
  while (k < to) {
    if (s[k] === ch) {
      const run = runLength(s, k, ch, to);
      if (run === len) return k;
      k += run;
    } else k++;
  }
  return -1;
}

function trimCode(s: string): string {
  const v = s.replace(/\n/g, ' ');
  return v.length > 2 && v.startsWith(' ') && v.endsWith(' ') && v.trim() !== '' ? v.slice(1, -1) : v;
}

/** The text content of an inline tree, for alt text and announcements. */
export function plainText(nodes: readonly Inline[]): string {
  let s = '';
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
      case 'code':
        s += n.value;
        break;
      case 'image':
        s += n.alt;
        break;
      case 'br':
        s += '\n';
        break;
      default:
        s += plainText(n.children);
    }
  }
  return s;
}
