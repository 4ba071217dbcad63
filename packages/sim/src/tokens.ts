/**
 * The sim's tokenizer. It is not Claude's; it only has to be lossless (joining the tokens gives the
 * text back) and realistic enough (about 4 characters a token) that rates and counts look right.
 * Because the sim emits exactly these tokens, `usage.output_tokens` is an exact count.
 * @module
 */

// A token is optional leading spaces plus a word, a number of up to 3 digits, one other character,
// or a run of line breaks. Long words are split below.
const TOKEN_PATTERN = /\n+| *[A-Za-z]+| *[0-9]{1,3}| *[^\sA-Za-z0-9]|\s/gu;
const MAX_WORD_CHARS = 7;

/** Split text into tokens; `tokenize(t).join('') === t`. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const piece = match[0];
    if (piece.length <= MAX_WORD_CHARS) {
      out.push(piece);
      continue;
    }
    for (let i = 0; i < piece.length; i += MAX_WORD_CHARS - 1) out.push(piece.slice(i, i + MAX_WORD_CHARS - 1));
  }
  return out;
}

/** Count tokens of a text with the sim's tokenizer. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
