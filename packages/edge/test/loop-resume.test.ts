/** Replies that end waiting (client tools, approvals), the next request that continues them, and the edge's 400s. */
import type { ChatMessage, MessagePart, ProtocolEvent, ToolResultPart } from '@slipstream/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineTool, type Tool } from '../src/index.ts';
import { chat, post, sleep, startRig, waitFor, type Rig } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000 });

const executed: { name: string; input: unknown }[] = [];
const server = (name: string, properties: Record<string, unknown>, extra: Partial<Tool> = {}): Tool =>
  ({
    ...defineTool({
      name,
      inputSchema: { type: 'object', properties },
      execute: (input) => {
        executed.push({ name, input });
        return `${name} ran`;
      },
    }),
    ...extra,
  }) as Tool;
const tools: Tool[] = [
  server('search', { query: { type: 'string' } }),
  { name: 'read_file', description: 'Runs in the browser.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  server('write_file', { path: { type: 'string' }, content: { type: 'string' } }, { needsApproval: true }),
  // Needs approval only outside src/: the sim's paths are under src/, so its calls never need it.
  server('delete_file', { path: { type: 'string' } }, { needsApproval: (input: { path?: unknown }) => !String(input.path).startsWith('src/') } as Partial<Tool>),
];

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({}, { tools });
});
afterAll(() => rig.close());
beforeEach(() => {
  rig.sim.sim.reset();
  executed.length = 0;
});

/**
 * A reply sent back as history (protocol.ts): each step an assistant turn (its text and tool calls),
 * then a user turn with the results of that step's calls that the edge sent.
 */
function history(prompt: string, events: ProtocolEvent[]): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'user', content: prompt }];
  const steps = new Map<number, MessagePart[]>();
  const results = new Map<string, ToolResultPart>();
  const stepOf = new Map<string, number>();
  for (const e of events) {
    if (e.event === 'text') {
      const parts = steps.get(e.data.step) ?? [];
      const last = parts.at(-1);
      if (last?.type === 'text') last.text += e.data.delta;
      else parts.push({ type: 'text', text: e.data.delta });
      steps.set(e.data.step, parts);
    } else if (e.event === 'tool_call') {
      const parts = steps.get(e.data.step) ?? [];
      parts.push({ type: 'tool_call', toolCallId: e.data.toolCallId, name: e.data.name, input: e.data.input });
      steps.set(e.data.step, parts);
      stepOf.set(e.data.toolCallId, e.data.step);
    } else if (e.event === 'tool_result') {
      const r: ToolResultPart = { type: 'tool_result', toolCallId: e.data.toolCallId };
      if (e.data.error !== undefined) r.error = e.data.error;
      else r.output = e.data.output ?? null;
      results.set(e.data.toolCallId, r);
    }
  }
  for (const [step, parts] of [...steps].sort(([a], [b]) => a - b)) {
    out.push({ role: 'assistant', content: parts });
    const answered = [...results.values()].filter((r) => stepOf.get(r.toolCallId) === step);
    if (parts.some((p) => p.type === 'tool_call')) out.push({ role: 'user', content: answered });
  }
  return out;
}

/** Add parts to the last (user) turn of a history. */
function answer(messages: ChatMessage[], ...parts: MessagePart[]): ChatMessage[] {
  const last = messages.at(-1)!;
  return [...messages.slice(0, -1), { role: 'user', content: [...(last.content as MessagePart[]), ...parts] }];
}

