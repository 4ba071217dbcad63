import { describe, expect, it } from 'vitest';
import { validateChatRequest, type RequestLimits } from '../src/validate.ts';

type Msg = { role: string; content: unknown };
const user = (content: unknown): Msg => ({ role: 'user', content });
const assistant = (content: unknown): Msg => ({ role: 'assistant', content });
const call = (toolCallId: string, name = 'search', input: unknown = { q: 'x' }) => ({ type: 'tool_call', toolCallId, name, input });
const result = (toolCallId: string, output: unknown = 'ok') => ({ type: 'tool_result', toolCallId, output });
const text = (t: string) => ({ type: 'text', text: t });
// 1x1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function fails(messages: Msg[] | Record<string, unknown>, field: string, pattern?: RegExp, limits?: Partial<RequestLimits>) {
  const body = Array.isArray(messages) ? { messages } : messages;
  const r = validateChatRequest(body, limits);
  expect(r.ok, JSON.stringify(r).slice(0, 300)).toBe(false);
  if (!r.ok) {
    expect(r.field).toBe(field);
    if (pattern !== undefined) expect(r.message).toMatch(pattern);
  }
}

function passes(messages: Msg[] | Record<string, unknown>, limits?: Partial<RequestLimits>) {
  const body = Array.isArray(messages) ? { messages } : messages;
  const r = validateChatRequest(body, limits);
  expect(r.ok, JSON.stringify(r).slice(0, 300)).toBe(true);
  return r.ok ? r.value : undefined;
}

