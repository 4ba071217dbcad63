/**
 * A content-aware output-token estimate for text that streams without token counts.
 *
 * **Why not characters ÷ 4.** Characters per token depend on what the text is made of: English prose
 * runs ~4–5, code ~3–4, markdown tables ~2–3, CJK ~1. A reply that switches between them moves a
 * chars-based live rate by 20–40 % with no change in speed.
 *
 * **The model.** Byte-pair tokenizers (Claude's included) split text before merging, with a fixed
 * pattern: a word with at most one space before it, a number, a run of punctuation, a run of
 * whitespace (its last space goes to the next piece; a line break before text stands alone), and the
 * endings `'s` `'t` `'re`…. Merges never cross those pieces. The counter splits text exactly so, as it
 * arrives, and gives each piece the **expected** number of tokens of a piece like it: by kind (letters,
 * digits, punctuation, non-ASCII symbols, whitespace, CJK), length, a leading space, letter case
 * (`word`, `Word`, `WORD`, `camelCase`) and line class. The expectations (`token-model.ts`) are fitted
 * to Anthropic's published Claude tokenizer over a corpus of English prose and markdown, code in
 * several languages, tables, JSON and Chinese, Japanese, Korean and Spanish text
 * (`bench/fit-token-model.node.ts`), so a client is close on its first reply with no calibration.
 *
 * Every piece is also attributed to a **content class** — `prose`, `code` (inside a ``` fence, and
 * tool-call input), `table` (lines starting with `|`), `cjk` (Han, kana, Hangul) — and a
 * {@link TokenCalibration} learned from finished replies' real `usage.output_tokens` scales each class
 * on its own (see `calibration.ts`): that carries the estimate to a model whose tokenizer differs.
 *
 * The counter is incremental: feeding a text in any split gives the same count as feeding it whole, so
 * it works on deltas cut anywhere (one token each, or API-sized chunks). Counts are fractional
 * (expected values); a piece is counted as it grows, whitespace when the next piece starts.
 *
 * @module
 */
import { TOKEN_MODEL } from './token-model.ts';

/** Kinds of text that tokenize differently. */
export type ContentClass = 'prose' | 'code' | 'table' | 'cjk';

/** Every {@link ContentClass}, in a fixed order. */
export const CONTENT_CLASSES: readonly ContentClass[] = Object.freeze(['prose', 'code', 'table', 'cjk']);

/**
 * Version of the counting rules. A calibration's estimator scales are only meaningful for the rules
 * they were measured with, so they carry this number. 2: pieces of the BPE pattern with fitted
 * expectations (1 was one token per piece, the old simulator's rules).
 */
export const ESTIMATOR_VERSION = 2;

/** Per-class amounts (tokens, characters or scales). */
export type ClassCounts = Record<ContentClass, number>;

/** Where a delta comes from: visible text, thinking, or a tool call's input JSON. */
export type DeltaKind = 'text' | 'thinking' | 'tool_input';

/** A fresh all-zero {@link ClassCounts}. */
export function zeroCounts(): ClassCounts {
  return { prose: 0, code: 0, table: 0, cjk: 0 };
}

/** Whitespace other than the plain space (what `\s` matches, the line feed included). */
function isSpace(code: number): boolean {
  if (code < 0x80) return code === 10 || code === 9 || code === 11 || code === 12 || code === 13;
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

function isCjk(code: number): boolean {
  return (
    (code >= 0x3040 && code <= 0x30ff) || // hiragana, katakana
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xac00 && code <= 0xd7af) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0x20000 && code <= 0x2ffff) // CJK extensions B–F
  );
}

const LETTER_RE = /\p{L}/u;
/** The letters of `'s` `'t` `'m` `'d` `'re` `'ve` `'ll`. */
const CONTRACTION_LETTERS = new Set([115, 116, 109, 100, 114, 118, 108]);
const NUMBER_RE = /\p{N}/u;

/** Piece kinds, as the tokenizer's split pattern makes them. */
export const PieceKind = { None: 0, Letters: 1, Digits: 2, Punct: 3 } as const;
/** One of {@link PieceKind}. */
export type PieceKind = (typeof PieceKind)[keyof typeof PieceKind];

/** What is known about a piece: enough to look up its expected tokens. */
export interface PieceShape {
  kind: PieceKind;
  /** A space before it (part of the piece). */
  lead: boolean;
  /** Length in code points, the leading space not included. */
  n: number;
  /** Letters: 0 `word`, 1 `Word`, 2 `WORD`, 3 `camelCase`/mixed. */
  letterCase: number;
  /** Letters outside ASCII and CJK (accents, Cyrillic…); punctuation outside ASCII (symbols, emoji). */
  other: number;
  /** CJK characters (Han, kana and Hangul together). */
  cjk: number;
  /** Kana among them. */
  kana: number;
  /** Hangul among them. */
  hangul: number;
}

