/**
 * The runtime validator for {@link ChatRequest}, shared by the edge (on every request) and the client
 * (before sending). Hand-written so core keeps zero dependencies.
 *
 * @module
 */
import type { ChatMessage, ChatRequest, Effort, SpeedPolicy, ThinkingConfig } from './protocol.ts';

/** Limits applied by {@link validateChatRequest}. */
export interface RequestLimits {
  /** Most messages in one request. @default 100 */
  maxMessages: number;
  /** Most UTF-16 code units in one message's content. @default 100_000 */
  maxMessageChars: number;
  /** Most UTF-16 code units in `system`. @default 50_000 */
  maxSystemChars: number;
  /** When set, a `max_tokens` above it is an error (not silently lowered). */
  maxTokensCap?: number;
  /** When set, a `model` not in the list is an error on field `model`. */
  allowedModels?: readonly string[];
  /** Most UTF-16 code units in `conversationId`. @default 128 */
  maxConversationIdChars: number;
}

/** The limits {@link validateChatRequest} applies unless told otherwise. Frozen. */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxMessages: 100,
  maxMessageChars: 100_000,
  maxSystemChars: 50_000,
  maxConversationIdChars: 128,
});

/** The answer of {@link validateChatRequest}: the clean request, or the first problem found. */
export type ValidationResult =
  | { ok: true; value: ChatRequest }
  | {
      ok: false;
      /** Path of the field at fault, e.g. `messages[2].content`; `''` when the body itself is wrong. */
      field: string;
      message: string;
    };

const SPEEDS: readonly SpeedPolicy[] = ['fast', 'standard', 'auto'];
const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];
const MAX_MODEL_CHARS = 256;
// Anthropic's documented floor for a thinking budget.
const MIN_THINKING_BUDGET = 1024;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Thrown internally to stop at the first problem; never escapes {@link validateChatRequest}. */
class Invalid {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

/**
 * Check an untrusted value (typically `await request.json()`) against protocol v1's {@link ChatRequest}.
 *
 * Returns the first problem found, with the field's path. On success `value` is a fresh object holding
 * only the known keys (unknown keys are dropped; `__proto__`, `constructor` and inherited properties are
 * never read or copied). Optional fields set to `null` are treated as absent. Never throws.
 *
 * @param input - The parsed JSON body.
 * @param limits - Overrides for {@link DEFAULT_REQUEST_LIMITS}.
 * @example
 * const r = validateChatRequest(await req.json(), { allowedModels: ['claude-opus-4-6'] });
 * if (!r.ok) return Response.json({ error: { kind: 'invalid_request', field: r.field, message: r.message, retryable: false } }, { status: 400 });
 */
export function validateChatRequest(input: unknown, limits?: Partial<RequestLimits>): ValidationResult {
  const l: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, ...definedOnly(limits) };
  try {
    return { ok: true, value: parse(input, l) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, field: err.field, message: err.message };
    // A throwing getter or Proxy trap in the input: still an answer, never an exception.
    return { ok: false, field: '', message: 'request body could not be read' };
  }
}

function parse(input: unknown, l: RequestLimits): ChatRequest {
  if (!isRecord(input)) throw new Invalid('', 'request body must be a JSON object');

  const out: ChatRequest = { messages: parseMessages(own(input, 'messages'), l) };

  const speed = own(input, 'speed');
  if (speed != null) out.speed = oneOf('speed', speed, SPEEDS);

  const model = own(input, 'model');
  if (model != null) {
    if (typeof model !== 'string' || model.length === 0 || model.length > MAX_MODEL_CHARS) {
      throw new Invalid('model', `model must be a non-empty string of at most ${MAX_MODEL_CHARS} characters`);
    }
    if (l.allowedModels !== undefined && !l.allowedModels.includes(model)) {
      throw new Invalid('model', `model "${truncate(model)}" is not allowed; use one of: ${l.allowedModels.join(', ')}`);
    }
    out.model = model;
  }

  const system = own(input, 'system');
  if (system != null) {
    if (typeof system !== 'string') throw new Invalid('system', 'system must be a string');
    if (system.length > l.maxSystemChars) {
      throw new Invalid('system', `system must be at most ${l.maxSystemChars} characters`);
    }
    out.system = system;
  }

  const maxTokens = own(input, 'max_tokens');
  if (maxTokens != null) {
    if (!isPositiveInteger(maxTokens)) throw new Invalid('max_tokens', 'max_tokens must be a positive integer');
    if (l.maxTokensCap !== undefined && maxTokens > l.maxTokensCap) {
      throw new Invalid('max_tokens', `max_tokens must be at most ${l.maxTokensCap}`);
    }
    out.max_tokens = maxTokens;
  }

  const effort = own(input, 'effort');
  if (effort != null) out.effort = oneOf('effort', effort, EFFORTS);

  const thinking = own(input, 'thinking');
  if (thinking != null) out.thinking = parseThinking(thinking, out.max_tokens);

  const conversationId = own(input, 'conversationId');
  if (conversationId != null) {
    if (
      typeof conversationId !== 'string' ||
      conversationId.length === 0 ||
      conversationId.length > l.maxConversationIdChars ||
      CONTROL_CHARS.test(conversationId)
    ) {
      throw new Invalid(
        'conversationId',
        `conversationId must be a non-empty string of at most ${l.maxConversationIdChars} characters, without control characters`,
      );
    }
    out.conversationId = conversationId;
  }
  return out;
}

