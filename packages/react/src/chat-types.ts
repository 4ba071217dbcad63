/**
 * The message records `useFastChat` keeps and `<ChatThread>`/`<Message>` render.
 *
 * @module
 */
import type { Cost, ErrorEvent, FallbackEvent, Speed, StreamMetrics, Usage } from '@slipstream/core';
import type { StreamStatus } from './types.ts';

/** One message of a conversation, with its own numbers. */
export interface FastChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** User messages are always `done`. An assistant reply goes `submitted → streaming → done | error | aborted`. */
  status: Exclude<StreamStatus, 'idle'>;
  /** Metrics of the reply (core's full `StreamMetrics`, `proxyBuffered` and `gaps` included); `null` for user messages. */
  metrics: StreamMetrics | null;
  servedSpeed: Speed | null;
  requestedSpeed: Speed | null;
  fallback: FallbackEvent | null;
  usage: Usage | null;
  cost: Cost | null;
  error: ErrorEvent | null;
  /** Model that answered (from `start`); absent or `null` for user messages. */
  model?: string | null;
}
