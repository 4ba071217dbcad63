/**
 * A finished (or stopped) reply's parts → the protocol's conversation turns, for sending it back as
 * history in the next request.
 *
 * @module
 */
import type { ChatMessage, JsonValue, MessagePart, ToolApprovalPart, ToolResultPart } from './protocol.ts';
import type { ReplyPart, ReplyToolCallPart } from './stream-state.ts';

/**
 * Turn one reply's parts into conversation turns: per step, an `assistant` turn (thinking with its
 * signature, or redacted thinking; text; tool calls), then a `user` turn answering that step's tool
 * calls. Pure: the parts are not changed.
 *
 * - A call's answer is, in order of preference: the entry of `answers` with its `toolCallId` (the
 *   results of client tools, or approval verdicts, for a reply that ended `tool_calls`), else its own
 *   result (`output` or `error`). A complete call with neither gets an error result saying it was not
 *   run, because Anthropic wants every call answered in the next turn.
 * - Left out: thinking without a signature (stopped mid-block; Anthropic would refuse it unsigned),
 *   blank text, calls whose input never completed (stopped mid-input), answers in `answers` that match
 *   no call of the reply, and steps left empty by that. Consecutive assistant turns (a step without
 *   calls followed by another) are joined.
 * - A turn holding just one text part is sent as a string.
 *
 * The result starts with an `assistant` turn. It ends with a `user` turn when the last step's calls
 * were answered (send it to continue the loop, or add your next text *to that turn*: roles must
 * alternate), else with the final `assistant` turn.
 *
 * @param parts - The reply's parts (`FastStreamState.parts`).
 * @param answers - Results and approvals for the calls the reply ended waiting for.
 * @example
 * const history = [...earlier, ...replyToMessages(stream.getSnapshot().parts), { role: 'user', content: 'Thanks!' }];
 */
export function replyToMessages(
  parts: readonly ReplyPart[],
  answers: readonly (ToolResultPart | ToolApprovalPart)[] = [],
): ChatMessage[] {
  const given = new Map<string, ToolResultPart | ToolApprovalPart>();
  for (const a of answers) given.set(a.toolCallId, a);

  // Steps in order; parts keep their order within a step.
  const bySteps = new Map<number, ReplyPart[]>();
  for (const p of parts) {
    const list = bySteps.get(p.step);
    if (list === undefined) bySteps.set(p.step, [p]);
    else list.push(p);
  }
  const steps = [...bySteps.keys()].sort((a, b) => a - b);

  const turns: { role: 'user' | 'assistant'; content: MessagePart[] }[] = [];
  for (const step of steps) {
    const said: MessagePart[] = [];
    const replies: MessagePart[] = [];
    for (const p of bySteps.get(step) as ReplyPart[]) {
      switch (p.type) {
        case 'text':
          if (p.text.trim() !== '') said.push({ type: 'text', text: p.text });
          break;
        case 'thinking':
          if (p.signature === null || p.signature === '') break;
          said.push(p.redacted ? { type: 'redacted_thinking', data: p.signature } : { type: 'thinking', thinking: p.thinking, signature: p.signature });
          break;
        case 'tool_call': {
          if (!isComplete(p)) break;
          said.push({ type: 'tool_call', toolCallId: p.toolCallId, name: p.name, input: p.input });
          replies.push(answerOf(p, given.get(p.toolCallId)));
          break;
        }
      }
    }
    if (said.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === 'assistant') last.content.push(...said);
    else turns.push({ role: 'assistant', content: said });
    if (replies.length > 0) turns.push({ role: 'user', content: replies });
  }
  return turns.map((t) => ({ role: t.role, content: t.content.length === 1 && t.content[0]?.type === 'text' ? t.content[0].text : t.content }));
}

/** The call's input completed (the edge's `tool_call` arrived), so it is a call the model made. */
function isComplete(p: ReplyToolCallPart): p is ReplyToolCallPart & { input: { [key: string]: JsonValue } } {
  const input = p.input;
  return p.execution !== null && p.state !== 'input-streaming' && typeof input === 'object' && input !== null && !Array.isArray(input);
}

function answerOf(p: ReplyToolCallPart, given: ToolResultPart | ToolApprovalPart | undefined): MessagePart {
  if (given !== undefined) return { ...given };
  if (p.error !== undefined) return { type: 'tool_result', toolCallId: p.toolCallId, error: p.error };
  if (p.output !== undefined) return { type: 'tool_result', toolCallId: p.toolCallId, output: p.output };
  const why =
    p.state === 'awaiting-client' || p.state === 'awaiting-approval'
      ? 'the conversation went on without answering this tool call'
      : 'the reply was stopped before this tool call finished';
  return { type: 'tool_result', toolCallId: p.toolCallId, error: `Not run: ${why}.` };
}
