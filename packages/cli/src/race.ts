/**
 * The race: the same prompt at standard and fast speed, alternating (standard, fast, standard, …) so
 * drift in load hits both alike, each reply timed where its bytes arrive.
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import { FAST_MODE_BETA, cost, getModelCapability, type Speed } from '@slipstream/core';
import { replyMetrics } from './metrics.ts';

/** One timed reply. Times in ms. */
export interface RunResult {
  requested: Speed;
  /** From `usage.speed`; `null` when the API did not say. */
  served: Speed | null;
  outputTokens: number;
  inputTokens: number;
  ttftMs: number | null;
  /** Headline OTPS: tokens after the first ÷ (last delta − first delta). */
  otps: number | null;
  /** Effective OTPS: output tokens ÷ (last delta − request sent). */
  effectiveOtps: number | null;
  totalMs: number;
  costUsd: number | null;
  stopReason: string | null;
}

export interface RaceProgress {
  /** 1-based index of the current request among all of them. */
  index: number;
  total: number;
  speed: Speed;
  /** 1-based run number at this speed. */
  run: number;
  chars: number;
  elapsedMs: number;
}

export interface RaceOptions {
  client: Anthropic;
  prompt: string;
  model: string;
  runs: number;
  maxTokens: number;
  onProgress?: (p: RaceProgress) => void;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/** The model cannot be raced at fast speed. */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

/** Wrap an upstream failure with where it happened. */
export class RaceError extends Error {
  override name = 'RaceError';
  constructor(
    message: string,
    readonly speed: Speed,
    readonly completedRuns: number,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Refuse, before any request, a model core's table knows cannot run fast. Unknown models are tried. */
export function checkModel(model: string): void {
  const cap = getModelCapability(model);
  if (cap !== undefined && !cap.fast) {
    throw new UnsupportedModelError(`${model} (${cap.displayName}) does not support fast mode, so there is nothing to race.`);
  }
}

async function runOnce(o: RaceOptions, speed: Speed, progress: (chars: number, elapsedMs: number) => void): Promise<RunResult> {
  const now = o.now ?? (() => performance.now());
  const params = {
    model: o.model,
    max_tokens: o.maxTokens,
    messages: [{ role: 'user' as const, content: o.prompt }],
    ...(speed === 'fast' ? { speed: 'fast' as const, betas: [FAST_MODE_BETA] } : {}),
  };
  const sentAt = now();
  const stream = o.client.beta.messages.stream(params as Parameters<Anthropic['beta']['messages']['stream']>[0], { maxRetries: 0 });
  let first: number | null = null;
  let last: number | null = null;
  let chars = 0;
  let served: Speed | null = null;
  let outputTokens = 0;
  let inputTokens = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let stopReason: string | null = null;
  let lastProgress = 0;
  for await (const ev of stream) {
    if (ev.type === 'content_block_delta' && (ev.delta.type === 'text_delta' || ev.delta.type === 'thinking_delta')) {
      const t = now();
      first ??= t;
      last = t;
      chars += ev.delta.type === 'text_delta' ? ev.delta.text.length : ev.delta.thinking.length;
      if (t - lastProgress > 100) {
        lastProgress = t;
        progress(chars, t - sentAt);
      }
    } else if (ev.type === 'message_start') {
      const u = ev.message.usage as { speed?: Speed | null; input_tokens: number; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null };
      served = u.speed ?? null;
      inputTokens = u.input_tokens;
      cacheRead = u.cache_read_input_tokens ?? 0;
      cacheWrite = u.cache_creation_input_tokens ?? 0;
    } else if (ev.type === 'message_delta') {
      outputTokens = ev.usage.output_tokens;
      const u = ev.usage as { speed?: Speed | null };
      if (u.speed !== undefined && u.speed !== null) served = u.speed;
      stopReason = ev.delta.stop_reason ?? null;
    }
  }
  const end = now();
  const m = replyMetrics({ sentAt, firstDeltaAt: first, lastDeltaAt: last, outputTokens });
  const c = cost({ inputTokens, outputTokens, cacheReadInputTokens: cacheRead, cacheCreationInputTokens: cacheWrite }, o.model, served);
  return {
    requested: speed,
    served,
    outputTokens,
    inputTokens,
    ttftMs: m.ttftMs,
    otps: m.otps,
    effectiveOtps: m.effectiveOtps,
    totalMs: end - sentAt,
    costUsd: c === null ? null : c.totalUsd,
    stopReason,
  };
}

/** Run the race. Throws {@link UnsupportedModelError} or {@link RaceError}. */
export async function race(o: RaceOptions): Promise<{ standard: RunResult[]; fast: RunResult[] }> {
  checkModel(o.model);
  const out: { standard: RunResult[]; fast: RunResult[] } = { standard: [], fast: [] };
  const total = o.runs * 2;
  let index = 0;
  for (let run = 1; run <= o.runs; run++) {
    for (const speed of ['standard', 'fast'] as const) {
      index++;
      const i = index;
      o.onProgress?.({ index: i, total, speed, run, chars: 0, elapsedMs: 0 });
      try {
        out[speed].push(await runOnce(o, speed, (chars, elapsedMs) => o.onProgress?.({ index: i, total, speed, run, chars, elapsedMs })));
      } catch (err) {
        throw new RaceError(err instanceof Error ? err.message : String(err), speed, index - 1, err);
      }
    }
  }
  return out;
}
