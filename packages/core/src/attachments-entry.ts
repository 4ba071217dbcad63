/**
 * `@slipstream/core/attachments`: checks for files a person attaches (type, size, pages, the request
 * budget, with messages naming the file and the limit) and the media sniffing behind them and the
 * validator (image format and size from the first bytes, PDF signature and page count, what Anthropic
 * charges for an image or a PDF). A subpath of its own so that a chat client without attachments
 * carries none of it.
 *
 * @module
 */
export {
  ANTHROPIC_MAX_REQUEST_BYTES,
  DEFAULT_MAX_REQUEST_BYTES,
  MAX_IMAGE_SIDE,
  ATTACHMENT_ACCEPT,
  precheckAttachment,
  checkAttachment,
  formatBytes,
  maxFileBytesForBase64,
  type AttachmentKind,
  type AttachmentLimits,
  type AttachmentFile,
  type AttachmentProblem,
  type AttachmentRefusal,
  type AttachmentAccepted,
} from './attachments.ts';
export {
  sniffImage,
  imageSize,
  looksLikePdf,
  pdfPageCount,
  mediaTokenEstimate,
  MAX_IMAGE_TOKENS,
  MAX_PDF_PAGE_TOKENS,
  type ImageSize,
} from './media.ts';
export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits.ts';
