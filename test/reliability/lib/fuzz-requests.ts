/**
 * A seeded generator of malformed and hostile chat requests. Every case is invalid by construction
 * (exactly one fault the edge must refuse before any upstream call), and carries what a correct edge
 * answers: the status (or status class) and the request field at fault, when one is.
 *
 * Payload decorations (prototype-pollution keys, unicode edge cases, header-injection strings) are
 * layered on top of the one fault, so they must never turn an invalid request into an accepted one.
 */
import type { Rng } from './prng.ts';

export type FuzzClass =
  | 'broken-json'
  | 'non-object-body'
  | 'wrong-type'
  | 'bad-enum'
  | 'bad-number'
  | 'role-order'
  | 'huge-string'
  | 'too-many-messages'
  | 'deep-nesting'
  | 'unicode-edge'
  | 'proto-pollution'
  | 'header-injection'
  | 'wrong-method'
  | 'wrong-content-type'
  | 'oversized-body'
  | 'unknown-field'
  | 'bad-part';

export const FUZZ_CLASSES: readonly FuzzClass[] = [
  'broken-json',
  'non-object-body',
  'wrong-type',
  'bad-enum',
  'bad-number',
  'role-order',
  'huge-string',
  'too-many-messages',
  'deep-nesting',
  'unicode-edge',
  'proto-pollution',
  'header-injection',
  'wrong-method',
  'wrong-content-type',
  'oversized-body',
  'unknown-field',
  'bad-part',
];

export const FUZZ_CLASS_LABEL: Record<FuzzClass, string> = {
  'broken-json': 'truncated JSON, trailing commas, single quotes, NaN, comments, random bytes, invalid UTF-8, empty body',
  'non-object-body': 'JSON array / string / number / null / boolean as the whole body',
  'wrong-type': 'messages, content, role, model, system, speed, max_tokens, thinking, conversationId of the wrong JSON type',
  'bad-enum': 'unknown speed / effort / role / thinking.type, case and homoglyph variants, disallowed model names',
  'bad-number': 'max_tokens 0, negative, fractional, over the cap, 1e308; thinking budgets likewise',
  'role-order': 'empty messages, assistant first/last, two turns of the same role',
  'huge-string': 'content, system, conversationId and model strings past their caps',
  'too-many-messages': 'message count past the cap',
  'deep-nesting': 'content/thinking/messages/system nested 1k–25k levels deep (arrays) or 1k–9k (objects)',
  'unicode-edge': 'lone surrogates, NUL, BOM, RTL overrides, zero-width joiners, astral chars in refused fields and keys',
  'proto-pollution': '`__proto__`, `constructor`, `prototype` keys at every level, with one real fault',
  'header-injection': 'CR/LF + header lines in model and conversationId (plus one real fault)',
  'wrong-method': 'GET, PUT, PATCH, DELETE on the chat route',
  'wrong-content-type': 'text/plain, form, multipart, XML, octet-stream, none',
  'oversized-body': 'valid-looking JSON bodies past the body-size cap',
  'unknown-field': 'typos and foreign fields (maxTokens, temperature, tools, __proto__-free junk) at the top level, in messages, parts, thinking, tool_choice',
  'bad-part': 'unknown part types, parts in the wrong role, empty text, bad base64, unpaired / duplicate tool calls and results, non-object tool input',
};

export interface FuzzCase {
  cls: FuzzClass;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  /** Exact status a correct edge returns, or '4xx' when any client-error status is right. */
  expectStatus: number | '4xx';
  /** The request field at fault (path root must match `error.field`), when a single field is. */
  expectField?: string;
  /** Short description, for failure messages. */
  what: string;
}

