/** The agent loop against the real sim: server tools, speed across steps, cache breakpoints, stop. */
import { readProtocolStream, type ProtocolEvent } from '@slipstream/core';
import type { SimRequestLogEntry } from '@slipstream/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createChatHandler, defineTool, type Tool, type ToolContext } from '../src/index.ts';
import { chat, post, sleep, startRig, user, waitFor, type Rig } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000 });

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

type Call = { name: string; input: unknown; ctx: ToolContext; start: number; end?: number };

/** search, read_file and write_file as server tools that record their calls. */
function recordingTools(calls: Call[], delayMs = 0): Tool[] {
  const tool = (name: string, properties: Record<string, unknown>): Tool =>
    defineTool({
      name,
      description: `The ${name} tool.`,
      inputSchema: { type: 'object', properties, required: Object.keys(properties) },
      execute: async (input, ctx) => {
        const call: Call = { name, input, ctx, start: performance.now() };
        calls.push(call);
        if (delayMs > 0) await sleep(delayMs);
        call.end = performance.now();
        return { ok: true, tool: name };
      },
    });
  return [
    tool('search', { query: { type: 'string' } }),
    tool('read_file', { path: { type: 'string' } }),
    tool('write_file', { path: { type: 'string' }, content: { type: 'string' } }),
  ];
}

type Body = {
  speed?: string;
  tools?: { name: string; cache_control?: unknown }[];
  tool_choice?: unknown;
  system?: { cache_control?: unknown }[];
  messages: { role: string; content: string | { type: string; cache_control?: unknown; is_error?: boolean; content?: unknown; tool_use_id?: string }[] }[];
};
const bodies = (r: Rig) => r.sim.sim.requests().filter((q: SimRequestLogEntry) => q.path.endsWith('/v1/messages')).map((q) => q.body as Body);
const of = <K extends ProtocolEvent['event']>(events: ProtocolEvent[], name: K) =>
  events.filter((e) => e.event === name).map((e) => e.data) as Extract<ProtocolEvent, { event: K }>['data'][];

function breakpoints(b: Body): string[] {
  const at: string[] = [];
  b.tools?.forEach((t, i) => t.cache_control && at.push(`tools[${i}]`));
  b.system?.forEach((s, i) => s.cache_control && at.push(`system[${i}]`));
  b.messages.forEach((m, i) => typeof m.content !== 'string' && m.content.forEach((c, j) => c.cache_control && at.push(`messages[${i}][${j}]`)));
  return at;
}

