/**
 * Protocol v2 messages (ordered parts) → Anthropic Messages API content blocks.
 *
 * The request was validated first (core's `validateChatRequest`), so every part here is well formed.
 * `tool_approval` parts are the agent loop's business: it replaces them with the tool results they
 * lead to before the conversation goes upstream, so none reach this function.
 *
 * @module
 */
import type { BetaContentBlockParam, BetaMessageParam } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type { ChatMessage, MessagePart } from '@slipstream/core';

/** One part as an Anthropic content block. */
export function toContentBlock(part: Exclude<MessagePart, { type: 'tool_approval' }>): BetaContentBlockParam {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'thinking':
      return { type: 'thinking', thinking: part.thinking, signature: part.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: part.data };
    case 'tool_call':
      return { type: 'tool_use', id: part.toolCallId, name: part.name, input: part.input };
    case 'tool_result': {
      const failed = part.error !== undefined;
      const content = failed ? part.error : typeof part.output === 'string' ? part.output : JSON.stringify(part.output ?? null);
      return failed
        ? { type: 'tool_result', tool_use_id: part.toolCallId, content: content ?? '', is_error: true }
        : { type: 'tool_result', tool_use_id: part.toolCallId, content: content ?? '' };
    }
    case 'image':
      return { type: 'image', source: { type: 'base64', media_type: part.mediaType, data: part.data } };
    case 'document': {
      const block: BetaContentBlockParam =
        part.mediaType === 'application/pdf'
          ? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: part.data } }
          : { type: 'document', source: { type: 'text', media_type: 'text/plain', data: part.data } };
      if (part.name !== undefined) block.title = part.name;
      return block;
    }
  }
}

/** A validated conversation as Anthropic `messages`. A string stays a string (the cheapest form). */
export function toAnthropicMessages(messages: readonly ChatMessage[]): BetaMessageParam[] {
  return messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : m.content.flatMap((part) => (part.type === 'tool_approval' ? [] : [toContentBlock(part)])),
  }));
}
