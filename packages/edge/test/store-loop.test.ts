/**
 * The client store (core's createFastStream) reading the edge's agent loop against the real sim: the
 * parts, steps and metrics the store builds from real v2 events, and the history it gives back being
 * accepted by the edge for the next turn.
 */
import { createFastStream, replyToMessages, type ChatMessage, type FastStreamState, type ReplyToolCallPart } from '@slipstream/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineTool, type Tool } from '../src/index.ts';
import { startRig, waitFor, type Rig } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000 });

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const tools: Tool[] = [
  defineTool({
    name: 'search',
    description: 'Search the project.',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    execute: async (input) => ({ hits: [`result for ${String((input as { query: string }).query).slice(0, 20)}`] }),
  }),
  defineTool({
    name: 'read_file',
    description: 'Read a file.',
    inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  }),
];

async function run(messages: ChatMessage[]): Promise<FastStreamState> {
  const stream = createFastStream({ endpoint: (rig as Rig).chatUrl, notify: 'sync' });
  stream.start({ messages, speed: 'fast' });
  await waitFor(() => ['done', 'error'].includes(stream.getSnapshot().status), 20_000);
  return stream.getSnapshot();
}

describe('store ← edge loop ← sim', () => {
  it('a server step, then a client tool round trip, through parts, steps and history', async () => {
    rig = await startRig({}, { tools });
    const ask: ChatMessage = { role: 'user', content: 'Find the bug [[sim:tools=search,read_file]]' };
    const first = await run([ask]);
    expect(first.error).toBeNull();
    expect(first.status).toBe('done');
    // Step 0 called search (server: ran, result attached); step 1 called read_file (client: the reply waits).
    expect(first.finishReason).toBe('tool_calls');
    const calls = first.parts.filter((p): p is ReplyToolCallPart => p.type === 'tool_call');
    expect(calls.map((c) => [c.name, c.step, c.execution, c.state])).toEqual([
      ['search', 0, 'server', 'output-available'],
      ['read_file', 1, 'client', 'awaiting-client'],
    ]);
    expect(calls[0]?.output).toMatchObject({ hits: [expect.stringContaining('result for')] });
    for (const c of calls) expect(JSON.parse(c.inputText)).toEqual(c.input);
    expect(first.pendingToolCalls).toEqual([{ toolCallId: calls[1]?.toolCallId, name: 'read_file', awaiting: 'client' }]);

    expect(first.steps.map((s) => [s.step, s.status, s.stopReason, s.servedSpeed])).toEqual([
      [0, 'done', 'tool_use', 'fast'],
      [1, 'done', 'tool_use', 'fast'],
    ]);
    for (const s of first.steps) {
      expect(s.metrics.ttftMs).toBeGreaterThanOrEqual(0);
      expect(s.metrics.outputTokens.isEstimate).toBe(false);
      expect(s.metrics.outputTokens.value).toBe(s.usage?.outputTokens);
    }
    expect(first.metrics.outputTokens.value).toBe(first.steps.reduce((n, s) => n + (s.usage?.outputTokens ?? 0), 0));
    // A short step may arrive in one network read (no span to measure): then there is no headline rate.
    const otps = first.metrics.otps;
    if (otps.value !== null) expect(otps).toMatchObject({ value: expect.any(Number), isEstimate: false });

    // The client runs read_file and continues: the history goes back and the edge accepts it.
    const history = replyToMessages(first.parts, [{ type: 'tool_result', toolCallId: calls[1]?.toolCallId as string, output: 'export const x = 1;' }]);
    expect(history.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant', 'user']);
    const second = await run([ask, ...history]);
    expect(second.error).toBeNull();
    expect(second.status).toBe('done');
    expect(second.finishReason).toBe('stop');
    expect(second.parts.some((p) => p.type === 'text' && p.text.length > 0)).toBe(true);
  });
});
