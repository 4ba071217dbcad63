import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { getTokenizer } from '@anthropic-ai/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XSS_PAYLOADS } from '../src/index.ts';
import type { RunningSim } from '../src/node.ts';
import { planReply } from '../src/plan.ts';
import vendored from '../src/claude-tokenizer.json' with { type: 'json' };
import { countTokens, tokenize } from '../src/tokens.ts';
import { client, fastParams, sim } from './helpers.ts';

let s: RunningSim;
let other: RunningSim;
beforeAll(async () => {
  s = await sim({ seed: 7 });
  other = await sim({ seed: 8 });
});
afterAll(async () => {
  await s.close();
  await other.close();
});

async function reply(url: string, content: string, extra: Record<string, unknown> = {}) {
  const msg = await client(url).beta.messages.stream(fastParams(content, extra)).finalMessage();
  const text = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  return { text, tokens: msg.usage.output_tokens, stop: msg.stop_reason, msg };
}

describe('tokenizer', () => {
  it('is lossless and about 4 characters a token', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (t) => tokenize(t).join('') === t));
    const prose = 'The edge function streams tokens to the browser while the meter shows the live output rate.';
    const perToken = prose.length / tokenize(prose).length;
    expect(perToken).toBeGreaterThan(3);
    expect(perToken).toBeLessThan(7);
  });

  it('vendors the published ranks unchanged (scripts/vendor-claude-ranks.node.mjs)', () => {
    const original = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@anthropic-ai/tokenizer/claude.json'), 'utf8')) as { bpe_ranks: string; pat_str: string; special_tokens: Record<string, number> };
    expect(`! ${vendored.offset} ${vendored.tokens.map((t) => Buffer.from(t, 'latin1').toString('base64')).join(' ')}`).toBe(original.bpe_ranks.trim());
    expect(vendored.pat_str).toBe(original.pat_str);
    expect(vendored.special_tokens).toEqual(original.special_tokens);
  });

  it("counts exactly what Anthropic's published tokenizer counts, on every kind of text", () => {
    const texts = [
      'The edge function streams tokens to the browser while the meter shows the live output rate.',
      'function lru<K, V>(max: number) {\n  const map = new Map<K, V>();\n  return { get: (k: K) => map.get(k) };\n}\n',
      '| store | latency | persistence |\n|---|---|---|\n| Redis | ~1 ms | optional |\n',
      '{"path":"src/index.ts","line":42,"ok":true,"tags":["a","b"]}',
      '流式传输让用户更快看到回答。日本語のテキスト。한국어 텍스트',
      'emoji 😀🎉, <EOT> and <META> are plain text here, tabs\tand\r\nline ends',
      // Long pre-tokens (merged with the heap, src/bpe.ts): a CJK run with no break, emoji, a repeat.
      '流式传输让用户更快看到回答日本語のテキストも同じです한국어텍스트도마찬가지입니다'.repeat(40),
      '😀🎉🚀'.repeat(100),
      'a'.repeat(3000),
    ];
    const reference = getTokenizer();
    try {
      for (const t of texts) {
        // The reference normalises to NFKC first; these texts are NFKC already.
        expect(t.normalize('NFKC')).toBe(t);
        expect(countTokens(t)).toBe(reference.encode(t, [], []).length);
        expect(tokenize(t)).toHaveLength(countTokens(t));
      }
    } finally {
      reference.free();
    }
  });
});