describe('agent loop: server tools', () => {
  it('runs a 3-step loop: tool events, results upstream, step events, totals', async () => {
    const calls: Call[] = [];
    rig = await startRig({}, { tools: recordingTools(calls), system: 'You are an agent.' });
    const r = await chat(rig.chatUrl, { messages: user('Fix the cache [[sim:tools=search,read_file,write_file]]'), conversationId: 'loop-1' });
    expect(r.res.status).toBe(200);
    expect(calls.map((c) => c.name)).toEqual(['search', 'read_file', 'write_file']);
    expect(calls[0]!.ctx.conversationId).toBe('loop-1');
    expect(calls[2]!.input).toMatchObject({ path: expect.any(String), content: expect.any(String) });

    // Event order: start once, then per step step_start … step_finish, tool results after each tool step.
    const order = r.names.filter((n) => ['start', 'step_start', 'tool_call', 'step_finish', 'tool_result', 'done'].includes(n));
    expect(order).toEqual([
      'start',
      ...['step_start', 'tool_call', 'step_finish', 'tool_result'],
      ...['step_start', 'tool_call', 'step_finish', 'tool_result'],
      ...['step_start', 'tool_call', 'step_finish', 'tool_result'],
      'step_start',
      'step_finish',
      'done',
    ]);
    const toolCalls = of(r.events, 'tool_call');
    const starts = of(r.events, 'tool_call_start');
    expect(starts.map((s) => s.toolCallId)).toEqual(toolCalls.map((c) => c.toolCallId));
    for (const c of toolCalls) {
      expect(c.execution).toBe('server');
      const json = of(r.events, 'tool_input_delta').filter((d) => d.toolCallId === c.toolCallId).map((d) => d.delta).join('');
      expect(JSON.parse(json)).toEqual(c.input);
    }
    expect(toolCalls[2]!.input['content']).toEqual((calls[2]!.input as { content: string }).content);
    const results = of(r.events, 'tool_result');
    expect(results.map((x) => x.step)).toEqual([0, 1, 2]);
    expect(results[0]!.output).toEqual({ ok: true, tool: 'search' });

    const finishes = of(r.events, 'step_finish');
    expect(finishes.map((f) => f.stopReason)).toEqual(['tool_use', 'tool_use', 'tool_use', 'end_turn']);
    const done = r.find('done')!.data;
    expect(done).toMatchObject({ finishReason: 'stop', stopReason: 'end_turn', steps: 4 });
    expect(done.usage.outputTokens).toBe(finishes.reduce((s, f) => s + f.usage.outputTokens, 0));
    expect(done.usage.inputTokens).toBe(finishes.reduce((s, f) => s + f.usage.inputTokens, 0));
    expect(done.cost!.totalUsd).toBeCloseTo(finishes.reduce((s, f) => s + f.cost!.totalUsd, 0), 10);
    expect(r.find('usage')!.data.outputTokens).toBe(done.usage.outputTokens);
    expect(done.timings.attempts).toBe(4);
    for (const f of finishes) expect(f.timings.endT).toBeGreaterThanOrEqual(f.timings.startT);
    expect(r.text).toContain('write_file');

    // Upstream: four requests, each with the tools; each step sends the previous turns back.
    const sent = bodies(rig);
    expect(sent).toHaveLength(4);
    for (const b of sent) expect(b.tools?.map((t) => t.name)).toEqual(['search', 'read_file', 'write_file']);
    expect(sent.map((b) => b.messages.length)).toEqual([1, 3, 5, 7]);
    const lastTurn = sent[3]!.messages[6]!.content as { type: string; tool_use_id?: string; content?: unknown }[];
    expect(lastTurn[0]).toMatchObject({ type: 'tool_result', tool_use_id: toolCalls[2]!.toolCallId, content: '{"ok":true,"tool":"write_file"}' });
    const assistant = sent[3]!.messages[5]!.content as { type: string; id?: string }[];
    expect(assistant.map((b) => b.type)).toEqual(['text', 'tool_use']);
  });

  it('runs parallel calls of one step concurrently, results in one user turn', async () => {
    const calls: Call[] = [];
    rig = await startRig({}, { tools: recordingTools(calls, 300) });
    const r = await chat(rig.chatUrl, { messages: user('Look around [[sim:tools=search+read_file]]') });
    expect(calls.map((c) => c.name).sort()).toEqual(['read_file', 'search']);
    const [a, b] = calls;
    // Both started before either ended.
    expect(Math.max(a!.start, b!.start)).toBeLessThan(Math.min(a!.end!, b!.end!));
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', steps: 2 });
    const second = bodies(rig)[1]!;
    const results = second.messages[2]!.content as { type: string }[];
    expect(results.map((x) => x.type)).toEqual(['tool_result', 'tool_result']);
  });

  it('an invalid input (JSON Schema, @cfworker/json-schema) is an is_error result; the loop goes on', async () => {
    const executed: unknown[] = [];
    const search = defineTool({
      name: 'search',
      // The sim ignores `pattern`, so its query fails validation here.
      inputSchema: { type: 'object', properties: { query: { type: 'string', pattern: '^ZZZ$' } }, required: ['query'] },
      execute: (input) => executed.push(input),
    });
    rig = await startRig({}, { tools: [search] });
    const r = await chat(rig.chatUrl, { messages: user('Find it [[sim:tools=search]]') });
    expect(executed).toHaveLength(0);
    const result = r.find('tool_result')!.data;
    expect(result.error).toMatch(/^Invalid input for tool "search": #\/query: .*ZZZ/);
    expect(result.durationMs).toBe(0);
    const turn = bodies(rig)[1]!.messages[2]!.content as { is_error?: boolean; content?: unknown }[];
    expect(turn[0]).toMatchObject({ is_error: true, content: result.error });
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', steps: 2 });
    expect(r.text).toMatch(/failed/);
  });

  it('an input a Standard Schema (zod) refuses is an is_error result; a valid one arrives parsed', async () => {
    const got: unknown[] = [];
    const strict = defineTool({
      name: 'search',
      inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
      schema: z.object({ query: z.string().max(2) }),
      execute: (input) => got.push(input.query),
    });
    rig = await startRig({}, { tools: [strict] });
    const r = await chat(rig.chatUrl, { messages: user('Find the cache [[sim:tools=search]]') });
    expect(got).toHaveLength(0);
    expect(r.find('tool_result')!.data.error).toMatch(/^Invalid input for tool "search": #\/query: /);
    expect(r.find('done')!.data.finishReason).toBe('stop');
  });

  it('a zod schema without inputSchema: its own JSON Schema (~standard.jsonSchema) goes upstream', async () => {
    const got: string[] = [];
    const search = defineTool({
      name: 'search',
      schema: z.object({ query: z.string().describe('What to look for') }),
      execute: ({ query }) => got.push(query),
    });
    rig = await startRig({}, { tools: [search] });
    const r = await chat(rig.chatUrl, { messages: user('Find the cache [[sim:tools=search]]') });
    expect(r.find('done')!.data.finishReason).toBe('stop');
    expect(got).toHaveLength(1);
    const sent = rig.sim.sim.requests()[0]!.body as { tools: { input_schema: unknown }[] };
    expect(sent.tools[0]!.input_schema).toMatchObject({ type: 'object', properties: { query: { type: 'string', description: 'What to look for' } }, required: ['query'] });
  });

  it('a throwing tool and a timed-out tool are is_error results; the timed-out tool sees its signal fire', async () => {
    let signal: AbortSignal | undefined;
    const tools: Tool[] = [
      defineTool({
        name: 'search',
        inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
        execute: () => {
          throw new Error('index offline');
        },
      }),
      defineTool({
        name: 'read_file',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
        timeoutMs: 150,
        execute: (_input, ctx) => {
          signal = ctx.signal;
          return new Promise(() => {}); // never settles, ignores its signal
        },
      }),
    ];
    rig = await startRig({}, { tools });
    const t0 = performance.now();
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file]]') });
    const results = of(r.events, 'tool_result');
    expect(results[0]!.error).toBe('Tool "search" failed: index offline');
    expect(results[1]!.error).toBe('Tool "read_file" timed out after 150 ms.');
    expect(results[1]!.durationMs).toBeGreaterThanOrEqual(140);
    expect(signal?.aborted).toBe(true);
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', steps: 3 });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('maxSteps caps the loop: done says max_steps, no further upstream request', async () => {
    const calls: Call[] = [];
    rig = await startRig({}, { tools: recordingTools(calls), maxSteps: 2 });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file,write_file]]') });
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'max_steps', stopReason: 'tool_use', steps: 2 });
    // The last step's tools still ran: their results belong in the history the client sends back.
    expect(calls.map((c) => c.name)).toEqual(['search', 'read_file']);
    expect(of(r.events, 'tool_result')).toHaveLength(2);
    expect(bodies(rig)).toHaveLength(2);
  });

  it('stop during a tool aborts it (signal fires) and no further upstream request is made', async () => {
    let toolSignal: AbortSignal | undefined;
    let started = false;
    const slow = defineTool({
      name: 'search',
      inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
      execute: (_input, ctx) => {
        toolSignal = ctx.signal;
        started = true;
        return new Promise((resolve) => setTimeout(() => resolve('late'), 10_000));
      },
    });
    rig = await startRig({}, { tools: [slow] });
    const ac = new AbortController();
    const res = await post(rig.chatUrl, { messages: user('Go [[sim:tools=search,search]]') }, { signal: ac.signal });
    const reading = (async () => {
      try {
        for await (const e of readProtocolStream(res.body!)) void e;
      } catch {
        // aborted
      }
    })();
    await waitFor(() => started, 5_000);
    ac.abort();
    await reading;
    await waitFor(() => toolSignal?.aborted === true, 3_000);
    await sleep(300);
    expect(rig.sim.stats().requests.total).toBe(1);
    expect(rig.sim.stats().activeStreams).toBe(0);
  });
});

