/**
 * The sim's tokenizer: a real byte-pair encoding, Anthropic's published Claude tokenizer (the ranks
 * of `@anthropic-ai/tokenizer`, a 65k-token byte-level BPE), run by `js-tiktoken`, a pure-JS BPE, so it
 * works unchanged in workerd, Deno, Bun and browsers (no WASM). Claude 3 and 4 use tokenizers that are
 * not public; this one is the closest public proxy, so character-per-token figures (prose ~4.3, code
 * ~3.6, markdown tables ~2.5, CJK ~1) look like a real model's rather than a rule of thumb.
 *
 * The sim streams exactly these tokens, so `usage.output_tokens` is an exact count, and `'token'`
 * chunking cuts the text on real token boundaries.
 *
 * Two things differ from `@anthropic-ai/tokenizer`'s own `countTokens`: the text is not NFKC-normalised
 * first (tokens must join back to the text that is streamed), and its special tokens (`<EOT>`…) are
 * plain text here, as they are in a user's message.
 *
 * The ranks are parsed when `createSim` runs (`warmTokenizer`, ~100 ms) or on first use, not at import.
 * @module
 */
import claude from '@anthropic-ai/tokenizer/claude.json' with { type: 'json' };
import { Tiktoken } from 'js-tiktoken/lite';

interface Encoder {
  tiktoken: Tiktoken;
  /** Bytes of each token id. */
  bytes: Uint16Array;
}

let encoder: Encoder | undefined;

function getEncoder(): Encoder {
  if (encoder !== undefined) return encoder;
  const tiktoken = new Tiktoken({ pat_str: claude.pat_str, special_tokens: claude.special_tokens, bpe_ranks: claude.bpe_ranks });
  // The ranks are lines of `name offset base64 base64 …`, ranks counting up from offset (ids go past
  // `explicit_n_vocab`, so the table is sized from the ranks themselves).
  const lines = claude.bpe_ranks.split('\n').filter((l) => l !== '').map((l) => l.split(' '));
  const size = Math.max(...lines.map((parts) => Number(parts[1]) + parts.length - 2));
  const bytes = new Uint16Array(size);
  for (const parts of lines) {
    const offset = Number(parts[1]);
    for (let i = 2; i < parts.length; i++) {
      const b64 = parts[i] as string;
      const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
      bytes[offset + i - 2] = (b64.length / 4) * 3 - pad;
    }
  }
  encoder = { tiktoken, bytes };
  return encoder;
}

/** Build the encoder now rather than on first use (`createSim` calls it). */
export function warmTokenizer(): void {
  getEncoder();
}

function encode(text: string): number[] {
  // No special tokens: `<EOT>` in a message is text.
  return getEncoder().tiktoken.encode(text, [], []);
}

/** UTF-8 length of the code point that starts at `text[i]`, and its length in UTF-16 units. */
function codePointAt(text: string, i: number): [utf8: number, units: number] {
  const c = text.charCodeAt(i);
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return [4, 2];
  }
  return [3, 1];
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
      const [utf8, units] = codePointAt(text, pos);
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
