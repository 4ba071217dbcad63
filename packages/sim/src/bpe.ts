/**
 * A byte-level BPE encoder (the tiktoken algorithm) that gives exactly the tokens `js-tiktoken`'s
 * `encode(text, [], [])` gives, in time that grows as n log n with the length of a pre-token rather than
 * n², and without `js-tiktoken`'s per-lookup `bytes.join(',')` keys.
 *
 * Why: a run of CJK letters is one pre-token, and `js-tiktoken` rescans every adjacent pair after every
 * merge (each a fresh array slice joined to a string), so CJK text tokenized at ~21k tok/s, too slow for
 * a CJK load test at 1,000 tok/s × 50 replies.
 *
 * How, the same as tiktoken: pre-split with the same regex; a pre-token that is a token is that token;
 * otherwise start from single bytes and repeatedly merge the adjacent pair whose joined bytes have the
 * lowest rank, the leftmost of equal ones, until no adjacent pair is a token. Bytes are kept as a Latin-1
 * string (one char per byte, as the vendored ranks are), so a pair's key is a `substring`.
 * - Short pre-tokens (the usual English word): the pair ranks are cached and the lowest found by a scan;
 *   a merge looks up only the two pairs it changed (tiktoken's own Rust loop).
 * - Long pre-tokens (`HEAP_FROM` bytes and more): the parts are a linked list and the pairs a min-heap
 *   keyed by (rank, byte offset), so "lowest rank, leftmost" is the heap's minimum; entries a merge made
 *   stale are dropped when they surface.
 * @module
 */

/**
 * Pre-tokens of at least this many bytes merge with the heap. Below it the cached scan is as fast or
 * faster (its n² is a scan of a small integer array; both spend most of their time looking up pairs).
 * Measured by `bench/sim-bpe-threshold.node.ts` (load 4 on 2 cores): the heap is ahead from ~32 bytes
 * of CJK (11 characters) and ~48 of emoji, and only from ~96 of Latin letters (rare that long), within
 * 10% either way up to 64 bytes, then 1.3× faster at 128 bytes of CJK and 3–5× at 1 kB.
 */
export const HEAP_FROM = 64;

/** Encodes text to token ids. */
export interface Bpe {
  /** Token ids of `text` (no special tokens: `<EOT>` is text). */
  encode(text: string): number[];
}

/** What the encoder is built from: the vendored ranks (`claude-tokenizer.json`). */
export interface BpeRanks {
  /** Each token's bytes as a Latin-1 string, in rank order. */
  tokens: readonly string[];
  /** Rank (token id) of `tokens[0]`. */
  offset: number;
  /** The pre-split regex's source (compiled with the `u` and `g` flags, as tiktoken does). */
  pat_str: string;
}

/**
 * Build an encoder. `heapFrom` is the pre-token length in bytes from which merges use the heap (tests
 * set 2 or `Infinity` to run one path on everything).
 */
