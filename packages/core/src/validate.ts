/**
 * The runtime validator for {@link ChatRequest}, shared by the edge (on every request) and the client
 * (before sending). Hand-written so core keeps zero dependencies.
 *
 * @module
 */
import { imageSize, looksLikePdf, pdfPageCount, sniffImage } from './media.ts';
import type {
  ChatMessage,
  ChatRequest,
  DocumentMediaType,
  DocumentPart,
  Effort,
  ImageMediaType,
  ImagePart,
  JsonValue,
  MessagePart,
  MessagePartType,
  SpeedPolicy,
  ThinkingConfig,
  ToolApprovalPart,
  ToolChoice,
} from './protocol.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits.ts';

// The limits live in a leaf module so the client (attachment checks, the store's options) can use
// them without bundling this validator; they are re-exported here and from the root entry.
export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits.ts';

/** The answer of {@link validateChatRequest}: the clean request, or the first problem found. */
export type ValidationResult =
  | { ok: true; value: ChatRequest }
  | {
      ok: false;
      /** Path of the field at fault, e.g. `messages[2].content[1].type`; `''` when the body itself is wrong. */
      field: string;
      message: string;
    };

const SPEEDS: readonly SpeedPolicy[] = ['fast', 'standard', 'auto'];
const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];
const IMAGE_TYPES: readonly ImageMediaType[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const DOCUMENT_TYPES: readonly DocumentMediaType[] = ['application/pdf', 'text/plain'];
const PART_TYPES: readonly MessagePartType[] = [
  'text',
  'thinking',
  'redacted_thinking',
  'tool_call',
  'tool_result',
  'tool_approval',
  'image',
  'document',
];
const USER_PARTS: readonly MessagePartType[] = ['text', 'image', 'document', 'tool_result', 'tool_approval'];
const ASSISTANT_PARTS: readonly MessagePartType[] = ['text', 'thinking', 'redacted_thinking', 'tool_call'];
const REQUEST_KEYS = ['messages', 'speed', 'model', 'system', 'max_tokens', 'effort', 'thinking', 'conversationId', 'tool_choice'];
/** Why a well-known field of other APIs is not one of ours. */
const NOT_OURS: Readonly<Record<string, string>> = {
  tools: 'tools are defined at the edge (its `tools` option), not sent by the client',
  stream: 'every reply streams; there is nothing to set',
  temperature: 'Anthropic removed temperature, top_p and top_k (API version 2026-10-21)',
  top_p: 'Anthropic removed temperature, top_p and top_k (API version 2026-10-21)',
  top_k: 'Anthropic removed temperature, top_p and top_k (API version 2026-10-21)',
};
const MAX_MODEL_CHARS = 256;
const MAX_NAME_CHARS = 256;
// Anthropic's patterns for tool_use ids and tool names.
const TOOL_CALL_ID = /^[a-zA-Z0-9_-]{1,256}$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Anthropic's image size rules: longest side at most 8000 px, or 2000 px when a request has more than 20 images.
const MAX_IMAGE_SIDE = 8000;
const MANY_IMAGES = 20;
const MANY_IMAGES_SIDE = 2000;
// Deeper tool inputs/outputs are refused instead of risking the stack (and Anthropic's own limits).
const MAX_JSON_DEPTH = 64;
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

/** State of one validation run. */
interface Ctx {
  readonly l: RequestLimits;
  /**
   * The first unknown key seen. Reported only when nothing else is wrong, so a real fault elsewhere
   * (say a bad `speed` beside a stray `__proto__` key) is the one named.
   */
  unknown: Invalid | undefined;
  attachments: number;
  /** PDF pages seen so far (those whose count is visible). */
  pages: number;
  /** Every image's path and longest side (when its header tells), for the many-images rule. */
  images: { path: string; side: number | undefined }[];
}

/**
 * Check an untrusted value (typically `await request.json()`) against protocol v2's {@link ChatRequest}.
 *
 * Returns the first problem found, with the field's path (`messages[2].content[1].type`). On success
 * `value` is a fresh object: strings stay strings, parts are copied key by key. Unknown keys anywhere
 * (top level, messages, parts, `thinking`, `tool_choice`) are errors naming the key, with a "did you
 * mean" when a known name is close (`maxTokens` → `max_tokens`). `__proto__`, `constructor` and
 * inherited properties are never read or copied (an own `__proto__` key is an unknown key). Optional
 * fields set to `null` are treated as absent. Never throws.
 *
 * Tool calls and their answers must pair up: every `tool_call` of an assistant turn is answered by
 * exactly one `tool_result` or `tool_approval` in the user turn right after it, every answer answers a
 * call of that assistant turn, and answers come before other parts of their turn (Anthropic requires
 * it). A `tool_approval` is only accepted in the last message: earlier turns carry the tool's result.
 * Whether a `tool_choice` names a tool that exists is the edge's check.
 *
 * @param input - The parsed JSON body.
 * @param limits - Overrides for {@link DEFAULT_REQUEST_LIMITS}.
 * @example
 * const r = validateChatRequest(await req.json(), { allowedModels: ['claude-opus-4-6'] });
 * if (!r.ok) return Response.json({ error: { kind: 'invalid_request', field: r.field, message: r.message, retryable: false } }, { status: 400 });
 */
export function validateChatRequest(input: unknown, limits?: Partial<RequestLimits>): ValidationResult {
  const ctx: Ctx = { l: { ...DEFAULT_REQUEST_LIMITS, ...definedOnly(limits) }, unknown: undefined, attachments: 0, pages: 0, images: [] };
  try {
    const value = parse(input, ctx);
    if (ctx.unknown !== undefined) return { ok: false, field: ctx.unknown.field, message: ctx.unknown.message };
    return { ok: true, value };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, field: err.field, message: err.message };
    // A throwing getter or Proxy trap in the input: still an answer, never an exception.
    return { ok: false, field: '', message: 'request body could not be read' };
  }
}

