import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkBlock, keepCharactersWhole } from '../src/chunking.ts';
import type { RunningSim } from '../src/node.ts';
import { createRng } from '../src/random.ts';
import { tokenize } from '../src/tokens.ts';
import { client, fastParams, post, sim } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  s = await sim({ standardOtps: 0, seed: 5 });
});
afterAll(() => s.close());

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Stream a request; return the text and thinking fragments as sent and the ground-truth record. */
async function run(content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const stream = client(s.url).beta.messages.stream(fastParams(content, extra), { headers });
  const fragments: { type: string; text: string }[] = [];
  stream.on('streamEvent', (e: Anthropic.Beta.Messages.BetaRawMessageStreamEvent) => {
    if (e.type !== 'content_block_delta') return;
    if (e.delta.type === 'text_delta') fragments.push({ type: 'text', text: e.delta.text });
    if (e.delta.type === 'thinking_delta') fragments.push({ type: 'thinking', text: e.delta.thinking });
    if (e.delta.type === 'input_json_delta' && e.delta.partial_json !== '') fragments.push({ type: 'tool', text: e.delta.partial_json });
  });
  const msg = await stream.finalMessage();
  const record = s.sim.streams().find((r) => r.id === msg.id)!;
  return { msg, fragments, record };
}

describe('chunking: api (the default)', () => {
  it('text deltas carry 1–8 tokens, mostly several, the first exactly 1; counts stay exact', async () => {
    const { msg, record, fragments } = await run('[[sim:tokens=3000]]', { max_tokens: 4000 });
    const sizes = record.deltaTokens;
    expect(sum(sizes)).toBe(msg.usage.output_tokens);
    expect(sizes[0]).toBe(1);
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBe(8);
    const mean = sum(sizes) / sizes.length;
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(5.5);
    expect(new Set(sizes).size).toBe(8);
    expect(sizes.filter((k) => k === 1).length / sizes.length).toBeLessThan(0.15);
    expect(fragments.length).toBe(sizes.length);
  });

  it('thinking alternates tiny deltas and large chunks; tool input comes in mid-sized fragments', async () => {
    const thinking = await run('Explain the plan in detail', { thinking: { type: 'enabled', budget_tokens: 2000 }, max_tokens: 6000 });
    const blocks = thinking.msg.content.map((b) => b.type);
    expect(blocks[0]).toBe('thinking');
    const nThinking = thinking.fragments.filter((f) => f.type === 'thinking').length;
    const thinkingSizes = thinking.record.deltaTokens.slice(0, nThinking);
    expect(thinkingSizes.some((k) => k >= 10)).toBe(true);
    expect(thinkingSizes.slice(1).some((k) => k <= 2)).toBe(true);

    const tools = [{ name: 'write_file', input_schema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } } }];
    const tool = await run('go [[sim:tools=write_file]]', { tools, max_tokens: 4000 });
    const nText = tool.fragments.filter((f) => f.type === 'text').length;
    const toolSizes = tool.record.deltaTokens.slice(nText);
    expect(toolSizes.length).toBe(tool.fragments.filter((f) => f.type === 'tool').length);
    expect(Math.max(...toolSizes)).toBeLessThanOrEqual(10);
    expect(sum(toolSizes) / toolSizes.length).toBeGreaterThan(4);
  });

  it('bursts hold a few deltas back and send them together, never early', () => {
    const plan = chunkBlock('text', 20_000, 'api', createRng(9), true);
    const held = plan.filter((d) => d.hold).length / plan.length;
    expect(held).toBeGreaterThan(0.03);
    expect(held).toBeLessThan(0.15);
    expect(plan[0]).toEqual({ size: 1, hold: false });
    expect(plan.at(-1)!.hold).toBe(false);
    expect(sum(plan.map((d) => d.size))).toBe(20_000);
  });

  it('is deterministic under both profiles: same request, same deltas', async () => {
    for (const chunking of ['api', 'token']) {
      const a = await run('Compare caching strategies in a table', {}, { 'x-sim-chunking': chunking });
      const b = await run('Compare caching strategies in a table', {}, { 'x-sim-chunking': chunking });
      expect(b.fragments).toEqual(a.fragments);
      expect(b.record.deltaTokens).toEqual(a.record.deltaTokens);
    }
  });
});

