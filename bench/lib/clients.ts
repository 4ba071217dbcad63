/**
 * The three clients the relay benchmarks compare, each consuming one reply and stamping every text delta
 * on arrival: our protocol (core's decoder), the AI SDK's UI message stream (its own client parser, the one
 * `DefaultChatTransport` uses), and the Anthropic SDK talking to the sim directly (the floor).
 * @module
 */
import Anthropic from '@anthropic-ai/sdk';
import { readProtocolStream } from '@slipstream/core';
import { parseJsonEventStream, uiMessageChunkSchema } from 'ai';
import { nowEpoch } from './stats.ts';

export interface Reply {
  text: string;
  /** Epoch ms the request was sent. */
  sentAt: number;
  /** Epoch ms each text delta arrived. */
  arrivals: number[];
  /** Characters in each delta, parallel to `arrivals`. */
  sizes: number[];
  /** Output tokens reported in-band (ours, direct); null when the wire does not carry them (AI SDK UI stream). */
  outputTokens: number | null;
  servedSpeed: string | null;
  doneAt: number;
}

export interface Ask {
  prompt: string;
  model: string;
  speed: 'fast' | 'standard';
  maxTokens: number;
}

/** POST to our edge and decode the protocol with `@slipstream/core`'s `readProtocolStream`. */
export async function viaSlipstream(edgeUrl: string, ask: Ask, signal?: AbortSignal): Promise<Reply> {
  const sentAt = nowEpoch();
  const res = await fetch(`${edgeUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      messages: [{ role: 'user', content: ask.prompt }],
      speed: ask.speed,
      model: ask.model,
      max_tokens: ask.maxTokens,
    }),
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`edge answered ${res.status}: ${await res.text()}`);
  const parts: string[] = [];
  const arrivals: number[] = [];
  const sizes: number[] = [];
  let outputTokens: number | null = null;
  let servedSpeed: string | null = null;
  for await (const ev of readProtocolStream(res.body) as AsyncIterable<{ event: string; data: any }>) {
    if (ev.event === 'text') {
      arrivals.push(nowEpoch());
      parts.push(ev.data.delta);
      sizes.push(ev.data.delta.length);
    } else if (ev.event === 'done') {
      outputTokens = ev.data.usage.outputTokens;
      servedSpeed = ev.data.speed;
    } else if (ev.event === 'error') {
      throw new Error(`edge stream error: ${ev.data.kind}: ${ev.data.message}`);
    }
  }
  return { text: parts.join(''), sentAt, arrivals, sizes, outputTokens, servedSpeed, doneAt: nowEpoch() };
}

/** POST to the AI SDK route and decode its UI message stream with the parser `DefaultChatTransport` uses. */
export async function viaAiSdk(url: string, ask: Ask, signal?: AbortSignal, body: unknown = ask): Promise<Reply> {
  const sentAt = nowEpoch();
  const res = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`AI SDK route answered ${res.status}: ${await res.text()}`);
  const parts: string[] = [];
  const arrivals: number[] = [];
  const sizes: number[] = [];
  const chunks = parseJsonEventStream({ stream: res.body, schema: uiMessageChunkSchema });
  for await (const chunk of chunks as unknown as AsyncIterable<{ success: boolean; value: any; error?: unknown }>) {
    if (!chunk.success) throw chunk.error;
    const v = chunk.value;
    if (v.type === 'text-delta') {
      arrivals.push(nowEpoch());
      parts.push(v.delta);
      sizes.push(v.delta.length);
    } else if (v.type === 'error') {
      throw new Error(`AI SDK stream error: ${v.errorText}`);
    }
  }
  return { text: parts.join(''), sentAt, arrivals, sizes, outputTokens: null, servedSpeed: null, doneAt: nowEpoch() };
}

/** Our edge's AI SDK bridge, sent what `useChat` sends (UI messages) and read as the AI SDK client reads it. */
export function viaBridge(url: string, ask: Ask, signal?: AbortSignal): Promise<Reply> {
  const body = {
    id: 'bench',
    trigger: 'submit-message',
    messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: ask.prompt }] }],
    model: ask.model,
    speed: ask.speed,
    max_tokens: ask.maxTokens,
  };
  return viaAiSdk(url, ask, signal, body);
}

const clients = new Map<string, Anthropic>();

/** The official Anthropic SDK straight to the sim: no relay at all. One client per URL, reused (as a server would). */
export async function direct(simUrl: string, ask: Ask, signal?: AbortSignal): Promise<Reply> {
  let client = clients.get(simUrl);
  if (!client) {
    client = new Anthropic({ baseURL: simUrl, apiKey: 'sk-ant-bench', maxRetries: 0 });
    clients.set(simUrl, client);
  }
  const sentAt = nowEpoch();
  const stream = client.beta.messages.stream(
    {
      model: ask.model,
      max_tokens: ask.maxTokens,
      messages: [{ role: 'user', content: ask.prompt }],
      ...(ask.speed === 'fast' ? { speed: 'fast', betas: ['fast-mode-2026-02-01'] } : {}),
    } as any,
    { signal },
  );
  const parts: string[] = [];
  const arrivals: number[] = [];
  const sizes: number[] = [];
  let outputTokens: number | null = null;
  let servedSpeed: string | null = null;
  for await (const ev of stream as AsyncIterable<any>) {
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
      arrivals.push(nowEpoch());
      parts.push(ev.delta.text);
      sizes.push(ev.delta.text.length);
    } else if (ev.type === 'message_start') {
      servedSpeed = ev.message.usage?.speed ?? null;
    } else if (ev.type === 'message_delta') {
      outputTokens = ev.usage.output_tokens;
    }
  }
  return { text: parts.join(''), sentAt, arrivals, sizes, outputTokens, servedSpeed, doneAt: nowEpoch() };
}