describe('client tools', () => {
  it('end the reply pending; their results in the next request continue the loop', async () => {
    const prompt = 'Find the cache [[sim:tools=search,read_file]]';
    const first = await chat(rig.chatUrl, { messages: [{ role: 'user', content: prompt }] });
    expect(executed.map((e) => e.name)).toEqual(['search']);
    const call = first.events.find((e) => e.event === 'tool_call' && e.data.name === 'read_file');
    expect(call?.event === 'tool_call' && call.data.execution).toBe('client');
    const done = first.find('done')!.data;
    expect(done).toMatchObject({ finishReason: 'tool_calls', stopReason: 'tool_use', steps: 2 });
    expect(done.pendingToolCalls).toEqual([{ toolCallId: expect.any(String), name: 'read_file', awaiting: 'client' }]);

    const id = done.pendingToolCalls![0]!.toolCallId;
    const second = await chat(rig.chatUrl, { messages: answer(history(prompt, first.events), { type: 'tool_result', toolCallId: id, output: 'export const cache = 1;' }) });
    expect(second.res.status).toBe(200);
    expect(second.find('done')!.data).toMatchObject({ finishReason: 'stop', steps: 1 });
    expect(second.text).toContain('read_file');
    const sent = rig.sim.sim.requests().at(-1)!.body as { messages: { content: { type: string; content?: unknown }[] }[] };
    expect(sent.messages.at(-1)!.content[0]).toMatchObject({ type: 'tool_result', content: 'export const cache = 1;' });
    expect(rig.sim.stats().requests.total).toBe(3);
  });

  it('server tools of the same step run first and their results are sent; the client echoes them back', async () => {
    const prompt = 'Look [[sim:tools=search+read_file]]';
    const first = await chat(rig.chatUrl, { messages: [{ role: 'user', content: prompt }] });
    expect(executed.map((e) => e.name)).toEqual(['search']);
    expect(first.names.filter((n) => n === 'tool_result')).toHaveLength(1);
    const done = first.find('done')!.data;
    expect(done.pendingToolCalls?.map((p) => p.name)).toEqual(['read_file']);
    const messages = answer(history(prompt, first.events), { type: 'tool_result', toolCallId: done.pendingToolCalls![0]!.toolCallId, output: 'text' });
    const second = await chat(rig.chatUrl, { messages });
    expect(second.find('done')!.data.finishReason).toBe('stop');
    expect(executed.map((e) => e.name)).toEqual(['search']); // not run again
  });
});

