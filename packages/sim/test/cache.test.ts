import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { client, FAST_BETA, sim } from './helpers.ts';

type Params = Anthropic.Beta.Messages.MessageCreateParamsNonStreaming;
type Usage = Anthropic.Beta.Messages.BetaUsage;

/** A text of exactly `n` sim tokens ("w0 w1 …" would vary; one repeated word is one token each). */
const words = (n: number, word = 'policy'): string => Array.from({ length: n }, () => word).join(' ');

let now = Date.UTC(2026, 11, 2, 5, 0, 0);
const clock = { now: () => now };
let s: RunningSim;
beforeAll(async () => {
  s = await sim({ clock, prefillTokensPerSecond: 0 });
});
afterAll(() => s.close());

function params(system: string, question: string, extra: Partial<Params> = {}): Params {
  return {
    model: 'claude-opus-4-8',
    max_tokens: 64,
    system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: `${question} [[sim:tokens=5]]` }],
    ...extra,
  };
}
const fast: Partial<Params> = { speed: 'fast', betas: [FAST_BETA] };

/** Stream through the SDK and return message_start's usage and the final usage. */
async function usageOf(p: Params): Promise<{ start: Usage; final: Usage }> {
  const stream = client(s.url).beta.messages.stream(p);
  let start: Usage | undefined;
  stream.on('streamEvent', (e) => {
    if (e.type === 'message_start') start = e.message.usage;
  });
  const final = (await stream.finalMessage()).usage;
  return { start: start!, final };
}

describe('prompt caching', () => {
  it('writes on the first request and reads on the next at the same speed; input_tokens is the tail', async () => {
    s.sim.reset();
    const system = words(1500);
    const first = await usageOf(params(system, 'What changed?', fast));
    expect(first.start.cache_creation_input_tokens).toBe(1500);
    expect(first.start.cache_read_input_tokens).toBe(0);
    expect(first.start.cache_creation).toEqual({ ephemeral_5m_input_tokens: 1500, ephemeral_1h_input_tokens: 0 });
    const tail = first.start.input_tokens;
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThan(30);
    // message_delta repeats the cumulative counters; the SDK's final usage agrees.
    expect(first.final.cache_creation_input_tokens).toBe(1500);

    const second = await usageOf(params(system, 'What changed?', fast));
    expect(second.start.cache_read_input_tokens).toBe(1500);
    expect(second.start.cache_creation_input_tokens).toBe(0);
    expect(second.start.input_tokens).toBe(tail);
    expect(second.final.cache_read_input_tokens).toBe(1500);

    // A different question after the breakpoint still reads the cached system prompt.
    const other = await usageOf(params(system, 'Something else entirely, please', fast));
    expect(other.start.cache_read_input_tokens).toBe(1500);
    const record = s.sim.streams().at(-1)!;
    expect(record).toMatchObject({ cacheReadInputTokens: 1500, cacheCreationInputTokens: 0, inputTokens: other.start.input_tokens });
  });

  it('never shares a prefix across speeds: switching speed is a write again, each speed then reads its own', async () => {
    s.sim.reset();
    const system = words(2000, 'cache');
    expect((await usageOf(params(system, 'q', fast))).start.cache_creation_input_tokens).toBe(2000);
    const standard = await usageOf(params(system, 'q'));
    expect(standard.start.speed).toBe('standard');
    expect(standard.start.cache_read_input_tokens).toBe(0);
    expect(standard.start.cache_creation_input_tokens).toBe(2000);
    expect((await usageOf(params(system, 'q', fast))).start.cache_read_input_tokens).toBe(2000);
    expect((await usageOf(params(system, 'q'))).start.cache_read_input_tokens).toBe(2000);
    // The model is part of the key too.
    const sonnet = await usageOf(params(system, 'q', { model: 'claude-sonnet-4-6' }));
    expect(sonnet.start.cache_read_input_tokens).toBe(0);
  });

  it('expires on the sim clock: 5 minutes from last use (reads refresh it), 1 hour for ttl 1h', async () => {
    s.sim.reset();
    const system = words(1200, 'ttl');
    const p = params(system, 'q');
    expect((await usageOf(p)).start.cache_creation_input_tokens).toBe(1200);
    now += 4 * 60_000;
    expect((await usageOf(p)).start.cache_read_input_tokens).toBe(1200); // refreshed: now lives until +9 min
    now += 4 * 60_000;
    expect((await usageOf(p)).start.cache_read_input_tokens).toBe(1200);
    now += 5 * 60_000 + 1;
    const expired = await usageOf(p);
    expect(expired.start.cache_read_input_tokens).toBe(0);
    expect(expired.start.cache_creation_input_tokens).toBe(1200);

    const hour: Params = { ...p, system: [{ type: 'text', text: words(1200, 'hour'), cache_control: { type: 'ephemeral', ttl: '1h' } }] };
    const written = await usageOf(hour);
    expect(written.start.cache_creation).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1200 });
    now += 50 * 60_000;
    expect((await usageOf(hour)).start.cache_read_input_tokens).toBe(1200);
    now += 61 * 60_000;
    expect((await usageOf(hour)).start.cache_read_input_tokens).toBe(0);
  });

  it('does not cache a prefix below the model minimum (1024 on Opus 4.8, 4096 on Opus 4.6)', async () => {
    s.sim.reset();
    const short = await usageOf(params(words(900), 'q'));
    expect(short.start.cache_creation_input_tokens).toBe(0);
    expect(short.start.cache_read_input_tokens).toBe(0);
    expect(short.start.input_tokens).toBeGreaterThan(900);
    expect((await usageOf(params(words(900), 'q'))).start.cache_read_input_tokens).toBe(0);
    const opus46 = await usageOf(params(words(2000), 'q', { model: 'claude-opus-4-6' }));
    expect(opus46.start.cache_creation_input_tokens).toBe(0);
    const opus46Long = await usageOf(params(words(4200), 'q', { model: 'claude-opus-4-6' }));
    expect(opus46Long.start.cache_creation_input_tokens).toBe(4200);
  });

  it('breakpoints on tools, system and messages: a growing conversation reads the last turn via the lookback', async () => {
    s.sim.reset();
    const tools: Anthropic.Beta.Messages.BetaTool[] = [
      { name: 'read_file', description: words(800, 'read'), input_schema: { type: 'object', properties: { path: { type: 'string' } } }, cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    const system = [{ type: 'text' as const, text: words(800, 'rules'), cache_control: { type: 'ephemeral' as const } }];
    const turn = (n: number): Anthropic.Beta.Messages.BetaMessageParam[] =>
      Array.from({ length: n }, (_, i) => [
        { role: 'user' as const, content: [{ type: 'text' as const, text: `${words(50, `q${i}`)} [[sim:tokens=3]]` }] },
        { role: 'assistant' as const, content: [{ type: 'text' as const, text: words(50, `a${i}`) }] },
      ]).flat();
    const withBreakpointOnLast = (messages: Anthropic.Beta.Messages.BetaMessageParam[]) => {
      const last = messages.at(-1)!;
      const blocks = last.content as Anthropic.Beta.Messages.BetaTextBlockParam[];
      return [...messages.slice(0, -1), { ...last, content: [{ ...blocks[0]!, cache_control: { type: 'ephemeral' as const } }] }];
    };
    const ask = (messages: Anthropic.Beta.Messages.BetaMessageParam[]) =>
      usageOf({ model: 'claude-opus-4-8', max_tokens: 64, tools, system, messages: [...withBreakpointOnLast(messages), { role: 'user', content: 'next [[sim:tokens=3]]' }] });

    const one = await ask(turn(1));
    // The 1h tools prefix and the 5m rest are written, each with its own TTL.
    expect(one.start.cache_creation!.ephemeral_1h_input_tokens).toBeGreaterThan(1024);
    expect(one.start.cache_creation!.ephemeral_5m_input_tokens).toBeGreaterThan(900);
    const toolsPrefix = one.start.cache_creation!.ephemeral_1h_input_tokens;
    const written = one.start.cache_creation_input_tokens!;
    // Two turns later the breakpoint moved forward; the old prefix is 4 blocks back, within the lookback.
    const three = await ask(turn(3));
    expect(three.start.cache_read_input_tokens).toBe(written);
    expect(three.start.cache_creation_input_tokens).toBeGreaterThan(0);
    // 12 turns later (24 blocks) the last cached prefix is beyond the 20-block lookback of the one
    // breakpoint there, but the tools and system breakpoints still find their own prefixes.
    const far = await ask(turn(15));
    expect(far.start.cache_read_input_tokens).toBeLessThan(three.start.cache_read_input_tokens! + three.start.cache_creation_input_tokens!);
    expect(far.start.cache_read_input_tokens).toBe(toolsPrefix + 800);
  });

  it('top-level cache_control caches up to the last block (automatic caching)', async () => {
    s.sim.reset();
    const p: Params = { model: 'claude-opus-4-8', max_tokens: 64, cache_control: { type: 'ephemeral' }, messages: [{ role: 'user', content: `${words(1100)} [[sim:tokens=3]]` }] };
    const first = await usageOf(p);
    expect(first.start.cache_creation_input_tokens).toBeGreaterThan(1100);
    expect((await usageOf(p)).start.cache_read_input_tokens).toBe(first.start.cache_creation_input_tokens);
  });
});

