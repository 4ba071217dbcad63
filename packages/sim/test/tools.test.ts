import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { inputFor } from '../src/schema-input.ts';
import { createRng } from '../src/random.ts';
import { countTokens } from '../src/tokens.ts';
import { client, fastParams, sim } from './helpers.ts';

type Param = Anthropic.Beta.Messages.BetaMessageParam;
type Tool = Anthropic.Beta.Messages.BetaTool;
type Event = Anthropic.Beta.Messages.BetaRawMessageStreamEvent;

const TOOLS: Tool[] = [
  {
    name: 'search',
    description: 'Search the project',
    input_schema: { type: 'object', properties: { query: { type: 'string' }, max_results: { type: 'integer', minimum: 1, maximum: 10 } }, required: ['query'] },
  },
  { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  {
    name: 'write_file',
    description: 'Write a file',
    input_schema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] },
  },
  { name: 'run_checks', description: 'Run the checks', input_schema: { type: 'object', properties: {} } },
];

let s: RunningSim;
beforeAll(async () => {
  s = await sim({ seed: 3 });
});
afterAll(() => s.close());

interface Step {
  message: Anthropic.Beta.Messages.BetaMessage;
  events: Event[];
}

async function step(url: string, messages: Param[], extra: Record<string, unknown> = {}): Promise<Step> {
  const stream = client(url).beta.messages.stream(fastParams('', { messages, tools: TOOLS, max_tokens: 4000, ...extra }));
  const events: Event[] = [];
  stream.on('streamEvent', (e) => events.push(e));
  const message = await stream.finalMessage();
  return { message, events };
}

const toolUses = (m: Anthropic.Beta.Messages.BetaMessage) =>
  m.content.filter((b): b is Anthropic.Beta.Messages.BetaToolUseBlock => b.type === 'tool_use');
const textOf = (m: Anthropic.Beta.Messages.BetaMessage): string => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');

/** Drive a loop like an agent would: answer every tool call, until the model stops asking. */
async function loop(prompt: string, result: (name: string, input: unknown) => { text: string; isError?: boolean }, extra: Record<string, unknown> = {}) {
  const messages: Param[] = [{ role: 'user', content: prompt }];
  const steps: Step[] = [];
  for (let i = 0; i < 8; i++) {
    const st = await step(s.url, messages, extra);
    steps.push(st);
    if (st.message.stop_reason !== 'tool_use') break;
    messages.push({ role: 'assistant', content: st.message.content });
    messages.push({
      role: 'user',
      content: toolUses(st.message).map((u) => {
        const r = result(u.name, u.input);
        return { type: 'tool_result' as const, tool_use_id: u.id, content: r.text, ...(r.isError ? { is_error: true } : {}) };
      }),
    });
  }
  return steps;
}

