/**
 * The edge's own checks of a conversation against its tools, after core's structural validation
 * (part shapes, tool call ↔ result pairing). Each failure is a 400 naming the field, before any
 * upstream request:
 *
 * - a `tool_call` part naming a tool the edge does not offer (any assistant turn): the model could
 *   not have made it here, and upstream would get a call it has no definition for;
 * - a `tool_approval` for a call that is not in the turn before it, for a client tool, or for a server
 *   tool that does not need approval (for that input);
 * - a `tool_approval` anywhere but the last user turn: once the edge has run (or refused) the call,
 *   history carries the `tool_result` it sent;
 * - a `tool_result` with an `output` in the last user turn answering a server tool call that needs
 *   approval: the edge runs such a call itself once approved, so the client sends a `tool_approval`,
 *   never a result of its own. An `error` result is accepted there: it says the call was not run (core's
 *   history gives one to a call the conversation went on without answering).
 *
 * Results of server tools that need no approval are accepted in the last user turn: they are the
 * results the edge sent in the previous reply (a step that also called client tools, or asked for an
 * approval, ran its other server tools before the reply ended), echoed back as history.
 *
 * @module
 */
import type { ChatMessage, ErrorEvent, JsonValue, ToolApprovalPart, ToolCallPart } from '@slipstream/core';
import type { PreparedTool, ToolSet } from './tools.ts';

/** An approval (or denial) in the last user turn, with the call it answers. */
export interface Verdict {
  /** Index of the approval part in the last user turn's content. */
  partIndex: number;
  call: ToolCallPart;
  tool: PreparedTool;
  approved: boolean;
  reason?: string;
}

export type ConversationCheck = { ok: true; verdicts: Verdict[] } | { ok: false; error: ErrorEvent };

function invalid(field: string, message: string): ConversationCheck {
  return { ok: false, error: { kind: 'invalid_request', message, retryable: false, field } };
}

/** Check `messages` against the edge's tools; returns the approvals the reply must act on first. */
export async function checkConversation(messages: readonly ChatMessage[], tools: ToolSet | undefined): Promise<ConversationCheck> {
  const last = messages.length - 1;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (typeof m.content === 'string') continue;
    for (let j = 0; j < m.content.length; j++) {
      const part = m.content[j]!;
      const path = `messages[${i}].content[${j}]`;
      if (part.type === 'tool_call' && tools?.get(part.name) === undefined) {
        return invalid(`${path}.name`, `${path} calls tool "${part.name.slice(0, 128)}", which this edge does not offer.`);
      }
      if (part.type === 'tool_approval' && i !== last) {
        return invalid(path, `${path}: a tool_approval belongs in the last user turn only; later requests carry the tool_result the edge sent for it.`);
      }
    }
  }

  const lastTurn = messages[last];
  const previous = messages[last - 1];
  if (lastTurn === undefined || typeof lastTurn.content === 'string') return { ok: true, verdicts: [] };
  const calls = new Map<string, ToolCallPart>();
  if (previous?.role === 'assistant' && typeof previous.content !== 'string') {
    for (const p of previous.content) if (p.type === 'tool_call') calls.set(p.toolCallId, p);
  }
  const verdicts: Verdict[] = [];
  for (let j = 0; j < lastTurn.content.length; j++) {
    const part = lastTurn.content[j]!;
    const path = `messages[${last}].content[${j}]`;
    if (part.type !== 'tool_approval' && part.type !== 'tool_result') continue;
    const call = calls.get(part.toolCallId);
    if (call === undefined) {
      if (part.type === 'tool_result') continue; // pairing is core's rule; nothing for the edge to run
      return invalid(`${path}.toolCallId`, `${path} approves tool call "${part.toolCallId.slice(0, 64)}", which is not in messages[${last - 1}].`);
    }
    const tool = tools?.get(call.name);
    if (tool === undefined) continue; // refused above
    const needs = tool.execution === 'server' && (await tool.needsApproval(call.input as { [key: string]: JsonValue }));
    if (part.type === 'tool_result') {
      if (needs && part.error === undefined) {
        return invalid(
          path,
          `${path} gives an output for a call to "${call.name}", which needs the user's approval: send a tool_approval part and the edge runs it.`,
        );
      }
      continue;
    }
    if (!needs) {
      const what = tool.execution === 'client' ? 'a client tool: send its tool_result' : 'a server tool that needs no approval for this input';
      return invalid(path, `${path} approves a call to "${call.name}", ${what}.`);
    }
    verdicts.push(verdictOf(j, call, tool, part));
  }
  return { ok: true, verdicts };
}

function verdictOf(partIndex: number, call: ToolCallPart, tool: PreparedTool, part: ToolApprovalPart): Verdict {
  const v: Verdict = { partIndex, call, tool, approved: part.approved };
  if (part.reason !== undefined) v.reason = part.reason;
  return v;
}

/** What the model is told when the user denied a call. */
export function denialText(reason: string | undefined): string {
  const r = reason?.trim();
  return r ? `The user denied this tool call. Reason: ${r}` : 'The user denied this tool call.';
}