function parse(input: unknown, ctx: Ctx): ChatRequest {
  const l = ctx.l;
  if (!isRecord(input)) throw new Invalid('', 'request body must be a JSON object');

  const out: ChatRequest = { messages: parseMessages(own(input, 'messages'), ctx) };
  if (ctx.images.length > MANY_IMAGES) {
    for (const image of ctx.images) {
      if (image.side !== undefined && image.side > MANY_IMAGES_SIDE) {
        throw new Invalid(
          image.path,
          `${image.path}: with more than ${MANY_IMAGES} images in a request, each may be at most ${MANY_IMAGES_SIDE} px on its longest side (this one is ${image.side} px)`,
        );
      }
    }
  }

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
  if (thinking != null) out.thinking = parseThinking(thinking, out.max_tokens, ctx);
  if (out.thinking?.type === 'enabled') checkThinkingContinuity(out.messages);

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

  const toolChoice = own(input, 'tool_choice');
  if (toolChoice != null) out.tool_choice = parseToolChoice(toolChoice, ctx);

  checkKeys(input, '', REQUEST_KEYS, ctx);
  return out;
}

function parseMessages(value: unknown, ctx: Ctx): ChatMessage[] {
  const l = ctx.l;
  if (value === undefined || value === null) throw new Invalid('messages', 'messages is required');
  if (!Array.isArray(value)) throw new Invalid('messages', 'messages must be an array');
  if (value.length === 0) throw new Invalid('messages', 'messages must not be empty');
  if (value.length > l.maxMessages) throw new Invalid('messages', `messages must hold at most ${l.maxMessages} items`);

  const out: ChatMessage[] = [];
  const callIds = new Set<string>();
  // Tool calls of the assistant turn just parsed, waiting for their answers in the next user turn.
  let pending = new Map<string, string>();
  let previous: ChatMessage['role'] | undefined;
  for (let i = 0; i < value.length; i++) {
    const path = `messages[${i}]`;
    const m: unknown = value[i];
    if (!isRecord(m)) throw new Invalid(path, `${path} must be an object`);
    const role = own(m, 'role');
    if (role !== 'user' && role !== 'assistant') throw new Invalid(`${path}.role`, `${path}.role must be "user" or "assistant"`);
    if (i === 0 && role !== 'user') throw new Invalid(`${path}.role`, 'the first message must be from the user');
    if (role === previous) throw new Invalid(`${path}.role`, `${path}.role must alternate: two "${role}" messages in a row`);
    const content = parseContent(own(m, 'content'), role, `${path}.content`, i === value.length - 1, ctx);
    checkKeys(m, path, ['role', 'content'], ctx);

    if (role === 'user') {
      checkAnswers(content, `${path}.content`, pending, i);
      pending = new Map();
    } else {
      pending = collectCalls(content, `${path}.content`, callIds);
    }
    out.push({ role, content });
    previous = role;
  }
  if (previous !== 'user') {
    throw new Invalid(`messages[${value.length - 1}].role`, 'the last message must be from the user');
  }
  return out;
}