describe('agent loop: one speed, cache breakpoints', () => {
  it('every step goes at the speed the first was served at (sim request log)', async () => {
    rig = await startRig({}, { tools: recordingTools([]) });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file,write_file]]'), speed: 'auto' });
    expect(of(r.events, 'step_finish').map((f) => f.speed)).toEqual(['fast', 'fast', 'fast', 'fast']);
    expect(bodies(rig).map((b) => b.speed)).toEqual(['fast', 'fast', 'fast', 'fast']);
    expect(r.names).not.toContain('fallback');

    rig.sim.sim.reset();
    const std = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file]]'), speed: 'standard' });
    expect(of(std.events, 'step_finish').map((f) => f.speed)).toEqual(['standard', 'standard', 'standard']);
    expect(bodies(rig).map((b) => b.speed)).toEqual([undefined, undefined, undefined]);
  });

  it('a fast 429 mid-loop moves the rest of the loop to standard, with a fallback before the next step', async () => {
    let simRef: Rig | undefined;
    const search = defineTool({
      name: 'search',
      inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
      execute: () => {
        // Fast runs out while step 0's tool runs: the next fast request gets a 429.
        simRef!.sim.sim.injectFaults({ fault: 'rate_limit', speed: 'fast', after: 5_000 });
        return 'found';
      },
    });
    const tools: Tool[] = [search, ...recordingTools([]).slice(1)];
    rig = simRef = await startRig({}, { tools });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file,write_file]]'), conversationId: 'c-429' });
    const order = r.names.filter((n) => ['step_start', 'step_finish', 'fallback', 'tool_result', 'done'].includes(n));
    expect(order.slice(0, 5)).toEqual(['step_start', 'step_finish', 'tool_result', 'fallback', 'step_start']);
    expect(r.find('fallback')!.data).toMatchObject({ from: 'fast', to: 'standard', reason: 'rate_limited' });
    expect(of(r.events, 'step_finish').map((f) => f.speed)).toEqual(['fast', 'standard', 'standard', 'standard']);
    // fast (200), fast (429), then standard for every remaining step: never back to fast.
    expect(bodies(rig).map((b) => b.speed ?? 'standard')).toEqual(['fast', 'fast', 'standard', 'standard', 'standard']);
    expect(rig.sim.stats().requests.byStatus).toMatchObject({ 429: 1 });
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', speed: 'standard', steps: 4 });
    expect(r.find('done')!.data.timings.attempts).toBe(5);
  });

  it('a fast output budget running low mid-loop moves the rest to standard (budget_low), never back', async () => {
    // The fast output bucket holds 2,500 tokens; write_file's input spends ~1,000 of them.
    rig = await startRig({ fastOutputTpm: 2_500 }, { tools: recordingTools([]) });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=write_file,read_file,search]]'), max_tokens: 2_000 });
    const fb = r.find('fallback')!.data;
    expect(fb).toMatchObject({ from: 'fast', to: 'standard', reason: 'budget_low' });
    // Step 1's headers show what step 0 spent: the decision falls before step 2.
    const order = r.names.filter((n) => n === 'step_start' || n === 'fallback');
    expect(order).toEqual(['step_start', 'step_start', 'fallback', 'step_start', 'step_start']);
    expect(of(r.events, 'step_finish').map((f) => f.speed)).toEqual(['fast', 'fast', 'standard', 'standard']);
    expect(rig.sim.stats().requests.byStatus).not.toHaveProperty('429');
  });

  it('a tool call cut by max_tokens is not run and ends the loop', async () => {
    const calls: Call[] = [];
    rig = await startRig({}, { tools: recordingTools(calls) });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=write_file,read_file]]'), max_tokens: 60 });
    expect(r.names).toContain('tool_call_start');
    expect(r.names).not.toContain('tool_call');
    expect(calls).toHaveLength(0);
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', stopReason: 'max_tokens', steps: 1 });
    expect(rig.sim.stats().requests.total).toBe(1);
  });

  it('cache breakpoints: at most 4, moving forward so each step reads the previous prefix', async () => {
    rig = await startRig({}, { tools: recordingTools([]), system: { text: 'You are an agent.', cache: '1h' }, allowClientSystem: true });
    await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file,write_file]]'), system: 'Be brief.' });
    const sent = bodies(rig);
    expect(sent).toHaveLength(4);
    expect(sent.map(breakpoints)).toEqual([
      ['tools[2]', 'system[1]', 'messages[0][0]'],
      ['tools[2]', 'system[1]', 'messages[0][0]', 'messages[2][0]'],
      ['tools[2]', 'system[1]', 'messages[2][0]', 'messages[4][0]'],
      ['tools[2]', 'system[1]', 'messages[4][0]', 'messages[6][0]'],
    ]);
    // The system's 1h TTL reaches the tools breakpoint before it (a 1h may not follow a 5m).
    expect(sent[0]!.tools![2]!.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(sent[0]!.system![1]!.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(sent[0]!.system![0]!.cache_control).toBeUndefined();
  });

  it('each step reads the whole previous step from the prompt cache (sim usage)', async () => {
    const system = `You are a careful coding agent. ${'Keep every change small, tested and explained. '.repeat(120)}`;
    rig = await startRig({}, { tools: recordingTools([]), system });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file,write_file]]') });
    const usage = of(r.events, 'step_finish').map((f) => f.usage);
    expect(usage).toHaveLength(4);
    expect(usage[0]!.cacheReadInputTokens).toBe(0);
    expect(usage[0]!.cacheCreationInputTokens).toBeGreaterThan(1_024);
    for (let k = 1; k < usage.length; k++) {
      const prev = usage[k - 1]!;
      // Step k's prompt starts with step k-1's entire cacheable prompt, all of it read from cache
      // (input_tokens is the sim's small uncacheable tail).
      expect(usage[k]!.cacheReadInputTokens).toBe(prev.cacheReadInputTokens + prev.cacheCreationInputTokens);
      expect(usage[k]!.inputTokens).toBeLessThan(20);
      expect(usage[k]!.cacheCreationInputTokens).toBeGreaterThan(0);
    }
  });

  it('thinking blocks go back upstream with their signatures on every step', async () => {
    rig = await startRig({}, { tools: recordingTools([]) });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search,read_file]]'), thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', steps: 3 });
    const signatures = of(r.events, 'thinking_signature');
    expect(signatures.length).toBe(3);
    const sent = bodies(rig);
    const turn = sent[2]!.messages[3]!.content as { type: string; signature?: string }[];
    expect(turn[0]).toMatchObject({ type: 'thinking', signature: signatures[1]!.signature });
  });

  it('tool_choice and disable_parallel_tool_use go upstream on every step', async () => {
    rig = await startRig({}, { tools: recordingTools([]), toolChoice: { type: 'auto' }, disableParallelToolUse: true });
    const r = await chat(rig.chatUrl, { messages: user('Go [[sim:tools=search+read_file]]') });
    const sent = bodies(rig);
    // One call per step: the parallel step becomes two.
    expect(sent).toHaveLength(3);
    for (const b of sent) expect(b.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(r.find('done')!.data.steps).toBe(3);
  });
});

