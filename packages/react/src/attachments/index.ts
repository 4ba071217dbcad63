/**
 * `@slipstream/react/attachments`: images and PDFs in the chat. A file picker button, paste and drop,
 * previews with remove buttons, announced, every file checked in the browser with core's rules (the
 * ones Anthropic applies, and the edge applies again) before it is sent as image/document parts.
 * A separate entry, so the main bundle pays nothing for it.
 *
 * @module
 */
export {
  useAttachments,
  conversationAttachments,
  type Attachment,
  type ConversationAttachments,
  type DownscaleOptions,
  type UseAttachmentsOptions,
  type UseAttachmentsResult,
} from './use-attachments.ts';
export {
  AttachButton,
  AttachmentList,
  AttachmentDropZone,
  pasteAttachments,
  attachmentSummary,
  type AttachButtonProps,
  type AttachmentListProps,
  type AttachmentDropZoneProps,
} from './components.tsx';
