import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFastChat, toHistory, type ChatToolCallPart, type FastChatMessage, type FastChatMessageInit, type FastChatOptions } from '../src/chat-store.ts';
import { notifyManager } from '../src/notify.ts';
import { encodeEvent } from '../src/sse-encode.ts';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type ChatRequest, type ProtocolEvent, type ProtocolEventMap } from '../src/protocol.ts';
import type { ReplyStep } from '../src/stream-state.ts';
import { doneEvent, settle, startEvent, usageOf } from './store-helpers.ts';

afterEach(() => notifyManager.setNotifyFunction((cb) => cb()));

type Ev = { [K in keyof ProtocolEventMap]: [K, ProtocolEventMap[K]] }[keyof ProtocolEventMap];

/** A fetch answering the Nth call with the Nth script (events sent at once), or hanging when told. */
function scripted(...scripts: (Ev[] | 'hang')[]) {
  const calls: { body: ChatRequest; signal: AbortSignal | null }[] = [];
  const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    const signal = init?.signal ?? null;
    calls.push({ body: JSON.parse(String(init?.body)) as ChatRequest, signal });
    const script = scripts.shift();
    if (script === undefined) throw new Error('unexpected fetch');
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        if (script === 'hang') {
          signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
          c.enqueue(enc.encode(encodeEvent('start', startEvent())));
          c.enqueue(enc.encode(encodeEvent('text', { delta: 'Partial', step: 0, index: 0, t: 5 })));
          return;
        }
        for (const [name, data] of script) c.enqueue(enc.encode(encodeEvent(name, data as never)));
        c.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const text = (delta: string, step = 0, index = 0): Ev => ['text', { delta, step, index, t: 10 }];
const finished = (outputTokens = 5, over: Partial<ProtocolEventMap['done']> = {}): Ev[] => [
  ['usage', { ...usageOf(outputTokens), speed: 'fast', t: 20 }],
  ['done', doneEvent(outputTokens, over)],
];
const answer = (words: string): Ev[] => [['start', startEvent()], text(words), ...finished()];

function chat(scripts: (Ev[] | 'hang')[], options: FastChatOptions = {}) {
  const { fetch, calls } = scripted(...scripts);
  const store = createFastChat({ fetch, notify: 'sync', ...options });
  const renders: number[] = [];
  store.subscribe(() => renders.push(store.getSnapshot().messages.length));
  return { store, calls, renders, messages: () => store.getSnapshot().messages };
}

const call = (over: Partial<ChatToolCallPart>): ChatToolCallPart => ({
  type: 'tool_call',
  step: 0,
  index: 1,
  toolCallId: 'toolu_1',
  name: 'get_weather',
  inputText: '{"city":"Paris"}',
  input: { city: 'Paris' },
  state: 'awaiting-client',
  execution: 'client',
  needsApproval: false,
  metrics: { firstDeltaAt: 1, lastDeltaAt: 2, liveOtps: { value: null, isEstimate: true } },
  ...over,
});

/** A conversation whose last reply ended waiting for `calls`. */
function waitingFor(...calls: ChatToolCallPart[]): FastChatMessageInit[] {
  return [
    { id: 'u1', role: 'user', content: 'Weather in Paris and Rome?' },
    {
      id: 'a1',
      role: 'assistant',
      parts: [{ type: 'text', text: 'Let me check.', step: 0, index: 0 }, ...calls],
      steps: [{ step: 0 } as ReplyStep],
      status: 'done',
      finishReason: 'tool_calls',
      pendingToolCalls: calls.map((c) => ({ toolCallId: c.toolCallId, name: c.name, awaiting: c.needsApproval ? 'approval' : 'client' })),
      usage: usageOf(30),
    },
  ];
}

describe('createFastChat: conversation', () => {
  it('sends, streams the reply into the list, keeps the conversation id and builds text history as strings', async () => {
    const onFinish = vi.fn();
    const { store, calls, messages } = chat([answer('Reply 1.'), answer('Reply 2.')], { speed: 'auto', model: 'claude-opus-4-6', system: 'Be brief.', onFinish });
    store.send('Hello');
    expect(messages().map((m) => [m.role, m.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'submitted'],
    ]);
    expect(messages()[0]!.parts).toEqual([{ type: 'text', text: 'Hello' }]);
    await settle();
    const a = messages()[1]!;
    expect(a.status).toBe('done');
    expect(a.content).toBe('Reply 1.');
    expect(a.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text)).toEqual(['Reply 1.']);
    expect(a.servedSpeed).toBe('fast');
    expect(a.usage?.outputTokens).toBe(5);
    expect(store.getSnapshot().status).toBe('done');
    expect(onFinish).toHaveBeenCalledWith(expect.objectContaining({ id: a.id, content: 'Reply 1.' }), expect.objectContaining({ status: 'done' }));
    expect(calls[0]!.body).toEqual({
      messages: [{ role: 'user', content: 'Hello' }],
      conversationId: store.conversationId,
      speed: 'auto',
      model: 'claude-opus-4-6',
      system: 'Be brief.',
    });
    const [u1, a1] = messages();
    store.send('Again');
    await settle();
    expect(calls[1]!.body.messages).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Reply 1.' },
      { role: 'user', content: 'Again' },
    ]);
    // Finished messages keep their identity.
    expect(messages()[0]).toBe(u1);
    expect(messages()[1]).toBe(a1);
    expect(messages()[3]!.content).toBe('Reply 2.');
  });

  it('user messages carry images and documents; history sends them as parts', async () => {
    const { store, calls, messages } = chat([answer('A cat.')]);
    store.send([
      { type: 'text', text: 'What is this?' },
      { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=', name: 'cat.png' },
    ]);
    await settle();
    expect(messages()[0]!.content).toBe('What is this?');
    expect(calls[0]!.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=', name: 'cat.png' },
        ],
      },
    ]);
    store.send('   ');
    expect(calls).toHaveLength(1);
  });

  it('stop keeps the partial reply as aborted; send while streaming stops first; regenerate replaces the last reply', async () => {
    const { store, calls, messages } = chat(['hang', 'hang', answer('Short.')]);
    store.send('Q');
    await settle();
    expect(messages()[1]!.content).toBe('Partial');
    store.stop();
    expect(messages()[1]!.status).toBe('aborted');
    expect(calls[0]!.signal?.aborted).toBe(true);
    expect(store.getSnapshot().status).toBe('aborted');

    store.send('Q2');
    await settle();
    store.send('Q3'); // stops the second reply, keeps it
    expect(calls[1]!.signal?.aborted).toBe(true);
    expect(messages().map((m) => [m.content, m.status])).toEqual([
      ['Q', 'done'],
      ['Partial', 'aborted'],
      ['Q2', 'done'],
      ['Partial', 'aborted'],
      ['Q3', 'done'],
      ['', 'submitted'],
    ]);
    await settle();
    expect(messages()[5]!.content).toBe('Short.');
    // Aborted partial replies still go back as history.
    expect(calls[2]!.body.messages).toEqual([
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'Partial' },
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'Partial' },
      { role: 'user', content: 'Q3' },
    ]);
  });

  it('regenerate asks again from the last user message; edit replaces a user message and drops what follows', async () => {
    const { store, calls, messages } = chat([answer('One.'), answer('Two.'), answer('Three.')]);
    store.send('first');
    await settle();
    store.regenerate();
    await settle();
    expect(messages().map((m) => m.content)).toEqual(['first', 'Two.']);
    expect(calls[1]!.body.messages).toEqual([{ role: 'user', content: 'first' }]);
    const firstId = messages()[0]!.id;
    store.edit(firstId, 'first, edited');
    await settle();
    expect(messages().map((m) => m.content)).toEqual(['first, edited', 'Three.']);
    expect(messages()[0]!.id).toBe(firstId);
    expect(calls[2]!.body.messages).toEqual([{ role: 'user', content: 'first, edited' }]);
  });

  it('retry sends the failed request again into the same message', async () => {
    const failed: Ev[] = [['start', startEvent()], text('Half'), ['error', { kind: 'overloaded', message: 'Overloaded', retryable: true }]];
    const { store, calls, messages } = chat([failed, answer('Whole.')]);
    store.send('x');
    await settle();
    const a = messages()[1]!;
    expect(a.status).toBe('error');
    expect(a.error?.message).toBe('Overloaded');
    expect(a.content).toBe('Half');
    store.retry();
    await settle();
    expect(messages()).toHaveLength(2);
    expect(messages()[1]!.id).toBe(a.id);
    expect(messages()[1]!.content).toBe('Whole.');
    expect(messages()[1]!.error).toBeNull();
    expect(calls[1]!.body).toEqual(calls[0]!.body);
  });

  it('a reply keeps its stop reason: one cut at max_tokens says so', async () => {
    const cut: Ev[] = [['start', startEvent()], text('Cut **mid'), ...finished(5, { stopReason: 'max_tokens' })];
    const { store, messages } = chat([cut, answer('Whole.')]);
    store.send('x');
    await settle();
    expect(messages()[1]).toMatchObject({ status: 'done', stopReason: 'max_tokens' });
    store.send('Continue');
    await settle();
    expect(messages()[1]!.stopReason).toBe('max_tokens');
    expect(messages()[3]!.stopReason).toBe('end_turn');
  });

  it('a request the client refuses settles as an error without a fetch', () => {
    const { store, calls, messages } = chat([], { body: { max_tokens: -1 } });
    store.send('hi');
    expect(calls).toHaveLength(0);
    expect(messages()[1]!.status).toBe('error');
    expect(messages()[1]!.error?.kind).toBe('invalid_request');
  });

  it('setMessages replaces the list, filling in parts; an empty list is idle', () => {
    const { store, messages } = chat([]);
    store.setMessages([{ role: 'user', content: 'restored' }]);
    expect(messages()[0]).toMatchObject({ role: 'user', content: 'restored', parts: [{ type: 'text', text: 'restored' }], status: 'done' });
    store.setMessages((prev) => [...prev, { role: 'assistant', parts: [{ type: 'text', text: 'ok', step: 0, index: 0 }] }]);
    expect(messages()[1]!.content).toBe('ok');
    store.setMessages([]);
    expect(store.getSnapshot()).toEqual({ messages: [], status: 'idle' });
  });

  it('notifies once per command and not at all when nothing changed', async () => {
    const { store, renders } = chat([answer('Hi.')]);
    store.send('x');
    expect(renders).toEqual([2]);
    await settle();
    const n = renders.length;
    store.stop(); // nothing in flight
    store.continueReply(); // nothing waiting
    expect(renders).toHaveLength(n);
  });
});

