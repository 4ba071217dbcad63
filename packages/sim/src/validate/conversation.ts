/**
 * `messages`: each message's shape, then the rules that span messages: non-empty content, tool_use ↔
 * tool_result pairing, and (with the model known) prefill and thinking continuity.
 *
 * Consecutive messages of the same role are one turn to the API (the SDK's `messages` doc: "Consecutive
 * `user` or `assistant` turns in your request will be combined into a single turn"), so the pairing
 * rules look at turns, and errors name the original message index.
 * @module
 */
import { checkBlock, type BlockContext, type CheckedBlock } from './blocks.ts';
import { at, fail, list, literal, noExtra, object, optional, required, tag } from './fields.ts';

/** The SDK's documented limit on messages in one request. */
export const MAX_MESSAGES = 100_000;

/** One checked message. */
export interface CheckedMessage {
  index: number;
  role: 'user' | 'assistant' | 'system';
  /** Blocks (a string content is one text block). */
  blocks: CheckedBlock[];
  /** The message's text for the planner. */
  text: string;
  /** Content was `""` or `[]`. */
  empty: boolean;
}

/** A run of consecutive same-role messages (system messages are left out). */
interface Turn {
  role: 'user' | 'assistant';
  messages: CheckedMessage[];
}

function checkMessage(value: unknown, i: number, ctx: BlockContext): CheckedMessage {
  const path = at('messages', i);
  const m = object(value, path);
  const role = literal(required(m, 'role', path), ['user', 'assistant', 'system'] as const, at(path, 'role'));
  if (role === 'system') {
    // Mid-conversation system messages (SDK `SystemMessageParam`): text and tool additions/removals.
    noExtra(m, ['role', 'content', 'clear_at', 'output_config'], path);
    optional(m, 'clear_at', path, (v, p) => literal(v, ['next_user_message', 'never'], p));
    optional(m, 'output_config', path, object);
    const content = m['content'];
    const blocks: CheckedBlock[] = [];
    if (Array.isArray(content)) {
      content.forEach((b, j) => {
        const p = at(at(path, 'content'), j);
        tag(object(b, p), ['text', 'tool_addition', 'tool_removal'], p);
        blocks.push(checkBlock(b, p, ctx, role));
      });
    } else if (content !== undefined && content !== null && typeof content !== 'string') {
      list(content, at(path, 'content'));
    }
    const text = typeof content === 'string' ? content : blocks.map((b) => b.text ?? '').join('\n');
    return { index: i, role, blocks, text, empty: false };
  }
  noExtra(m, ['role', 'content'], path);
  const content = required(m, 'content', path);
  if (typeof content === 'string') {
    if (content !== '' && content.trim() === '') throw fail('messages', 'text content blocks must contain non-whitespace text');
    return { index: i, role, blocks: content === '' ? [] : [{ type: 'text', text: content }], text: content, empty: content === '' };
  }
  if (!Array.isArray(content)) throw fail(at(path, 'content'), 'Input should be a valid string or a valid list of content blocks');
  const blocks = content.map((b, j) => checkBlock(b, at(at(path, 'content'), j), ctx, role));
  const text = blocks.flatMap((b) => (b.text === undefined ? [] : [b.text])).join('\n');
  return { index: i, role, blocks, text, empty: blocks.length === 0 };
}

function turnsOf(messages: CheckedMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const last = turns.at(-1);
    if (last?.role === m.role) last.messages.push(m);
    else turns.push({ role: m.role, messages: [m] });
  }
  return turns;
}

/** Where each block sits, for error paths. */
function located(turn: Turn): { msg: number; block: number; b: CheckedBlock }[] {
  return turn.messages.flatMap((m) => m.blocks.map((b, block) => ({ msg: m.index, block, b })));
}

/** The call block each server-side result block answers (`server_tool_use`, or `mcp_tool_use`). */
function serverCallOf(type: string): string | undefined {
  if (type === 'mcp_tool_result') return 'mcp_tool_use';
  return type.endsWith('_tool_result') && type !== 'tool_result' ? 'server_tool_use' : undefined;
}

/** A server-side result must follow its call, anywhere before it in the request. */
function checkServerToolPairing(messages: CheckedMessage[]): void {
  const calls = new Set<string>();
  for (const m of messages) {
    m.blocks.forEach((b, j) => {
      if ((b.type === 'server_tool_use' || b.type === 'mcp_tool_use') && b.id !== undefined) calls.add(`${b.type}:${b.id}`);
      const call = serverCallOf(b.type);
      if (call !== undefined && b.id !== undefined && !calls.has(`${call}:${b.id}`)) {
        throw fail(
          `messages.${m.index}.content.${j}`,
          `unexpected \`tool_use_id\` found in \`${b.type}\` blocks: ${b.id}. Each \`${b.type}\` block must have a corresponding \`${call}\` block before it.`,
        );
      }
    });
  }
}