describe('chunking: token', () => {
  it('one token per delta, by header or by configuration; the text is the same as under api', async () => {
    const api = await run('Write a plan for the launch');
    const byHeader = await run('Write a plan for the launch', {}, { 'x-sim-chunking': 'token' });
    // One token per delta, except that a character spread over tokens goes out whole (the sim's
    // prose has `…`, two tokens, the first of which completes no character).
    const text = byHeader.fragments.map((f) => f.text).join('');
    const tokens = tokenize(text);
    const groups: number[] = [];
    for (let i = 0; i < tokens.length; ) {
      let k = 1;
      while (i + k < tokens.length && tokens[i + k - 1] === '') k++;
      groups.push(k);
      i += k;
    }
    expect(byHeader.record.deltaTokens).toEqual(groups);
    expect(sum(groups)).toBe(byHeader.msg.usage.output_tokens);
    expect(byHeader.fragments.every((f) => f.text !== '')).toBe(true);
    expect(byHeader.fragments.map((f) => f.text).join('')).toBe(api.fragments.map((f) => f.text).join(''));
    s.sim.configure({ chunking: 'token' });
    try {
      expect((await run('Write a plan for the launch')).record.deltaTokens).toEqual(byHeader.record.deltaTokens);
    } finally {
      s.sim.configure({ chunking: 'api' });
    }
  });

  it('never ends a delta inside a character', () => {
    const tokens = tokenize('ok 中文字符测试，这是 😀 …');
    expect(tokens.join('')).toBe('ok 中文字符测试，这是 😀 …');
    expect(tokens).toContain('');
    const sizes = keepCharactersWhole(tokens.map(() => ({ size: 1, hold: false })), tokens);
    expect(sum(sizes.map((d) => d.size))).toBe(tokens.length);
    let end = 0;
    for (const d of sizes) {
      end += d.size;
      if (end < tokens.length) expect(tokens[end - 1]).not.toBe('');
    }
    expect(sizes.length).toBeLessThan(tokens.length);
  });

  it('a reply cut inside a character ([[sim:tokens=N]], max_tokens, a fault) never sends an empty delta', async () => {
    // Emoji and rare CJK span 2–4 tokens; the second text opens with one, so N = 1 cuts inside it.
    const texts = ['Emoji 😀🎉🧑‍🚀 and 漢字かな𠮷 then 🦄🦄 鬱 end', '𠮷🦄 鬱 and more 😀'];
    let cutsInside = 0;
    for (const text of texts) {
      const tokens = tokenize(text);
      for (let n = 1; n <= tokens.length; n++) {
        if (tokens[n - 1] === '') cutsInside += 1;
        for (const chunking of ['token', 'api']) {
          for (const how of ['directive', 'max_tokens', 'fault'] as const) {
            const prompt = how === 'directive' ? `[[sim:echo]] [[sim:tokens=${n}]] ${text}` : `[[sim:echo]] ${text}`;
            const headers: Record<string, string> = { 'x-sim-chunking': chunking };
            if (how === 'fault') Object.assign(headers, { 'x-sim-fault': 'truncate', 'x-sim-fault-after': String(n) });
            const res = await post(s.url, { model: 'claude-opus-4-8', max_tokens: how === 'max_tokens' ? n : 500, stream: true, messages: [{ role: 'user', content: prompt }] }, headers);
            const deltas = res.text.split('\n\n').filter((f) => f.startsWith('event: content_block_delta')).map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as { delta: { text: string } });
            const where = `${how} n=${n} ${chunking} ${JSON.stringify(text)}`;
            expect(deltas.filter((d) => d.delta.text === ''), where).toEqual([]);
            // What is sent is whole characters of the text, up to the cut.
            expect(text.startsWith(deltas.map((d) => d.delta.text).join('')), where).toBe(true);
            const record = s.sim.streams().at(-1)!;
            // The tokens of an unfinished character are still counted (they were generated).
            expect(record.outputTokens, where).toBe(n);
            if (how !== 'fault') expect(res.text, where).toContain(`"output_tokens":${n}}`);
          }
        }
      }
    }
    // The texts do cut inside characters, at the start of a reply too.
    expect(cutsInside).toBeGreaterThan(5);
    expect(tokenize(texts[1]!)[0]).toBe('');
  });

  it('a bad x-sim-chunking is a 400 naming the header', async () => {
    const res = await post(s.url, { model: 'claude-opus-4-8', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }, { 'x-sim-chunking': 'words' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('x-sim-chunking');
  });
});

describe('pacing under api chunking', () => {
  it('every delta, bursts included, leaves at or after its ideal time; the average rate is exact', async () => {
    const paced = await sim({ ttftMs: 10, standardOtps: 1000, jitter: 0 });
    try {
      const msg = await client(paced.url).beta.messages.stream(fastParams('[[sim:tokens=600]]', { speed: undefined, betas: undefined })).finalMessage();
      const r = paced.sim.streams().find((x) => x.id === msg.id)!;
      let cum = 0;
      const first = r.startedAt + r.ttftMs;
      for (const [j, t] of r.deltaTimes.entries()) {
        cum += r.deltaTokens[j]!;
        expect(t).toBeGreaterThanOrEqual(first + (cum - 1) - 2);
      }
      // No drift: the last delta is due 599 ms after the first one's ideal time (slack for a busy machine).
      expect(r.deltaTimes.at(-1)! - first).toBeLessThan(599 + 100);
    } finally {
      await paced.close();
    }
  });
});
