/**
 * Shared test helpers: a sim on port 0, SDK clients, and a raw SSE reader for byte-level checks.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startSim, type RunningSim, type StartSimOptions } from '../src/node.ts';

/** Fast settings for tests where timing is not the point. */
export const QUICK: StartSimOptions = { ttftMs: 5, standardOtps: 4000, jitter: 0 };

export const FAST_BETA = 'fast-mode-2026-02-01';

/** Start a sim; remember to `close()` it in afterAll. */
export function sim(options: StartSimOptions = {}): Promise<RunningSim> {
  return startSim({ ...QUICK, ...options });
}

/** SDK 1.x client with retries off by default. */
export function client(url: string, options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ baseURL: url, apiKey: 'test', maxRetries: 0, ...options });
}

/** A fast streaming request body. */
export function fastParams(content: string, extra: Record<string, unknown> = {}) {
  return {
    model: 'claude-opus-4-8',
    max_tokens: 1024,
    speed: 'fast' as const,
    betas: [FAST_BETA],
    messages: [{ role: 'user' as const, content }],
    ...extra,
  };
}

/** Headers of a valid 1.x request. */
export const API_HEADERS = {
  authorization: 'Bearer test',
  'anthropic-version': '2026-10-21',
  'content-type': 'application/json',
};

/** One parsed SSE event with its raw `event:` name. */
export interface RawEvent {
  event: string;
  data: { type: string; [k: string]: unknown };
  raw: string;
}

/** Split an SSE body into events, strictly: each is exactly `event:` line, `data:` line, blank line. */
export function parseSse(text: string): RawEvent[] {
  const frames = text.split('\n\n');
  if (frames.at(-1) !== '') throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return frames.slice(0, -1).map((raw) => {
    const lines = raw.split('\n');
    if (lines.length !== 2 || !lines[0]!.startsWith('event: ') || !lines[1]!.startsWith('data: ')) {
      throw new Error(`bad frame: ${JSON.stringify(raw)}`);
    }
    return { event: lines[0]!.slice(7), data: JSON.parse(lines[1]!.slice(6)) as RawEvent['data'], raw };
  });
}

/** POST /v1/messages with fetch and return status, headers and body text. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { ...API_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Wait until `check` is true (polling), or fail after `ms`. */
export async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