/** Caps the fuzz edge is configured with (small, so oversized inputs stay cheap to send). */
export const FUZZ_CAPS = {
  maxBodyBytes: 64 * 1024,
  maxMessages: 20,
  maxMessageChars: 4_000,
  maxSystemChars: 2_000,
  maxConversationIdChars: 128,
  maxTokensCap: 1_024,
  allowedModels: ['claude-opus-4-8', 'claude-opus-4-6'] as readonly string[],
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const UNICODE_EDGE = [
  '\ud800',
  '\udfff',
  'a\ud83dz',
  '\u0000',
  '\ufeff',
  '\u202e',
  '\u200d\u200d',
  '\uffff',
  '\ud83d\ude00',
  'e\u0301\u0301\u0301',
  '\u2028\u2029',
  '𝔣𝔞𝔰𝔱',
];
const HOMOGLYPHS = ['fаst', 'ѕtandard', 'аuto', 'FAST', 'Fast', ' fast', 'fast ', 'fast\u0000', 'auto\u200b', ''];
const INJECTIONS = [
  'x\r\nSet-Cookie: pwned=1',
  'x\r\nx-injected: 1',
  'x\nLocation: https://evil.example',
  'x\r\n\r\n<script>alert(1)</script>',
  '%0d%0aSet-Cookie:%20a=1',
  'x\u2028x-injected: 1',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

function validBase(rng: Rng): Obj {
  const turns = rng.int(0, 2);
  const messages: Json[] = [];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` });
  }
  messages.push({ role: 'user', content: 'hello [[sim:tokens=1]]' });
  const base: Obj = { messages };
  if (rng.bool(0.3)) base.speed = rng.pick(['fast', 'standard', 'auto']);
  if (rng.bool(0.2)) base.model = 'claude-opus-4-8';
  if (rng.bool(0.2)) base.max_tokens = rng.int(1, FUZZ_CAPS.maxTokensCap);
  if (rng.bool(0.1)) base.conversationId = `c-${rng.int(0, 1e6)}`;
  return base;
}

const msgs = (o: Obj): Obj[] => o.messages as Obj[];
const lastIndex = (o: Obj): number => msgs(o).length - 1;

function wrongValue(rng: Rng, not: 'string' | 'number' | 'array' | 'object' | 'boolean'): Json {
  const all: [string, Json][] = [
    ['string', 'str'],
    ['number', rng.pick([0, 1, -1, 3.5])],
    ['array', []],
    ['object', {}],
    ['boolean', rng.bool()],
    ['null', null],
  ];
  return rng.pick(all.filter(([t]) => t !== not && !(not === 'array' && t === 'null')))[1];
}

/** One fault on an otherwise valid body: returns the field at fault. */
function applyFieldFault(rng: Rng, o: Obj, cls: FuzzClass): { field: string; what: string; status?: number } {
  const i = rng.int(0, lastIndex(o));
  switch (cls) {
    case 'wrong-type': {
      const target = rng.pick(['messages', 'content', 'role', 'message', 'model', 'system', 'speed', 'max_tokens', 'thinking', 'effort', 'conversationId']);
      switch (target) {
        case 'messages':
          o.messages = rng.pick<Json>(['hi', 1, {}, true, null, { 0: { role: 'user', content: 'x' } }]);
          return { field: 'messages', what: `messages=${JSON.stringify(o.messages)}` };
        case 'content':
          (msgs(o)[i] as Obj).content = wrongValue(rng, 'string');
          return { field: `messages[${i}].content`, what: 'content wrong type' };
        case 'role':
          (msgs(o)[i] as Obj).role = wrongValue(rng, 'string');
          return { field: `messages[${i}].role`, what: 'role wrong type' };
        case 'message':
          msgs(o)[i] = rng.pick<Json>(['x', 1, null, [], true]) as unknown as Obj;
          return { field: `messages[${i}]`, what: 'message not an object' };
        case 'model':
          o.model = rng.pick<Json>([1, {}, [], true]);
          return { field: 'model', what: 'model wrong type' };
        case 'system':
          o.system = rng.pick<Json>([1, {}, true, [1, 2]]);
          return { field: 'system', what: 'system wrong type' };
        case 'speed':
          o.speed = rng.pick<Json>([1, {}, [], true]);
          return { field: 'speed', what: 'speed wrong type' };
        case 'max_tokens':
          o.max_tokens = rng.pick<Json>(['100', {}, [], true, '1e3']);
          return { field: 'max_tokens', what: 'max_tokens wrong type' };
        case 'thinking':
          o.thinking = rng.pick<Json>(['adaptive', 1, [], true]);
          return { field: 'thinking', what: 'thinking wrong type' };
        case 'effort':
          o.effort = rng.pick<Json>([1, {}, [], true]);
          return { field: 'effort', what: 'effort wrong type' };
        default:
          o.conversationId = rng.pick<Json>([1, {}, [], true]);
          return { field: 'conversationId', what: 'conversationId wrong type' };
      }
    }
    case 'bad-enum': {
      const target = rng.pick(['speed', 'effort', 'role', 'thinking', 'model']);
      if (target === 'speed') {
        o.speed = rng.pick([...HOMOGLYPHS, 'turbo', 'priority', 'batch']);
        return { field: 'speed', what: `speed=${JSON.stringify(o.speed)}` };
      }
      if (target === 'effort') {
        o.effort = rng.pick(['extreme', 'LOW', 'none', '', 'med', 'xxhigh']);
        return { field: 'effort', what: `effort=${JSON.stringify(o.effort)}` };
      }
      if (target === 'role') {
        (msgs(o)[i] as Obj).role = rng.pick(['system', 'tool', 'User', 'usеr', 'assistant ', '', 'developer']);
        return { field: `messages[${i}].role`, what: `role=${JSON.stringify((msgs(o)[i] as Obj).role)}` };
      }
      if (target === 'thinking') {
        o.thinking = rng.pick<Json>([{ type: 'bogus' }, { type: 'ENABLED', budget_tokens: 100 }, {}, { budget_tokens: 100 }]);
        return { field: 'thinking', what: `thinking=${JSON.stringify(o.thinking)}` };
      }
      o.model = rng.pick(['claude-sonnet-4-6', 'gpt-4o', 'claude-opus-4-8 ', 'CLAUDE-OPUS-4-8', '', '../../etc/passwd', 'claude-opus-4-8?x=1']);
      return { field: 'model', what: `model=${JSON.stringify(o.model)}` };
    }
    case 'bad-number': {
      if (rng.bool(0.75)) {
        o.max_tokens = rng.pick<Json>([0, -1, -1e9, 1.5, FUZZ_CAPS.maxTokensCap + 1, 1e9, 1e308, Number.MAX_SAFE_INTEGER + 2]);
        return { field: 'max_tokens', what: `max_tokens=${String(o.max_tokens)}` };
      }
      o.thinking = { type: 'enabled', budget_tokens: rng.pick<Json>([-5, 1.5, 'x', null, 1e308]) };
      return { field: 'thinking', what: `thinking=${JSON.stringify(o.thinking)}` };
    }
    case 'role-order': {
      const kind = rng.int(0, 3);
      if (kind === 0) {
        o.messages = [];
        return { field: 'messages', what: 'empty messages' };
      }
      if (kind === 1) {
        msgs(o).unshift({ role: 'assistant', content: 'first' });
        return { field: 'messages', what: 'assistant first' };
      }
      if (kind === 2) {
        msgs(o).push({ role: 'assistant', content: 'last' });
        return { field: 'messages', what: 'assistant last' };
      }
      msgs(o).splice(lastIndex(o), 0, { role: 'user', content: 'twice' });
      return { field: 'messages', what: 'two user turns in a row' };
    }
    case 'huge-string': {
      const target = rng.pick(['content', 'system', 'conversationId', 'model']);
      const n = (cap: number): string => 'x'.repeat(cap + 1 + rng.int(0, cap));
      if (target === 'content') {
        (msgs(o)[i] as Obj).content = n(FUZZ_CAPS.maxMessageChars);
        return { field: `messages[${i}].content`, what: 'content over cap' };
      }
      if (target === 'system') {
        o.system = n(FUZZ_CAPS.maxSystemChars);
        return { field: 'system', what: 'system over cap' };
      }
      if (target === 'conversationId') {
        o.conversationId = n(FUZZ_CAPS.maxConversationIdChars);
        return { field: 'conversationId', what: 'conversationId over cap' };
      }
      o.model = `claude-opus-4-8${'9'.repeat(rng.int(100, 20_000))}`;
      return { field: 'model', what: 'huge model name' };
    }
    case 'too-many-messages': {
      const pairs = FUZZ_CAPS.maxMessages + rng.int(0, 40);
      const list: Json[] = [];
      for (let k = 0; k < pairs; k++) list.push({ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' });
      list.push({ role: 'user', content: 'end' });
      o.messages = list;
      return { field: 'messages', what: `${list.length} messages` };
    }
    case 'unknown-field': {
      const where = rng.int(0, 4);
      if (where === 0) {
        const key = rng.pick(['maxTokens', 'max_token', 'temperature', 'tools', 'stream', 'Speed', 'conversation_id', 'toolChoice', 'metadata', 'x']);
        o[key] = rng.pick<Json>([1, 'x', true, null, {}]);
        return { field: key, what: `top-level ${key}` };
      }
      if (where === 1) {
        (msgs(o)[i] as Obj)[rng.pick(['name', 'contents', 'id', 'cache_control'])] = 'x';
        return { field: `messages[${i}]`, what: 'unknown key in a message' };
      }
      if (where === 2) {
        const idx = lastIndex(o);
        (msgs(o)[idx] as Obj).content = [{ type: 'text', text: 'hi', [rng.pick(['cache_control', 'citations', 'Text'])]: {} }];
        return { field: `messages[${idx}]`, what: 'unknown key in a part' };
      }
      if (where === 3) {
        o.thinking = rng.pick<Json>([{ type: 'adaptive', budget_tokens: 2048 }, { type: 'disabled', x: 1 }, { type: 'adaptive', display: 'full' }]);
        return { field: 'thinking', what: 'unknown key in thinking' };
      }
      o.tool_choice = rng.pick<Json>([{ type: 'auto', parallel: false }, { type: 'none', disable_parallel_tool_use: true }, { type: 'any', name: 'x' }]);
      return { field: 'tool_choice', what: 'unknown key in tool_choice' };
    }
    case 'bad-part': {
      const idx = lastIndex(o);
      const last = msgs(o)[idx] as Obj;
      const kind = rng.int(0, 7);
      if (kind === 0) {
        last.content = [{ type: rng.pick(['video', 'tool_use', 'Text', '', 'file']), text: 'x' }];
        return { field: `messages[${idx}]`, what: 'unknown part type' };
      }
      if (kind === 1) {
        last.content = [{ type: rng.pick(['tool_call', 'thinking', 'redacted_thinking']), toolCallId: 't1', name: 'f', input: {}, thinking: 'x', signature: 's', data: 'x' }];
        return { field: `messages[${idx}]`, what: 'assistant part in a user turn' };
      }
      if (kind === 2) {
        last.content = [{ type: 'text', text: rng.pick(['', ' ', '\n\t']) }];
        return { field: `messages[${idx}]`, what: 'empty text part' };
      }
      if (kind === 3) {
        last.content = [{ type: 'image', mediaType: rng.pick(['image/png', 'image/svg+xml']), data: rng.pick(['!!!', 'abc', 'data:image/png;base64,AAAA']) }];
        return { field: `messages[${idx}]`, what: 'bad image' };
      }
      if (kind === 4) {
        last.content = [{ type: 'tool_result', toolCallId: `toolu_${rng.int(0, 99)}`, output: 'x' }];
        return { field: `messages[${idx}]`, what: 'tool result answering no call' };
      }
      // An assistant turn with a tool call, then a user turn that does not answer it properly.
      const callId = `toolu_${rng.int(0, 99)}`;
      const input = kind === 7 ? rng.pick<Json>([[], 'x', 1, null]) : { q: 'x' };
      msgs(o).splice(idx, 0, { role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_call', toolCallId: callId, name: 'search', input }] });
      const answer: Json[] =
        kind === 5 ? [{ type: 'text', text: 'no result' }] : [{ type: 'tool_result', toolCallId: callId, output: 1 }, { type: 'tool_result', toolCallId: callId, error: 'dup' }];
      (msgs(o)[idx + 2] as Obj).content = kind === 7 ? [{ type: 'tool_result', toolCallId: callId, output: 1 }] : answer;
      return { field: 'messages', what: kind === 5 ? 'tool call without a result' : kind === 6 ? 'tool call answered twice' : 'tool input not an object' };
    }
    default:
      throw new Error(`not a field fault: ${cls}`);
  }
}

/** Nested arrays (2 B/level) or objects (6 B/level), kept under the fuzz body cap so depth is what is tested. */
function deepNest(rng: Rng): { text: string; depth: number } {
  if (rng.bool()) {
    const depth = rng.int(1_000, 25_000);
    return { text: '['.repeat(depth) + ']'.repeat(depth), depth };
  }
  const depth = rng.int(1_000, 9_000);
  return { text: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth), depth };
}

function decorateProto(rng: Rng, o: Obj): void {
  // defineProperty, because an object literal or assignment would not make `__proto__` an own key.
  const key = rng.pick(PROTO_KEYS);
  const list = Array.isArray(o.messages) ? (o.messages as unknown[]) : [];
  const first = list[0];
  const target = rng.bool() || typeof first !== 'object' || first === null ? o : (first as Obj);
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return;
  Object.defineProperty(target, key, {
    value: key === 'constructor' ? { prototype: { polluted: 'yes' } } : { polluted: 'yes', isAdmin: true },
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const enc = new TextEncoder();

export function generateCase(rng: Rng): FuzzCase {
  const cls = rng.pick(FUZZ_CLASSES);
  const json = { 'content-type': 'application/json' };
  switch (cls) {
    case 'broken-json': {
      const valid = JSON.stringify(validBase(rng));
      const k = rng.int(0, 9);
      const bodies: (() => string | Uint8Array)[] = [
        () => valid.slice(0, rng.int(1, valid.length - 1)),
        () => valid.replace(/}$/, ',}'),
        () => valid.replace(/"/g, "'"),
        () => valid.replace(/"messages"/, 'messages'),
        () => valid.replace(/\]/, ', NaN]'),
        () => `/* c */${valid}`,
        () => '',
        () => rng.pick(['   ', '\n', 'undefined', '{', '}', '{"messages":[{"role":"user","content":"x"}]', 'nul', 'tru']),
        () => Uint8Array.from({ length: rng.int(1, 256) }, () => rng.int(0, 255)),
        () => Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31]),
      ];
      const body = (bodies[k] as () => string | Uint8Array)();
      // Random bytes can by chance be valid JSON only if they are digits/whitespace; force invalidity.
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      let ok = false;
      try {
        JSON.parse(text);
        ok = true;
      } catch {
        /* invalid as intended */
      }
      return { cls, method: 'POST', headers: json, body: ok ? `${text}}` : body, expectStatus: 400, what: `broken json #${k}` };
    }
    case 'non-object-body': {
      const body = rng.pick(['[]', '[{"role":"user","content":"x"}]', '"hello"', '42', 'null', 'true', '{}', '{"message":[]}']);
      return { cls, method: 'POST', headers: json, body, expectStatus: '4xx', what: `body ${body}` };
    }
    case 'wrong-type':
    case 'bad-enum':
    case 'bad-number':
    case 'role-order':
    case 'huge-string':
    case 'too-many-messages':
    case 'unknown-field':
    case 'bad-part': {
      const o = validBase(rng);
      const f = applyFieldFault(rng, o, cls);
      return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: f.field, what: f.what };
    }
    case 'deep-nesting': {
      const nest = deepNest(rng);
      const o = validBase(rng);
      const where = rng.pick(['content', 'thinking', 'messages', 'system']);
      const marker = '"__NEST__"';
      let field: string;
      if (where === 'content') {
        (msgs(o)[0] as Obj).content = '__NEST__';
        field = 'messages[0].content';
      } else if (where === 'thinking') {
        o.thinking = '__NEST__';
        field = 'thinking';
      } else if (where === 'system') {
        o.system = '__NEST__';
        field = 'system';
      } else {
        o.messages = '__NEST__';
        field = 'messages';
      }
      const body = JSON.stringify(o).replace(marker, nest.text);
      return { cls, method: 'POST', headers: json, body, expectStatus: '4xx', expectField: field, what: `${where} nested ${nest.depth}` };
    }
    case 'unicode-edge': {
      const o = validBase(rng);
      const u = rng.pick(UNICODE_EDGE);
      const target = rng.pick(['speed', 'model', 'role', 'effort', 'key']);
      (msgs(o)[0] as Obj).content = `edge ${u} ${rng.pick(UNICODE_EDGE)}`;
      if (target === 'key') {
        // Unicode in a key: harmless on its own, so add a real fault beside it.
        o[`k${u}`] = u;
        o.max_tokens = -1;
        return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: 'max_tokens', what: `unicode key + max_tokens -1` };
      }
      if (target === 'role') {
        const idx = lastIndex(o);
        (msgs(o)[idx] as Obj).role = `user${u}`;
        return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: `messages[${idx}].role`, what: `role with ${JSON.stringify(u)}` };
      }
      o[target] = target === 'model' ? `claude-opus-4-8${u}` : `${target === 'speed' ? 'fast' : 'high'}${u}`;
      return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: target, what: `${target} with ${JSON.stringify(u)}` };
    }
    case 'proto-pollution': {
      const o = validBase(rng);
      const faultCls = rng.pick(['wrong-type', 'bad-enum', 'bad-number', 'role-order'] as const);
      const f = applyFieldFault(rng, o, faultCls);
      decorateProto(rng, o);
      if (rng.bool(0.3)) decorateProto(rng, o);
      return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: f.field, what: `proto keys + ${f.what}` };
    }
    case 'header-injection': {
      const o = validBase(rng);
      const inj = rng.pick(INJECTIONS);
      if (rng.bool()) {
        o.model = `claude-opus-4-8${inj}`;
        return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: 'model', what: `model injection ${JSON.stringify(inj)}` };
      }
      o.conversationId = inj;
      o.speed = rng.pick(['warp', 'FAST', 'fast\r\n']);
      return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: '4xx', expectField: 'speed', what: `conversationId injection + bad speed` };
    }
    case 'wrong-method': {
      const method = rng.pick(['GET', 'PUT', 'PATCH', 'DELETE']);
      const body = method === 'GET' ? null : JSON.stringify(validBase(rng));
      return { cls, method, headers: json, body, expectStatus: 405, what: method };
    }
    case 'wrong-content-type': {
      const ct = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', '', 'text/html']);
      return {
        cls,
        method: 'POST',
        headers: ct === '' ? {} : { 'content-type': ct },
        body: enc.encode(JSON.stringify(validBase(rng))),
        expectStatus: 415,
        what: `content-type ${JSON.stringify(ct)}`,
      };
    }
    case 'oversized-body': {
      const o = validBase(rng);
      // Over the body cap but under every per-field cap it could trip first: many short messages
      // would trip maxMessages, so pad with an unknown field instead.
      o.padding = 'p'.repeat(FUZZ_CAPS.maxBodyBytes + rng.int(1, 64 * 1024));
      return { cls, method: 'POST', headers: json, body: JSON.stringify(o), expectStatus: 413, what: `${(o.padding as string).length} B padding` };
    }
  }
}

/** The root key of a field path: `messages[2].content` → `messages`. */
export function fieldRoot(path: string): string {
  return path.split(/[.[]/u)[0] ?? path;
}