describe('[[sim:tools=…]] multi-step plans through the SDK', () => {
  it('plays a 3-step loop: one tool per step, streamed like the API, then a final answer naming the results', async () => {
    const steps = await loop('Add a TTL to the LRU cache [[sim:tools=search,read_file,write_file]]', (name) => ({ text: `${name} result: src/lib/lru-cache.ts has 80 lines` }));
    expect(steps.map((st) => st.message.stop_reason)).toEqual(['tool_use', 'tool_use', 'tool_use', 'end_turn']);
    expect(steps.slice(0, 3).map((st) => toolUses(st.message).map((u) => u.name))).toEqual([['search'], ['read_file'], ['write_file']]);

    for (const st of steps.slice(0, 3)) {
      // Text first, then the call: block start with empty input, input_json_delta fragments, stop.
      expect(st.message.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
      const start = st.events.find((e) => e.type === 'content_block_start' && e.content_block.type === 'tool_use');
      expect(start).toMatchObject({ index: 1, content_block: { type: 'tool_use', input: {} } });
      const fragments = st.events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? [e.delta.partial_json] : []));
      expect(fragments[0]).toBe('');
      expect(fragments.length).toBeGreaterThan(2);
      expect(JSON.parse(fragments.join(''))).toEqual(toolUses(st.message)[0]!.input);
      expect(st.events.filter((e) => e.type === 'content_block_stop')).toHaveLength(2);
      const record = s.sim.streams().find((r) => r.id === st.message.id)!;
      expect(record.deltaTokens.reduce((a, b) => a + b, 0)).toBe(st.message.usage.output_tokens);
    }
    const [search, read, write] = steps.slice(0, 3).map((st) => toolUses(st.message)[0]!.input as Record<string, unknown>);
    expect(typeof search!['query']).toBe('string');
    expect(search!['max_results']).toBeGreaterThanOrEqual(1);
    expect(search!['max_results']).toBeLessThanOrEqual(10);
    // The tools of one plan agree on the file, and the written content is hundreds of tokens of code.
    expect(read!['path']).toBe(write!['path']);
    expect(countTokens(write!['content'] as string)).toBeGreaterThan(300);
    expect(write!['content']).toMatch(/export class \w+/u);

    const final = textOf(steps[3]!.message);
    for (const name of ['search', 'read_file', 'write_file']) expect(final).toContain(name);
    expect(final).toContain('80 lines');
    expect(toolUses(steps[3]!.message)).toHaveLength(0);
  });

  it('a+b makes parallel calls in one step; disable_parallel_tool_use makes them one per step', async () => {
    const steps = await loop('Look around [[sim:tools=search+read_file,run_checks]]', (name) => ({ text: `${name} ok` }));
    expect(steps.map((st) => toolUses(st.message).map((u) => u.name))).toEqual([['search', 'read_file'], ['run_checks'], []]);
    const ids = toolUses(steps[0]!.message).map((u) => u.id);
    expect(new Set(ids).size).toBe(2);
    expect(steps[0]!.message.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'tool_use']);
    expect(toolUses(steps[1]!.message)[0]!.input).toEqual({});

    const serial = await loop('Look around [[sim:tools=search+read_file,run_checks]]', (name) => ({ text: `${name} ok` }), {
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    });
    expect(serial.map((st) => toolUses(st.message).map((u) => u.name))).toEqual([['search'], ['read_file'], ['run_checks'], []]);
  });

  it('a failed tool result is acknowledged in the final answer', async () => {
    const steps = await loop('Fix it [[sim:tools=read_file,write_file]]', (name) =>
      name === 'write_file' ? { text: 'EACCES: permission denied, open src/lib/fix.ts', isError: true } : { text: 'file body' },
    );
    expect(steps).toHaveLength(3);
    const final = textOf(steps[2]!.message);
    expect(final).toMatch(/fail|error/iu);
    expect(final).toContain('EACCES');
    expect(steps[2]!.message.stop_reason).toBe('end_turn');
  });

  it('a scripted tool that is not offered gets a text answer saying so', async () => {
    const st = await step(s.url, [{ role: 'user', content: 'go [[sim:tools=deploy]]' }]);
    expect(st.message.stop_reason).toBe('end_turn');
    expect(textOf(st.message)).toMatch(/can't call `deploy`.*not among the tools offered/u);
  });

  it('tool_choice: none never calls, tool forces that tool with no text before it, any forces a call', async () => {
    const ask: Param[] = [{ role: 'user', content: 'Add a TTL [[sim:tools=search,read_file]]' }];
    const none = await step(s.url, ask, { tool_choice: { type: 'none' } });
    expect(none.message.stop_reason).toBe('end_turn');
    expect(toolUses(none.message)).toHaveLength(0);

    const forced = await step(s.url, ask, { tool_choice: { type: 'tool', name: 'run_checks' } });
    expect(forced.message.stop_reason).toBe('tool_use');
    expect(forced.message.content.map((b) => b.type)).toEqual(['tool_use']);
    expect(toolUses(forced.message)[0]!.name).toBe('run_checks');

    const any = await step(s.url, [{ role: 'user', content: 'What now?' }], { tool_choice: { type: 'any' } });
    expect(any.message.stop_reason).toBe('tool_use');
    expect(any.message.content.map((b) => b.type)).toEqual(['tool_use']);
  });

  it('is deterministic: the same loop gives the same inputs and text', async () => {
    const run = () => loop('Add a TTL [[sim:tools=search,write_file]]', () => ({ text: 'ok' }));
    const [a, b] = [await run(), await run()];
    expect(b.map((st) => st.message.content.map((c) => (c.type === 'tool_use' ? c.input : c)))).toEqual(
      a.map((st) => st.message.content.map((c) => (c.type === 'tool_use' ? c.input : c))),
    );
  });

  it('non-streaming requests get the tool_use blocks with parsed input', async () => {
    const msg = await client(s.url).beta.messages.create(fastParams('go [[sim:tools=search+write_file]]', { tools: TOOLS, max_tokens: 4000 }));
    expect(msg.stop_reason).toBe('tool_use');
    expect(toolUses(msg).map((u) => u.name)).toEqual(['search', 'write_file']);
    expect(typeof (toolUses(msg)[1]!.input as { content: unknown }).content).toBe('string');
  });

  it('max_tokens inside a tool input streams the call as far as it got and stops with max_tokens', async () => {
    const st = await step(s.url, [{ role: 'user', content: 'go [[sim:tools=write_file]]' }], { max_tokens: 60 });
    expect(st.message.stop_reason).toBe('max_tokens');
    expect(st.message.usage.output_tokens).toBe(60);
    expect(st.message.content.at(-1)?.type).toBe('tool_use');
  });
});

