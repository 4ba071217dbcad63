/**
 * A content-aware output-token estimate for text that streams without token counts.
 *
 * **Why not characters ÷ 4.** Characters per token depend on what the text is made of: English prose
 * runs ~4–5, code and markdown tables ~2–3 (every `|`, `(` or `;` is a token of its own), CJK ~1. A
 * reply that switches between them moves a chars-based live rate by 20–40 % with no change in speed.
 *
 * **The model.** Byte-pair tokenizers (Claude's included) split text before merging: words, number
 * groups, punctuation and line breaks become separate pieces, spaces attach to the piece after them.
 * So the estimate counts those pieces, not characters:
 *
 * | piece | tokens |
 * |---|---|
 * | a run of ASCII letters (a word) | 1 |
 * | a run of digits | 1 per group of 3 |
 * | any other ASCII symbol or punctuation mark | 1 |
 * | any non-ASCII character (accents, Cyrillic, CJK, emoji) | 1 |
 * | a run of line breaks | 1 |
 * | a tab, carriage return or other non-space whitespace | 1 |
 * | spaces before a line break or such whitespace | 1 each |
 *
 * Other spaces belong to the piece after them (`·the` is one piece), and a piece longer than 7
 * characters, spaces included, is split every 6 (long words, deep indentation).
 *
 * These weights are the simulator's tokenizer (`@slipstream/sim`), which makes the estimate close to
 * exact against the sim. A real tokenizer merges more (common symbol pairs like `**` or `=>`, long common
 * words), by a different amount per kind of text, so every piece is also attributed to a
 * **content class** — `prose`, `code` (inside a ``` fence, and tool-call input), `table` (lines
 * starting with `|`), `cjk` (Han, kana, Hangul) — and a {@link TokenCalibration} learned from finished
 * replies' real `usage.output_tokens` scales each class on its own (see `calibration.ts`).
 *
 * The counter is incremental: feeding a text in any split gives the same count as feeding it whole, so
 * it works on deltas cut anywhere (one token each, or API-sized chunks).
 *
 * @module
 */

/** Kinds of text that tokenize differently. */
export type ContentClass = 'prose' | 'code' | 'table' | 'cjk';

/** Every {@link ContentClass}, in a fixed order. */
export const CONTENT_CLASSES: readonly ContentClass[] = Object.freeze(['prose', 'code', 'table', 'cjk']);

/**
 * Version of the counting rules. A calibration's estimator scales are only meaningful for the rules
 * they were measured with, so they carry this number.
 */
export const ESTIMATOR_VERSION = 1;

/** Per-class amounts (tokens, characters or scales). */
export type ClassCounts = Record<ContentClass, number>;

/** Where a delta comes from: visible text, thinking, or a tool call's input JSON. */
export type DeltaKind = 'text' | 'thinking' | 'tool_input';

/** A fresh all-zero {@link ClassCounts}. */
export function zeroCounts(): ClassCounts {
  return { prose: 0, code: 0, table: 0, cjk: 0 };
}

/** Whitespace other than the plain space and the line feed (what `\s` matches besides them). */
function isOtherSpace(code: number): boolean {
  if (code < 0x80) return code === 9 || code === 11 || code === 12 || code === 13;
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

const enum Run {
  None,
  Letters,
  Digits,
}

const LONG_PIECE = 7;
const SPLIT_PIECE = 6;
const DIGIT_GROUP = 3;

/** Tokens of one piece of `chars` characters: long pieces are split. */
function split(chars: number): number {
  return chars <= LONG_PIECE ? 1 : Math.ceil(chars / SPLIT_PIECE);
}

/** Tokens of a piece of `n` letters, digits or one symbol (`Run.None`) after `lead` spaces. */
function pieceTokens(kind: Run, lead: number, n: number): number {
  if (n === 0) return 0;
  if (kind !== Run.Digits) return split(lead + n);
  // Digits go in groups of three; only the first group carries the spaces.
  const first = Math.min(n, DIGIT_GROUP);
  return split(lead + first) + Math.ceil((n - first) / DIGIT_GROUP);
}

function isCjk(code: number): boolean {
  return (
    (code >= 0x3040 && code <= 0x30ff) || // hiragana, katakana
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xac00 && code <= 0xd7af) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xff00 && code <= 0xffef) // full-width forms
  );
}