describe('createFastChat: meter options', () => {
  it('hands the calibration storage to its stream (it was dropped, with liveWindow)', async () => {
    const load = vi.fn(() => undefined);
    const { store, messages } = chat([answer('Reply 1.')], { calibration: { load, save: () => {} } });
    store.send('Hello');
    await settle();
    expect(messages()[1]!.status).toBe('done');
    // The stream reads the model's calibration from the given storage, not a default one.
    expect(load).toHaveBeenCalled();
  });
});

describe('createFastChat: tools', () => {
  it('addToolResult answers a client call and auto-continues into the same message', async () => {
    const continuation: Ev[] = [
      ['start', startEvent({ messageId: 'msg_2' })],
      ['step_start', { step: 0, messageId: 'msg_2', model: 'claude-opus-4-6', requestedSpeed: 'fast', attempt: 1, t: 2 }],
      text('It is 18 °C.'),
      ...finished(7),
    ];
    const { store, calls, messages } = chat([continuation], { initialMessages: waitingFor(call({})) });
    expect(() => store.addToolResult('toolu_x', { output: 1 })).toThrow(/no tool call "toolu_x"/);
    store.addToolResult('toolu_1', { output: { tempC: 18 } });
    const a = messages()[1]!;
    expect(a.parts[1]).toMatchObject({ type: 'tool_call', state: 'output-available', output: { tempC: 18 } });
    expect(a.status).toBe('submitted');
    expect(calls[0]!.body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_call', toolCallId: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_1', output: { tempC: 18 } }] },
    ]);
    await settle();
    const done = messages()[1]!;
    expect(messages()).toHaveLength(2);
    expect(done.status).toBe('done');
    // The continuation's parts follow the earlier ones, its steps numbered after them.
    expect(done.parts.map((p) => [p.type, 'step' in p ? p.step : null])).toEqual([
      ['text', 0],
      ['tool_call', 0],
      ['text', 1],
    ]);
    expect(done.content).toBe('Let me check.\n\nIt is 18 °C.');
    expect(done.usage?.outputTokens).toBe(37);
    // A second answer to the same call is ignored.
    store.addToolResult('toolu_1', { output: 'again' });
    expect(calls).toHaveLength(1);
  });

  it('waits until every pending call is answered; errors go back as errors', async () => {
    const { store, calls, messages } = chat([answer('Done.')], {
      initialMessages: waitingFor(call({}), call({ toolCallId: 'toolu_2', index: 2, input: { city: 'Rome' } })),
    });
    store.addToolResult('toolu_2', { error: 'Rome is offline' });
    expect(calls).toHaveLength(0);
    expect(messages()[1]!.parts[2]).toMatchObject({ state: 'output-error', error: 'Rome is offline' });
    store.addToolResult('toolu_1', { output: 18 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'toolu_1', output: 18 },
        { type: 'tool_result', toolCallId: 'toolu_2', error: 'Rome is offline' },
      ],
    });
    await settle();
  });

  it('approve and deny send verdicts; results of approved calls (step -1) attach to the earlier call', async () => {
    const continuation: Ev[] = [
      ['tool_result', { toolCallId: 'toolu_1', step: -1, output: { deleted: 3 }, durationMs: 12, t: 1 }],
      ['tool_result', { toolCallId: 'toolu_2', step: -1, error: 'Denied by the user: too risky', durationMs: 0, t: 1 }],
      ['start', startEvent({ messageId: 'msg_2' })],
      text('Deleted 3 files; did not format the disk.'),
      ...finished(9),
    ];
    const approval = { needsApproval: true, execution: 'server' as const, state: 'awaiting-approval' as const };
    const { store, calls, messages } = chat([continuation], {
      initialMessages: waitingFor(call({ ...approval, name: 'delete_files' }), call({ ...approval, toolCallId: 'toolu_2', index: 2, name: 'format_disk' })),
    });
    expect(() => store.addToolResult('toolu_1', { output: 1 })).toThrow(/approve\(\) or deny\(\)/);
    store.approve('toolu_1');
    expect(messages()[1]!.parts[1]).toMatchObject({ approval: { approved: true }, state: 'input-available' });
    expect(calls).toHaveLength(0);
    store.deny('toolu_2', 'too risky');
    store.deny('toolu_2'); // a second click does nothing
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_approval', toolCallId: 'toolu_1', approved: true },
        { type: 'tool_approval', toolCallId: 'toolu_2', approved: false, reason: 'too risky' },
      ],
    });
    await settle();
    const a = messages()[1]!;
    expect(a.parts[1]).toMatchObject({ toolCallId: 'toolu_1', state: 'output-available', output: { deleted: 3 }, durationMs: 12 });
    expect(a.parts[2]).toMatchObject({ toolCallId: 'toolu_2', state: 'output-error', error: 'Denied by the user: too risky' });
    expect(a.parts[3]).toMatchObject({ type: 'text', step: 1 });
    // Later history sends the results themselves.
    expect(toHistory(messages()).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'toolu_1', output: { deleted: 3 } },
        { type: 'tool_result', toolCallId: 'toolu_2', error: 'Denied by the user: too risky' },
      ],
    });
  });

  it('retry after a failed continuation sends it again, keeping the earlier parts and the answers', async () => {
    const failed: Ev[] = [['start', startEvent({ messageId: 'msg_2' })], text('It is'), ['error', { kind: 'network', message: 'Connection lost', retryable: true }]];
    const { store, calls, messages } = chat([failed, answer('It is 18 °C.')], { initialMessages: waitingFor(call({})) });
    store.addToolResult('toolu_1', { output: { tempC: 18 } });
    await settle();
    expect(messages()[1]).toMatchObject({ status: 'error', content: 'Let me check.\n\nIt is' });
    store.retry();
    await settle();
    expect(calls[1]!.body).toEqual(calls[0]!.body);
    const a = messages()[1]!;
    expect(messages()).toHaveLength(2);
    expect(a.status).toBe('done');
    expect(a.error).toBeNull();
    expect(a.content).toBe('Let me check.\n\nIt is 18 °C.');
    expect(a.parts[1]).toMatchObject({ type: 'tool_call', state: 'output-available', output: { tempC: 18 } });
  });

  it('autoContinue: false waits for continueReply()', async () => {
    const { store, calls, messages } = chat([answer('OK.')], { autoContinue: false, initialMessages: waitingFor(call({})) });
    store.addToolResult('toolu_1', { output: 'sunny' });
    expect(calls).toHaveLength(0);
    store.continueReply();
    expect(calls).toHaveLength(1);
    await settle();
    expect(messages()[1]!.content).toBe('Let me check.\n\nOK.');
  });

  it('onClientToolCall runs client tools when a reply ends waiting for them; the reply streams its parts and continues', async () => {
    const waiting: Ev[] = [
      ['start', startEvent()],
      text('Checking.'),
      ['tool_call_start', { toolCallId: 'toolu_9', name: 'get_time', step: 0, index: 1, t: 5 }],
      ['tool_input_delta', { toolCallId: 'toolu_9', delta: '{"tz":"UTC"}', step: 0, index: 1, t: 6 }],
      ['tool_call', { toolCallId: 'toolu_9', name: 'get_time', input: { tz: 'UTC' }, step: 0, index: 1, execution: 'client', t: 7 }],
      ...finished(5, { stopReason: 'tool_use', finishReason: 'tool_calls', pendingToolCalls: [{ toolCallId: 'toolu_9', name: 'get_time', awaiting: 'client' }] }),
    ];
    const onClientToolCall = vi.fn(async (c: ChatToolCallPart) => ({ now: '12:00', tz: (c.input as { tz: string }).tz }));
    const { store, calls, messages } = chat([waiting, answer('It is noon.')], { onClientToolCall });
    store.send('Time?');
    await settle();
    expect(onClientToolCall).toHaveBeenCalledTimes(1);
    expect(onClientToolCall).toHaveBeenCalledWith(expect.objectContaining({ toolCallId: 'toolu_9', state: 'awaiting-client', input: { tz: 'UTC' } }));
    expect(calls[1]!.body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_call', toolCallId: 'toolu_9', name: 'get_time', input: { tz: 'UTC' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_9', output: { now: '12:00', tz: 'UTC' } }] },
    ]);
    const a = messages()[1]!;
    expect(a.content).toBe('Checking.\n\nIt is noon.');
    expect(a.parts.map((p) => [p.type, 'step' in p ? p.step : null, p.type === 'tool_call' ? p.state : null])).toEqual([
      ['text', 0, null],
      ['tool_call', 0, 'output-available'],
      ['text', 1, null],
    ]);
  });

  it('sending a new message instead of answering cancels the pending calls and tells the model', async () => {
    const { store, calls, messages } = chat([answer('Fine.')], { initialMessages: waitingFor(call({})) });
    store.send('Never mind.');
    expect(messages()[1]!.parts[1]).toMatchObject({ state: 'cancelled' });
    expect(() => store.addToolResult('toolu_1', { output: 1 })).toThrow();
    expect(calls[0]!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'toolu_1', error: 'Not run: the conversation went on without answering this tool call.' },
        { type: 'text', text: 'Never mind.' },
      ],
    });
    await settle();
  });
});

