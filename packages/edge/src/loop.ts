/**
 * One reply, start to end: the agent loop.
 *
 * 1. Approvals from the previous reply: approved server calls run (results sent as `tool_result`
 *    with `step: -1`), denials become `is_error` results; either replaces its approval part.
 * 2. Steps: each is one upstream request (with retries and fallbacks before its first token), relayed
 *    as it streams; then the step's server tool calls run concurrently and their results go back
 *    upstream with the assistant turn on the next step. The loop ends when the model stops asking for
 *    tools (`stop`), when a call waits for the client or the user (`tool_calls`), or at `maxSteps`.
 *
 * **One speed for the whole loop.** Every step asks for the speed the first step was served at: a
 * speed switch is a prompt-cache miss, so flipping would throw the loop's cache away. The one
 * exception is fast becoming unavailable mid-loop (a fast 429 under `auto`, the fast output budget
 * running low, fast failing with 5xx/529): a `fallback` event, and the rest of the loop is standard.
 * It never flips back.
 *
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaMessage, BetaMessageParam, BetaTextBlockParam, BetaTool, BetaToolChoice, BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import {
  cost,
  type ChatMessage,
  type Cost,
  type ErrorEvent,
  type FallbackEvent,
  type FinishReason,
  type JsonValue,
  type MessagePart,
  type PendingToolCall,
  type Speed,
  type SpeedPolicy,
  type StopReason,
  type ToolResultPart,
  type Usage,
} from '@slipstream/core';
import { placeBreakpoints } from './cache.ts';
import type { CalibrationTable } from './calibration.ts';
import { denialText, type Verdict } from './conversation.ts';
import { classifyUpstreamError, type UpstreamFailure } from './errors.ts';
import type { EventStream } from './event-stream.ts';
import type { FallbackMemory, FallbackStore } from './fallback-store.ts';
import { toAnthropicMessages, toContentBlock } from './messages.ts';
import type { EdgeLogEvent, ResolvedOptions } from './options.ts';
import { rememberBudget, rememberRateLimit, type SpeedDecision } from './policy.ts';
import { parseRateLimitHeaders } from './ratelimit-headers.ts';
import { relayStep, type StepResult, type StepToolCall } from './relay.ts';
import { estimateInputTokens, spendRefusal, worstCaseUsage, type SpendMeter, type SpendReservation } from './spend.ts';
import type { ToolOutcome, ToolSet } from './tools.ts';
import { backoffMs, openAttempt, sleep, type BaseParams, type OpenStream } from './upstream.ts';

/** Everything one reply needs. */
export interface ReplyContext {
  client: Anthropic;
  /** Model, `max_tokens`, thinking, effort: the same on every step. */
  params: BaseParams;
  /** The validated conversation, approval parts still in it. */
  messages: ChatMessage[];
  verdicts: Verdict[];
  system: BetaTextBlockParam[] | undefined;
  tools: ToolSet | undefined;
  toolChoice: BetaToolChoice | undefined;
  /** Whether each step places the loop's cache breakpoints. */
  cache: boolean;
  maxSteps: number;
  policy: SpeedPolicy;
  decision: SpeedDecision;
  out: EventStream;
  opts: ResolvedOptions;
  conversationId: string | undefined;
  /** ms since the edge received the request. */
  t: () => number;
  store: FallbackStore;
  storeKeys: { key: string; conversation?: string };
  /** Token calibrations for `start` (`undefined`: off): the handler's table, or one in the shared store. */
  calibration: CalibrationTable | undefined;
  keyMemory: FallbackMemory | undefined;
  log: (event: EdgeLogEvent) => void;
  /** The reply's id, when it is resumable (sent in `start`). */
  replyId?: string;
  /** Spend limits: the user's meter, and the reservation the handler made for the first step. */
  spend?: { meter: SpendMeter; first: SpendReservation | undefined; maxTokens: number };
}

const zero = (): Usage => ({ inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 });

