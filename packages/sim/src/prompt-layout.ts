/**
 * The prompt as the API renders it, for input-token counts and prompt caching: an ordered list of
 * blocks (tool definitions, then system blocks, then message content blocks), each with its tokens,
 * the hash of the prefix that ends with it, and the `cache_control` breakpoints placed on blocks.
 * Reads a body that request.ts has validated; never throws.
 * @module
 */
import { DEFAULT_VISION, mediaTokens, type VisionLimits } from './media.ts';
import { hashString } from './random.ts';
import { countTokens } from './tokens.ts';

/** A cache breakpoint: the prefix ending with block `block` is cacheable for `ttl`. */
export interface Breakpoint {
  block: number;
  ttl: '5m' | '1h';
}

/** The rendered prompt's blocks, cumulative token counts and breakpoints. */
export interface PromptLayout {
  /** Tokens of the prefix that ends with each block (fixed overhead included). */
  prefixTokens: number[];
  /** A key of the exact prefix that ends with each block. */
  prefixKeys: string[];
  /** Breakpoints in block order, one per block at most. */
  breakpoints: Breakpoint[];
  /** All input tokens of the request. */
  totalTokens: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tokens the API adds around each message, and once per request (the sim's own, constant). */
const PER_MESSAGE_TOKENS = 3;
const PER_REQUEST_TOKENS = 5;
/**
 * The tool-use system prompt the API adds when `tools` is present (README: size inferred): 346 tokens with `tool_choice`
 * auto/none and 313 with any/tool on recent models (tool-use docs, pricing section).
 */
const TOOL_PROMPT_TOKENS = { auto: 346, forced: 313 } as const;

/** Tokens of one content block as input. */
export function blockTokens(block: Json, vision: VisionLimits = DEFAULT_VISION): number {
  switch (block['type']) {
    case 'text':
      return countTokens(typeof block['text'] === 'string' ? block['text'] : '');
    case 'thinking':
      return countTokens(typeof block['thinking'] === 'string' ? block['thinking'] : '');
    case 'redacted_thinking':
      return Math.ceil(String(block['data'] ?? '').length / 8);
    case 'tool_use':
      return countTokens(`${String(block['name'] ?? '')}${JSON.stringify(block['input'] ?? {})}`) + 4;
    case 'tool_result': {
      const content = block['content'];
      if (typeof content === 'string') return countTokens(content) + 4;
      if (!Array.isArray(content)) return 4;
      return content.filter(isObject).reduce((n, b) => n + blockTokens(b, vision), 4);
    }
    case 'image':
    case 'document':
      return mediaTokens(block, vision);
    default:
      return countTokens(JSON.stringify(block));
  }
}

function ttlOf(cc: unknown): Breakpoint['ttl'] | undefined {
  if (!isObject(cc) || cc['type'] !== 'ephemeral') return undefined;
  return cc['ttl'] === '1h' ? '1h' : '5m';
}

/** The block's own content, without `cache_control` (it is not part of the prompt). */
function canonical(block: Json): string {
  const { cache_control: _ignored, ...rest } = block;
  return JSON.stringify(rest);
}

const asBlocks = (content: unknown): Json[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content.filter(isObject) : [];

/**
 * Lay out a (validated) Messages request body.
 * @param vision - the model's image limits, for image token counts.
 */
export function promptLayout(body: Json, vision: VisionLimits = DEFAULT_VISION): PromptLayout {
  const prefixTokens: number[] = [];
  const prefixKeys: string[] = [];
  const breakpoints: Breakpoint[] = [];
  let tokens = 0;
  // Two 32-bit chains make an accidental collision between different prefixes negligible.
  let h1 = 0x12345;
  let h2 = 0x6789a;
  const push = (text: string, n: number, cc: unknown): void => {
    tokens += n;
    h1 = hashString(text, h1);
    h2 = hashString(text, h2 ^ 0x5bd1e995);
    prefixTokens.push(tokens);
    prefixKeys.push(`${h1.toString(36)}.${h2.toString(36)}`);
    const ttl = ttlOf(cc);
    if (ttl) breakpoints.push({ block: prefixTokens.length - 1, ttl });
  };

  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isObject) : [];
  const choice = isObject(body['tool_choice']) ? body['tool_choice']['type'] : undefined;
  if (tools.length > 0) tokens += choice === 'any' || choice === 'tool' ? TOOL_PROMPT_TOKENS.forced : TOOL_PROMPT_TOKENS.auto;
  for (const tool of tools) {
    const { cache_control: cc, ...definition } = tool;
    push(`tool:${JSON.stringify(definition)}`, countTokens(JSON.stringify(definition)), cc);
  }
  for (const block of asBlocks(body['system'])) push(`system:${canonical(block)}`, blockTokens(block, vision), block['cache_control']);

  // Changing tool_choice or thinking keeps the tools and system cache but not the messages' (caching docs).
  const settings = `settings:${JSON.stringify(body['tool_choice'] ?? null)}:${JSON.stringify(body['thinking'] ?? null)}`;
  h1 = hashString(settings, h1);
  h2 = hashString(settings, h2);
  const messages = Array.isArray(body['messages']) ? body['messages'].filter(isObject) : [];
  for (const message of messages) {
    tokens += PER_MESSAGE_TOKENS;
    for (const [i, block] of asBlocks(message['content']).entries()) {
      push(`${i === 0 ? `${String(message['role'])}:` : ''}${canonical(block)}`, blockTokens(block, vision), block['cache_control']);
    }
  }
  // Automatic caching: a top-level cache_control puts the breakpoint on the last block.
  const auto = ttlOf(body['cache_control']);
  if (auto && prefixTokens.length > 0 && breakpoints.at(-1)?.block !== prefixTokens.length - 1) {
    breakpoints.push({ block: prefixTokens.length - 1, ttl: auto });
  }
  return { prefixTokens, prefixKeys, breakpoints, totalTokens: tokens + PER_REQUEST_TOKENS };
}