/**
 * With manual extended thinking, the assistant turn whose tool calls the last user turn answers must
 * start with its thinking (Anthropic refuses it otherwise): send the thinking parts back with it.
 */
function checkThinkingContinuity(messages: ChatMessage[]): void {
  const i = messages.length - 1;
  const last = messages[i];
  const continued = messages[i - 1];
  if (last === undefined || continued === undefined || typeof last.content === 'string') return;
  if (!last.content.some((p) => p.type === 'tool_result' || p.type === 'tool_approval')) return;
  const first = typeof continued.content === 'string' ? undefined : continued.content[0];
  if (first?.type === 'thinking' || first?.type === 'redacted_thinking') return;
  const field = first === undefined ? `messages[${i - 1}].content` : `messages[${i - 1}].content[0].type`;
  throw new Invalid(
    field,
    `${field}: with thinking enabled, the assistant turn whose tool calls the last message answers must start with its thinking (send its thinking parts back, with their signatures)`,
  );
}

/** Every answer in a user turn answers one call of the turn before; every such call gets one answer. */
function checkAnswers(content: string | MessagePart[], path: string, pending: Map<string, string>, i: number): void {
  const answered = new Set<string>();
  if (typeof content !== 'string') {
    for (let k = 0; k < content.length; k++) {
      const part = content[k] as MessagePart;
      if (part.type !== 'tool_result' && part.type !== 'tool_approval') continue;
      const field = `${path}[${k}].toolCallId`;
      if (!pending.has(part.toolCallId)) {
        throw new Invalid(
          field,
          i === 0
            ? `${field} "${truncate(part.toolCallId)}" answers no tool call: the first message has no assistant turn before it`
            : `${field} "${truncate(part.toolCallId)}" answers no tool call of messages[${i - 1}] (the assistant turn right before)`,
        );
      }
      if (answered.has(part.toolCallId)) {
        throw new Invalid(field, `${field} "${truncate(part.toolCallId)}" is answered twice in this turn`);
      }
      answered.add(part.toolCallId);
    }
  }
  for (const [id, callPath] of pending) {
    if (!answered.has(id)) {
      throw new Invalid(
        callPath,
        `tool call "${truncate(id)}" (${callPath}) has no tool_result or tool_approval in messages[${i}], the user turn right after it`,
      );
    }
  }
}

/** The tool calls of an assistant turn, by id, with their paths; ids are unique in the request. */
function collectCalls(content: string | MessagePart[], path: string, callIds: Set<string>): Map<string, string> {
  const calls = new Map<string, string>();
  if (typeof content === 'string') return calls;
  for (let k = 0; k < content.length; k++) {
    const part = content[k] as MessagePart;
    if (part.type !== 'tool_call') continue;
    if (callIds.has(part.toolCallId)) {
      throw new Invalid(`${path}[${k}].toolCallId`, `${path}[${k}].toolCallId "${truncate(part.toolCallId)}" is used by an earlier tool call`);
    }
    callIds.add(part.toolCallId);
    calls.set(part.toolCallId, `${path}[${k}]`);
  }
  return calls;
}

