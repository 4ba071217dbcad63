/**
 * Validation of `POST /v1/messages`: headers, body shape and model rules. Everything that can be wrong
 * in a request becomes a {@link SimApiError}; nothing here throws anything else.
 * @module
 */
import { invalid, SimApiError } from './errors.ts';
import { FAST_MODE_BETA, type ModelProfile } from './models.ts';
import { readToolChoice, readTurns, type ToolChoice, type Turn } from './conversation.ts';
import type { ToolDef } from './plan.ts';
import { countTokens } from './tokens.ts';

/** A request that passed validation. */
export interface MessagesRequest {
  model: ModelProfile;
  maxTokens: number;
  stream: boolean;
  /** Speed that will be served (after the profile's rules). */
  speed: 'fast' | 'standard';
  thinking: { budget?: number } | null;
  prompt: string;
  conversationKey: string;
  inputTokens: number;
  tools: ToolDef[];
  /** The messages as the planner reads them (tool calls and results per turn). */
  turns: Turn[];
  toolChoice: ToolChoice;
  betas: string[];
  apiVersion: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Betas from every `anthropic-beta` header (the Headers API joins repeats with ", "). */
export function readBetas(headers: Headers): string[] {
  const raw = headers.get('anthropic-beta') ?? '';
  return raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
}

/** Check auth and version headers (spec 2.3). */
export function checkHeaders(headers: Headers): string {
  const key = headers.get('x-api-key') ?? /^Bearer\s+(.+)$/iu.exec(headers.get('authorization') ?? '')?.[1];
  if (!key || key.trim() === '') {
    throw new SimApiError(401, 'authentication_error', 'x-api-key header is required (or authorization: Bearer <key>)');
  }
  const version = headers.get('anthropic-version');
  if (!version) throw invalid('anthropic-version: header is required');
  if (!/^\d{4}-\d{2}-\d{2}$/u.test(version)) throw invalid(`anthropic-version: unknown version '${version}'`);
  return version;
}

function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(`${where}: Input should be a valid string or list of content blocks`);
  const parts: string[] = [];
  content.forEach((block, i) => {
    if (!isObject(block) || typeof block['type'] !== 'string') throw invalid(`${where}.${i}.type: Field required`);
    if (block['type'] === 'text') {
      if (typeof block['text'] !== 'string') throw invalid(`${where}.${i}.text: Input should be a valid string`);
      parts.push(block['text']);
    } else if (block['type'] === 'tool_result') {
      const inner = block['content'];
      if (inner !== undefined) parts.push(textOf(inner, `${where}.${i}.content`));
    }
  });
  return parts.join('\n');
}

function readThinking(body: Json, maxTokens: number): MessagesRequest['thinking'] {
  const t = body['thinking'];
  if (t === undefined || t === null) return null;
  if (!isObject(t)) throw invalid('thinking: Input should be an object');
  switch (t['type']) {
    case 'adaptive':
      return {};
    case 'disabled':
      return null;
    case 'enabled': {
      const budget = t['budget_tokens'];
      if (typeof budget !== 'number' || !Number.isInteger(budget)) throw invalid('thinking.enabled.budget_tokens: Field required');
      if (budget < 1024) throw invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (budget >= maxTokens) throw invalid('`max_tokens` must be greater than `thinking.budget_tokens`');
      return { budget };
    }
    default:
      throw invalid("thinking.type: Input should be 'adaptive', 'enabled' or 'disabled'");
  }
}

function readTools(body: Json): ToolDef[] {
  const tools = body['tools'];
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw invalid('tools: Input should be a valid list');
  return tools.map((tool, i) => {
    if (!isObject(tool) || typeof tool['name'] !== 'string') throw invalid(`tools.${i}.name: Field required`);
    return { name: tool['name'], inputSchema: tool['input_schema'] };
  });
}

function checkSampling(body: Json, model: ModelProfile, version: string): void {
  for (const name of ['temperature', 'top_p', 'top_k'] as const) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(`${name}: Input should be a valid number`);
    if (version === '2026-10-21' && model.rejectsSamplingParamsOn20261021) {
      throw invalid(`${name}: not supported for ${model.id} with anthropic-version 2026-10-21; use output_config.effort instead`);
    }
  }
}

function readSpeed(body: Json, model: ModelProfile, betas: string[]): 'fast' | 'standard' {
  const speed = body['speed'];
  if (speed === undefined || speed === null || speed === 'standard') return 'standard';
  if (speed !== 'fast') throw invalid("speed: Input should be 'standard' or 'fast'");
  if (model.fast === 'none') throw invalid(`speed: fast mode is not supported for model ${model.id}`);
  if (!betas.includes(FAST_MODE_BETA)) {
    if (model.fast === 'beta-or-standard') return 'standard';
    throw invalid(`speed: fast mode for ${model.id} requires the anthropic-beta header '${FAST_MODE_BETA}'`);
  }
  return 'fast';
}

/**
 * Validate a parsed body against the headers and model profiles.
 * @param body - the parsed JSON (anything).
 */
export function readMessagesRequest(body: unknown, headers: Headers, models: readonly ModelProfile[]): MessagesRequest {
  const apiVersion = checkHeaders(headers);
  if (!isObject(body)) throw invalid('Request body must be a JSON object');
  const modelId = body['model'];
  if (typeof modelId !== 'string' || modelId === '') throw invalid('model: Field required');
  const maxTokens = body['max_tokens'];
  if (maxTokens === undefined) throw invalid('max_tokens: Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) throw invalid('max_tokens: Input should be a valid integer');
  if (maxTokens < 1) throw invalid('max_tokens: Input should be greater than or equal to 1');
  const messages = body['messages'];
  if (!Array.isArray(messages)) throw invalid('messages: Field required');
  if (messages.length === 0) throw invalid('messages: at least one message is required');
  const stream = body['stream'];
  if (stream !== undefined && typeof stream !== 'boolean') throw invalid('stream: Input should be a valid boolean');

  const texts: string[] = [];
  let prompt = '';
  messages.forEach((m, i) => {
    if (!isObject(m)) throw invalid(`messages.${i}: Input should be an object`);
    if (m['role'] !== 'user' && m['role'] !== 'assistant') throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (m['content'] === undefined) throw invalid(`messages.${i}.content: Field required`);
    const text = textOf(m['content'], `messages.${i}.content`);
    texts.push(`${m['role']}:${text}`);
    if (m['role'] === 'user') prompt = text;
  });
  const system = body['system'];
  let systemText = '';
  if (system !== undefined && system !== null) systemText = textOf(system, 'system');

  const model = models.find((p) => p.id === modelId);
  if (!model) throw new SimApiError(404, 'not_found_error', `model: ${modelId}`);
  if (maxTokens > model.maxOutputTokens) {
    throw invalid(`max_tokens: ${maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`);
  }
  const betas = readBetas(headers);
  checkSampling(body, model, apiVersion);
  const speed = readSpeed(body, model, betas);
  const thinking = readThinking(body, maxTokens);
  const tools = readTools(body);
  const conversationKey = `${systemText}\u0000${texts.join('\u0000')}`;
  const inputTokens = countTokens(systemText) + texts.reduce((n, t) => n + countTokens(t) + 3, 0) + 5;
  const turns = readTurns(messages);
  const toolChoice = readToolChoice(body['tool_choice']);
  return { model, maxTokens, stream: stream === true, speed, thinking, prompt, conversationKey, inputTokens, tools, turns, toolChoice, betas, apiVersion };
}
