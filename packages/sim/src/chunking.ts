/**
 * How a block's tokens are cut into deltas. `token`: one token per delta. `api`: what the real API
 * looks like on the wire: text deltas of a few tokens each (1–8, most often 3–4), thinking that
 * alternates runs of tiny deltas with large chunks, tool input in mid-sized fragments, and now and then
 * a burst (a few deltas held back and sent together). Seeded; the token counts are exact either way.
 * Either way a delta never ends inside a character (see {@link keepCharactersWhole}).
 * @module
 */
import type { Rng } from './random.ts';

/** A chunking profile. */
export type Chunking = 'api' | 'token';

/** Every chunking profile. */
export const CHUNKINGS: readonly Chunking[] = ['api', 'token'];

/** One planned delta: its tokens, and whether it waits to go out with the next one (a burst). */
export interface DeltaSize {
  size: number;
  hold: boolean;
}

/** Relative weights of text delta sizes 1..8 (index 0 unused). */
const TEXT_WEIGHTS = [0, 8, 14, 20, 18, 14, 11, 8, 7];
/** Relative weights of tool-input fragment sizes 1..10. */
const TOOL_WEIGHTS = [0, 2, 6, 10, 12, 12, 10, 8, 6, 4, 3];
/** Chance that a delta starts a burst, per block type. */
const BURST_RATE = { text: 0.04, thinking: 0.08, tool_use: 0.06 } as const;

function weighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/**
 * Cut `n` tokens of a block into deltas.
 * @param firstOfReply - the block starts the reply: its first delta then carries exactly one token and
 *   is never held, so TTFT and "tokens after the first" stay exact.
 */
export function chunkBlock(kind: 'text' | 'thinking' | 'tool_use', n: number, profile: Chunking, rng: Rng, firstOfReply: boolean): DeltaSize[] {
  if (profile === 'token') return Array.from({ length: n }, () => ({ size: 1, hold: false }));
  const out: DeltaSize[] = [];
  let left = n;
  if (firstOfReply && left > 0) {
    out.push({ size: 1, hold: false });
    left -= 1;
  }
  // Thinking alternates runs of tiny deltas with a few large chunks (the streaming docs note this).
  let phaseLeft = 0;
  let large = true;
  while (left > 0) {
    let size: number;
    if (kind === 'text') size = weighted(rng, TEXT_WEIGHTS);
    else if (kind === 'tool_use') size = weighted(rng, TOOL_WEIGHTS);
    else {
      if (phaseLeft === 0) {
        large = !large;
        phaseLeft = large ? rng.int(2, 5) : rng.int(3, 8);
      }
      phaseLeft -= 1;
      size = large ? rng.int(10, 28) : rng.int(1, 2);
    }
    size = Math.min(size, left);
    left -= size;
    out.push({ size, hold: false });
  }
  for (let i = firstOfReply ? 1 : 0; i < out.length - 1; ) {
    if (rng.next() < BURST_RATE[kind]) {
      const end = Math.min(out.length - 1, i + rng.int(1, 3));
      for (let j = i; j < end; j++) out[j]!.hold = true;
      i = end + 1;
    } else {
      i += 1;
    }
  }
  return out;
}

/**
 * Merge deltas so that none ends inside a character. The tokenizer is byte-level: a rare character
 * (CJK, emoji) can span two or three tokens, and `tokenize` gives the tokens that only start it the
 * text `''`. The API holds such bytes until the character is whole, so a delta ending on one takes the
 * next delta in. (A reply that opens with such a character then has a first delta of 2–3 tokens.)
 *
 * A block cut inside a character (`max_tokens`, `[[sim:tokens=N]]`) ends on such tokens with nothing to
 * complete them: the last delta would carry no text, and the API never sends an empty delta, so its
 * tokens go with the delta before. (A block with no whole character at all has no delta with text:
 * `replyFrames` then counts its tokens and writes nothing.)
 */
export function keepCharactersWhole(sizes: DeltaSize[], tokens: readonly string[]): DeltaSize[] {
  const out: DeltaSize[] = [];
  let end = 0;
  for (const d of sizes) {
    const last = out.at(-1);
    if (last !== undefined && tokens[end - 1] === '') {
      last.size += d.size;
      last.hold = d.hold;
    } else {
      out.push({ ...d });
    }
    end += d.size;
  }
  const tail = out.at(-1);
  if (out.length > 1 && tail !== undefined && tokens.slice(end - tail.size, end).every((t) => t === '')) {
    out.pop();
    const before = out.at(-1)!;
    before.size += tail.size;
    before.hold = false;
  }
  return out;
}