function parseContent(value: unknown, role: ChatMessage['role'], path: string, last: boolean, ctx: Ctx): string | MessagePart[] {
  const l = ctx.l;
  if (typeof value === 'string') {
    // Anthropic rejects text blocks without non-whitespace text; say so here, with the path.
    if (value.trim().length === 0) throw new Invalid(path, `${path} must not be empty`);
    if (value.length > l.maxMessageChars) throw new Invalid(path, `${path} must be at most ${l.maxMessageChars} characters`);
    return value;
  }
  if (!Array.isArray(value)) throw new Invalid(path, `${path} must be a string or an array of parts`);
  if (value.length === 0) throw new Invalid(path, `${path} must not be empty`);
  if (value.length > l.maxPartsPerMessage) throw new Invalid(path, `${path} must hold at most ${l.maxPartsPerMessage} parts`);

  const allowed = role === 'user' ? USER_PARTS : ASSISTANT_PARTS;
  const budget = { chars: 0 };
  const parts: MessagePart[] = [];
  let otherSeen = false;
  for (let k = 0; k < value.length; k++) {
    const p = `${path}[${k}]`;
    const raw: unknown = value[k];
    if (!isRecord(raw)) throw new Invalid(p, `${p} must be an object`);
    const type = own(raw, 'type');
    if (typeof type !== 'string' || !(PART_TYPES as readonly string[]).includes(type)) {
      throw new Invalid(
        `${p}.type`,
        `${p}.type ${typeof type === 'string' ? `"${truncate(type)}" is not a part type` : 'is required'}; use one of: ${PART_TYPES.join(', ')}`,
      );
    }
    if (!(allowed as readonly string[]).includes(type)) {
      throw new Invalid(`${p}.type`, `${p}.type: ${role} turns cannot hold "${type}" parts (they hold ${allowed.join(', ')})`);
    }
    const part = parsePart(raw, type as MessagePartType, p, budget, ctx);
    if (part.type === 'tool_result' || part.type === 'tool_approval') {
      if (otherSeen) {
        throw new Invalid(p, `${p}: tool results and approvals must come before any other part of their turn (Anthropic requires it)`);
      }
      if (part.type === 'tool_approval' && !last) {
        throw new Invalid(
          `${p}.type`,
          `${p}.type: a tool_approval is only accepted in the last message; earlier turns carry the tool's tool_result`,
        );
      }
    } else {
      otherSeen = true;
    }
    if (budget.chars > l.maxMessageChars) {
      throw new Invalid(p, `${path} must hold at most ${l.maxMessageChars} characters of text in all`);
    }
    parts.push(part);
  }
  return parts;
}

