/**
 * Turns a validated request into a reply plan: blocks of tokens and a stop reason. Deterministic in
 * (seed, system, messages): model, speed and `max_tokens` do not change the text, only where it stops.
 * @module
 */
import { composeReply, composeThinking, continuation, kindsFor } from './compose.ts';
import { parseDirectives, stripDirectives } from './directives.ts';
import { createRng, hashString, makeId } from './random.ts';
import { tokenize } from './tokens.ts';
import { XSS_PAYLOADS } from './xss.ts';

/** A tool offered in the request (only what the sim needs). */
export interface ToolDef {
  name: string;
  inputSchema: unknown;
}

/** What the planner needs from a request. */
export interface PlanInput {
  seed: number;
  /** Text of the last user message. */
  prompt: string;
  /** A stable text of system + all messages, for seeding. */
  conversationKey: string;
  maxTokens: number;
  /** Thinking requested: `budget` for `enabled`, undefined for `adaptive`. */
  thinking: { budget?: number } | null;
  tools: ToolDef[];
  /** Counter used for the tool-use id. */
  counter: number;
}

/** A planned content block. */
export type PlannedBlock =
  | { type: 'thinking'; tokens: string[]; signature: string }
  | { type: 'text'; tokens: string[] }
  | { type: 'tool_use'; id: string; name: string; tokens: string[] };

/** The whole planned reply. */
export interface ReplyPlan {
  blocks: PlannedBlock[];
  stopReason: 'end_turn' | 'max_tokens' | 'tool_use';
  outputTokens: number;
}

const LONG_REPLY_TOKENS = 2_000;

function textTokens(input: PlanInput, rngSeed: number): string[] {
  const directives = parseDirectives(input.prompt);
  const rng = createRng(rngSeed);
  const clean = stripDirectives(input.prompt);
  let text: string;
  if (directives.xss) {
    text = `Here are some strings to render safely:\n\n${XSS_PAYLOADS.join('\n\n')}`;
  } else if (directives.echo) {
    text = clean;
  } else {
    text = composeReply(rng, clean);
  }
  let tokens = tokenize(text);
  const wanted = directives.tokens ?? (kindsFor(clean).includes('long') ? LONG_REPLY_TOKENS : undefined);
  if (wanted !== undefined) {
    // Keep adding material until there is enough, then cut to the exact count.
    const cap = Math.min(wanted, input.maxTokens + 1);
    while (tokens.length < cap) {
      const more = directives.xss || directives.echo ? `\n\n${text}` : `\n\n${continuation(rng, clean)}`;
      tokens = tokens.concat(tokenize(more.length > 2 ? more : '\n\n.'));
    }
    tokens = tokens.slice(0, wanted);
  }
  return tokens;
}

function sampleValue(name: string, schema: unknown): unknown {
  const s = (schema ?? {}) as { type?: string; enum?: unknown[] };
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (s.type) {
    case 'number':
    case 'integer':
      return 42;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return /location|city|place/iu.test(name) ? 'San Francisco, CA' : `sample ${name}`;
  }
}

function toolInputJson(tool: ToolDef): string {
  const props = ((tool.inputSchema ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
  const input: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(props)) input[name] = sampleValue(name, schema);
  return JSON.stringify(input);
}

function pickTool(input: PlanInput): ToolDef | undefined {
  if (input.tools.length === 0) return undefined;
  if (parseDirectives(input.prompt).tool) return input.tools[0];
  // Whole-word match, so a tool named "t" is not picked by every prompt containing a "t".
  const escape = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
  return input.tools.find((t) => new RegExp(`(^|[^\\w])${escape(t.name)}($|[^\\w])`, 'iu').test(input.prompt));
}

/** Plan a reply. */
export function planReply(input: PlanInput): ReplyPlan {
  const base = hashString(input.conversationKey, input.seed);
  const directives = parseDirectives(input.prompt);
  const blocks: PlannedBlock[] = [];
  let budget = input.maxTokens;

  if (input.thinking) {
    let thinking = tokenize(composeThinking(createRng(base ^ 0x5bd1e995), stripDirectives(input.prompt)));
    if (input.thinking.budget !== undefined) thinking = thinking.slice(0, input.thinking.budget);
    if (directives.tokens !== undefined) {
      const share = directives.tokens >= 2 ? Math.max(1, Math.floor(directives.tokens / 5)) : 0;
      thinking = thinking.slice(0, share);
    }
    if (thinking.length > 0) {
      thinking = thinking.slice(0, budget);
      budget -= thinking.length;
      const signature = `EqQBCgIYAh${makeId('sig', base, 0).slice(4)}==`;
      blocks.push({ type: 'thinking', tokens: thinking, signature });
    }
  }

  const tool = pickTool(input);
  let text = textTokens(input, base);
  if (directives.tokens !== undefined) text = text.slice(0, Math.max(0, directives.tokens - (input.maxTokens - budget)));
  if (tool) text = tokenize(`I'll use the ${tool.name} tool for this.`);

  let truncated = false;
  if (budget > 0 && text.length > 0) {
    if (text.length > budget) truncated = true;
    const cut = text.slice(0, budget);
    budget -= cut.length;
    blocks.push({ type: 'text', tokens: cut });
  } else if (text.length > 0) {
    truncated = true;
  }

  let stopReason: ReplyPlan['stopReason'] = truncated ? 'max_tokens' : 'end_turn';
  if (tool && !truncated) {
    const json = tokenize(toolInputJson(tool));
    if (json.length > budget) {
      stopReason = 'max_tokens';
    } else {
      blocks.push({ type: 'tool_use', id: makeId('toolu', base, input.counter), name: tool.name, tokens: json });
      budget -= json.length;
      stopReason = 'tool_use';
    }
  }
  if (directives.tokens !== undefined && directives.tokens > input.maxTokens) stopReason = 'max_tokens';
  // A reply with no block at all would confuse clients; always carry a (possibly empty) text block.
  if (blocks.length === 0) blocks.push({ type: 'text', tokens: [] });
  return { blocks, stopReason, outputTokens: input.maxTokens - budget };
}
