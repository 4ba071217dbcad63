/**
 * Saying why an answer or an event cannot be used: the typed error of an HTTP answer that is not a
 * protocol stream (the edge's JSON error body, the status, `retry-after`) and the descriptions of
 * malformed events. Only a failing request needs any of it, so the store loads it by dynamic import (a
 * chunk of its own in a bundled page; see lazy.ts) when it first meets such a failure.
 *
 * It imports nothing at run time: the store passes what it needs in ({@link AnswerKit}).
 *
 * @module
 */
import type { ErrorBody, ErrorEvent } from './protocol.ts';

/** What is wrong with an answer, as the store found it. */
export type AnswerFault = 'status' | 'type' | 'version' | 'body';

/** The store's own helpers and constants (http-error.ts, protocol.ts). */
export interface AnswerKit {
  isErrorBody(value: unknown): value is ErrorBody;
  parseRetryAfter(headers: Headers): number | undefined;
  protocolHeader: string;
  protocolVersion: number;
}

/**
 * The typed error of an answer that is not a usable protocol v1 stream. Not ok (`'status'`): its JSON
 * {@link ErrorBody} when it has one, else a `protocol` error naming the status; `retryable` defaults from
 * the status, a missing `retryAfterMs` is taken from the `retry-after(-ms)` header. Otherwise a
 * `protocol` error saying what is wrong, and the body is cancelled.
 */
export async function answerError(response: Response, fault: AnswerFault, kit: AnswerKit): Promise<ErrorEvent> {
  const status = response.status;
  const retryAfterMs = kit.parseRetryAfter(response.headers);
  if (fault === 'status') {
    let body: unknown;
    try {
      body = JSON.parse(await response.text());
    } catch {
      body = undefined;
    }
    if (kit.isErrorBody(body)) {
      // Copy the known fields only: the body is untrusted.
      const e = body.error as ErrorEvent & Record<string, unknown>;
      const error: ErrorEvent = {
        kind: e.kind,
        message: e.message,
        status: typeof e.status === 'number' ? e.status : status,
        retryable: typeof e.retryable === 'boolean' ? e.retryable : isRetryableStatus(status),
      };
      if (typeof e.retryAfterMs === 'number') error.retryAfterMs = e.retryAfterMs;
      else if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
      if (typeof e.requestId === 'string') error.requestId = e.requestId;
      if (typeof e.field === 'string') error.field = e.field;
      if (typeof e.t === 'number') error.t = e.t;
      return error;
    }
    const error: ErrorEvent = { kind: 'protocol', message: `Unexpected ${status} answer: not a Slipstream error body`, status, retryable: isRetryableStatus(status) };
    if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
    return error;
  }
  const contentType = response.headers.get('content-type') ?? '';
  const version = (response.headers.get(kit.protocolHeader) ?? '').trim();
  const message =
    fault === 'type'
      ? `Expected text/event-stream, got "${contentType}"`
      : fault === 'version'
        ? `The edge speaks Slipstream protocol ${version.slice(0, 16)}; this client speaks protocol ${kit.protocolVersion}. Upgrade the older side.`
        : 'Response has no body';
  response.body?.cancel().catch(() => {});
  const error: ErrorEvent = { kind: 'protocol', message, status, retryable: false };
  if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
  return error;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** What each rule of the store's event check (`malformedRule` in store.ts) asks for. */
const RULES: Readonly<Record<string, string>> = {
  delta: '"delta" is not a string',
  step_start: '"step" is not a step number',
  step_finish: 'needs "step" and "usage.outputTokens"',
  thinking_signature: 'needs "step" and "signature"',
  tool_call_start: 'needs "step", "toolCallId" and "name"',
  tool_input_delta: 'needs "step", "toolCallId" and a string "delta"',
  tool_call: 'needs "step", "toolCallId", "name" and an object "input"',
  tool_result: 'needs "step", "toolCallId", and "error" (when present) a string',
  usage: '"outputTokens" is not a number',
  done: 'needs "usage.outputTokens" and "model"',
  pendingToolCalls: '"pendingToolCalls" must list { toolCallId, name, awaiting: "client" | "approval" }',
  error: 'needs "kind" and "message"',
};

/** Why event `event` is unusable, given the rule it broke. */
export function describeMalformed(event: string, rule: string): string {
  return `Malformed ${event} event: ${RULES[rule] ?? 'unusable'}`;
}