describe('tool_choice per request', () => {
  it("overrides the edge's toolChoice on every step; a forced tool keeps the loop going to maxSteps", async () => {
    const calls: Call[] = [];
    rig = await startRig({}, { tools: recordingTools(calls), toolChoice: { type: 'auto' }, maxSteps: 3 });
    const r = await chat(rig.chatUrl, { messages: user('Look it up'), tool_choice: { type: 'tool', name: 'search' } });
    expect(bodies(rig).map((b) => b.tool_choice)).toEqual([0, 1, 2].map(() => ({ type: 'tool', name: 'search' })));
    expect(calls.map((c) => c.name)).toEqual(['search', 'search', 'search']);
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'max_steps', steps: 3 });
  });
});

describe('tools option: checked at construction', () => {
  const schema = { type: 'object' as const, properties: {} };
  it.each([
    [[{ name: 'has space', inputSchema: schema }], /tools\[0\]\.name "has space" is not a valid tool name/],
    [[{ name: 'a', inputSchema: schema }, { name: 'a', inputSchema: schema }], /two tools are named "a"/],
    [[{ name: 'a', inputSchema: { type: 'string' } }], /tools\[0\]\.inputSchema \(tool "a"\) must be a JSON Schema object with type "object"/],
    [[{ name: 'a', inputSchema: schema, execute: (): number => 1, timeoutMs: 0 }], /timeoutMs/],
    [[{ name: 'a', execute: (): number => 1 }], /tools\[0\]\.inputSchema \(tool "a"\) is required/],
    [[{ name: 'a', inputSchema: schema, needsApproval: true }], /needsApproval is for server tools/],
  ])('refuses %j', (tools, message) => {
    expect(() => createChatHandler({ tools: tools as Tool[] })).toThrow(message);
  });
  it('refuses a toolChoice naming a tool it does not offer', () => {
    expect(() => createChatHandler({ tools: [{ name: 'a', inputSchema: schema }], toolChoice: { type: 'tool', name: 'b' } })).toThrow(
      /toolChoice: tool_choice.name "b" is not a tool this edge offers/,
    );
  });
});
