/**
 * Spend limits: per-user budgets in US dollars per window, and a separate fast-mode allowance,
 * enforced atomically in the {@link StateStore} (so every isolate sees the same counters).
 *
 * Before each upstream request the edge reserves the worst case (the whole `max_tokens` at the speed it
 * is about to ask for, plus a conservative estimate of the input) and after the step settles to the
 * real cost from `usage`. Reservations are whole micro-dollars, so concurrent requests can never push a
 * counter past its limit: 50 requests racing for a budget that allows 10 get 10 reservations.
 *
 * A step that ends early gives back exactly what cannot have been billed (the loop decides which, see
 * `closeStep` in `loop.ts`): all of it when upstream never answered 200 ({@link SpendMeter.release}),
 * the fast allowance when a fast attempt was refused and the step went on at standard
 * ({@link SpendMeter.downgrade}), the input estimate when `message_start` reported the real input
 * (settled with all of `max_tokens` still counted as output), and nothing when a 200 came without a
 * `message_start`. Whatever may have been billed stays counted: the budget errs on the side of never
 * overspending.
 *
 * @module
 */
import { type Cost, type Speed, type Usage } from '@slipstream/core';
import { mediaTokenEstimate } from '@slipstream/core/attachments';
import type { StateStore } from './state/store.ts';

/** Budgets per user (the `userId` your `authorize` hook returns) and window. */
export interface SpendLimits {
  /** Most a user may spend per window, in USD, all speeds together. */
  usdPerWindow?: number;
  /**
   * Most of it that may go to fast mode (6x the standard price), in USD. When it is spent, `auto`
   * serves standard (a `fallback` with reason `spend_limit`) and `fast` is refused with a 429.
   */
  fastUsdPerWindow?: number;
  /** Length of a budget window, from the first spend in it. @default 3600000 (one hour) */
  windowMs?: number;
}

/** What a reservation decided. */
export type SpendDecision =
  | { ok: true; reservation: SpendReservation }
  /** `total`: the user's budget cannot cover the worst case; `fast`: the fast allowance cannot. */
  | { ok: false; exhausted: 'total' | 'fast'; resetAt: number; limitUsd: number };

/** A granted reservation, to settle once the step's usage is known. */
export interface SpendReservation {
  /** The speed it was priced at (fast also holds the fast allowance). */
  readonly speed: Speed;
  /** What it holds on the total counter (and on the fast one when `speed` is fast), in micro-dollars. */
  readonly micros: number;
  /** The usage it was priced from: all of `max_tokens` as output, the input estimated high. */
  readonly worstCase: Usage;
}

const MICROS = 1_000_000;
const toMicros = (usd: number) => Math.ceil(usd * MICROS);

/** The counters one user's requests reserve against. */
export interface SpendMeter {
  reserve(speed: Speed, worstCase: Usage): Promise<SpendDecision>;
  /** Replace a reservation with the real cost at the speed served (`null` cost: unknown, the reservation stands). */
  settle(reservation: SpendReservation, actual: Cost | null, served: Speed | null): Promise<void>;
  /**
   * Give a reservation back whole. Only for a step upstream cannot have billed: it never answered 200
   * (an error status, no connection, stopped before the answer) or was never sent.
   */
  release(reservation: SpendReservation): Promise<void>;
  /**
   * A fast attempt was refused before anything could be billed (a fast 429 or 5xx under `auto`) and
   * the step goes on at standard: the fast allowance gets the reservation back now, and the total
   * keeps the standard worst case. Returns the standard reservation to settle or release later.
   */
  downgrade(reservation: SpendReservation): Promise<SpendReservation>;
}

/**
 * The spend meter of one user.
 *
 * @param keyPrefix - Keys the counters (the API-key hash and the user id).
 * @param priced - The price of a usage at a speed (the edge's pricing for the request's model).
 */