/**
 * Counts the pieces of one stream of text (one text block, one thinking block, one tool input) as it
 * arrives. Raw counts are per class and unscaled; apply a calibration with {@link scaledTokens}.
 *
 * @example
 * const c = new TokenCounter();
 * c.push('Hello, wor');
 * c.push('ld!\n');
 * c.total; // 5: "Hello" "," " world" "!" "\n"
 */
export class TokenCounter {
  /** Raw token count per class so far. */
  readonly tokens: ClassCounts = zeroCounts();
  /** Characters (UTF-16 code units) per class so far. */
  readonly chars: ClassCounts = zeroCounts();

  readonly #fixed: ContentClass | undefined;
  #run: Run = Run.None;
  #runLead = 0;
  #runLength = 0;
  #pendingSpaces = 0;
  #lineStart = true;
  #newlines = false;
  #lineClass: ContentClass = 'prose';
  #inFence = false;
  #fenceTicks = 0;

  /** `kind: 'tool_input'` counts everything as `code` (it is JSON). */
  constructor(kind: DeltaKind = 'text') {
    this.#fixed = kind === 'tool_input' ? 'code' : undefined;
  }

  /** Raw tokens over all classes. */
  get total(): number {
    const t = this.tokens;
    return t.prose + t.code + t.table + t.cjk;
  }

  /** Count `text`; returns the raw tokens it added. */
  push(text: string): number {
    const before = this.total;
    for (let i = 0; i < text.length; i++) this.#char(text.charCodeAt(i));
    return this.total - before;
  }

  #add(cls: ContentClass, tokens: number): void {
    this.tokens[cls] += tokens;
  }

  #char(code: number): void {
    if (code === 10) {
      this.#endRun();
      this.chars[this.#lineClass] += 1;
      this.#flushSpaces();
      if (!this.#newlines) this.#add(this.#lineClass, 1);
      this.#newlines = true;
      this.#lineStart = true;
      this.#fenceTicks = 0;
      return;
    }
    this.#newlines = false;
    if (code === 32) {
      // Spaces belong to the next piece, unless whitespace of another kind follows them.
      this.#endRun();
      this.#pendingSpaces++;
      this.chars[this.#lineClass] += 1;
      return;
    }
    if (isOtherSpace(code)) {
      // Tabs, carriage returns, no-break spaces: a piece each, and they take no spaces.
      this.#endRun();
      this.chars[this.#lineClass] += 1;
      this.#flushSpaces();
      this.#add(this.#lineClass, 1);
      return;
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
    // Low surrogates complete a character already counted.
    if (code >= 0xdc00 && code <= 0xdfff) {
      this.chars[this.#lineClass] += 1;
      return;
    }
    const letter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    const kind = letter ? Run.Letters : code >= 48 && code <= 57 ? Run.Digits : Run.None;
    const cls = kind === Run.None && code >= 0x80 && this.#fixed === undefined && isCjk(code) ? 'cjk' : this.#lineClass;
    this.chars[cls] += 1;
    if (kind !== Run.None && this.#run === kind) {
      const n = ++this.#runLength;
      const added = pieceTokens(kind, this.#runLead, n) - pieceTokens(kind, this.#runLead, n - 1);
      if (added > 0) this.#add(cls, added);
      return;
    }
    // A new piece; the spaces before it are part of it.
    const lead = this.#pendingSpaces;
    this.#pendingSpaces = 0;
    this.#run = kind;
    this.#runLead = lead;
    this.#runLength = 1;
    this.#add(cls, pieceTokens(kind, lead, 1));
  }

  #flushSpaces(): void {
    if (this.#pendingSpaces > 0) this.#add(this.#lineClass, this.#pendingSpaces);
    this.#pendingSpaces = 0;
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

  #endRun(): void {
    this.#run = Run.None;
    this.#runLead = 0;
    this.#runLength = 0;
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