function parsePart(raw: Record<string, unknown>, type: MessagePartType, p: string, budget: { chars: number }, ctx: Ctx): MessagePart {
  switch (type) {
    case 'text': {
      checkKeys(raw, p, ['type', 'text'], ctx);
      const text = own(raw, 'text');
      if (typeof text !== 'string') throw new Invalid(`${p}.text`, `${p}.text must be a string`);
      if (text.trim().length === 0) throw new Invalid(`${p}.text`, `${p}.text must not be empty`);
      budget.chars += text.length;
      return { type, text };
    }
    case 'thinking': {
      checkKeys(raw, p, ['type', 'thinking', 'signature'], ctx);
      const thinking = own(raw, 'thinking');
      if (typeof thinking !== 'string') throw new Invalid(`${p}.thinking`, `${p}.thinking must be a string`);
      const signature = own(raw, 'signature');
      if (typeof signature !== 'string' || signature.length === 0) {
        throw new Invalid(`${p}.signature`, `${p}.signature must be the non-empty signature the thinking came with`);
      }
      return { type, thinking, signature };
    }
    case 'redacted_thinking': {
      checkKeys(raw, p, ['type', 'data'], ctx);
      const data = own(raw, 'data');
      if (typeof data !== 'string' || data.length === 0) throw new Invalid(`${p}.data`, `${p}.data must be a non-empty string`);
      return { type, data };
    }
    case 'tool_call': {
      checkKeys(raw, p, ['type', 'toolCallId', 'name', 'input'], ctx);
      const toolCallId = parseToolCallId(raw, p);
      const name = own(raw, 'name');
      if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
        throw new Invalid(`${p}.name`, `${p}.name must be a tool name (1–128 of a-z, A-Z, 0-9, _ and -)`);
      }
      const input = own(raw, 'input');
      if (!isRecord(input)) throw new Invalid(`${p}.input`, `${p}.input must be an object`);
      return { type, toolCallId, name, input: jsonObject(input, `${p}.input`, 1) };
    }
    case 'tool_result': {
      checkKeys(raw, p, ['type', 'toolCallId', 'output', 'error'], ctx);
      const toolCallId = parseToolCallId(raw, p);
      const output = own(raw, 'output');
      const error = own(raw, 'error');
      const hasOutput = output !== undefined;
      const hasError = error !== undefined && error !== null;
      if (hasOutput === hasError) {
        throw new Invalid(p, `${p} must have exactly one of "output" and "error"`);
      }
      if (hasError) {
        if (typeof error !== 'string' || error.trim().length === 0) throw new Invalid(`${p}.error`, `${p}.error must be a non-empty string`);
        return { type, toolCallId, error };
      }
      return { type, toolCallId, output: jsonValue(output, `${p}.output`, 1) };
    }
    case 'tool_approval': {
      checkKeys(raw, p, ['type', 'toolCallId', 'approved', 'reason'], ctx);
      const toolCallId = parseToolCallId(raw, p);
      const approved = own(raw, 'approved');
      if (typeof approved !== 'boolean') throw new Invalid(`${p}.approved`, `${p}.approved must be true or false`);
      const part: ToolApprovalPart = { type, toolCallId, approved };
      const reason = own(raw, 'reason');
      if (reason != null) {
        if (typeof reason !== 'string') throw new Invalid(`${p}.reason`, `${p}.reason must be a string`);
        budget.chars += reason.length;
        part.reason = reason;
      }
      return part;
    }
    case 'image': {
      checkKeys(raw, p, ['type', 'mediaType', 'data', 'name'], ctx);
      countAttachment(p, ctx);
      const mediaType = oneOf(`${p}.mediaType`, own(raw, 'mediaType'), IMAGE_TYPES);
      const data = parseBase64(own(raw, 'data'), `${p}.data`);
      if (data.length > ctx.l.maxImageBytes) {
        throw new Invalid(
          `${p}.data`,
          `${p}.data is ${data.length} characters of base64; an image may have at most ${ctx.l.maxImageBytes} (${mb(ctx.l.maxImageBytes)}, a file of about ${mb((ctx.l.maxImageBytes / 4) * 3)})`,
        );
      }
      const actual = sniffImage(data);
      if (actual === undefined) throw new Invalid(`${p}.data`, `${p}.data is not a JPEG, PNG, GIF or WebP image`);
      if (actual !== mediaType) throw new Invalid(`${p}.mediaType`, `${p}.mediaType is "${mediaType}" but the data is a ${actual} image`);
      const size = imageSize(data, actual);
      const side = size === undefined ? undefined : Math.max(size.width, size.height);
      if (side !== undefined && side > MAX_IMAGE_SIDE) {
        throw new Invalid(`${p}.data`, `${p}.data is ${size?.width}×${size?.height} px; an image may be at most ${MAX_IMAGE_SIDE} px on its longest side`);
      }
      ctx.images.push({ path: `${p}.data`, side });
      const part: ImagePart = { type, mediaType, data };
      const name = parseName(raw, p);
      if (name !== undefined) part.name = name;
      return part;
    }
    case 'document': {
      checkKeys(raw, p, ['type', 'mediaType', 'data', 'name'], ctx);
      countAttachment(p, ctx);
      const mediaType = oneOf(`${p}.mediaType`, own(raw, 'mediaType'), DOCUMENT_TYPES);
      let data: string;
      if (mediaType === 'application/pdf') {
        data = parseBase64(own(raw, 'data'), `${p}.data`);
        if (!looksLikePdf(data)) throw new Invalid(`${p}.data`, `${p}.data is not a PDF (it does not start with %PDF-)`);
        const bytes = decodedBytes(data);
        if (bytes > ctx.l.maxDocumentBytes) {
          throw new Invalid(`${p}.data`, `${p}.data decodes to ${bytes} bytes; a PDF may have at most ${ctx.l.maxDocumentBytes} (${mb(ctx.l.maxDocumentBytes)})`);
        }
        const pages = pdfPageCount(data);
        if (pages !== undefined) {
          ctx.pages += pages;
          if (ctx.pages > ctx.l.maxDocumentPages) {
            throw new Invalid(
              `${p}.data`,
              `${p}.data has ${pages} pages, which brings the request to ${ctx.pages} PDF pages; a request may hold at most ${ctx.l.maxDocumentPages}`,
            );
          }
        }
      } else {
        const text = own(raw, 'data');
        if (typeof text !== 'string' || text.trim().length === 0) throw new Invalid(`${p}.data`, `${p}.data must be the document's text`);
        if (text.length > ctx.l.maxDocumentChars) {
          throw new Invalid(`${p}.data`, `${p}.data must be at most ${ctx.l.maxDocumentChars} characters`);
        }
        data = text;
      }
      const part: DocumentPart = { type, mediaType, data };
      const name = parseName(raw, p);
      if (name !== undefined) part.name = name;
      return part;
    }
  }
}