describe('prefill: cached prefixes shorten time to first token', () => {
  it('TTFT = ttftMs + uncached input ÷ prefillTokensPerSecond, on the record and on the wire', async () => {
    const paced = await sim({ ttftMs: 20, prefillTokensPerSecond: 10_000, jitter: 0 });
    try {
      const p = params(words(3000, 'prefix'), 'q');
      const measure = async () => {
        const t0 = performance.now();
        const stream = client(paced.url).beta.messages.stream(p);
        let first = 0;
        stream.on('text', () => {
          first ||= performance.now() - t0;
        });
        const msg = await stream.finalMessage();
        return { first, record: paced.sim.streams().find((r) => r.id === msg.id)! };
      };
      const cold = await measure();
      const warm = await measure();
      expect(cold.record.cacheCreationInputTokens).toBe(3000);
      expect(cold.record.ttftMs).toBeCloseTo(20 + (3000 + cold.record.inputTokens) / 10, 5);
      expect(warm.record.cacheReadInputTokens).toBe(3000);
      expect(warm.record.ttftMs).toBeCloseTo(20 + warm.record.inputTokens / 10, 5);
      // Never early; the cold request waits the 300 ms of prefill (slack for a busy machine).
      expect(cold.first).toBeGreaterThanOrEqual(cold.record.ttftMs - 2);
      expect(warm.first).toBeGreaterThanOrEqual(warm.record.ttftMs - 2);
      expect(cold.first - warm.first).toBeGreaterThan(150);
    } finally {
      await paced.close();
    }
  });
});
