import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { API_HEADERS, FAST_BETA, parseSse, post, sim } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  s = await sim();
});
afterAll(() => s.close());

const streamBody = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-opus-4-8', max_tokens: 2000, stream: true, speed: 'fast', messages: [{ role: 'user', content: 'Write code and a table' }], ...extra,
});

describe('SSE bytes on the wire', () => {
  it('frames every event as event: <type> / data: <json> / blank line, in strict block order', async () => {
    const res = await post(s.url, streamBody({ thinking: { type: 'enabled', budget_tokens: 1024 } }), { 'anthropic-beta': FAST_BETA });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('request-id')).toMatch(/^req_/u);
    const events = parseSse(res.text);
    for (const e of events) expect(e.event).toBe(e.data.type);

    const types = events.map((e) => e.data.type).filter((t) => t !== 'ping');
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events.some((e) => e.data.type === 'ping')).toBe(true);

    // Blocks strictly one after another, indexes 0..n.
    let open: number | null = null;
    let nextIndex = 0;
    for (const { data } of events) {
      if (data.type === 'content_block_start') {
        expect(open).toBeNull();
        expect(data['index']).toBe(nextIndex);
        open = nextIndex++;
      } else if (data.type === 'content_block_delta') {
        expect(data['index']).toBe(open);
      } else if (data.type === 'content_block_stop') {
        expect(data['index']).toBe(open);
        open = null;
      }
    }
    expect(nextIndex).toBe(2);

    // Thinking: start {thinking:"",signature:""}, thinking deltas, one signature_delta right before stop.
    const thinkingEvents = events.filter((e) => e.data['index'] === 0).map((e) => e.data);
    expect(thinkingEvents[0]).toMatchObject({ content_block: { type: 'thinking', thinking: '', signature: '' } });
    const last = thinkingEvents.at(-1)!;
    const beforeLast = thinkingEvents.at(-2)!;
    expect(last.type).toBe('content_block_stop');
    expect(beforeLast).toMatchObject({ delta: { type: 'signature_delta' } });
    expect(thinkingEvents.filter((d) => (d['delta'] as { type?: string } | undefined)?.type === 'signature_delta')).toHaveLength(1);

    const start = events[0]!.data['message'] as Record<string, unknown>;
    expect(start).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-opus-4-8', content: [], stop_reason: null, stop_sequence: null, stop_details: null });
    expect(start['id']).toMatch(/^msg_/u);
    expect(start['usage']).toMatchObject({ speed: 'fast', service_tier: 'standard', inference_geo: 'not_available', output_tokens: 1 });

    const delta = events.find((e) => e.data.type === 'message_delta')!.data;
    expect(delta['delta']).toEqual({ stop_reason: 'end_turn', stop_sequence: null, stop_details: null });
    // Cumulative usage: the final output_tokens is every token in every delta.
    const tokensInDeltas = s.sim.streams().at(-1)!.deltaTokens.reduce((a, b) => a + b, 0);
    expect(delta['usage']).toEqual({ input_tokens: (start['usage'] as { input_tokens: number }).input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: tokensInDeltas });
  });

  it('stops with max_tokens when the reply is longer, and output_tokens equals max_tokens', async () => {
    const res = await post(s.url, { ...streamBody({ max_tokens: 37 }), speed: undefined });
    const events = parseSse(res.text);
    const delta = events.find((e) => e.data.type === 'message_delta')!.data;
    expect(delta).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 37 } });
    expect((events[0]!.data['message'] as { usage: { speed: string } }).usage.speed).toBe('standard');
  });

  it('answers CORS preflight and exposes the rate-limit headers', async () => {
    const pre = await fetch(`${s.url}/v1/messages`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, anthropic-version, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toContain('anthropic-version');
    const res = await post(s.url, streamBody(), { 'anthropic-beta': FAST_BETA, origin: 'http://localhost:5173' });
    const exposed = res.headers.get('access-control-expose-headers')!.split(', ');
    for (const name of ['request-id', 'retry-after', 'retry-after-ms', 'x-should-retry', 'anthropic-fast-output-tokens-remaining', 'anthropic-ratelimit-tokens-reset']) {
      expect(exposed).toContain(name);
    }
  });

  it('sends request-id on every response, success and error alike', async () => {
    const ok = await post(s.url, { ...streamBody(), stream: false, speed: undefined });
    const bad = await fetch(`${s.url}/v1/messages`, { method: 'POST', headers: API_HEADERS, body: '{' });
    expect(ok.headers.get('request-id')).toMatch(/^req_/u);
    expect(bad.headers.get('request-id')).toMatch(/^req_/u);
    expect(ok.headers.get('request-id')).not.toBe(bad.headers.get('request-id'));
  });
});
