// Writes packages/sim/src/claude-tokenizer.json from @anthropic-ai/tokenizer's claude.json, in a form
// that packs small: each token's bytes as a Latin-1 string (readable, and gzip finds the words in it)
// instead of base64. `packages/sim/src/bpe.ts` indexes those strings as they are, and
// `packages/sim/test/content.test.ts` checks the round trip against the original.
// Run: node scripts/vendor-claude-ranks.node.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/sim/package.json', import.meta.url));
const claude = JSON.parse(readFileSync(require.resolve('@anthropic-ai/tokenizer/claude.json'), 'utf8'));
const lines = claude.bpe_ranks.split('\n').filter(Boolean);
if (lines.length !== 1) throw new Error(`expected one line of ranks, got ${lines.length}`);
const [, offset, ...tokens] = lines[0].split(' ');
const out = {
  source: '@anthropic-ai/tokenizer@0.0.4 claude.json (see claude-tokenizer.LICENSE)',
  pat_str: claude.pat_str,
  special_tokens: claude.special_tokens,
  offset: Number(offset),
  tokens: tokens.map((b64) => Buffer.from(b64, 'base64').toString('latin1')),
};
writeFileSync(new URL('../packages/sim/src/claude-tokenizer.json', import.meta.url), JSON.stringify(out));
console.log(`wrote ${out.tokens.length} tokens from rank ${out.offset}`);
