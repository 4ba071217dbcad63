/**
 * Strict validation of a `POST /v1/messages` body, in two passes like the real API: the body's shape
 * (every field, every block, no extra inputs), then the rules that need the model. Every refusal is a
 * 400 `invalid_request_error` naming the path. The rules, their sources and how sure we are of each
 * are tabled in the package README ("Request validation").
 * @module
 */
import { CacheBreakpoints } from './cache.ts';
import { checkSystem, MANY_IMAGES, MAX_IMAGE_SIDE_MANY, MAX_PDF_PAGES_LARGE_CONTEXT, MAX_PDF_PAGES_SMALL_CONTEXT, type BlockContext } from './blocks.ts';
import { checkConversationForModel, checkMessages, type CheckedMessage } from './conversation.ts';
import { at, boolean, fail, integer, isObject, list, literal, max, min, noExtra, number, object, optional, required, string, tag } from './fields.ts';
import { checkToolChoice, checkTools, type CheckedTool } from './tools.ts';

export { CacheBreakpoints, MAX_CACHE_BREAKPOINTS } from './cache.ts';
export type { CheckedMessage } from './conversation.ts';
export type { CheckedTool } from './tools.ts';

/**
 * Every body field of `MessageCreateParams` in SDK 1.12.0, beta included, plus the sampling fields
 * older SDKs still send (their refusal is a model/version rule, not an unknown-field one). `betas`,
 * `user_profile_id` and `workspace_id` are header params: the SDK never puts them in the body.
 */
export const BODY_FIELDS = [
  'model', 'max_tokens', 'messages', 'system', 'stream', 'speed', 'metadata', 'stop_sequences',
  'temperature', 'top_p', 'top_k', 'thinking', 'tools', 'tool_choice', 'output_config', 'output_format',
  'service_tier', 'inference_geo', 'cache_control', 'container', 'context_management', 'mcp_servers',
  'diagnostics', 'billing_policy', 'compaction', 'fallback_credit_token', 'fallbacks', 'thread',
] as const;

export const THINKING_TYPES = ['enabled', 'disabled', 'adaptive', 'between_tools'] as const;
export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;

/** A body whose shape is valid; the model is not known yet. */
export interface CheckedBody {
  model: string;
  maxTokens: number;
  stream: boolean;
  system: string;
  messages: CheckedMessage[];
  tools: CheckedTool[];
  toolChoice: 'auto' | 'any' | 'tool' | 'none' | undefined;
  thinking: { type: (typeof THINKING_TYPES)[number]; budget?: number } | undefined;
  /** `ttl` of every `cache_control` breakpoint, in prompt order (tools, system, messages). */
  cacheBreakpoints: ('5m' | '1h')[];
  /** Images in the whole request. */
  images: number;
  /** Counted base64 PDFs, in request order. */
  pdfs: { path: string; pages: number }[];
}

function checkThinking(value: unknown): CheckedBody['thinking'] {
  if (value === undefined || value === null) return undefined;
  const t = object(value, 'thinking');
  const type = tag(t, THINKING_TYPES, 'thinking') as (typeof THINKING_TYPES)[number];
  const inner = at('thinking', type);
  if (type === 'enabled') {
    noExtra(t, ['type', 'budget_tokens', 'display', 'block_binding'], inner);
    const budget = integer(required(t, 'budget_tokens', inner), at(inner, 'budget_tokens'));
    min(budget, 1024, at(inner, 'budget_tokens'));
    optional(t, 'display', inner, (v, p) => literal(v, ['summarized', 'omitted', 'updates'], p));
    return { type, budget };
  }
  if (type === 'adaptive') {
    noExtra(t, ['type', 'display', 'block_binding'], inner);
    optional(t, 'display', inner, (v, p) => literal(v, ['summarized', 'omitted', 'updates'], p));
    return { type };
  }
  noExtra(t, ['type'], inner);
  return { type };
}

