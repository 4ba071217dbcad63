/**
 * The request limits: what `validateChatRequest` (`@slipstream/core/validate`) enforces at the edge and
 * in the client, what the attachment checks (`@slipstream/core/attachments`) apply before a file is
 * read, the request-size caps, and how sizes are written for people. A leaf module, exported by the
 * root entry, so a client can use them without bundling the validator or the media sniffing.
 *
 * @module
 */

/** Limits applied by `validateChatRequest` (`@slipstream/core/validate`), the edge's and the client's check of a request. */
export interface RequestLimits {
  /** Most messages in one request. @default 100 */
  maxMessages: number;
  /**
   * Most UTF-16 code units of text in one message: its string content, or the sum of its text parts and
   * approval reasons. Thinking (signed by Anthropic) and tool inputs and outputs are not counted: they
   * are what the model and the tools produced, and a history the kit built must not be refused by its
   * own edge; the edge's body-size cap bounds them. Images and documents have their own limits.
   * @default 100_000
   */
  maxMessageChars: number;
  /** Most UTF-16 code units in `system`. @default 50_000 */
  maxSystemChars: number;
  /** When set, a `max_tokens` above it is an error (not silently lowered). */
  maxTokensCap?: number;
  /** When set, a `model` not in the list is an error on field `model`. */
  allowedModels?: readonly string[];
  /** Most UTF-16 code units in `conversationId`. @default 128 */
  maxConversationIdChars: number;
  /** Most parts in one message's content array. @default 100 */
  maxPartsPerMessage: number;
  /**
   * Most characters of one image's base64 `data`. Anthropic measures its per-image limit on the base64
   * string (5 MB = 5,242,880 characters), not on the decoded file, so this does too: a 4.5 MB file is
   * about 6 MB of base64 and upstream refuses it. @default 5_242_880
   */
  maxImageBytes: number;
  /**
   * Most decoded bytes of one PDF document. Anthropic's only size limit for PDFs is its 32 MB request
   * cap (and 100 pages); base64 grows a file by 4/3, so a 10 MB PDF is 13.3 MB on the wire and two of
   * them still fit beside a long conversation. Raise it together with the edge's `maxBodyBytes`.
   * @default 10_485_760
   */
  maxDocumentBytes: number;
  /**
   * Most PDF pages in one request, over all its PDFs: Anthropic's limit is 100. Pages are counted from
   * the page objects the file shows; a PDF whose pages cannot be seen that way (compressed object
   * streams) is left to upstream. @default 100
   */
  maxDocumentPages: number;
  /** Most UTF-16 code units of one `text/plain` document. @default 100_000 */
  maxDocumentChars: number;
  /** Most images and documents in one request, over all messages. @default 20 */
  maxAttachments: number;
}

/** The limits `validateChatRequest` applies unless told otherwise. Frozen. */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxMessages: 100,
  maxMessageChars: 100_000,
  maxSystemChars: 50_000,
  maxConversationIdChars: 128,
  maxPartsPerMessage: 100,
  maxImageBytes: 5 * 1024 * 1024,
  maxDocumentBytes: 10 * 1024 * 1024,
  maxDocumentPages: 100,
  maxDocumentChars: 100_000,
  maxAttachments: 20,
});

/**
 * Anthropic's largest Messages API request, in bytes (32 MB; larger bodies get a 413 before they reach
 * the API). Every attachment of a conversation travels in every request of it, as base64.
 */
export const ANTHROPIC_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/**
 * The request size the edge accepts by default (its `maxBodyBytes`), and the client checks a
 * conversation's attachments against: {@link ANTHROPIC_MAX_REQUEST_BYTES} less 2 MB for what the edge
 * adds on the way up (system prompt, tool definitions, the agent loop's tool results).
 */
export const DEFAULT_MAX_REQUEST_BYTES = ANTHROPIC_MAX_REQUEST_BYTES - 2 * 1024 * 1024;

/** `3932160` → `"3.75 MB"`, `1536` → `"1.5 kB"` (binary units, as Anthropic's "5 MB" is 5 × 1024² bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'kB'] : [bytes / (1024 * 1024), 'MB'];
  return `${Number(value.toFixed(value < 10 ? 2 : 1))} ${unit}`;
}
