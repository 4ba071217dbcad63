/**
 * The message records `useFastChat` keeps and `<ChatThread>`/`<Message>` render: core's conversation
 * store owns them.
 *
 * @module
 */
export type {
  FastChatMessage,
  FastChatMessageInit,
  FastChatPart,
  ChatReplyPart,
  ChatToolCallPart,
  ToolApproval,
  ToolResultInput,
  UserPart,
} from '@slipstream/core';