/**
 * `max_tokens: 0` pre-warms the prompt cache without generating a response (SDK 1.12.0 `max_tokens`
 * doc). Anthropic's announcement of it adds that it works with neither streaming, extended thinking nor
 * structured outputs [3P: the @ClaudeDevs post of 2026-05-15, as quoted by third parties]; the words
 * of the refusals are the sim's own [I]. (`thinking: enabled` is refused anyway: its budget is at least
 * 1024, never below `max_tokens`.)
 */
function checkZeroMaxTokens(body: Record<string, unknown>, thinking: CheckedBody['thinking']): void {
  const zero = (what: string) => fail('max_tokens', `must be at least 1 with ${what} (max_tokens: 0 only pre-warms the prompt cache, without a response)`);
  if (body['stream'] === true) throw zero('streaming');
  if (thinking?.type === 'adaptive') throw zero('extended thinking');
  const config = body['output_config'];
  const format = isObject(config) ? config['format'] : undefined;
  if ((format !== undefined && format !== null) || (body['output_format'] !== undefined && body['output_format'] !== null)) throw zero('structured outputs');
}

function checkOutputConfig(value: unknown): void {
  if (value === undefined) return;
  const c = object(value, 'output_config');
  noExtra(c, ['effort', 'format', 'task_budget'], 'output_config');
  optional(c, 'effort', 'output_config', (v, p) => literal(v, EFFORTS, p));
  optional(c, 'format', 'output_config', (v, p) => {
    const f = object(v, p);
    tag(f, ['json_schema'], p);
    noExtra(f, ['type', 'schema'], at(p, 'json_schema'));
    object(required(f, 'schema', at(p, 'json_schema')), at(at(p, 'json_schema'), 'schema'));
  });
  optional(c, 'task_budget', 'output_config', object);
}

/**
 * Pass 1: the body's shape. Returns what later passes need.
 * @param body - the parsed JSON.
 * @param apiVersion - the `anthropic-version` header (some rules are version-gated).
 */