// Column layout of TOKEN_MODEL's tables (see token-model.ts).
const CLASS_COLUMN: Record<ContentClass, number> = { prose: 0, code: 1, table: 2, cjk: 0 };

function capped(table: readonly number[], base: number, cap: number, n: number): number {
  if (n <= cap) return table[base + n - 1] as number;
  return ((table[base + cap - 1] as number) * n) / cap;
}

/** Expected tokens of a piece of `shape` on a line of class `cls` (the model's lookup). */
export function expectedPieceTokens(shape: Readonly<PieceShape>, cls: ContentClass): number {
  const m = TOKEN_MODEL;
  const lead = shape.lead ? 1 : 0;
  const n = shape.n;
  if (n === 0) return 0;
  switch (shape.kind) {
    case PieceKind.Letters: {
      let t = (shape.cjk - shape.kana - shape.hangul) * m.hanPerChar + shape.kana * m.kanaPerChar + shape.hangul * m.hangulPerChar;
      const rest = n - shape.cjk;
      if (rest > 0) {
        t +=
          shape.other > 0 || shape.cjk > 0
            ? capped(m.otherLetters, lead * m.letterCap, m.letterCap, rest)
            : capped(m.letters, ((CLASS_COLUMN[cls] * 2 + lead) * 4 + shape.letterCase) * m.letterCap, m.letterCap, rest);
      } else if (lead === 1) {
        t += m.cjkLeadSpace;
      }
      return t;
    }
    case PieceKind.Digits:
      return capped(m.digits, lead * m.digitCap, m.digitCap, n);
    case PieceKind.Punct:
      if (shape.other > 0) return capped(m.symbols, lead * m.symbolCap, m.symbolCap, n);
      return capped(m.punct, (CLASS_COLUMN[cls] * 2 + lead) * m.punctCap, m.punctCap, n);
    default:
      return 0;
  }
}

/** Expected tokens of a whitespace piece of `n` characters (`newline`: it has a line break). */
export function expectedSpaceTokens(n: number, newline: boolean): number {
  const m = TOKEN_MODEL;
  return n === 0 ? 0 : capped(m.spaces, (newline ? 1 : 0) * m.spaceCap, m.spaceCap, n);
}

/** A piece the counter closed, for fitting the model (`bench/fit-token-model.node.ts`). @internal */
export interface ObservedPiece {
  text: string;
  cls: ContentClass;
  /** `undefined` for whitespace. */
  shape?: PieceShape;
  /** Whitespace: has a line break. */
  newline?: boolean;
}

/**
 * Counts the pieces of one stream of text (one text block, one thinking block, one tool input) as it
 * arrives. Raw counts are per class and unscaled; apply a calibration with {@link scaledTokens}.
 *
 * @example
 * const c = new TokenCounter();
 * c.push('Hello, wor');
 * c.push('ld!\n');
 * c.total; // ≈ 4: "Hello" "," " world" "!" (the line break is counted when text follows it)
 */
export class TokenCounter {
  /** Expected token count per class so far (fractional). */
  readonly tokens: ClassCounts = zeroCounts();
  /** Characters (UTF-16 code units) per class so far. */
  readonly chars: ClassCounts = zeroCounts();

  readonly #fixed: ContentClass | undefined;
  readonly #observe: ((piece: ObservedPiece) => void) | undefined;
  // The piece being read.
  readonly #piece: PieceShape = { kind: PieceKind.None, lead: false, n: 0, letterCase: 0, other: 0, cjk: 0, kana: 0, hangul: 0 };
  #pieceCls: ContentClass = 'prose';
  #pieceCounted = 0;
  #pieceText = '';
  #apostrophe = false;
  /** 0; the letter that completes a contraction (`e` of `'re`); −1 once one is complete. */
  #contraction = 0;
  #contractionLetter = 0;
  // The whitespace run being read, counted when it ends.
  #wsLen = 0;
  #wsNewline = false;
  #wsNewlineBeforeLast = false;
  #wsLastIsSpace = false;
  #wsLastIsNewline = false;
  #wsCls: ContentClass = 'prose';
  #wsText = '';
  #high = 0;
  // Lines.
  #lineStart = true;
  #lineClass: ContentClass = 'prose';
  #inFence = false;
  #fenceTicks = 0;

  /**
   * `kind: 'tool_input'` counts everything as `code` (it is JSON). `observe` (for fitting the model)
   * sees every piece as it is closed.
   */
  constructor(kind: DeltaKind = 'text', observe?: (piece: ObservedPiece) => void) {
    this.#fixed = kind === 'tool_input' ? 'code' : undefined;
    this.#observe = observe;
  }