describe('approvals', () => {
  async function pendingWrite() {
    const prompt = 'Save it [[sim:tools=write_file]]';
    const first = await chat(rig.chatUrl, { messages: [{ role: 'user', content: prompt }] });
    const call = first.find('tool_call')!.data;
    expect(call).toMatchObject({ name: 'write_file', execution: 'server', needsApproval: true });
    expect(first.find('done')!.data.pendingToolCalls).toEqual([{ toolCallId: call.toolCallId, name: 'write_file', awaiting: 'approval' }]);
    expect(first.names).not.toContain('tool_result');
    expect(executed).toHaveLength(0);
    return { messages: history(prompt, first.events), id: call.toolCallId };
  }

  it('approved: the edge runs the call (tool_result step -1 before start) and continues the loop', async () => {
    const { messages, id } = await pendingWrite();
    const second = await chat(rig.chatUrl, { messages: answer(messages, { type: 'tool_approval', toolCallId: id, approved: true }) });
    expect(executed.map((e) => e.name)).toEqual(['write_file']);
    expect(second.names.slice(0, 2)).toEqual(['tool_result', 'ratelimit']);
    expect(second.names.indexOf('tool_result')).toBeLessThan(second.names.indexOf('start'));
    expect(second.find('tool_result')!.data).toMatchObject({ toolCallId: id, step: -1, output: 'write_file ran' });
    expect(second.find('done')!.data).toMatchObject({ finishReason: 'stop' });
    const sent = rig.sim.sim.requests().at(-1)!.body as { messages: { content: { type: string; content?: unknown; is_error?: boolean }[] }[] };
    expect(sent.messages.at(-1)!.content).toEqual([expect.objectContaining({ type: 'tool_result', tool_use_id: id, content: 'write_file ran' })]);
  });

  it('denied: not run; the model gets an is_error result with the reason', async () => {
    const { messages, id } = await pendingWrite();
    const second = await chat(rig.chatUrl, { messages: answer(messages, { type: 'tool_approval', toolCallId: id, approved: false, reason: 'not on main' }) });
    expect(executed).toHaveLength(0);
    const result = second.find('tool_result')!.data;
    expect(result).toMatchObject({ step: -1, error: 'The user denied this tool call. Reason: not on main', durationMs: 0 });
    const sent = rig.sim.sim.requests().at(-1)!.body as { messages: { content: { type: string; content?: unknown; is_error?: boolean }[] }[] };
    expect(sent.messages.at(-1)!.content[0]).toMatchObject({ type: 'tool_result', is_error: true, content: result.error });
    expect(second.text).toMatch(/failed/);
  });

  it('stop while an approved call runs (step -1) aborts it and no upstream request follows', async () => {
    let signal: AbortSignal | undefined;
    const slow = defineTool({
      name: 'write_file',
      inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
      needsApproval: true,
      execute: (_input, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      },
    });
    const own = await startRig({}, { tools: [slow] });
    try {
      const messages: ChatMessage[] = [
        { role: 'user', content: 'Save it' },
        { role: 'assistant', content: [{ type: 'tool_call', toolCallId: 'toolu_01', name: 'write_file', input: { path: 'src/a.ts' } }] },
        { role: 'user', content: [{ type: 'tool_approval', toolCallId: 'toolu_01', approved: true }] },
      ];
      const ac = new AbortController();
      const res = await post(own.chatUrl, { messages }, { signal: ac.signal });
      expect(res.status).toBe(200);
      await waitFor(() => signal !== undefined);
      ac.abort();
      await waitFor(() => signal!.aborted, 3_000);
      await sleep(300);
      expect(own.sim.stats().requests.total).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('needsApproval as a function decides per input', async () => {
    const first = await chat(rig.chatUrl, { messages: [{ role: 'user', content: 'Tidy [[sim:tools=delete_file]]' }] });
    // The sim's path is under src/: no approval needed, so the edge ran it.
    expect(first.find('tool_call')!.data.needsApproval).toBeUndefined();
    expect(executed.map((e) => e.name)).toEqual(['delete_file']);
    expect(first.find('done')!.data.finishReason).toBe('stop');
  });
});

describe('edge-side bad input: 400 naming the field, no upstream request', () => {
  const call = (name: string, input: Record<string, string> = { path: 'x.ts' }) => ({ type: 'tool_call' as const, toolCallId: 'toolu_01', name, input });
  const turn = (name: string, answerPart: MessagePart, input?: Record<string, string>): ChatMessage[] => [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: [call(name, input)] },
    { role: 'user', content: [answerPart] },
  ];
  const result: MessagePart = { type: 'tool_result', toolCallId: 'toolu_01', output: 'ok' };
  const approve: MessagePart = { type: 'tool_approval', toolCallId: 'toolu_01', approved: true };

  it.each([
    ['a tool_call naming a tool the edge does not offer', { messages: turn('nope', result) }, 'messages[1].content[0].name'],
    ['an approval for a server tool that needs none', { messages: turn('search', approve) }, 'messages[2].content[0]'],
    ['an approval for a client tool', { messages: turn('read_file', approve) }, 'messages[2].content[0]'],
    ['an approval a needsApproval function says is not needed for this input', { messages: turn('delete_file', approve, { path: 'src/a.ts' }) }, 'messages[2].content[0]'],
    ['a tool_result with an output for a server tool that needs approval (the edge runs it)', { messages: turn('write_file', result) }, 'messages[2].content[0]'],
    ['a tool_choice naming a tool not offered', { messages: [{ role: 'user', content: 'hi' }], tool_choice: { type: 'tool', name: 'nope' } }, 'tool_choice.name'],
    ['a forced tool_choice with thinking on', { messages: [{ role: 'user', content: 'hi' }], tool_choice: { type: 'any' }, thinking: { type: 'adaptive' } }, 'tool_choice.type'],
  ] as const)('%s', async (_label, body, field) => {
    const res = await post(rig.chatUrl, body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { kind: string; field?: string; message: string } };
    expect(json.error).toMatchObject({ kind: 'invalid_request', field });
    expect(rig.sim.stats().requests.total).toBe(0);
  });

  it('an error result for a call that needed approval is accepted: the conversation went on without a verdict', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Save it [[sim:tools=write_file]]' },
      { role: 'assistant', content: [call('write_file')] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', toolCallId: 'toolu_01', error: 'Not run: the conversation went on without answering this tool call.' },
          { type: 'text', text: 'Never mind, just explain it.' },
        ],
      },
    ];
    const r = await chat(rig.chatUrl, { messages });
    expect(r.res.status).toBe(200);
    expect(r.find('done')!.data.finishReason).toBe('stop');
    expect(executed).toHaveLength(0);
  });

  it('an approval for an unknown call (core pairing rule)', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [call('write_file')] },
      { role: 'user', content: [{ type: 'tool_approval', toolCallId: 'toolu_other', approved: true }] },
    ];
    const res = await post(rig.chatUrl, { messages });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toMatch(/^messages\[\d\]/);
    expect(rig.sim.stats().requests.total).toBe(0);
  });

  it('a tool_choice on an edge without tools', async () => {
    const bare = await startRig();
    try {
      const res = await post(bare.chatUrl, { messages: [{ role: 'user', content: 'hi' }], tool_choice: { type: 'auto' } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('tool_choice');
      expect(bare.sim.stats().requests.total).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