/**
 * How far a step's upstream request got: what decides, when the step ends without a result, how much of
 * its spend reservation may have been billed (see `closeStep`).
 * - `unanswered`: no attempt got a 200 (error statuses, no connection, stopped first), or none was sent.
 * - `accepted`: a 200, but no `message_start` yet: upstream took the request, its usage is unknown.
 * - `started`: `message_start` reported the input usage; the output so far is not known.
 */
type StepReach =
  | { kind: 'unanswered' }
  | { kind: 'accepted' }
  | { kind: 'started'; usage: Usage; served: Speed | null; model: string };

/** A step's reservation and how far its request got. */
interface HeldSpend {
  reservation: SpendReservation;
  reach: StepReach;
}

/** The same stream, telling `seen` about its `message_start` as the relay reads it. */
function onMessageStart(open: OpenStream, seen: (message: BetaMessage) => void): OpenStream {
  const events = open.events;
  return {
    ...open,
    events: {
      async next() {
        const next = await events.next();
        if (!next.done && next.value.type === 'message_start') seen(next.value.message);
        return next;
      },
    },
  };
}

function addCost(total: Cost | null | undefined, step: Cost | null): Cost | null {
  if (total === null || step === null) return null;
  if (total === undefined) return { ...step };
  return {
    inputUsd: total.inputUsd + step.inputUsd,
    outputUsd: total.outputUsd + step.outputUsd,
    cacheReadUsd: total.cacheReadUsd + step.cacheReadUsd,
    cacheWriteUsd: total.cacheWriteUsd + step.cacheWriteUsd,
    totalUsd: total.totalUsd + step.totalUsd,
  };
}