function checkToolPairing(turns: Turn[]): void {
  const useIds = new Set<string>();
  turns.forEach((turn, t) => {
    const blocks = located(turn);
    if (turn.role === 'assistant') {
      for (const { msg, block, b } of blocks) {
        if (b.type !== 'tool_use' || b.id === undefined) continue;
        if (useIds.has(b.id)) throw fail(`messages.${msg}.content.${block}`, '`tool_use` ids must be unique');
        useIds.add(b.id);
      }
      return;
    }
    // A user turn: every tool_result must answer a tool_use of the assistant turn just before it.
    const prev = t > 0 ? turns[t - 1] : undefined;
    const offered = new Set(prev ? located(prev).flatMap(({ b }) => (b.type === 'tool_use' && b.id !== undefined ? [b.id] : [])) : []);
    const answered = new Set<string>();
    for (const { msg, block, b } of blocks) {
      if (b.type !== 'tool_result' || b.id === undefined) continue;
      const path = `messages.${msg}.content.${block}`;
      if (!offered.has(b.id)) {
        throw fail(
          path,
          `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
      if (answered.has(b.id)) throw fail(path, `each tool_use must have a single result. Found multiple \`tool_result\` blocks with id: ${b.id}`);
      answered.add(b.id);
    }
  });
  // Every tool_use must be answered at the start of the next user turn.
  turns.forEach((turn, t) => {
    if (turn.role !== 'assistant') return;
    const next = turns[t + 1];
    if (!next) return; // the final assistant turn: prefill rules apply instead
    const uses = located(turn).filter(({ b }) => b.type === 'tool_use' && b.id !== undefined);
    if (uses.length === 0) return;
    const nextBlocks = located(next);
    const all = new Set(nextBlocks.flatMap(({ b }) => (b.type === 'tool_result' && b.id !== undefined ? [b.id] : [])));
    const missing = uses.filter(({ b }) => !all.has(b.id!));
    if (missing.length > 0) {
      throw fail(
        `messages.${missing[0]!.msg}`,
        `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.map(({ b }) => b.id).join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
    const leading = nextBlocks.findIndex(({ b }) => b.type !== 'tool_result');
    const lead = leading === -1 ? nextBlocks.length : leading;
    if (lead < uses.length) {
      throw fail(
        `messages.${next.messages[0]!.index}`,
        `Did not find ${uses.length} \`tool_result\` block(s) at the beginning of this message. Messages following \`tool_use\` blocks must begin with a matching number of \`tool_result\` blocks.`,
      );
    }
  });
}

/** Check `messages` (shape and the model-independent cross-message rules). */
export function checkMessages(value: unknown, ctx: BlockContext): CheckedMessage[] {
  const raw = list(value, 'messages');
  if (raw.length === 0) throw fail('messages', 'at least one message is required');
  if (raw.length > MAX_MESSAGES) throw fail('messages', `List should have at most ${MAX_MESSAGES} items after validation, not ${raw.length}`);
  const messages = raw.map((m, i) => checkMessage(m, i, ctx));
  const lastIndex = messages.length - 1;
  for (const m of messages) {
    if (m.empty && !(m.index === lastIndex && m.role === 'assistant')) {
      throw fail(at('messages', m.index), 'all messages must have non-empty content except for the optional final assistant message');
    }
  }
  checkToolPairing(turnsOf(messages));
  checkServerToolPairing(messages);
  return messages;
}

/** What the model-dependent conversation rules need to know. */
export interface ConversationRules {
  /** The model accepts a final assistant message (prefill). */
  prefill: boolean;
  /** `thinking.type` of the request, if any. */
  thinking: string | undefined;
}

const THINKING_DOCS = 'https://platform.claude.com/docs/en/build-with-claude/extended-thinking';

/** Prefill and thinking-continuity rules, once the model is known. */
export function checkConversationForModel(messages: CheckedMessage[], rules: ConversationRules): void {
  const turns = turnsOf(messages);
  const last = turns.at(-1);
  if (!last) return;
  if (last.role === 'assistant') {
    if (!rules.prefill) throw fail('', 'This model does not support assistant message prefill. The conversation must end with a user message.');
    const final = last.messages.at(-1)!;
    const lastBlock = final.blocks.at(-1);
    if (lastBlock?.type === 'text' && lastBlock.text !== undefined && /\s$/u.test(lastBlock.text)) {
      throw fail('messages', 'final assistant content cannot end with trailing whitespace');
    }
  }
  if (rules.thinking !== 'enabled' && rules.thinking !== 'adaptive') return;
  // The assistant turn being continued (a prefill, or the tool_use turn the last user turn answers)
  // is the one whose thinking the API reads back, so its blocks must carry their own signatures.
  let continued: Turn | undefined;
  if (last.role === 'assistant') continued = last;
  else if (turns.length >= 2 && located(last).some(({ b }) => b.type === 'tool_result')) continued = turns.at(-2);
  if (!continued || continued.role !== 'assistant') return;
  for (const { msg, block, b } of located(continued)) {
    if (b.type === 'thinking' && b.signed === false) throw fail(`messages.${msg}.content.${block}`, 'Invalid `signature` in `thinking` block');
  }
  // With manual extended thinking, that turn must start with a thinking block.
  if (rules.thinking !== 'enabled') return;
  const first = located(continued)[0];
  if (first && (first.b.type === 'thinking' || first.b.type === 'redacted_thinking')) return;
  const index = continued.messages[0]!.index;
  throw fail(
    `messages.${index}.content.0.type`,
    `Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.b.type ?? 'nothing'}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at ${THINKING_DOCS}`,
  );
}