export function spendMeter(
  store: StateStore,
  limits: SpendLimits,
  keyPrefix: string,
  priced: (usage: Usage, speed: Speed) => Cost | null,
): SpendMeter {
  const windowMs = limits.windowMs ?? 3_600_000;
  const totalKey = `${keyPrefix}:total`;
  const fastKey = `${keyPrefix}:fast`;

  return {
    async reserve(speed, worstCase) {
      const price = priced(worstCase, speed);
      // A model with no known price cannot be budgeted: refuse rather than let it run free.
      if (price === null) return { ok: false, exhausted: 'total', resetAt: Date.now() + windowMs, limitUsd: limits.usdPerWindow ?? 0 };
      const micros = toMicros(price.totalUsd);
      if (limits.usdPerWindow !== undefined) {
        const total = await store.reserve(totalKey, micros, toMicros(limits.usdPerWindow), windowMs);
        if (!total.ok) return { ok: false, exhausted: 'total', resetAt: total.resetAt, limitUsd: limits.usdPerWindow };
      }
      if (speed === 'fast' && limits.fastUsdPerWindow !== undefined) {
        const fast = await store.reserve(fastKey, micros, toMicros(limits.fastUsdPerWindow), windowMs);
        if (!fast.ok) {
          if (limits.usdPerWindow !== undefined) await store.adjust(totalKey, -micros);
          return { ok: false, exhausted: 'fast', resetAt: fast.resetAt, limitUsd: limits.fastUsdPerWindow };
        }
      }
      return { ok: true, reservation: { speed, micros, worstCase } };
    },
    async settle(reservation, actual, served) {
      if (actual === null) return;
      const spent = toMicros(actual.totalUsd);
      const writes: Promise<number>[] = [];
      if (limits.usdPerWindow !== undefined && spent !== reservation.micros) writes.push(store.adjust(totalKey, spent - reservation.micros));
      if (reservation.speed === 'fast' && limits.fastUsdPerWindow !== undefined) {
        // Served standard after all (a fast 429 mid-request): the fast allowance gets its reservation back.
        const fastSpent = served === 'fast' ? spent : 0;
        if (fastSpent !== reservation.micros) writes.push(store.adjust(fastKey, fastSpent - reservation.micros));
      }
      await Promise.all(writes);
    },
    async release(reservation) {
      const writes: Promise<number>[] = [];
      if (limits.usdPerWindow !== undefined) writes.push(store.adjust(totalKey, -reservation.micros));
      if (reservation.speed === 'fast' && limits.fastUsdPerWindow !== undefined) writes.push(store.adjust(fastKey, -reservation.micros));
      await Promise.all(writes);
    },
    async downgrade(reservation) {
      if (reservation.speed !== 'fast') return reservation;
      const price = priced(reservation.worstCase, 'standard');
      // Standard is never dearer than fast; a model with no standard price keeps what it holds.
      const micros = price === null ? reservation.micros : Math.min(reservation.micros, toMicros(price.totalUsd));
      const writes: Promise<number>[] = [];
      if (limits.usdPerWindow !== undefined && micros !== reservation.micros) writes.push(store.adjust(totalKey, micros - reservation.micros));
      if (limits.fastUsdPerWindow !== undefined) writes.push(store.adjust(fastKey, -reservation.micros));
      await Promise.all(writes);
      return { speed: 'standard', micros, worstCase: reservation.worstCase };
    },
  };
}

/**
 * The worst case of one upstream request: all of `max_tokens` as output, and the input tokens as
 * estimated by {@link estimateInputTokens}.
 */
export function worstCaseUsage(maxTokens: number, inputTokens: number): Usage {
  return { inputTokens, outputTokens: maxTokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Input tokens of messages (protocol parts or Anthropic content blocks), estimated high: text at one
 * token per 3 characters of JSON (above real tokenizers' ~3.5–4 for prose and code); base64 images and
 * PDFs by what Anthropic charges for them (core's `mediaTokenEstimate`: an image's pixels, a PDF's
 * pages), never by their characters, which would price a 5 MB photo at 1.7 M tokens.
 */
export function estimateInputTokens(messages: unknown): number {
  let media = 0;
  const json = JSON.stringify(messages, (_key, value: unknown) => {
    if (!isObj(value) || (value['type'] !== 'image' && value['type'] !== 'document')) return value;
    // Protocol parts carry `mediaType` and `data`; upstream blocks a base64 `source`.
    const source = isObj(value['source']) ? value['source'] : value;
    const data = source['data'];
    const mediaType = source['media_type'] ?? source['mediaType'];
    if (typeof data !== 'string' || typeof mediaType !== 'string' || mediaType === 'text/plain') return value;
    media += mediaTokenEstimate(mediaType, data);
    return { type: value['type'] };
  });
  return Math.ceil((json?.length ?? 0) / 3) + media;
}

/** The typed 429 a client gets when a spend limit refuses a request. */
export function spendRefusal(decision: Extract<SpendDecision, { ok: false }>, now: number): { message: string; retryAfterMs: number; code: 'spend_limit' | 'fast_spend_limit' } {
  const retryAfterMs = Math.max(0, decision.resetAt - now);
  const until = new Date(decision.resetAt).toISOString().slice(11, 16);
  return decision.exhausted === 'fast'
    ? { code: 'fast_spend_limit', retryAfterMs, message: `Fast mode budget used up ($${decision.limitUsd} per window); fast again at ${until} UTC, standard works now.` }
    : { code: 'spend_limit', retryAfterMs, message: `Spend limit reached ($${decision.limitUsd} per window); resets at ${until} UTC.` };
}