describe('tool input pacing', () => {
  it('streams input_json_delta at the output rate: fast takes ~1/2.5 of standard, ground truth exact', async () => {
    const paced = await sim({ ttftMs: 20, standardOtps: 800, fastMultiplier: 2.5, jitter: 0, seed: 3 });
    try {
      const spans: number[] = [];
      for (const fast of [false, true]) {
        const params = { tools: TOOLS, max_tokens: 4000, messages: [{ role: 'user' as const, content: 'go [[sim:tools=write_file]]' }] };
        const req = fast ? fastParams('', params) : { model: 'claude-opus-4-8', ...params };
        const msg = await client(paced.url).beta.messages.stream(req).finalMessage();
        const record = paced.sim.streams().find((r) => r.id === msg.id)!;
        expect(record.deltaTokens.reduce((a, b) => a + b, 0)).toBe(msg.usage.output_tokens);
        const otps = fast ? 2000 : 800;
        const span = record.deltaTimes.at(-1)! - record.deltaTimes[0]!;
        // Never early: the last delta is due (tokens − 1) / otps after the first one's ideal time.
        const due = record.startedAt + record.ttftMs + ((msg.usage.output_tokens - 1) * 1000) / otps;
        expect(record.deltaTimes.at(-1)!).toBeGreaterThanOrEqual(due - 2);
        spans.push(span);
      }
      expect(spans[0]! / spans[1]!).toBeGreaterThan(1.6);
    } finally {
      await paced.close();
    }
  });
});

describe('inputs from input_schema', () => {
  it('fills nested objects, arrays, enums, numbers in range and formats', () => {
    const schema = {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: ['fast', 'standard'] },
        retries: { type: 'integer', minimum: 2, maximum: 4 },
        ratio: { type: 'number', minimum: 0, maximum: 1 },
        dry_run: { type: 'boolean' },
        kind: { const: 'edit' },
        when: { type: 'string', format: 'date-time' },
        files: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'object', properties: { path: { type: 'string' }, line: { type: 'integer' } }, required: ['path'] } },
        owner: { type: 'object', properties: { name: { type: 'string', maxLength: 4 }, tags: { type: 'array', items: { type: 'string' } } } },
        maybe: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 7, maximum: 7 }] },
        patch: { type: 'string' },
      },
      required: ['mode'],
    };
    const input = inputFor(schema, { rng: createRng(1), topic: 'lru cache' });
    expect(['fast', 'standard']).toContain(input['mode']);
    expect(input['retries']).toBeGreaterThanOrEqual(2);
    expect(input['retries']).toBeLessThanOrEqual(4);
    expect(input['ratio']).toBeGreaterThanOrEqual(0);
    expect(input['ratio']).toBeLessThanOrEqual(1);
    expect(typeof input['dry_run']).toBe('boolean');
    expect(input['kind']).toBe('edit');
    expect(input['when']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/u);
    const files = input['files'] as { path: string; line: number }[];
    expect(files).toHaveLength(2);
    expect(files[0]!.path).toBe('src/lib/lru-cache.ts');
    expect(Number.isInteger(files[0]!.line)).toBe(true);
    const owner = input['owner'] as { name: string; tags: string[] };
    expect(owner.name.length).toBeLessThanOrEqual(4);
    expect(Array.isArray(owner.tags)).toBe(true);
    expect(input['maybe']).toBe(7);
    expect(input['patch']).toMatch(/^diff --git a\/src\/lib\/lru-cache.ts/u);
    expect(countTokens(input['patch'] as string)).toBeGreaterThan(200);
  });
});