function parseToolCallId(raw: Record<string, unknown>, p: string): string {
  const id = own(raw, 'toolCallId');
  if (typeof id !== 'string' || !TOOL_CALL_ID.test(id)) {
    throw new Invalid(`${p}.toolCallId`, `${p}.toolCallId must be a tool call id (1–256 of a-z, A-Z, 0-9, _ and -)`);
  }
  return id;
}

function parseName(raw: Record<string, unknown>, p: string): string | undefined {
  const name = own(raw, 'name');
  if (name == null) return undefined;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_CHARS || CONTROL_CHARS.test(name)) {
    throw new Invalid(`${p}.name`, `${p}.name must be a non-empty string of at most ${MAX_NAME_CHARS} characters, without control characters`);
  }
  return name;
}

function countAttachment(p: string, ctx: Ctx): void {
  ctx.attachments++;
  if (ctx.attachments > ctx.l.maxAttachments) {
    throw new Invalid(p, `${p}: a request may hold at most ${ctx.l.maxAttachments} images and documents`);
  }
}

function parseBase64(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new Invalid(field, `${field} must be a non-empty base64 string`);
  if (value.startsWith('data:')) throw new Invalid(field, `${field} must be plain base64, without a "data:" prefix`);
  if (value.length % 4 !== 0 || !BASE64.test(value)) throw new Invalid(field, `${field} is not valid base64`);
  return value;
}

/** Bytes as binary megabytes, the way Anthropic states its limits (5 MB = 5 × 1024² bytes). */
function mb(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(2))} MB`;
}

function decodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/** A deep copy of a JSON value, refusing anything JSON cannot carry. */
function jsonValue(value: unknown, path: string, depth: number): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Invalid(path, `${path} must be a finite number`);
    return value;
  }
  if (depth > MAX_JSON_DEPTH) throw new Invalid(path, `${path} is nested more than ${MAX_JSON_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) out.push(jsonValue(value[i], `${path}[${i}]`, depth + 1));
    return out;
  }
  if (isRecord(value)) return jsonObject(value, path, depth);
  throw new Invalid(path, `${path} must be a JSON value`);
}

