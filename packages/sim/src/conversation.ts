/**
 * What the planner needs to know about a (validated) conversation: each turn's own text, its tool
 * calls and tool results, and the request's `tool_choice`. Reads only; validation is in request.ts.
 * @module
 */

/** A tool result sent back in a user turn. */
export interface ToolResultPart {
  toolUseId: string;
  isError: boolean;
  /** The result's text (text blocks joined); empty for image-only results. */
  text: string;
}

/** A tool call the assistant made in an earlier turn. */
export interface ToolUsePart {
  id: string;
  name: string;
  input: unknown;
}

/** One message of the conversation, reduced to what the planner reads. */
export interface Turn {
  role: 'user' | 'assistant';
  /** Text of the turn's own text blocks (not of tool results), joined with newlines. */
  text: string;
  toolUses: ToolUsePart[];
  toolResults: ToolResultPart[];
}

/** The request's `tool_choice`, with `disable_parallel_tool_use` folded in. */
export interface ToolChoice {
  type: 'auto' | 'any' | 'tool' | 'none';
  /** The forced tool, for `type: "tool"`. */
  name?: string;
  disableParallel: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textBlocks(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is Json => isObject(b) && b['type'] === 'text' && typeof b['text'] === 'string')
    .map((b) => b['text'] as string)
    .join('\n');
}

/** The turns of `messages` (anything that is not a message object is skipped; request.ts refuses it first). */
export function readTurns(messages: unknown): Turn[] {
  if (!Array.isArray(messages)) return [];
  return messages.filter(isObject).map((m) => {
    const content = m['content'];
    const blocks = Array.isArray(content) ? content.filter(isObject) : [];
    return {
      role: m['role'] === 'assistant' ? 'assistant' : 'user',
      text: textBlocks(content),
      toolUses: blocks
        .filter((b) => b['type'] === 'tool_use')
        .map((b) => ({ id: String(b['id'] ?? ''), name: String(b['name'] ?? ''), input: b['input'] })),
      toolResults: blocks
        .filter((b) => b['type'] === 'tool_result')
        .map((b) => ({ toolUseId: String(b['tool_use_id'] ?? ''), isError: b['is_error'] === true, text: textBlocks(b['content']) })),
    };
  });
}

/** `tool_choice` as sent (default `auto`); `disable_parallel_tool_use` applies to `auto`, `any` and `tool`. */
export function readToolChoice(value: unknown): ToolChoice {
  if (!isObject(value)) return { type: 'auto', disableParallel: false };
  const type = value['type'];
  const disableParallel = value['disable_parallel_tool_use'] === true;
  if (type === 'tool' && typeof value['name'] === 'string') return { type, name: value['name'], disableParallel };
  if (type === 'any' || type === 'none') return { type, disableParallel };
  return { type: 'auto', disableParallel };
}
