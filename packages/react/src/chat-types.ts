/**
 * The message records `useFastChat` keeps and `<ChatThread>`/`<Message>` render.
 *
 * @module
 */
import type { Cost, ErrorEvent, FallbackEvent, Speed, Usage } from '@slipstream/core';
import type { MeterMetrics, StreamStatus } from './types.ts';

/** One message of a conversation, with its own numbers. */
export interface FastChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** User messages are always `done`. An assistant reply goes `submitted → streaming → done | error | aborted`. */
  status: Exclude<StreamStatus, 'idle'>;
  /** Metrics of the reply (core's `StreamMetrics`); `null` for user messages. */
  metrics: MeterMetrics | null;
  servedSpeed: Speed | null;
  requestedSpeed: Speed | null;
  fallback: FallbackEvent | null;
  usage: Usage | null;
  cost: Cost | null;
  error: ErrorEvent | null;
  model?: string | null;
}
