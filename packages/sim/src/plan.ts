/**
 * Turns a validated request into a reply plan: blocks of tokens and a stop reason. Deterministic in
 * (seed, system, messages): model, speed and `max_tokens` do not change the text, only where it stops.
 * @module
 */
import { composeReply, composeThinking, continuation, kindsFor } from './compose.ts';
import type { ToolChoice, Turn } from './conversation.ts';
import { parseDirectives, stripDirectives } from './directives.ts';
import { createRng, hashString, makeId } from './random.ts';
import { signThinking } from './signature.ts';
import { inputFor, knownPathFor } from './schema-input.ts';
import { decideTools, type ToolDecision, type ToolDef } from './tool-plan.ts';
import { tokenize } from './tokens.ts';
import { XSS_PAYLOADS } from './xss.ts';


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
  /** The conversation's turns (for tool steps and results); none means "only `prompt`". */
  turns?: Turn[];
  /** `tool_choice` and `disable_parallel_tool_use`. @defaultValue auto, parallel allowed */
  toolChoice?: ToolChoice;
}

export type { ToolDef } from './tool-plan.ts';

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
      const signature = signThinking(thinking.join(''));
      blocks.push({ type: 'thinking', tokens: thinking, signature });
    }
  }

  const decision: ToolDecision = decideTools(
    { tools: input.tools, turns: input.turns ?? [], toolChoice: input.toolChoice ?? { type: 'auto', disableParallel: false }, prompt: input.prompt },
    createRng(base ^ 0x27d4eb2d),
  );
  let text: string[];
  if (decision.kind === 'call') text = tokenize(decision.lead);
  else if (decision.kind === 'answer') text = tokenize(decision.text);
  else {
    text = textTokens(input, base);
    if (directives.tokens !== undefined) text = text.slice(0, Math.max(0, directives.tokens - (input.maxTokens - budget)));
  }

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
  if (decision.kind === 'call' && !truncated) {
    stopReason = 'tool_use';
    const turns = input.turns ?? [];
    const ask = [...turns].reverse().find((t) => t.role === 'user' && t.text.trim() !== '')?.text ?? input.prompt;
    const knownPath = knownPathFor(stripDirectives(ask), turns.flatMap((t) => t.toolResults.filter((r) => !r.isError).map((r) => r.text)));
    for (const [j, tool] of decision.calls.entries()) {
      // Inputs depend on the topic and the tool, not on the step, so the tools of a plan agree (same path).
      const rng = createRng(hashString(`${decision.topic}\u0000${tool.name}`, input.seed));
      const json = tokenize(JSON.stringify(inputFor(tool.inputSchema, knownPath !== undefined ? { rng, topic: decision.topic, knownPath } : { rng, topic: decision.topic })));
      // A call cut by max_tokens is streamed as far as it got, as the API does (its input is then incomplete JSON).
      const cut = json.slice(0, budget);
      blocks.push({ type: 'tool_use', id: makeId('toolu', base, input.counter * 16 + j), name: tool.name, tokens: cut });
      budget -= cut.length;
      if (cut.length < json.length) {
        stopReason = 'max_tokens';
        break;
      }
    }
  }
  if (directives.tokens !== undefined && directives.tokens > input.maxTokens) stopReason = 'max_tokens';
  // A reply with no block at all would confuse clients; always carry a (possibly empty) text block.
  // Except at `max_tokens: 0` (cache pre-warming): nothing is generated, so the content is empty.
  if (blocks.length === 0 && input.maxTokens > 0) blocks.push({ type: 'text', tokens: [] });
  return { blocks, stopReason, outputTokens: input.maxTokens - budget };
}
