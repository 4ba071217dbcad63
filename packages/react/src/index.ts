/**
 * `@slipstream/react`: hooks and components for streaming Claude fast mode into React.
 *
 * Components are unstyled structure with `data-*` attributes; import `@slipstream/react/styles.css`
 * for the optional theme. Every export is listed by name on purpose.
 *
 * @module
 */
export { useFastStream, type UseFastStreamOptions, type UseFastStreamResult } from './hooks/use-fast-stream.ts';
export { useFastChat, toHistory, type UseFastChatOptions, type UseFastChatResult } from './hooks/use-fast-chat.ts';
export {
  ToolCallCard,
  toolCallStatus,
  prettyJson,
  ThinkingBlock,
  StepDivider,
  type ToolCallCardProps,
  type ToolCallStatus,
  type ToolRendererProps,
  type ToolRenderers,
  type ThinkingBlockProps,
  type StepDividerProps,
} from './components/part-views.ts';
export { MessageParts, type MessagePartsProps, type ToolHandlers } from './components/message-parts.tsx';
export { preloadMessageParts } from './components/rich-parts-loader.ts';
export {
  CompareRace,
  Race,
  raceResult,
  describeRace,
  type CompareRaceProps,
  type RaceResult,
} from './components/compare-race.tsx';
export { OtpsMeter, Meter, otpsReading, type OtpsMeterProps, type OtpsReading, type OtpsMeterState } from './components/otps-meter.tsx';
export {
  SpeedBadge,
  Badge,
  speedBadgeState,
  fallbackReasonText,
  type SpeedBadgeProps,
  type SpeedBadgeState,
} from './components/speed-badge.tsx';
export {
  RateLimitGauge,
  Gauge,
  type RateLimitGaugeProps,
  type RateLimitGaugeState,
} from './components/rate-limit-gauge.tsx';
export { CostTicker, Ticker, type CostTickerProps } from './components/cost-ticker.tsx';
export { Composer, type ComposerProps, type ComposerState } from './components/composer.tsx';
export { Message, type MessageProps } from './components/message.tsx';
export { ChatThread, Thread, type ChatThreadProps } from './components/chat-thread.tsx';
export { Sparkline, type SparklineProps } from './components/sparkline.tsx';
export { LiveAnnouncer, type LiveAnnouncerProps } from './live-region.tsx';
export type {
  FastChatMessage,
  FastChatMessageInit,
  FastChatPart,
  ChatReplyPart,
  ChatToolCallPart,
  ToolApproval,
  ToolResultInput,
  UserPart,
} from './chat-types.ts';
export type { MeterMetrics, MetricValue, StreamStatus } from './types.ts';
export {
  StreamingMarkdown,
  Markdown,
  createBlockLexer,
  lexBlocks,
  parseInline,
  plainText,
  safeHref,
  CopyButton,
  type StreamingMarkdownProps,
  type Block,
  type LexResult,
  type Inline,
} from './markdown/index.ts';
export {
  aiSdkFastFacts,
  useAiSdkFastFacts,
  type AiSdkChatStatus,
  type AiSdkMessageLike,
  type AiSdkFastMetadata,
  type AiSdkFastFacts,
} from './ai-sdk.ts';