  /** Expected tokens over all classes. */
  get total(): number {
    const t = this.tokens;
    return t.prose + t.code + t.table + t.cjk;
  }

  /** Count `text`; returns the tokens it added. */
  push(text: string): number {
    const before = this.total;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (this.#high !== 0) {
        const high = this.#high;
        this.#high = 0;
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          this.#char(0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00), 2);
          continue;
        }
        this.#char(0xfffd, 1);
      }
      if (unit >= 0xd800 && unit <= 0xdbff) this.#high = unit;
      else this.#char(unit, 1);
    }
    return this.total - before;
  }

  /** Close the open pieces (trailing whitespace, an unfinished surrogate) as if the text ended here. */
  end(): number {
    const before = this.total;
    if (this.#high !== 0) {
      this.#high = 0;
      this.#char(0xfffd, 1);
    }
    this.#closePiece();
    if (this.#wsLen > 0) this.#emitSpace(this.#wsLen, this.#wsNewline, this.#wsText);
    this.#wsLen = 0;
    return this.total - before;
  }

  #char(code: number, units: number): void {
    if (code === 32 || isSpace(code)) {
      this.#closePiece();
      if (this.#wsLen === 0) this.#wsCls = this.#lineClass;
      this.#wsNewlineBeforeLast = this.#wsNewline;
      const newline = code === 10 || code === 13;
      this.#wsNewline ||= newline;
      this.#wsLastIsSpace = code === 32;
      this.#wsLastIsNewline = newline;
      this.#wsLen++;
      if (this.#observe !== undefined) this.#wsText += String.fromCodePoint(code);
      this.chars[this.#lineClass] += units;
      if (code === 10) {
        this.#lineStart = true;
        this.#fenceTicks = 0;
      }
      return;
    }
    let lead = false;
    if (this.#wsLen > 0) {
      // The run's last plain space belongs to this piece; a last line break or tab stands alone.
      const wsText = this.#wsText;
      if (this.#wsLastIsSpace) {
        this.#emitSpace(this.#wsLen - 1, this.#wsNewlineBeforeLast, wsText.slice(0, -1));
        lead = true;
      } else if (this.#wsLen > 1) {
        this.#emitSpace(this.#wsLen - 1, this.#wsNewlineBeforeLast, wsText.slice(0, -1));
        this.#emitSpace(1, this.#wsLastIsNewline, wsText.slice(-1));
      } else {
        this.#emitSpace(1, this.#wsNewline, wsText);
      }
      this.#wsLen = 0;
      this.#wsNewline = false;
      this.#wsNewlineBeforeLast = false;
      this.#wsText = '';
    }
    if (this.#lineStart) this.#startLine(code);
    if (code === 96 && this.#fenceTicks >= 0) {
      // Backticks opening a line: three of them toggle a code fence.
      if (++this.#fenceTicks === 3) {
        this.#inFence = !this.#inFence;
        this.#fenceTicks = -1;
      }
    } else {
      this.#fenceTicks = -1;
    }

    const p = this.#piece;
    const upper = code >= 65 && code <= 90;
    const lower = code >= 97 && code <= 122;
    let kind: PieceKind;
    let cjk = false;
    let other = false;
    if (upper || lower) kind = PieceKind.Letters;
    else if (code >= 48 && code <= 57) kind = PieceKind.Digits;
    else if (code < 0x80) kind = PieceKind.Punct;
    else if (isCjk(code)) {
      kind = PieceKind.Letters;
      cjk = true;
    } else {
      const ch = String.fromCodePoint(code);
      kind = LETTER_RE.test(ch) ? PieceKind.Letters : NUMBER_RE.test(ch) ? PieceKind.Digits : PieceKind.Punct;
      other = true;
    }
    const cls: ContentClass = cjk && this.#fixed === undefined ? 'cjk' : this.#lineClass;
    this.chars[cls] += units;

    // `'s` `'t` `'m` `'d` `'re` `'ve` `'ll` after an apostrophe that opens a piece are a piece of their own.
    if (this.#contraction > 0) {
      if (code === this.#contraction && !lead) {
        this.#extend(code, false, true, false, false);
        this.#contraction = -1;
        return;
      }
      this.#uncontract();
    }
    const sealed = this.#contraction === -1;
    this.#contraction = 0;
    if (lower && !lead && this.#apostrophe && p.kind === PieceKind.Punct && p.n === 1 && !p.lead && CONTRACTION_LETTERS.has(code)) {
      p.kind = PieceKind.Letters;
      this.#extend(code, false, true, false, false);
      if (code === 114 || code === 118) this.#contraction = 101; // 're 've
      else if (code === 108) this.#contraction = 108; // 'll
      else this.#contraction = -1;
      this.#contractionLetter = code;
      return;
    }
    if (lead || sealed || p.kind !== kind) this.#startPiece(kind, lead);
    this.#apostrophe = code === 39 && p.n === 0;
    this.#extend(code, upper, lower, other, cjk);
  }

  #startPiece(kind: PieceKind, lead: boolean): void {
    this.#closePiece();
    const p = this.#piece;
    p.kind = kind;
    p.lead = lead;
    p.n = 0;
    p.letterCase = 0;
    p.other = 0;
    p.cjk = 0;
    p.kana = 0;
    p.hangul = 0;
    this.#pieceCls = this.#lineClass;
  }

  #extend(code: number, upper: boolean, lower: boolean, other: boolean, cjk: boolean): void {
    const p = this.#piece;
    p.n++;
    if (other) p.other++;
    if (cjk) {
      p.cjk++;
      if (code >= 0x3040 && code <= 0x30ff) p.kana++;
      else if (code >= 0xac00 && code <= 0xd7af) p.hangul++;
      if (this.#fixed === undefined && this.#pieceCls !== 'cjk') {
        // A piece that turns CJK part-way moves class, with what it had counted.
        this.tokens[this.#pieceCls] -= this.#pieceCounted;
        this.tokens.cjk += this.#pieceCounted;
        this.#pieceCls = 'cjk';
      }
    }
    if (p.kind === PieceKind.Letters && (upper || lower)) {
      // word → 0, Word → 1, WORD → 2, anything else (camelCase, HTTPServer) → 3.
      if (p.n === 1) p.letterCase = upper ? 1 : 0;
      else if (upper) p.letterCase = p.letterCase === 2 || (p.letterCase === 1 && p.n === 2) ? 2 : 3;
      else if (lower && p.letterCase === 2) p.letterCase = 3;
    }
    if (this.#observe !== undefined) this.#pieceText += String.fromCodePoint(code);
    const t = expectedPieceTokens(p, this.#pieceCls);
    this.tokens[this.#pieceCls] += t - this.#pieceCounted;
    this.#pieceCounted = t;
  }

  /** `'r`, `'v` or `'l` not followed by the rest of a contraction: the apostrophe is punctuation after all. */
  #uncontract(): void {
    const p = this.#piece;
    this.#contraction = 0;
    this.tokens[this.#pieceCls] -= this.#pieceCounted;
    this.#pieceCounted = 0;
    this.#pieceText = '';
    p.kind = PieceKind.Punct;
    p.n = 0;
    p.letterCase = 0;
    this.#extend(39, false, false, false, false);
    this.#startPiece(PieceKind.Letters, false);
    this.#extend(this.#contractionLetter, false, true, false, false);
  }

  #closePiece(): void {
    if (this.#contraction > 0) this.#uncontract();
    this.#contraction = 0;
    const p = this.#piece;
    if (p.kind !== PieceKind.None && this.#observe !== undefined) {
      this.#observe({ text: (p.lead ? ' ' : '') + this.#pieceText, cls: this.#pieceCls, shape: { ...p } });
    }
    p.kind = PieceKind.None;
    p.n = 0;
    this.#pieceCounted = 0;
    this.#pieceText = '';
    this.#apostrophe = false;
  }

  #emitSpace(n: number, newline: boolean, text: string): void {
    if (n === 0) return;
    this.tokens[this.#wsCls] += expectedSpaceTokens(n, newline);
    this.#observe?.({ text, cls: this.#wsCls, newline });
  }

  #startLine(code: number): void {
    this.#lineStart = false;
    if (this.#fixed !== undefined) this.#lineClass = this.#fixed;
    // A line opening with a backtick is counted as code even before we know it is a fence.
    else if (this.#inFence || code === 96) this.#lineClass = 'code';
    else if (code === 124) this.#lineClass = 'table';
    else this.#lineClass = 'prose';
    this.#fenceTicks = 0;
  }
}

/**
 * Raw per-class counts → estimated tokens, each class multiplied by its scale (missing scales are 1).
 */
export function scaledTokens(raw: Readonly<ClassCounts>, scale?: Readonly<Partial<ClassCounts>>): number {
  let sum = 0;
  for (const c of CONTENT_CLASSES) sum += raw[c] * (scale?.[c] ?? 1);
  return sum;
}

/**
 * Estimated tokens of a whole text, with optional per-class scales from a calibration.
 * @example estimateTextTokens('Hello, world!') // 4
 */
export function estimateTextTokens(text: string, scale?: Readonly<Partial<ClassCounts>>, kind: DeltaKind = 'text'): number {
  const c = new TokenCounter(kind);
  c.push(text);
  return scaledTokens(c.tokens, scale);
}