export function createBpe(ranks: BpeRanks, heapFrom: number = HEAP_FROM): Bpe {
  const rankOf = new Map<string, number>();
  for (let i = 0; i < ranks.tokens.length; i++) rankOf.set(ranks.tokens[i] as string, ranks.offset + i);
  const pattern = new RegExp(ranks.pat_str, 'gu');
  // Two-byte tokens by their bytes: every pre-token starts with a lookup for each adjacent byte pair.
  const NONE = 0x7fffffff;
  const pairs = new Int32Array(65536).fill(NONE);
  for (const [t, r] of rankOf) if (t.length === 2) pairs[(t.charCodeAt(0) << 8) | t.charCodeAt(1)] = r;
  const pairAt = (bytes: string, i: number): number => pairs[(bytes.charCodeAt(i) << 8) | bytes.charCodeAt(i + 1)] as number;

  // Scratch arrays, grown as needed and reused, so a short pre-token allocates nothing.
  let size = 0;
  let partStart = new Int32Array(0); // scan: start of each part, then the end of the piece
  let pairRank = new Int32Array(0); // scan: rank of part i joined with part i+1, or NONE
  let next = new Int32Array(0); // heap: start of the part after the one that starts at byte i
  let prev = new Int32Array(0);
  let heapKey = new Float64Array(0); // rank * 2^32 + start of the pair's left part
  let heapEnd = new Int32Array(0); // end of the pair's right part when it was pushed
  const grow = (n: number): void => {
    if (n <= size) return;
    size = Math.max(n, size * 2, 64);
    partStart = new Int32Array(size + 1);
    pairRank = new Int32Array(size + 1);
    next = new Int32Array(size + 1);
    prev = new Int32Array(size + 1);
    heapKey = new Float64Array(3 * size);
    heapEnd = new Int32Array(3 * size);
  };
  // A huge pre-token (a long CJK document in a prompt) should not pin ~40 bytes a byte of scratch for
  // the life of the process: past this size the arrays are dropped after use.
  const KEEP = 1 << 16;
  const release = (): void => {
    if (size <= KEEP) return;
    size = 0;
    partStart = pairRank = next = prev = heapEnd = new Int32Array(0);
    heapKey = new Float64Array(0);
  };
  const rank = (bytes: string, start: number, end: number): number => rankOf.get(bytes.substring(start, end)) ?? NONE;

  function mergeByScan(bytes: string, out: number[]): void {
    const n = bytes.length;
    grow(n);
    let parts = n; // parts, and partStart[parts] === n
    for (let i = 0; i < n; i++) partStart[i] = i;
    partStart[n] = n;
    for (let i = 0; i < n - 1; i++) pairRank[i] = pairAt(bytes, i);
    pairRank[n - 1] = NONE;
    for (;;) {
      let min = NONE;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        const r = pairRank[i] as number;
        if (r < min) {
          min = r;
          at = i;
        }
      }
      if (at < 0) break;
      // Part `at` absorbs part `at + 1`.
      partStart.copyWithin(at + 1, at + 2, parts + 1);
      pairRank.copyWithin(at + 1, at + 2, parts);
      parts--;
      pairRank[at] = at + 1 < parts ? rank(bytes, partStart[at] as number, partStart[at + 2] as number) : NONE;
      if (at > 0) pairRank[at - 1] = rank(bytes, partStart[at - 1] as number, partStart[at + 1] as number);
    }
    for (let i = 0; i < parts; i++) out.push(rankOf.get(bytes.substring(partStart[i] as number, partStart[i + 1] as number)) as number);
  }

  function mergeByHeap(bytes: string, out: number[]): void {
    const n = bytes.length;
    grow(n);
    // Parts are named by their first byte, which never changes; `prev[i] === -1` for the first part,
    // `next[i] === n` for the last, and a part merged away has `next[i] === -1`.
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    let len = 0;
    const push = (left: number, end: number, r: number): void => {
      // Sift up.
      const key = r * 4294967296 + left;
      let i = len++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if ((heapKey[p] as number) <= key) break;
        heapKey[i] = heapKey[p] as number;
        heapEnd[i] = heapEnd[p] as number;
        i = p;
      }
      heapKey[i] = key;
      heapEnd[i] = end;
    };
    const pop = (): void => {
      // Move the last entry to the root and sift it down.
      len--;
      const key = heapKey[len] as number;
      const end = heapEnd[len] as number;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= len) break;
        if (c + 1 < len && (heapKey[c + 1] as number) < (heapKey[c] as number)) c++;
        if ((heapKey[c] as number) >= key) break;
        heapKey[i] = heapKey[c] as number;
        heapEnd[i] = heapEnd[c] as number;
        i = c;
      }
      heapKey[i] = key;
      heapEnd[i] = end;
    };
    for (let i = 0; i < n - 1; i++) {
      const r = pairAt(bytes, i);
      if (r !== NONE) push(i, i + 2, r);
    }
    while (len > 0) {
      const key = heapKey[0] as number;
      const end = heapEnd[0] as number;
      pop();
      const left = key % 4294967296;
      const right = next[left] as number;
      // Stale unless both parts are as they were: the left one still there and not grown, the right one
      // ending where it ended (boundaries only ever disappear, so equal ends mean the same two parts).
      if (right === -1 || right >= n || next[right] !== end) continue;
      next[left] = end;
      if (end < n) prev[end] = left;
      next[right] = -1;
      const before = prev[left] as number;
      if (before >= 0) {
        const r = rank(bytes, before, end);
        if (r !== NONE) push(before, end, r);
      }
      if (end < n) {
        const after = next[end] as number;
        const r = rank(bytes, left, after);
        if (r !== NONE) push(left, after, r);
      }
    }
    for (let i = 0; i < n; i = next[i] as number) out.push(rankOf.get(bytes.substring(i, next[i] as number)) as number);
  }

  return {
    encode(text: string): number[] {
      const out: number[] = [];
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        const bytes = utf8Latin1(m[0]);
        const whole = rankOf.get(bytes);
        if (whole !== undefined) out.push(whole);
        else {
          if (bytes.length >= heapFrom) mergeByHeap(bytes, out);
          else mergeByScan(bytes, out);
          release();
        }
      }
      return out;
    },
  };
}

/**
 * The UTF-8 bytes of `s` as a Latin-1 string (one char per byte), as `TextEncoder` encodes it: a lone
 * surrogate becomes U+FFFD.
 */
export function utf8Latin1(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 0x80) i++;
  if (i === s.length) return s;
  const codes: number[] = [];
  for (let j = 0; j < i; j++) codes.push(s.charCodeAt(j));
  for (; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) codes.push(c);
    else if (c < 0x800) codes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          codes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
          continue;
        }
        c = 0xfffd;
      }
      codes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
  }
  let out = '';
  for (let j = 0; j < codes.length; j += 4096) out += String.fromCharCode(...codes.slice(j, j + 4096));
  return out;
}
