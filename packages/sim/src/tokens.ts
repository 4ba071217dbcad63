/**
 * The sim's tokenizer: a real byte-pair encoding, Anthropic's published Claude tokenizer (the ranks of
 * `@anthropic-ai/tokenizer`, a 65k-token byte-level BPE, vendored as `claude-tokenizer.json` with its
 * licence beside it, so that package's WASM tokenizer is not installed), run by the sim's own pure-JS
 * BPE (`bpe.ts`: the tokens `js-tiktoken` gives, in n log n on long pre-tokens such as CJK runs), so it
 * works unchanged in workerd, Deno, Bun and browsers (no WASM). Claude 3 and 4 use tokenizers
 * that are not public; this one is the closest public proxy, so characters per token (prose ~4.4, code
 * ~4, markdown tables ~3, CJK ~1) look like a real model's rather than a rule of thumb.
 *
 * The sim streams exactly these tokens, so `usage.output_tokens` is an exact count, and `'token'`
 * chunking cuts the text on real token boundaries.
 *
 * Two things differ from `@anthropic-ai/tokenizer`'s own `countTokens`: the text is not NFKC-normalised
 * first (tokens must join back to the text that is streamed), and its special tokens (`<EOT>`…) are
 * plain text here, as they are in a user's message.
 *
 * The ranks are indexed when `createSim` runs (`warmTokenizer`, tens of ms) or on first use, not at import.
 * @module
 */
import { type Bpe, createBpe } from './bpe.ts';
import claude from './claude-tokenizer.json' with { type: 'json' };

interface Encoder {
  bpe: Bpe;
  /** Bytes of each token id. */
  bytes: Uint16Array;
}

let encoder: Encoder | undefined;

function getEncoder(): Encoder {
  if (encoder !== undefined) return encoder;
  // The vendored file keeps each token's bytes as a Latin-1 string, which is what `createBpe` indexes.
  const tokens = claude.tokens;
  const bytes = new Uint16Array(claude.offset + tokens.length);
  for (let i = 0; i < tokens.length; i++) bytes[claude.offset + i] = (tokens[i] as string).length;
  encoder = { bpe: createBpe(claude), bytes };
  return encoder;
}

/** Build the encoder now rather than on first use (`createSim` calls it). */
export function warmTokenizer(): void {
  getEncoder();
}

function encode(text: string): number[] {
  // No special tokens: `<EOT>` in a message is text.
  return getEncoder().bpe.encode(text);
}

/**
 * Split text into its tokens' texts; `tokenize(t).join('') === t` and `tokenize(t).length` is the
 * token count.
 *
 * A byte-level BPE can cut a character between tokens (rare CJK, emoji): a character's text goes with
 * the token that completes it, so a token that only starts one is `''`. The sim never ends a delta on
 * such a token (the API does not stream half characters).
 */
export function tokenize(text: string): string[] {
  if (text === '') return [];
  const { bytes } = getEncoder();
  const ids = encode(text);
  const out: string[] = new Array<string>(ids.length);
  let pos = 0;
  let owed = 0; // bytes of tokens so far not yet matched to whole characters
  for (let t = 0; t < ids.length; t++) {
    owed += bytes[ids[t] as number] as number;
    const start = pos;
    while (pos < text.length) {
      // The UTF-8 length of the code point at `pos`, and its length in UTF-16 units (inline: this loop
      // runs once a character, and a helper returning a pair cost ~1/3 of tokenize on English).
      const c = text.charCodeAt(pos);
      let utf8 = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      let units = 1;
      if (c >= 0xd800 && c <= 0xdbff && pos + 1 < text.length) {
        const d = text.charCodeAt(pos + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          utf8 = 4;
          units = 2;
        }
      }
      if (utf8 > owed) break;
      owed -= utf8;
      pos += units;
    }
    out[t] = text.slice(start, pos);
  }
  // Lone surrogates encode as U+FFFD (3 bytes); whatever is left over belongs to the last token.
  if (pos < text.length) out[ids.length - 1] += text.slice(pos);
  return out;
}

/** Count tokens of a text with the sim's tokenizer. */
export function countTokens(text: string): number {
  return text === '' ? 0 : encode(text).length;
}