function jsonObject(value: Record<string, unknown>, path: string, depth: number): { [key: string]: JsonValue } {
  if (depth > MAX_JSON_DEPTH) throw new Invalid(path, `${path} is nested more than ${MAX_JSON_DEPTH} levels deep`);
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    // JSON.stringify would drop it too.
    if (v === undefined) continue;
    const copy = jsonValue(v, `${path}${keyPath(key)}`, depth + 1);
    // A tool's data may legitimately hold a "__proto__" key: define it, never assign through it.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

function parseThinking(value: unknown, maxTokens: number | undefined, ctx: Ctx): ThinkingConfig {
  if (!isRecord(value)) throw new Invalid('thinking', 'thinking must be an object');
  const type = own(value, 'type');
  if (type === 'adaptive' || type === 'disabled') {
    checkKeys(value, 'thinking', ['type'], ctx);
    return { type };
  }
  if (type !== 'enabled') throw new Invalid('thinking.type', 'thinking.type must be "adaptive", "enabled" or "disabled"');
  const budget = own(value, 'budget_tokens');
  if (!isPositiveInteger(budget) || budget < MIN_THINKING_BUDGET) {
    throw new Invalid('thinking.budget_tokens', `thinking.budget_tokens must be an integer of at least ${MIN_THINKING_BUDGET}`);
  }
  if (maxTokens !== undefined && budget >= maxTokens) {
    throw new Invalid('thinking.budget_tokens', 'thinking.budget_tokens must be less than max_tokens');
  }
  checkKeys(value, 'thinking', ['type', 'budget_tokens'], ctx);
  return { type, budget_tokens: budget };
}

function parseToolChoice(value: unknown, ctx: Ctx): ToolChoice {
  if (!isRecord(value)) throw new Invalid('tool_choice', 'tool_choice must be an object');
  const type = oneOf('tool_choice.type', own(value, 'type'), ['auto', 'any', 'tool', 'none'] as const);
  if (type === 'none') {
    checkKeys(value, 'tool_choice', ['type'], ctx);
    return { type };
  }
  let disable: boolean | undefined;
  const raw = own(value, 'disable_parallel_tool_use');
  if (raw != null) {
    if (typeof raw !== 'boolean') throw new Invalid('tool_choice.disable_parallel_tool_use', 'tool_choice.disable_parallel_tool_use must be true or false');
    disable = raw;
  }
  let out: Exclude<ToolChoice, { type: 'none' }>;
  if (type === 'tool') {
    const name = own(value, 'name');
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
      throw new Invalid('tool_choice.name', 'tool_choice.name must be a tool name (1–128 of a-z, A-Z, 0-9, _ and -)');
    }
    checkKeys(value, 'tool_choice', ['type', 'name', 'disable_parallel_tool_use'], ctx);
    out = { type, name };
  } else {
    checkKeys(value, 'tool_choice', ['type', 'disable_parallel_tool_use'], ctx);
    out = { type };
  }
  if (disable !== undefined) out.disable_parallel_tool_use = disable;
  return out;
}

/** Remember the first own key of `obj` that is not in `known` (see {@link Ctx.unknown}). */
function checkKeys(obj: Record<string, unknown>, path: string, known: readonly string[], ctx: Ctx): void {
  if (ctx.unknown !== undefined) return;
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const field = path === '' ? (isIdentifier(key) ? key : keyPath(key)) : `${path}${keyPath(key)}`;
    const why = path === '' ? NOT_OURS[key] : undefined;
    const close = why === undefined ? suggest(key, known) : undefined;
    ctx.unknown = new Invalid(
      field,
      `unknown field ${field}${why !== undefined ? `: ${why}` : close !== undefined ? `; did you mean ${path === '' ? close : `${path}.${close}`}?` : ''}`,
    );
    return;
  }
}

/** The known name closest to `key` (case, `_` and `-` ignored; then at most 2 edits), if any is close. */
function suggest(key: string, known: readonly string[]): string | undefined {
  if (key.length > 64) return undefined;
  const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const k = norm(key);
  let best: string | undefined;
  let bestDistance = k.length > 5 ? 3 : 2;
  for (const name of known) {
    const d = editDistance(k, norm(name), bestDistance);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, or `cap` as soon as it is known to be at least `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return Math.min(prev[b.length] as number, cap);
}

function isIdentifier(key: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(key);
}

/** `.key` for identifiers, else `["key"]` (escaped and truncated so a hostile key cannot garble the path). */
function keyPath(key: string): string {
  return isIdentifier(key) && key.length <= 64 ? `.${key}` : `[${JSON.stringify(truncate(key))}]`;
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
