import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_LIMITS, validateChatRequest } from '../src/validate.ts';

const ok = { messages: [{ role: 'user', content: 'hi' }] };

function fails(input: unknown, field: string, limits?: Parameters<typeof validateChatRequest>[1]) {
  const r = validateChatRequest(input, limits);
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (!r.ok) {
    expect(r.field).toBe(field);
    expect(r.message.length).toBeGreaterThan(0);
  }
}

describe('validateChatRequest', () => {
  it('accepts a full request and returns a fresh copy', () => {
    const input = {
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
      speed: 'fast',
      model: 'claude-opus-4-6',
      system: 'be brief',
      max_tokens: 2048,
      effort: 'high',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      conversationId: 'conv-1',
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    };
    const r = validateChatRequest(input);
    expect(r).toEqual({
      ok: true,
      value: {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'c' },
        ],
        speed: 'fast',
        model: 'claude-opus-4-6',
        system: 'be brief',
        max_tokens: 2048,
        effort: 'high',
        thinking: { type: 'enabled', budget_tokens: 1024 },
        conversationId: 'conv-1',
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      },
    });
    if (r.ok) {
      expect(r.value).not.toBe(input);
      expect(r.value.messages[0]).not.toBe(input.messages[0]);
    }
  });

  it('treats null optional fields as absent', () => {
    expect(validateChatRequest({ ...ok, speed: null, model: null, thinking: null })).toEqual({ ok: true, value: ok });
  });

  it('rejects a body that is not an object', () => {
    for (const bad of [null, undefined, 'x', 1, [], true]) fails(bad, '');
  });

  it.each([
    [{}, 'messages'],
    [{ messages: 'hi' }, 'messages'],
    [{ messages: [] }, 'messages'],
    [{ messages: [null] }, 'messages[0]'],
    [{ messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'assistant', content: 'x' }, { role: 'user', content: 'y' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }] }, 'messages[1].role'],
    [{ messages: [{ role: 'user', content: 'x' }, { role: 'user', content: 'y' }] }, 'messages[1].role'],
    [{ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 7 }] }, 'messages[2].content'],
    [{ messages: [{ role: 'user', content: {} }] }, 'messages[0].content'],
    [{ messages: [{ role: 'user', content: [] }] }, 'messages[0].content'],
    [{ messages: [{ role: 'user', content: '' }] }, 'messages[0].content'],
    [{ messages: [{ role: 'user', content: ' \n ' }] }, 'messages[0].content'],
    [{ ...ok, speed: 'turbo' }, 'speed'],
    [{ ...ok, speed: { fast: true } }, 'speed'],
    [{ ...ok, effort: 'extreme' }, 'effort'],
    [{ ...ok, thinking: 'on' }, 'thinking'],
    [{ ...ok, thinking: { type: 'on' } }, 'thinking.type'],
    [{ ...ok, thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
    [{ ...ok, thinking: { type: 'enabled', budget_tokens: 100 } }, 'thinking.budget_tokens'],
    [{ ...ok, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } }, 'thinking.budget_tokens'],
    [{ ...ok, max_tokens: 0 }, 'max_tokens'],
    [{ ...ok, max_tokens: -5 }, 'max_tokens'],
    [{ ...ok, max_tokens: 1.5 }, 'max_tokens'],
    [{ ...ok, max_tokens: '100' }, 'max_tokens'],
    [{ ...ok, max_tokens: Number.POSITIVE_INFINITY }, 'max_tokens'],
    [{ ...ok, model: 3 }, 'model'],
    [{ ...ok, model: '' }, 'model'],
    [{ ...ok, system: ['x'] }, 'system'],
    [{ ...ok, conversationId: '' }, 'conversationId'],
    [{ ...ok, conversationId: 'a\nb' }, 'conversationId'],
    [{ ...ok, conversationId: 'x'.repeat(129) }, 'conversationId'],
  ])('rejects %j at %s', (input, field) => fails(input, field));

  it('applies limits, defaults and overrides', () => {
    expect(DEFAULT_REQUEST_LIMITS).toMatchObject({ maxMessages: 100, maxMessageChars: 100_000, maxSystemChars: 50_000, maxConversationIdChars: 128 });
    const many = Array.from({ length: 101 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: 'x' }));
    fails({ messages: many }, 'messages');
    fails({ messages: [{ role: 'user', content: 'x'.repeat(100_001) }] }, 'messages[0].content');
    fails({ ...ok, system: 'x'.repeat(50_001) }, 'system');
    fails({ ...ok, max_tokens: 4097 }, 'max_tokens', { maxTokensCap: 4096 });
    expect(validateChatRequest({ ...ok, max_tokens: 4096 }, { maxTokensCap: 4096 }).ok).toBe(true);
    fails({ ...ok, model: 'claude-other' }, 'model', { allowedModels: ['claude-opus-4-6'] });
    expect(validateChatRequest({ ...ok, model: 'claude-opus-4-6' }, { allowedModels: ['claude-opus-4-6'] }).ok).toBe(true);
    fails({ messages: [{ role: 'user', content: 'abc' }] }, 'messages[0].content', { maxMessageChars: 2 });
    // An explicit undefined does not erase a default.
    fails({ messages: many }, 'messages', { maxMessages: undefined as unknown as number });
  });

  it('refuses __proto__ and constructor keys as unknown fields, and lets them pollute nothing', () => {
    const top = JSON.parse('{"messages":[{"role":"user","content":"hi"}],"__proto__":{"speed":"fast","polluted":1}}') as unknown;
    expect(validateChatRequest(top)).toMatchObject({ ok: false, field: '__proto__' });
    const inMessage = JSON.parse('{"messages":[{"role":"user","content":"hi","__proto__":{"polluted":1}}]}') as unknown;
    expect(validateChatRequest(inMessage)).toMatchObject({ ok: false, field: 'messages[0].__proto__' });
    fails(JSON.parse('{"messages":[{"role":"user","content":"hi"}],"constructor":{"prototype":{"polluted":1}}}'), 'constructor');
    // A real fault elsewhere is named first: the stray key is only reported when nothing else is wrong.
    fails(JSON.parse('{"messages":[{"role":"user","content":"hi","__proto__":{}}],"speed":"warp"}'), 'speed');
    // Tool data may hold a "__proto__" key: it is copied as data, never as a prototype.
    const tool = JSON.parse(
      '{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_call","toolCallId":"t1","name":"f","input":{"__proto__":{"polluted":1}}}]},{"role":"user","content":[{"type":"tool_result","toolCallId":"t1","output":{"__proto__":{"polluted":1}}}]}]}',
    ) as unknown;
    const r = validateChatRequest(tool);
    expect(r.ok).toBe(true);
    if (r.ok) {
      const call = (r.value.messages[1]?.content as { input: object }[])[0]?.input as object;
      expect(Object.getPrototypeOf(call)).toBe(Object.prototype);
      expect(Object.keys(call)).toEqual(['__proto__']);
      expect(JSON.stringify(r.value.messages[2]?.content)).toContain('"__proto__":{"polluted":1}');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores inherited properties', () => {
    const input = Object.create({ speed: 'turbo' }) as Record<string, unknown>;
    input.messages = ok.messages;
    expect(validateChatRequest(input)).toEqual({ ok: true, value: ok });
  });

  it('never throws, even on hostile input', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    expect(validateChatRequest(hostile)).toMatchObject({ ok: false, field: '' });
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (x) => {
        const r = validateChatRequest(x);
        expect(typeof r.ok).toBe('boolean');
      }),
      { seed: 7, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.record({ messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'x'), content: fc.anything() })) }), (x) => {
        validateChatRequest(x);
      }),
      { seed: 8, numRuns: 300 },
    );
  }, 30_000);
});