/** Run one reply to its end. Always closes `ctx.out`. */
export async function runReply(ctx: ReplyContext): Promise<void> {
  const { out, opts, policy } = ctx;
  let speed = ctx.decision.speed;
  let attempt = 0;
  let keyMemory = ctx.keyMemory;
  const totals = zero();
  let totalCost: Cost | null | undefined;
  let firstDeltaT: number | null = null;
  let lastDeltaT: number | null = null;
  let steps = 0;
  let last: StepResult | undefined;
  // The current step's reservation until it is settled; the first step's was made by the handler.
  let held: HeldSpend | undefined = ctx.spend?.first !== undefined ? { reservation: ctx.spend.first, reach: { kind: 'unanswered' } } : undefined;
  const priceOf = (usage: Usage, model: string, served: Speed | null): Cost | null => {
    const pricing = opts.pricing;
    return typeof pricing === 'function' ? pricing(usage, model, served) : cost(usage, model, served, pricing);
  };
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

  const sendFallback = (reason: NonNullable<SpeedDecision['fallback']>['reason'], retryAfterMs?: number, until?: number) => {
    const e: FallbackEvent = { from: 'fast', to: 'standard', reason, t: ctx.t() };
    if (retryAfterMs !== undefined) e.retryAfterMs = retryAfterMs;
    const untilIso = iso(until);
    if (untilIso !== undefined) e.until = untilIso;
    out.send('fallback', e);
  };
  const fail = (error: ErrorEvent, failure?: UpstreamFailure) => {
    out.send('error', { ...error, t: ctx.t() });
    const log: EdgeLogEvent = { kind: error.kind, message: error.message, phase: 'stream', attempt, speed };
    if (error.status !== undefined) log.status = error.status;
    if (failure?.error.requestId !== undefined) log.requestId = failure.error.requestId;
    ctx.log(log);
  };
  const sendResult = (toolCallId: string, step: number, outcome: ToolOutcome) => {
    const base = { toolCallId, step, durationMs: outcome.durationMs, t: ctx.t() };
    out.send('tool_result', outcome.error !== undefined ? { ...base, error: outcome.error } : { ...base, output: outcome.output ?? null });
  };
  const runCall = async (call: { toolCallId: string; name: string; input: { [key: string]: JsonValue } }, step: number): Promise<ToolOutcome> => {
    const tool = ctx.tools?.get(call.name);
    const outcome: ToolOutcome = tool?.run
      ? await tool.run(call.input, { signal: out.signal, conversationId: ctx.conversationId, toolCallId: call.toolCallId })
      : { error: `This edge has no tool named "${call.name}".`, durationMs: 0 };
    if (!out.cancelled) sendResult(call.toolCallId, step, outcome);
    return outcome;
  };
  const finish = (reason: FinishReason, pending?: PendingToolCall[]) => {
    const end = ctx.t();
    const stopReason: StopReason | null = last?.stopReason ?? null;
    const served = last?.served ?? null;
    out.send('usage', { ...totals, speed: served, t: end });
    out.send('done', {
      stopReason,
      finishReason: reason,
      ...(pending && pending.length > 0 ? { pendingToolCalls: pending } : {}),
      steps,
      usage: { ...totals },
      speed: served,
      model: last?.model ?? ctx.params.model,
      timings: { firstDeltaT, lastDeltaT, totalT: end, attempts: attempt },
      cost: totalCost ?? null,
      t: end,
    });
  };

  try {
    const conversation = await resume();
    if (conversation === undefined) return;
    if (ctx.decision.fallback) sendFallback(ctx.decision.fallback.reason, undefined, ctx.decision.fallback.until);
    let previousLength = 0;
    for (let step = 0; ; step++) {
      if (out.cancelled) return;
      if (step > 0 && speed === 'fast' && policy === 'auto' && budgetLow(keyMemory)) {
        sendFallback('budget_low', undefined, keyMemory?.fastOutputResetAt);
        speed = 'standard';
      }
      const params = body(conversation, previousLength);
      if (step > 0) {
        const reservation = await reserveStep(params);
        if (reservation === null) return;
        if (reservation !== undefined) held = { reservation, reach: { kind: 'unanswered' } };
      }
      const result = await runStep(step, params);
      if (result === undefined) return;
      steps += 1;
      last = result;
      // One speed for the loop: the rest goes at the speed this reply was first served at.
      if (step === 0 && result.served !== null) speed = result.served;
      for (const k of Object.keys(totals) as (keyof Usage)[]) totals[k] += result.usage[k];
      firstDeltaT ??= result.timings.firstDeltaT;
      if (result.timings.lastDeltaT !== null) lastDeltaT = result.timings.lastDeltaT;
      const price = priceOf(result.usage, result.model, result.served);
      totalCost = addCost(totalCost, price);
      if (held !== undefined) {
        const settled = held;
        held = undefined;
        await ctx.spend?.meter.settle(settled.reservation, price, result.served).catch(() => {});
      }
      out.send('step_finish', {
        step,
        stopReason: result.stopReason,
        usage: { ...result.usage },
        speed: result.served,
        timings: result.timings,
        cost: price,
        t: result.timings.endT,
      });
      if (result.stopReason !== 'tool_use' || result.toolCalls.length === 0) return finish('stop');

      const runHere = result.toolCalls.filter((c) => c.execution === 'server' && !c.needsApproval);
      const outcomes = new Map<string, ToolOutcome>();
      await Promise.all(runHere.map(async (c) => outcomes.set(c.toolCallId, await runCall(c, step))));
      if (out.cancelled) return;
      const pending = result.toolCalls.filter((c) => !outcomes.has(c.toolCallId)).map(pendingOf);
      if (pending.length > 0) return finish('tool_calls', pending);
      if (step + 1 >= ctx.maxSteps) return finish('max_steps');

      previousLength = conversation.length;
      conversation.push({ role: 'assistant', content: result.content });
      conversation.push({ role: 'user', content: result.toolCalls.map((c) => resultBlock(c.toolCallId, outcomes.get(c.toolCallId)!)) });
    }
  } catch (err) {
    // A bug of ours, not an upstream failure: still end with a typed error.
    if (!out.cancelled) fail({ kind: 'upstream', message: 'The edge failed while relaying.', status: 500, retryable: true });
    void err;
  } finally {
    // Before the stream closes, so the counters are right by the time the client sees the end.
    if (held !== undefined) await closeStep(held).catch(() => {});
    out.close();
  }

  /**
   * A step that ended without a result: give back what upstream cannot have billed, keep the rest.
   *
   * The wire contract (specs/anthropic-wire.md) has no billing section, so this reads what it does say
   * conservatively. Usage exists only in a message, which the API streams after its 200 (`message_start`
   * carries the input, `message_delta` the output); an error before the stream is a JSON error response
   * with no message (5.2), and a closed connection stops generation (7.3, 9 item 20). Hence:
   * - no 200 on any attempt: nothing was billed, the reservation is released whole;
   * - a 200 without `message_start`: upstream took the request and may bill it, usage unknown: kept whole;
   * - after `message_start`: the input is known exactly, the output is not (a mid-stream `error` event
   *   carries no usage, 5.3, and tokens generated before a stop reached upstream may be billed), so the
   *   step settles to the real input plus all of `max_tokens` as output, never less.
   */
  async function closeStep(step: HeldSpend): Promise<void> {
    const meter = ctx.spend?.meter;
    if (meter === undefined) return;
    const { reservation, reach } = step;
    if (reach.kind === 'unanswered') return meter.release(reservation);
    if (reach.kind === 'accepted') return;
    const served = reach.served ?? reservation.speed;
    const worst: Usage = { ...reach.usage, outputTokens: reservation.worstCase.outputTokens };
    await meter.settle(reservation, priceOf(worst, reach.model, served), served);
  }

  /** Act on the previous reply's approvals; the conversation as upstream takes it, or undefined if stopped. */
  async function resume(): Promise<BetaMessageParam[] | undefined> {
    if (ctx.verdicts.length === 0) return toAnthropicMessages(ctx.messages);
    const results = await Promise.all(
      ctx.verdicts.map(async (v): Promise<[number, ToolResultPart]> => {
        let outcome: ToolOutcome;
        if (v.approved) outcome = await runCall(v.call, -1);
        else {
          outcome = { error: denialText(v.reason), durationMs: 0 };
          sendResult(v.call.toolCallId, -1, outcome);
        }
        const part: ToolResultPart = { type: 'tool_result', toolCallId: v.call.toolCallId };
        if (outcome.error !== undefined) part.error = outcome.error;
        else part.output = outcome.output ?? null;
        return [v.partIndex, part];
      }),
    );
    if (out.cancelled) return undefined;
    const lastIndex = ctx.messages.length - 1;
    const lastTurn = ctx.messages[lastIndex]!;
    const content = (lastTurn.content as MessagePart[]).slice();
    for (const [index, part] of results) content[index] = part;
    return toAnthropicMessages([...ctx.messages.slice(0, lastIndex), { role: lastTurn.role, content }]);
  }

  function body(conversation: BetaMessageParam[], previousLength: number): BaseParams {
    const definitions: BetaTool[] | undefined = ctx.tools && ctx.tools.list.length > 0 ? ctx.tools.list.map((t) => t.definition) : undefined;
    const plan = ctx.cache
      ? placeBreakpoints(definitions, ctx.system, conversation, previousLength)
      : { tools: definitions, system: ctx.system, messages: conversation.slice() };
    const params: BaseParams = { ...ctx.params, messages: plan.messages };
    if (plan.system) params.system = plan.system;
    if (plan.tools) params.tools = plan.tools;
    if (ctx.toolChoice && plan.tools) params.tool_choice = ctx.toolChoice;
    return params;
  }

  /**
   * Reserve a later step's worst case. A spent fast allowance under `auto` moves the rest of the loop to
   * standard; a spent budget ends the reply with a typed error (`null`). `undefined`: no limits, or the
   * store failed (never the user's problem).
   */
  async function reserveStep(params: BaseParams): Promise<SpendReservation | null | undefined> {
    const spend = ctx.spend;
    if (spend === undefined) return undefined;
    const worst = worstCaseUsage(spend.maxTokens, estimateInputTokens(params.messages) + Math.ceil(JSON.stringify(params.tools ?? []).length / 3));
    let decision = await spend.meter.reserve(speed, worst).catch(() => undefined);
    if (decision !== undefined && !decision.ok && decision.exhausted === 'fast' && policy === 'auto') {
      sendFallback('spend_limit', undefined, decision.resetAt);
      speed = 'standard';
      decision = await spend.meter.reserve(speed, worst).catch(() => undefined);
    }
    if (decision === undefined) return undefined;
    if (decision.ok) return decision.reservation;
    const { message, retryAfterMs, code } = spendRefusal(decision, opts.now());
    fail({ kind: 'rate_limited', code, message, status: 429, retryable: true, retryAfterMs });
    return null;
  }

  /**
   * The step moves from fast to standard after fast attempts that got no 200 (so nothing was billed):
   * the fast allowance gets its reservation back now, not at the end of the step.
   */
  async function downgradeHeld(): Promise<void> {
    const spend = held;
    const meter = ctx.spend?.meter;
    if (spend === undefined || meter === undefined || spend.reach.kind !== 'unanswered') return;
    spend.reservation = await meter.downgrade(spend.reservation).catch(() => spend.reservation);
  }

  function budgetLow(memory: FallbackMemory | undefined): boolean {
    const remaining = memory?.fastOutputRemaining;
    const resetAt = memory?.fastOutputResetAt;
    return remaining !== undefined && resetAt !== undefined && resetAt > opts.now() && remaining < ctx.params.max_tokens;
  }

  /** One step: attempts until one connects (retries and fallbacks before its first token), then the relay. */
  async function runStep(step: number, params: BaseParams): Promise<StepResult | undefined> {
    let retriesMade = 0;
    let waitedForFast = false;
    for (;;) {
      if (out.cancelled) return undefined;
      attempt += 1;
      // One controller per attempt, fed by the client's abort and by the idle timer.
      const upstream = new AbortController();
      const onClientAbort = () => upstream.abort(out.signal.reason);
      out.signal.addEventListener('abort', onClientAbort, { once: true });
      let stalled = false;
      const idle = setTimeout(() => {
        stalled = true;
        upstream.abort(new Error('upstream idle timeout'));
      }, opts.idleTimeoutMs);
      try {
        const sentT = ctx.t();
        let open: OpenStream;
        try {
          open = await openAttempt(ctx.client, params, speed, upstream.signal);
        } catch (err) {
          clearTimeout(idle);
          if (out.cancelled) return undefined;
          if (stalled) {
            fail({ kind: 'stalled', message: 'Upstream sent nothing within the idle timeout.', status: 504, retryable: true });
            return undefined;
          }
          const failure = classifyUpstreamError(err, opts.now());
          if ((await onAttemptFailed(failure)) === 'stop') return undefined;
          continue;
        }
        clearTimeout(idle);
        const spend = held;
        if (spend !== undefined) {
          spend.reach = { kind: 'accepted' };
          open = onMessageStart(open, (m) => {
            spend.reach = {
              kind: 'started',
              usage: { inputTokens: m.usage.input_tokens, outputTokens: m.usage.output_tokens, cacheReadInputTokens: m.usage.cache_read_input_tokens ?? 0, cacheCreationInputTokens: m.usage.cache_creation_input_tokens ?? 0 },
              served: m.usage.speed === 'fast' || m.usage.speed === 'standard' ? m.usage.speed : null,
              model: m.model,
            };
          });
        }
        const rl = parseRateLimitHeaders(open.response.headers, speed, ctx.t(), opts.now());
        if (rl) {
          // The first step's headers come before `start`; later steps' right after their `step_start`.
          if (step === 0) out.send('ratelimit', rl);
          const budget = rememberBudget(keyMemory, rl);
          if (budget) {
            keyMemory = budget;
            await ctx.store.set(ctx.storeKeys.key, budget, opts.fallbackTtlMs).catch(() => {});
          }
        }
        return await relayStep({
          open,
          out,
          step,
          speed,
          policy,
          attempt,
          conversationId: ctx.conversationId,
          t: ctx.t,
          sentT,
          idleTimeoutMs: opts.idleTimeoutMs,
          upstream,
          calibration: ctx.calibration,
          replyId: ctx.replyId,
          ...(rl && step > 0 ? { ratelimit: rl } : {}),
          describeCall: async (name, input) => {
            const tool = ctx.tools?.get(name);
            if (tool === undefined) return { execution: 'server', needsApproval: false };
            return { execution: tool.execution, needsApproval: await tool.needsApproval(input) };
          },
          fail,
        });
      } finally {
        clearTimeout(idle);
        out.signal.removeEventListener('abort', onClientAbort);
      }
    }

    /** Decide what follows a failed attempt: retry, fall back, or end with an error. */
    async function onAttemptFailed(failure: UpstreamFailure): Promise<'again' | 'stop'> {
      if (failure.class === 'aborted' || out.cancelled) return 'stop';
      const rl = failure.headers ? parseRateLimitHeaders(failure.headers, speed, ctx.t(), opts.now()) : undefined;
      if (rl) out.send('ratelimit', rl);
      const logAttempt = (recovered: boolean) => {
        const e: EdgeLogEvent = { kind: failure.error.kind, message: failure.error.message, phase: 'upstream', attempt, speed, recovered };
        if (failure.status !== undefined) e.status = failure.status;
        if (failure.error.requestId !== undefined) e.requestId = failure.error.requestId;
        ctx.log(e);
      };

      if (failure.class === 'rate_limited' && speed === 'fast') {
        if (policy === 'auto') {
          const now = opts.now();
          const { keyUntil, conversationUntil } = rememberRateLimit(rl, failure.retryAfterMs, now, opts.fallbackTtlMs);
          const memo = (until: number) => ({ standardUntil: until, reason: 'rate_limited' as const });
          const writes = [ctx.store.set(ctx.storeKeys.key, { ...keyMemory, ...memo(keyUntil) }, keyUntil - now)];
          if (ctx.storeKeys.conversation !== undefined) {
            writes.push(ctx.store.set(ctx.storeKeys.conversation, memo(conversationUntil), conversationUntil - now));
          }
          await Promise.all(writes).catch(() => {});
          logAttempt(true);
          // The allowance is back before the client hears of the fallback.
          await downgradeHeld();
          sendFallback('rate_limited', failure.retryAfterMs, ctx.storeKeys.conversation !== undefined ? conversationUntil : keyUntil);
          speed = 'standard';
          return 'again';
        }
        // policy fast: one short wait, when upstream says it is short.
        if (!waitedForFast && failure.retryAfterMs !== undefined && failure.retryAfterMs <= opts.fastWaitMaxMs) {
          waitedForFast = true;
          logAttempt(true);
          return (await sleep(failure.retryAfterMs, out.signal)) ? 'again' : 'stop';
        }
      }
      if (failure.class === 'retryable' && retriesMade < opts.upstreamRetries) {
        const delay = failure.retryAfterMs ?? backoffMs(opts.retryBaseMs, retriesMade);
        if (delay <= opts.retryAfterMaxMs) {
          retriesMade += 1;
          logAttempt(true);
          return (await sleep(delay, out.signal)) ? 'again' : 'stop';
        }
      }
      if (failure.class === 'retryable' && speed === 'fast' && policy === 'auto' && failure.error.kind !== 'network') {
        // Fast kept failing before the first token: standard has its own capacity.
        logAttempt(true);
        await downgradeHeld();
        sendFallback('overloaded', failure.retryAfterMs);
        speed = 'standard';
        retriesMade = 0;
        return 'again';
      }
      fail(failure.error, failure);
      return 'stop';
    }
  }
}

function pendingOf(call: StepToolCall): PendingToolCall {
  return { toolCallId: call.toolCallId, name: call.name, awaiting: call.execution === 'client' ? 'client' : 'approval' };
}

function resultBlock(toolCallId: string, outcome: ToolOutcome): BetaToolResultBlockParam {
  const part: ToolResultPart = { type: 'tool_result', toolCallId };
  if (outcome.error !== undefined) part.error = outcome.error;
  else part.output = outcome.output ?? null;
  return toContentBlock(part) as BetaToolResultBlockParam;
}
