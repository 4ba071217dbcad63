import { describe, expect, it } from 'vitest';
import { replyToMessages } from '../src/history.ts';
import type { ChatMessage } from '../src/protocol.ts';
import type { PartMetrics, ReplyPart, ReplyToolCallPart } from '../src/stream-state.ts';
import { validateChatRequest } from '../src/validate.ts';

const metrics: PartMetrics = { firstDeltaAt: null, lastDeltaAt: null, liveOtps: { value: null, isEstimate: false } };
const text = (step: number, index: number, t: string): ReplyPart => ({ type: 'text', step, index, text: t });
const thinking = (step: number, index: number, t: string, signature: string | null, redacted = false): ReplyPart => ({
  type: 'thinking',
  step,
  index,
  thinking: t,
  signature,
  redacted,
  metrics,
});
const call = (step: number, index: number, id: string, over: Partial<ReplyToolCallPart> = {}): ReplyToolCallPart => ({
  type: 'tool_call',
  step,
  index,
  toolCallId: id,
  name: 'read_file',
  inputText: '{"path":"a.ts"}',
  input: { path: 'a.ts' },
  state: 'output-available',
  execution: 'server',
  needsApproval: false,
  output: 'export {}',
  metrics,
  ...over,
});

/** The history is valid protocol: a user turn before it, and (when it ends with assistant) one after. */
function expectValid(history: ChatMessage[]) {
  const messages: ChatMessage[] = [{ role: 'user', content: 'go' }, ...history];
  if (history[history.length - 1]?.role !== 'user') messages.push({ role: 'user', content: 'next' });
  const r = validateChatRequest({ messages });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
}

describe('replyToMessages', () => {
  it('turns each step into an assistant turn and its results into the user turn after it', () => {
    const parts: ReplyPart[] = [
      thinking(0, 0, 'Read it first.', 'sig-0'),
      text(0, 1, 'Reading.'),
      call(0, 2, 'toolu_1'),
      call(0, 3, 'toolu_2', { name: 'search', input: { q: 'x' }, output: undefined, error: 'no index', state: 'output-error' }),
      thinking(1, 0, '', 'OPAQUE', true),
      call(1, 1, 'toolu_3', { name: 'write_file', input: { path: 'a.ts', content: 'x' }, output: { ok: true } }),
      text(2, 0, 'Done.'),
    ];
    const history = replyToMessages(parts);
    expect(history).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Read it first.', signature: 'sig-0' },
          { type: 'text', text: 'Reading.' },
          { type: 'tool_call', toolCallId: 'toolu_1', name: 'read_file', input: { path: 'a.ts' } },
          { type: 'tool_call', toolCallId: 'toolu_2', name: 'search', input: { q: 'x' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', toolCallId: 'toolu_1', output: 'export {}' },
          { type: 'tool_result', toolCallId: 'toolu_2', error: 'no index' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'redacted_thinking', data: 'OPAQUE' },
          { type: 'tool_call', toolCallId: 'toolu_3', name: 'write_file', input: { path: 'a.ts', content: 'x' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_3', output: { ok: true } }] },
      { role: 'assistant', content: 'Done.' },
    ]);
    expectValid(history);
  });

  it('answers waiting calls from `answers`, ending with the user turn that continues the loop', () => {
    const parts: ReplyPart[] = [
      text(0, 0, 'Need two things.'),
      call(0, 1, 'c1', { name: 'get_location', input: {}, output: undefined, state: 'awaiting-client', execution: 'client' }),
      call(0, 2, 's1', { name: 'delete_file', output: undefined, state: 'awaiting-approval', needsApproval: true }),
    ];
    const history = replyToMessages(parts, [
      { type: 'tool_approval', toolCallId: 's1', approved: false, reason: 'not that file' },
      { type: 'tool_result', toolCallId: 'c1', output: { city: 'Oslo' } },
      { type: 'tool_result', toolCallId: 'unrelated', output: 1 },
    ]);
    expect(history[1]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'c1', output: { city: 'Oslo' } },
        { type: 'tool_approval', toolCallId: 's1', approved: false, reason: 'not that file' },
      ],
    });
    expect(history).toHaveLength(2);
    expectValid(history);
  });

  it('a stopped reply: unsigned thinking and a half-streamed call are left out, a finished call that never ran says so', () => {
    const parts: ReplyPart[] = [
      text(0, 0, 'Writing two files.'),
      call(0, 1, 'ran', { output: undefined, state: 'cancelled' }),
      call(0, 2, 'half', { input: { path: 'b' }, inputText: '{"path":"b', output: undefined, state: 'cancelled', execution: null }),
      thinking(0, 3, 'and then', null),
    ];
    const history = replyToMessages(parts);
    expect(history).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Writing two files.' },
          { type: 'tool_call', toolCallId: 'ran', name: 'read_file', input: { path: 'a.ts' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'ran', error: 'Not run: the reply was stopped before this tool call finished.' }] },
    ]);
    expectValid(history);
  });

  it('joins steps without calls and skips empty ones', () => {
    const history = replyToMessages([text(0, 0, 'Part one. '), text(1, 0, '  '), thinking(2, 0, 'x', null), text(3, 0, 'Part two.')]);
    expect(history).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'Part one. ' }, { type: 'text', text: 'Part two.' }] }]);
    expect(replyToMessages([])).toEqual([]);
    expectValid(history);
  });

  it('does not change the parts it is given', () => {
    const parts = Object.freeze([Object.freeze(call(0, 0, 'a'))]) as readonly ReplyPart[];
    const answer = { type: 'tool_result' as const, toolCallId: 'a', output: 2 };
    const history = replyToMessages(parts, [answer]);
    expect((history[1]?.content as unknown[])[0]).toEqual(answer);
    expect((history[1]?.content as unknown[])[0]).not.toBe(answer);
  });
});