function parseMessages(value: unknown, l: RequestLimits): ChatMessage[] {
  if (value === undefined || value === null) throw new Invalid('messages', 'messages is required');
  if (!Array.isArray(value)) throw new Invalid('messages', 'messages must be an array');
  if (value.length === 0) throw new Invalid('messages', 'messages must not be empty');
  if (value.length > l.maxMessages) throw new Invalid('messages', `messages must hold at most ${l.maxMessages} items`);

  const out: ChatMessage[] = [];
  let previous: ChatMessage['role'] | undefined;
  for (let i = 0; i < value.length; i++) {
    const path = `messages[${i}]`;
    const m: unknown = value[i];
    if (!isRecord(m)) throw new Invalid(path, `${path} must be an object`);
    const role = own(m, 'role');
    if (role !== 'user' && role !== 'assistant') throw new Invalid(`${path}.role`, `${path}.role must be "user" or "assistant"`);
    if (i === 0 && role !== 'user') throw new Invalid(`${path}.role`, 'the first message must be from the user');
    if (role === previous) throw new Invalid(`${path}.role`, `${path}.role must alternate: two "${role}" messages in a row`);
    const content = own(m, 'content');
    if (typeof content !== 'string') throw new Invalid(`${path}.content`, `${path}.content must be a string`);
    // Anthropic rejects text blocks without non-whitespace text; say so here, with the path.
    if (content.trim().length === 0) throw new Invalid(`${path}.content`, `${path}.content must not be empty`);
    if (content.length > l.maxMessageChars) {
      throw new Invalid(`${path}.content`, `${path}.content must be at most ${l.maxMessageChars} characters`);
    }
    out.push({ role, content });
    previous = role;
  }
  if (previous !== 'user') {
    throw new Invalid(`messages[${value.length - 1}].role`, 'the last message must be from the user');
  }
  return out;
}

function parseThinking(value: unknown, maxTokens: number | undefined): ThinkingConfig {
  if (!isRecord(value)) throw new Invalid('thinking', 'thinking must be an object');
  const type = own(value, 'type');
  if (type === 'adaptive' || type === 'disabled') return { type };
  if (type !== 'enabled') throw new Invalid('thinking.type', 'thinking.type must be "adaptive", "enabled" or "disabled"');
  const budget = own(value, 'budget_tokens');
  if (!isPositiveInteger(budget) || budget < MIN_THINKING_BUDGET) {
    throw new Invalid('thinking.budget_tokens', `thinking.budget_tokens must be an integer of at least ${MIN_THINKING_BUDGET}`);
  }
  if (maxTokens !== undefined && budget >= maxTokens) {
    throw new Invalid('thinking.budget_tokens', 'thinking.budget_tokens must be less than max_tokens');
  }
  return { type, budget_tokens: budget };
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Invalid(field, `${field} must be one of: ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read an own property only: inherited (possibly polluted) prototype values are never seen. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function definedOnly(limits: Partial<RequestLimits> | undefined): Partial<RequestLimits> {
  const out: Partial<RequestLimits> = {};
  if (limits === undefined) return out;
  for (const key of Object.keys(limits) as (keyof RequestLimits)[]) {
    if (limits[key] !== undefined) (out as Record<string, unknown>)[key] = limits[key];
  }
  return out;
}