describe('toHistory', () => {
  const m = (over: FastChatMessageInit): FastChatMessage => over as FastChatMessage;

  it('joins same-role neighbours, skips empty messages, starts and ends with user (records without parts too)', () => {
    expect(toHistory([m({ role: 'assistant', content: 'hi' }), m({ role: 'user', content: 'a' }), m({ role: 'assistant', content: '' }), m({ role: 'user', content: 'b' }), m({ role: 'assistant', content: 'partial' })])).toEqual([
      { role: 'user', content: 'a\n\nb' },
    ]);
  });

  it('turns a multi-step server loop into assistant/user turns per step, thinking with its signature', () => {
    const thinking = { type: 'thinking' as const, thinking: 'Plan: search.', signature: 'sig', redacted: false, metrics: call({}).metrics };
    const history = toHistory([
      m({ role: 'user', content: 'Fix the bug.', parts: [{ type: 'text', text: 'Fix the bug.' }] }),
      m({
        role: 'assistant',
        status: 'done',
        parts: [
          { ...thinking, step: 0, index: 0 },
          call({ step: 0, index: 1, name: 'search', input: { q: 'bug' }, state: 'output-available', output: ['a.ts'], execution: 'server' }),
          { type: 'text', text: 'Reading it.', step: 1, index: 0 },
          call({ toolCallId: 'toolu_2', step: 1, index: 1, name: 'read_file', input: { path: 'a.ts' }, state: 'output-error', error: 'ENOENT', execution: 'server' }),
          call({ toolCallId: 'toolu_3', step: 1, index: 2, name: 'write_file', inputText: '{"pa', input: { pa: '' }, state: 'cancelled', execution: null }),
          { type: 'text', text: 'Fixed.', step: 2, index: 0 },
          { ...thinking, signature: null, step: 2, index: 1 },
        ],
      }),
      m({ role: 'user', content: 'Thanks!' }),
    ]);
    expect(history).toEqual([
      { role: 'user', content: 'Fix the bug.' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Plan: search.', signature: 'sig' },
          { type: 'tool_call', toolCallId: 'toolu_1', name: 'search', input: { q: 'bug' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_1', output: ['a.ts'] }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading it.' },
          { type: 'tool_call', toolCallId: 'toolu_2', name: 'read_file', input: { path: 'a.ts' } },
        ],
      },
      // A call whose input never completed is left out.
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_2', error: 'ENOENT' }] },
      { role: 'assistant', content: 'Fixed.' },
      { role: 'user', content: 'Thanks!' },
    ]);
  });
});