export function checkBody(body: unknown, apiVersion: string): CheckedBody {
  if (!isObject(body)) throw fail('', 'Request body must be a JSON object');
  noExtra(body, BODY_FIELDS, '');
  const model = required(body, 'model', '');
  if (typeof model !== 'string' || model === '') throw fail('model', typeof model === 'string' ? 'String should have at least 1 character' : 'Input should be a valid string');
  const maxTokens = integer(required(body, 'max_tokens', ''), 'max_tokens');
  // 0 is documented: it warms the prompt cache without generating (SDK `max_tokens` doc); the rules
  // that come with it are checked once the fields it depends on are (`checkZeroMaxTokens`).
  min(maxTokens, 0, 'max_tokens');
  required(body, 'messages', '');
  optional(body, 'stream', '', boolean, false);
  optional(body, 'speed', '', (v, p) => literal(v, ['standard', 'fast'], p));
  optional(body, 'service_tier', '', (v, p) => literal(v, ['auto', 'standard_only'], p), false);
  optional(body, 'inference_geo', '', string);
  optional(body, 'metadata', '', (v, p) => {
    const m = object(v, p);
    noExtra(m, ['user_id'], p);
    optional(m, 'user_id', p, (u, q) => {
      if (string(u, q).length > 256) throw fail(q, 'String should have at most 256 characters');
    });
  }, false);
  optional(body, 'stop_sequences', '', (v, p) => list(v, p).forEach((s, i) => string(s, at(p, i))), false);
  optional(body, 'temperature', '', (v, p) => {
    const n = number(v, p);
    min(n, 0, p);
    max(n, 1, p);
  });
  optional(body, 'top_p', '', (v, p) => {
    const n = number(v, p);
    min(n, 0, p);
    max(n, 1, p);
  });
  optional(body, 'top_k', '', (v, p) => min(integer(v, p), 0, p));
  const thinking = checkThinking(body['thinking']);
  checkOutputConfig(body['output_config']);
  optional(body, 'output_format', '', (v, p) => {
    const f = object(v, p);
    tag(f, ['json_schema'], p);
  });
  optional(body, 'container', '', (v, p) => (typeof v === 'string' ? v : object(v, p)));
  optional(body, 'mcp_servers', '', list, false);
  for (const key of ['context_management', 'diagnostics', 'billing_policy', 'compaction', 'fallbacks', 'thread'] as const) {
    optional(body, key, '', object);
  }
  optional(body, 'fallback_credit_token', '', (v, p) => (typeof v === 'string' ? v : object(v, p)));

  // Prompt order for cache breakpoints: tools, system, messages.
  const cache = new CacheBreakpoints();
  const tools = checkTools(body['tools'], cache);
  const toolChoice = checkToolChoice(body['tool_choice'], tools);
  const ctx: BlockContext = { apiVersion, cache, images: 0, sized: [], pdfs: [] };
  const system = checkSystem(body['system'], ctx);
  const messages = checkMessages(body['messages'], ctx);
  // The top-level `cache_control` (automatic caching) is checked for shape; whether it takes one of
  // the four slots is not documented, so it is not counted.
  new CacheBreakpoints().check(body['cache_control'], 'cache_control');
  cache.finish();
  if (ctx.images > MANY_IMAGES) {
    const big = ctx.sized.find((i) => i.side > MAX_IMAGE_SIDE_MANY);
    if (big) throw fail(big.path, `At least one of the image dimensions exceed max allowed size for many-image requests: ${MAX_IMAGE_SIDE_MANY} pixels`);
  }

  if (thinking && (thinking.type === 'enabled' || thinking.type === 'adaptive')) {
    const temperature = body['temperature'];
    if (typeof temperature === 'number' && temperature !== 1) {
      throw fail('temperature', 'may only be set to 1 when thinking is enabled. Please consult our documentation at https://platform.claude.com/docs/en/build-with-claude/extended-thinking#feature-compatibility');
    }
    if (typeof body['top_k'] === 'number') throw fail('top_k', 'is not supported when thinking is enabled');
    const topP = body['top_p'];
    if (typeof topP === 'number' && topP < 0.95) throw fail('top_p', 'must be greater than or equal to 0.95 when thinking is enabled');
    if (toolChoice === 'any' || toolChoice === 'tool') {
      throw fail('', 'Thinking may not be enabled when tool_choice forces tool use.');
    }
  }
  if (maxTokens === 0) checkZeroMaxTokens(body, thinking);
  return {
    model,
    maxTokens,
    stream: body['stream'] === true,
    system,
    messages,
    tools,
    toolChoice,
    thinking,
    cacheBreakpoints: cache.ttls,
    images: ctx.images,
    pdfs: ctx.pdfs,
  };
}

/** What pass 2 needs to know about the model. */
export interface ModelFacts {
  id: string;
  maxOutputTokens: number;
  contextWindow: number;
  /** Accepts a final assistant message. */
  prefill: boolean;
}

/** Pass 2: the rules that depend on the model. */
export function checkForModel(body: CheckedBody, model: ModelFacts): void {
  if (body.maxTokens > model.maxOutputTokens) {
    throw fail('max_tokens', `${body.maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`);
  }
  // Vision docs: 100 images per request for models with a 200k-token window, 600 for the others.
  const maxImages = model.contextWindow <= 200_000 ? 100 : 600;
  if (body.images > maxImages) throw fail('messages', `Too many images: ${body.images} > ${maxImages}, the maximum for ${model.id}`);
  // PDF-support docs: the page limit is per request, over every PDF in it; the wording is the sim's [I].
  const maxPages = model.contextWindow <= 200_000 ? MAX_PDF_PAGES_SMALL_CONTEXT : MAX_PDF_PAGES_LARGE_CONTEXT;
  let pages = 0;
  for (const pdf of body.pdfs) {
    pages += pdf.pages;
    if (pages > maxPages) throw fail(pdf.path, `A maximum of ${maxPages} PDF pages may be provided.`);
  }
  if (body.thinking?.type === 'enabled' && body.thinking.budget !== undefined && body.thinking.budget >= body.maxTokens) {
    throw fail('', '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://platform.claude.com/docs/en/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
  }
  checkConversationForModel(body.messages, { prefill: model.prefill, thinking: body.thinking?.type });
}