describe('deterministic content', () => {
  it('same request and seed give the same text and token count, at either speed', async () => {
    const a = await reply(s.url, 'Explain rate limits in detail with a table');
    const b = await reply(s.url, 'Explain rate limits in detail with a table');
    const standard = await client(s.url).messages.stream({ model: 'claude-opus-4-8', max_tokens: 1024, messages: [{ role: 'user', content: 'Explain rate limits in detail with a table' }] }).finalMessage();
    expect(b.text).toBe(a.text);
    expect(b.tokens).toBe(a.tokens);
    expect(standard.content[0]?.type === 'text' && standard.content[0].text).toBe(a.text);
    const c = await reply(other.url, 'Explain rate limits in detail with a table');
    expect(c.text).not.toBe(a.text);
  });

  it('keywords steer the material: code, table, json, list, plan, short', async () => {
    expect((await reply(s.url, 'write some code')).text).toMatch(/```\w+\n/u);
    expect((await reply(s.url, 'make a table')).text).toMatch(/\n\|---\|/u);
    expect((await reply(s.url, 'give me json')).text).toMatch(/```json\n\{/u);
    expect((await reply(s.url, 'a list of ideas')).text).toMatch(/\n- \*\*/u);
    expect((await reply(s.url, 'a plan')).text).toMatch(/\n1\. /u);
    const short = await reply(s.url, 'hi');
    expect(short.text.includes('\n')).toBe(false);
    expect(short.tokens).toBeLessThan(25);
    expect((await reply(s.url, 'Tell me about caching')).text).toMatch(/^## /mu);
  });

  it('long prompts go on until max_tokens', async () => {
    const long = await reply(s.url, 'write a long essay', { max_tokens: 600 });
    expect(long.stop).toBe('max_tokens');
    expect(long.tokens).toBe(600);
  });
});

describe('directives', () => {
  it('[[sim:tokens=N]] gives exactly N output tokens, capped by max_tokens', async () => {
    for (const n of [1, 2, 13, 250]) {
      const r = await reply(s.url, `[[sim:tokens=${n}]]`);
      expect(r.tokens).toBe(n);
      expect(r.stop).toBe('end_turn');
    }
    const capped = await reply(s.url, '[[sim:tokens=500]]', { max_tokens: 120 });
    expect(capped.tokens).toBe(120);
    expect(capped.stop).toBe('max_tokens');
    const thinking = await reply(s.url, '[[sim:tokens=100]] think', { thinking: { type: 'adaptive' } });
    expect(thinking.tokens).toBe(100);
    expect(thinking.msg.content[0]?.type).toBe('thinking');
  });

  it('[[sim:xss]] replies with at least 50 distinct payloads', async () => {
    expect(new Set(XSS_PAYLOADS).size).toBeGreaterThanOrEqual(50);
    const r = await reply(s.url, 'render this [[sim:xss]]', { max_tokens: 4000 });
    for (const p of XSS_PAYLOADS) expect(r.text).toContain(p);
    expect(r.text).toContain('<script>');
    expect(r.text).toContain('javascript:');
    expect(r.text).toContain('onerror=');
  });

  it('[[sim:echo]] echoes the prompt', async () => {
    const r = await reply(s.url, 'Repeat after me: the quick brown fox. [[sim:echo]]');
    expect(r.text).toBe('Repeat after me: the quick brown fox.');
  });

  it('thinking budget_tokens caps the thinking block', () => {
    const plan = planReply({ seed: 1, prompt: 'x', conversationKey: 'x', maxTokens: 3000, thinking: { budget: 1024 }, tools: [], counter: 1 });
    expect(plan.blocks[0]?.type).toBe('thinking');
    expect(plan.blocks[0]!.tokens.length).toBeLessThanOrEqual(1024);
    expect(plan.outputTokens).toBe(plan.blocks.reduce((n, b) => n + b.tokens.length, 0));
  });
});

describe('replies that fit the prompt', () => {
  const code = (text: string, lang: string): string => new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``, 'u').exec(text)?.[1] ?? '';

  it('code in the language asked for, on the subject asked for', async () => {
    const ts = (await reply(s.url, 'Write a TypeScript LRU cache')).text;
    expect(code(ts, 'ts')).toMatch(/export class LruCache<K, V>/u);
    expect(ts).not.toMatch(/```python/u);
    expect(ts).toMatch(/## How it works/u);
    const py = (await reply(s.url, 'Write a Python LRU cache')).text;
    expect(code(py, 'python')).toMatch(/OrderedDict/u);
    const go = (await reply(s.url, 'Write a Go function that counts words in a file')).text;
    expect(code(go, 'go')).toMatch(/^func CountWords/mu);
    const generic = (await reply(s.url, 'Write a TypeScript function that parses CSV rows')).text;
    expect(code(generic, 'ts')).toMatch(/export function parseCsvRows\(/u);
  });

  it('a table whose rows are the items named, with columns for their domain', async () => {
    const { text } = await reply(s.url, 'Compare Redis, Memcached and DynamoDB for caching in a table');
    const rows = text.split('\n').filter((l) => l.startsWith('| **'));
    expect(rows.map((r) => /\*\*(.+?)\*\*/u.exec(r)?.[1])).toEqual(['Redis', 'Memcached', 'DynamoDB']);
    expect(text).toMatch(/\| Option \| Latency \| Persistence \| Scaling \| Best for \|/u);
  });

  it("the demo's presets read as answers: code, plan, JSON, short", async () => {
    const c = (await reply(s.url, 'Implement a TypeScript function that retries fetch with exponential backoff and jitter. Show the code and explain it.')).text;
    expect(code(c, 'ts')).toMatch(/export async function fetchWithRetry/u);
    expect(c).toMatch(/jitter/iu);
    const plan = (await reply(s.url, 'Write a step-by-step rollout plan for moving our chat endpoint to the edge, with risks and a roadmap.', { max_tokens: 4000 })).text;
    for (const h of ['## Steps', '## Risks', '## Roadmap']) expect(plan).toContain(h);
    expect(plan).toContain('your chat endpoint');
    const json = (await reply(s.url, 'Return a JSON config for a per-tenant rate limiter with overrides and comments on each field.')).text;
    const body = code(json, 'jsonc');
    const parsed = JSON.parse(body.replace(/^\s*\/\/.*$/gmu, '')) as Record<string, unknown>;
    expect(parsed).toHaveProperty('overrides');
    expect(parsed).toHaveProperty('defaults');
    expect((await reply(s.url, 'hi')).text.includes('\n')).toBe(false);
  });

  it('[[sim:tokens=N]] stays exact on a shaped reply', async () => {
    const r = await reply(s.url, 'Write a TypeScript LRU cache [[sim:tokens=900]]', { max_tokens: 2000 });
    expect(r.tokens).toBe(900);
    expect(r.text.startsWith((await reply(s.url, 'Write a TypeScript LRU cache')).text.slice(0, 200))).toBe(true);
  });
});

describe('tool inputs use the paths a conversation already names', () => {
  it('prefers a path in the ask, then the earlier result path sharing most words with the ask', async () => {
    const { knownPathFor } = await import('../src/schema-input.ts');
    expect(knownPathFor('Add a TTL to the cache in src/lib/cache.ts, then run checks.', [])).toBe('src/lib/cache.ts');
    const listing = '[{"path":"package.json"},{"path":"src/lib/cache.ts"},{"path":"src/lib/limiter.ts"}]';
    expect(knownPathFor('Fix the rate limiter so refills are exact', [listing])).toBe('src/lib/limiter.ts');
    expect(knownPathFor('Write a poem', [listing])).toBeUndefined();
    expect(knownPathFor('Write a poem', [])).toBeUndefined();
  });
});