describe('validateChatRequest: message parts', () => {
  it('accepts every part type in its role and copies parts with only their own keys', () => {
    const messages = [
      user([text('look'), { type: 'image', mediaType: 'image/png', data: PNG, name: 'dot.png' }, { type: 'document', mediaType: 'text/plain', data: 'notes', name: null }]),
      assistant([
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'opaque' },
        text('Let me search.'),
        call('toolu_1', 'search', { q: 'fast mode', opts: { n: [1, 2.5, null, true] } }),
        call('toolu_2', 'read_file', {}),
      ]),
      user([result('toolu_1', { hits: ['a'] }), { type: 'tool_result', toolCallId: 'toolu_2', error: 'no such file' }, text('thanks')]),
      assistant('Done.'),
      user([{ type: 'document', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' }, text('and this?')]),
    ];
    const value = passes(messages);
    expect(value?.messages).toEqual([
      messages[0] && { role: 'user', content: [text('look'), { type: 'image', mediaType: 'image/png', data: PNG, name: 'dot.png' }, { type: 'document', mediaType: 'text/plain', data: 'notes' }] },
      messages[1],
      messages[2],
      messages[3],
      messages[4],
    ]);
    expect(value?.messages[1]?.content).not.toBe(messages[1]?.content);
  });

  it('with thinking enabled, the assistant turn the last message answers must start with its thinking', () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    const answered = (first: unknown[]) => ({ messages: [user('go'), assistant([...first, call('t1')]), user([result('t1')])], thinking });
    fails(answered([]), 'messages[1].content[0].type', /must start with its thinking/);
    fails(answered([text('Reading.')]), 'messages[1].content[0].type');
    passes(answered([{ type: 'thinking', thinking: 'Read it.', signature: 's' }, text('Reading.')]));
    passes(answered([{ type: 'redacted_thinking', data: 'x' }]));
    // Adaptive thinking, or a last turn that answers no calls, has no such rule.
    passes({ ...answered([]), thinking: { type: 'adaptive' } });
    passes({ messages: [user('go'), assistant('plain'), user('next')], thinking });
  });

  it('accepts a tool_approval in the last message, with or without a reason', () => {
    passes([user('go'), assistant([call('t1'), call('t2')]), user([{ type: 'tool_approval', toolCallId: 't1', approved: true }, { type: 'tool_approval', toolCallId: 't2', approved: false, reason: 'no' }])]);
  });

  it.each<[string, Msg[], string, RegExp?]>([
    ['unknown part type', [user([text('a'), { type: 'video', data: 'x' }])], 'messages[0].content[1].type', /"video" is not a part type/],
    ['missing part type', [user([{ text: 'a' }])], 'messages[0].content[0].type', /required/],
    ['part not an object', [user(['a'])], 'messages[0].content[0]'],
    ['tool_call in a user turn', [user([call('t1')])], 'messages[0].content[0].type', /user turns cannot hold "tool_call"/],
    ['thinking in a user turn', [user([{ type: 'thinking', thinking: 'x', signature: 's' }])], 'messages[0].content[0].type'],
    ['image in an assistant turn', [user('a'), assistant([{ type: 'image', mediaType: 'image/png', data: PNG }]), user('b')], 'messages[1].content[0].type', /assistant turns/],
    ['tool_result in an assistant turn', [user('a'), assistant([result('t1')]), user('b')], 'messages[1].content[0].type'],
    ['empty text', [user([text(' \n')])], 'messages[0].content[0].text', /empty/],
    ['text not a string', [user([{ type: 'text', text: 3 }])], 'messages[0].content[0].text'],
    ['unknown key in a part', [user([{ type: 'text', text: 'a', cache_control: {} }])], 'messages[0].content[0].cache_control', /unknown field/],
    ['thinking without signature', [user('a'), assistant([{ type: 'thinking', thinking: 'x' }]), user('b')], 'messages[1].content[0].signature'],
    ['redacted thinking without data', [user('a'), assistant([{ type: 'redacted_thinking', data: '' }]), user('b')], 'messages[1].content[0].data'],
    ['tool_call input an array', [user('a'), assistant([call('t1', 'f', [1])]), user([result('t1')])], 'messages[1].content[0].input', /object/],
    ['tool_call input a string', [user('a'), assistant([call('t1', 'f', '{"q":1}')]), user([result('t1')])], 'messages[1].content[0].input'],
    ['tool_call bad name', [user('a'), assistant([call('t1', 'has space')]), user([result('t1')])], 'messages[1].content[0].name'],
    ['tool_call bad id', [user('a'), assistant([call('t 1')]), user([result('t 1')])], 'messages[1].content[0].toolCallId'],
    ['tool_call input not JSON', [user('a'), assistant([call('t1', 'f', { n: Number.NaN })]), user([result('t1')])], 'messages[1].content[0].input.n'],
    ['tool_result with both', [user('a'), assistant([call('t1')]), user([{ type: 'tool_result', toolCallId: 't1', output: 1, error: 'x' }])], 'messages[2].content[0]', /exactly one/],
    ['tool_result with neither', [user('a'), assistant([call('t1')]), user([{ type: 'tool_result', toolCallId: 't1' }])], 'messages[2].content[0]', /exactly one/],
    ['tool_result error not a string', [user('a'), assistant([call('t1')]), user([{ type: 'tool_result', toolCallId: 't1', error: 5 }])], 'messages[2].content[0].error'],
    ['tool_approval without approved', [user('a'), assistant([call('t1')]), user([{ type: 'tool_approval', toolCallId: 't1' }])], 'messages[2].content[0].approved'],
    ['image media type', [user([{ type: 'image', mediaType: 'image/bmp', data: PNG }])], 'messages[0].content[0].mediaType', /image\/jpeg/],
    ['image data not base64', [user([{ type: 'image', mediaType: 'image/png', data: 'not base64!' }])], 'messages[0].content[0].data', /base64/],
    ['image data with a data: prefix', [user([{ type: 'image', mediaType: 'image/png', data: `data:image/png;base64,${PNG}` }])], 'messages[0].content[0].data', /data:/],
    ['image data badly padded', [user([{ type: 'image', mediaType: 'image/png', data: 'abcde' }])], 'messages[0].content[0].data'],
    ['document media type', [user([{ type: 'document', mediaType: 'text/html', data: 'x' }])], 'messages[0].content[0].mediaType'],
    ['pdf not base64', [user([{ type: 'document', mediaType: 'application/pdf', data: '%PDF-1.4' }])], 'messages[0].content[0].data'],
    ['empty text document', [user([{ type: 'document', mediaType: 'text/plain', data: '' }])], 'messages[0].content[0].data'],
    ['name with a newline', [user([{ type: 'document', mediaType: 'text/plain', data: 'x', name: 'a\nb' }])], 'messages[0].content[0].name'],
  ])('refuses %s', (_what, messages, field, pattern) => fails(messages, field, pattern));

  it('applies attachment, part and size limits', () => {
    const img = { type: 'image', mediaType: 'image/png', data: PNG };
    fails([user([img, img, img])], 'messages[0].content[2]', /at most 2 images and documents/, { maxAttachments: 2 });
    fails([user([img]), assistant('ok'), user([img, text('x')])], 'messages[2].content[0]', /at most 1/, { maxAttachments: 1 });
    fails([user([text('a'), text('b'), text('c')])], 'messages[0].content', /at most 2 parts/, { maxPartsPerMessage: 2 });
    // The image limit is on the base64 string, as Anthropic measures it.
    fails([user([img])], 'messages[0].content[0].data', /at most 64/, { maxImageBytes: 64 });
    passes([user([img])], { maxImageBytes: PNG.length });
    // PDFs: decoded bytes. 'JVBERi0xLjQK' decodes to 9 bytes.
    const pdf = (data: string) => user([{ type: 'document', mediaType: 'application/pdf', data }]);
    passes([pdf('JVBERi0xLjQK')], { maxDocumentBytes: 9 });
    fails([pdf('JVBERi0xLjQK')], 'messages[0].content[0].data', /9 bytes/, { maxDocumentBytes: 8 });
    fails([user([{ type: 'document', mediaType: 'text/plain', data: 'abcd' }])], 'messages[0].content[0].data', /at most 3/, { maxDocumentChars: 3 });
    // Text parts add up toward maxMessageChars; thinking and tool data (what the model and tools made) do not.
    fails([user([text('aaa'), text('bbb')])], 'messages[0].content[1]', /at most 5 characters/, { maxMessageChars: 5 });
    passes(
      [user('a'), assistant([{ type: 'thinking', thinking: 'long thoughts', signature: 's' }, call('t1', 'f', { key: 'xxxxxx' })]), user([result('t1', 'a long tool output')])],
      { maxMessageChars: 5 },
    );
  });

  it('refuses tool data nested deeper than 64 levels, naming the path', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { a: deep };
    const r = validateChatRequest({ messages: [user('a'), assistant([call('t1', 'f', deep)]), user([result('t1')])] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.field).toMatch(/^messages\[1\]\.content\[0\]\.input(\.a)+$/);
  });
});

describe('validateChatRequest: tool call pairing', () => {
  it('accepts calls answered in the next user turn, in any order, mixing results and (last turn) approvals', () => {
    passes([user('a'), assistant([call('t1'), call('t2')]), user([result('t2'), result('t1')]), assistant('done'), user('next')]);
    passes([user('a'), assistant([call('t1'), call('t2')]), user([result('t1'), { type: 'tool_approval', toolCallId: 't2', approved: true }])]);
  });

  it.each<[string, Msg[], string, RegExp]>([
    ['a call with no answer', [user('a'), assistant([call('t1'), call('t2')]), user([result('t1')])], 'messages[1].content[1]', /"t2".*no tool_result or tool_approval in messages\[2\]/],
    ['a call answered by plain text', [user('a'), assistant([call('t1')]), user('here you go')], 'messages[1].content[0]', /"t1"/],
    ['a call answered two turns later', [user('a'), assistant([call('t1')]), user('x'), assistant('y'), user([result('t1')])], 'messages[1].content[0]', /"t1"/],
    ['an answer to no call', [user('a'), assistant([call('t1')]), user([result('t1'), result('t9')])], 'messages[2].content[1].toolCallId', /"t9" answers no tool call of messages\[1\]/],
    ['an answer in the first message', [user([result('t1')])], 'messages[0].content[0].toolCallId', /answers no tool call/],
    ['an answer to a call of an earlier turn', [user('a'), assistant([call('t1')]), user([result('t1')]), assistant('ok'), user([result('t1')])], 'messages[4].content[0].toolCallId', /messages\[3\]/],
    ['a call answered twice', [user('a'), assistant([call('t1')]), user([result('t1'), result('t1')])], 'messages[2].content[1].toolCallId', /twice/],
    ['a result and an approval for one call', [user('a'), assistant([call('t1')]), user([result('t1'), { type: 'tool_approval', toolCallId: 't1', approved: true }])], 'messages[2].content[1].toolCallId', /twice/],
    ['a duplicate call id', [user('a'), assistant([call('t1')]), user([result('t1')]), assistant([call('t1')]), user([result('t1')])], 'messages[3].content[0].toolCallId', /earlier tool call/],
    ['text before a result', [user('a'), assistant([call('t1')]), user([text('first'), result('t1')])], 'messages[2].content[1]', /before any other part/],
    ['an approval in an earlier turn', [user('a'), assistant([call('t1')]), user([{ type: 'tool_approval', toolCallId: 't1', approved: true }]), assistant('ok'), user('b')], 'messages[2].content[0].type', /only accepted in the last message/],
  ])('refuses %s', (_what, messages, field, pattern) => fails(messages, field, pattern));
});

describe('validateChatRequest: unknown fields and tool_choice', () => {
  const ok = { messages: [user('hi')] };

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ ...ok, maxTokens: 100 }, 'maxTokens', /unknown field maxTokens; did you mean max_tokens\?/],
    [{ ...ok, conversation_id: 'c' }, 'conversation_id', /did you mean conversationId\?/],
    [{ ...ok, toolChoice: { type: 'auto' } }, 'toolChoice', /did you mean tool_choice\?/],
    [{ ...ok, sped: 'fast' }, 'sped', /did you mean speed\?/],
    [{ ...ok, temperature: 0.2 }, 'temperature', /removed temperature/],
    [{ ...ok, tools: [] }, 'tools', /defined at the edge/],
    [{ ...ok, banana: 1 }, 'banana', /^unknown field banana$/],
    [{ ...ok, 'a b': 1 }, '["a b"]', /unknown field/],
    [{ messages: [{ role: 'user', content: 'x', name: 'bob' }] }, 'messages[0].name', /unknown field/],
    [{ messages: [{ role: 'user', contents: 'x', content: 'x' }] }, 'messages[0].contents', /did you mean messages\[0\]\.content\?/],
    [{ ...ok, thinking: { type: 'adaptive', budget_tokens: 2000 } }, 'thinking.budget_tokens', /unknown field/],
    [{ ...ok, thinking: { type: 'enabled', budgetTokens: 2000, budget_tokens: 2000 } }, 'thinking.budgetTokens', /did you mean thinking\.budget_tokens\?/],
    [{ ...ok, tool_choice: { type: 'auto', disableParallelToolUse: true } }, 'tool_choice.disableParallelToolUse', /did you mean tool_choice\.disable_parallel_tool_use\?/],
    [{ ...ok, tool_choice: { type: 'none', disable_parallel_tool_use: true } }, 'tool_choice.disable_parallel_tool_use', /unknown field/],
    [{ ...ok, tool_choice: 'auto' }, 'tool_choice', /object/],
    [{ ...ok, tool_choice: { type: 'required' } }, 'tool_choice.type', /"auto"/],
    [{ ...ok, tool_choice: { type: 'tool' } }, 'tool_choice.name', /tool name/],
    [{ ...ok, tool_choice: { type: 'any', disable_parallel_tool_use: 'yes' } }, 'tool_choice.disable_parallel_tool_use', /true or false/],
  ])('refuses %j at %s', (body, field, pattern) => fails(body, field, pattern));

  it('accepts every tool_choice shape', () => {
    for (const tool_choice of [{ type: 'auto' }, { type: 'any', disable_parallel_tool_use: false }, { type: 'tool', name: 'get_weather' }, { type: 'none' }]) {
      expect(passes({ ...ok, tool_choice })?.tool_choice).toEqual(tool_choice);
    }
    expect(passes({ ...ok, tool_choice: null })).toEqual(ok);
  });
});

describe('validateChatRequest: random parts', () => {
  it('never throws on random part-shaped input, and names a path under messages when it refuses', async () => {
    const fc = (await import('fast-check')).default;
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), fc.array(fc.jsonValue(), { maxLength: 3 }));
    const part = fc.record(
      {
        type: fc.constantFrom('text', 'thinking', 'redacted_thinking', 'tool_call', 'tool_result', 'tool_approval', 'image', 'document', 'video'),
        text: value,
        thinking: value,
        signature: value,
        data: fc.oneof(value, fc.constant(PNG), fc.constant('JVBERi0xLjQK')),
        toolCallId: fc.oneof(fc.constantFrom('t1', 't2'), value),
        name: value,
        input: value,
        output: value,
        error: value,
        approved: value,
        mediaType: fc.constantFrom('image/png', 'application/pdf', 'text/plain', 'image/gif'),
      },
      { requiredKeys: ['type'] },
    );
    const message = fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.oneof(fc.string(), fc.array(part, { maxLength: 4 })) });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), (messages) => {
        const r = validateChatRequest({ messages });
        if (!r.ok) expect(r.field).toMatch(/^messages/);
      }),
      { seed: 21, numRuns: 1500 },
    );
  });
});
