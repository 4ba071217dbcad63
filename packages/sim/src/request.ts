/**
 * Validation of `POST /v1/messages`: headers, body shape and model rules. Everything that can be wrong
 * in a request becomes a {@link SimApiError}; nothing here throws anything else.
 * @module
 */
import { invalid, SimApiError } from './errors.ts';
import { FAST_MODE_BETA, type ModelProfile } from './models.ts';
import { readToolChoice, readTurns, type ToolChoice, type Turn } from './conversation.ts';
import type { ToolDef } from './plan.ts';
import { promptLayout, type PromptLayout } from './prompt-layout.ts';
import { countTokens } from './tokens.ts';
import { checkBody, checkForModel } from './validate/index.ts';

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
  /** All input tokens (cached or not). */
  inputTokens: number;
  /** The rendered prompt's blocks and cache breakpoints. */
  layout: PromptLayout;
  tools: ToolDef[];
  /** The messages as the planner reads them (tool calls and results per turn). */
  turns: Turn[];
  toolChoice: ToolChoice;
  betas: string[];
  apiVersion: string;
}

type Json = Record<string, unknown>;

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
 * Validate a parsed body against the headers and model profiles: the body's shape first (every field
 * and block, see `validate/`), then the model (404 if unknown) and the rules that depend on it.
 * @param body - the parsed JSON (anything).
 */
export function readMessagesRequest(body: unknown, headers: Headers, models: readonly ModelProfile[]): MessagesRequest {
  const apiVersion = checkHeaders(headers);
  const checked = checkBody(body, apiVersion);
  const model = models.find((p) => p.id === checked.model);
  if (!model) throw new SimApiError(404, 'not_found_error', `model: ${checked.model}`);
  checkForModel(checked, { id: model.id, maxOutputTokens: model.maxOutputTokens, contextWindow: model.contextWindow, prefill: model.prefill ?? true });
  const betas = readBetas(headers);
  checkSampling(body as Json, model, apiVersion);
  const speed = readSpeed(body as Json, model, betas);
  const thinking = checked.thinking?.type === 'enabled' ? { budget: checked.thinking.budget! } : checked.thinking?.type === 'adaptive' ? {} : null;
  const texts = checked.messages.map((m) => `${m.role}:${m.text}`);
  const lastUser = [...checked.messages].reverse().find((m) => m.role === 'user');
  const tools: ToolDef[] = checked.tools.flatMap((t) => (t.custom && t.name !== undefined ? [{ name: t.name, inputSchema: t.inputSchema }] : []));
  const conversationKey = `${checked.system}\u0000${texts.join('\u0000')}`;
  const layout = promptLayout(body as Json, model.vision);
  const inputTokens = layout.totalTokens;
  return {
    model,
    maxTokens: checked.maxTokens,
    stream: checked.stream,
    speed,
    thinking,
    prompt: lastUser?.text ?? '',
    conversationKey,
    inputTokens,
    layout,
    tools,
    turns: readTurns((body as Json)['messages']),
    toolChoice: readToolChoice((body as Json)['tool_choice']),
    betas,
    apiVersion,
  };
}
