import { describe, expect, it, vi } from 'vitest';
import type { ProtocolEventMap } from '../src/protocol.ts';
import { replyFastSpend } from '../src/fast-budget.ts';
import { createFastStream, type FastStreamOptions } from '../src/store.ts';
import type { ReplyTextPart, ReplyThinkingPart, ReplyToolCallPart } from '../src/stream-state.ts';
import { controlledBody, doneEvent, fakeClock, mockFetch, settle, startEvent, usageOf, type ControlledBody } from './store-helpers.ts';

const hello = { messages: [{ role: 'user' as const, content: 'Fix the bug' }] };

function setup(options: FastStreamOptions = {}) {
  const body = controlledBody();
  const clock = fakeClock(1000);
  const { fetch } = mockFetch(body);
  const stream = createFastStream({ fetch, clock, notify: 'sync', ...options });
  stream.subscribe(() => {});
  return { stream, clock, body };
}

/** Send events as one network read arriving at the clock's current time. */
async function read(body: ControlledBody, ...events: { [K in keyof ProtocolEventMap]: [K, ProtocolEventMap[K]] }[keyof ProtocolEventMap][]) {
  for (const [name, data] of events) body.event(name, data as never);
  await settle();
}

const stepStart = (step: number, t: number): ['step_start', ProtocolEventMap['step_start']] => [
  'step_start',
  { step, messageId: `msg_${step}`, model: 'claude-opus-4-6', requestedSpeed: 'fast', attempt: 1, t },
];
const stepFinish = (step: number, outputTokens: number, stopReason: string, t: number): ['step_finish', ProtocolEventMap['step_finish']] => [
  'step_finish',
  { step, stopReason, usage: usageOf(outputTokens), speed: 'fast', timings: { startT: 0, firstDeltaT: 1, lastDeltaT: 2, endT: 3 }, cost: null, t },
];
const text = (delta: string, step: number, index: number): ['text', ProtocolEventMap['text']] => ['text', { delta, step, index, t: 0 }];
const inputDelta = (toolCallId: string, delta: string, step = 0, index = 1): ['tool_input_delta', ProtocolEventMap['tool_input_delta']] => [
  'tool_input_delta',
  { toolCallId, delta, step, index, t: 0 },
];

describe('createFastStream: protocol v2 parts and steps', () => {
  it('a two-step server-tool reply: ordered parts, streaming input parsed as it arrives, result attached, per-step and reply metrics', async () => {
    const onToolCall = vi.fn();
    const onToolResult = vi.fn();
    const onStep = vi.fn();
    const { stream, clock, body } = setup({ onToolCall, onToolResult, onStep });
    stream.start(hello); // sent at 1000
    await settle();

    clock.advance(200); // 1200
    await read(body, ['start', startEvent()], stepStart(0, 150));
    clock.advance(100); // 1300: first delta of step 0 → TTFT 300
    await read(body, ['thinking', { delta: 'Look at ', step: 0, index: 0, t: 200 }], ['thinking', { delta: 'main.ts', step: 0, index: 0, t: 210 }]);
    clock.advance(100); // 1400
    await read(body, ['thinking_signature', { step: 0, index: 0, signature: 'sig-1', t: 220 }], ['tool_call_start', { toolCallId: 'toolu_1', name: 'read_file', step: 0, index: 1, t: 221 }]);
    clock.advance(100); // 1500
    await read(body, inputDelta('toolu_1', '{"path": "src/ma'));
    let s = stream.getSnapshot();
    const call = () => s.parts[1] as ReplyToolCallPart;
    expect(call()).toMatchObject({ type: 'tool_call', state: 'input-streaming', inputText: '{"path": "src/ma', input: { path: 'src/ma' }, execution: null });
    clock.advance(100); // 1600
    await read(body, inputDelta('toolu_1', 'in.ts", "lines": 40'));
    s = stream.getSnapshot();
    // 40 may still grow: not shown until something ends it.
    expect(call().input).toEqual({ path: 'src/main.ts' });
    clock.advance(100); // 1700: last delta of step 0
    await read(body, inputDelta('toolu_1', '}'), [
      'tool_call',
      { toolCallId: 'toolu_1', name: 'read_file', input: { path: 'src/main.ts', lines: 40 }, step: 0, index: 1, execution: 'server', t: 300 },
    ]);
    s = stream.getSnapshot();
    expect(call()).toMatchObject({ state: 'input-available', input: { path: 'src/main.ts', lines: 40 }, execution: 'server', needsApproval: false });
    expect(onToolCall).toHaveBeenCalledTimes(1);
    expect(onToolCall.mock.calls[0]?.[0]).toMatchObject({ toolCallId: 'toolu_1', state: 'input-available' });

    clock.advance(50); // 1750
    await read(body, stepFinish(0, 41, 'tool_use', 310));
    s = stream.getSnapshot();
    expect(call().state).toBe('running');
    expect(onStep).toHaveBeenCalledTimes(1);
    expect(onStep.mock.calls[0]?.[0]).toMatchObject({ step: 0, status: 'done', stopReason: 'tool_use', servedSpeed: 'fast' });

    clock.advance(1000); // 2750: the tool ran for a second
    await read(body, ['tool_result', { toolCallId: 'toolu_1', step: 0, output: { content: 'export {}' }, durationMs: 990, t: 1300 }]);
    s = stream.getSnapshot();
    expect(call()).toMatchObject({ state: 'output-available', output: { content: 'export {}' }, durationMs: 990 });
    expect(onToolResult).toHaveBeenCalledTimes(1);
    expect(onToolResult.mock.calls[0]?.[1]).toMatchObject({ toolCallId: 'toolu_1', state: 'output-available' });

    clock.advance(300); // 3050
    await read(body, stepStart(1, 1600));
    clock.advance(100); // 3150: step 1's first delta, 400 ms after the tool result arrived
    await read(body, text('The file ', 1, 0));
    clock.advance(200); // 3350
    await read(body, text('is empty.', 1, 0));
    await read(body, stepFinish(1, 21, 'end_turn', 2000), ['usage', { ...usageOf(62), speed: 'fast', t: 2001 }], ['done', doneEvent(62, { steps: 2 })]);

    s = stream.getSnapshot();
    expect(s.status).toBe('done');
    expect(s.finishReason).toBe('stop');
    expect(s.text).toBe('The file is empty.');
    expect(s.thinking).toBe('Look at main.ts');
    expect(s.parts.map((p) => [p.type, p.step, p.index])).toEqual([
      ['thinking', 0, 0],
      ['tool_call', 0, 1],
      ['text', 1, 0],
    ]);
    expect(s.parts[0]).toMatchObject({ thinking: 'Look at main.ts', signature: 'sig-1', redacted: false });
    expect((s.parts[2] as ReplyTextPart).text).toBe('The file is empty.');
    expect(Object.isFrozen(s.parts)).toBe(true);
    expect(Object.isFrozen(s.parts[1])).toBe(true);

    // Steps: TTFT of step 0 from the request, of step 1 from the tool result's arrival.
    expect(s.steps).toHaveLength(2);
    const [s0, s1] = s.steps;
    expect(s0).toMatchObject({ step: 0, messageId: 'msg_0', status: 'done', usage: usageOf(41) });
    expect(s0?.metrics.ttftMs).toBe(300);
    expect(s0?.metrics.outputTokens).toEqual({ value: 41, isEstimate: false });
    // 40 tokens after the first over 1300 → 1700.
    expect(s0?.metrics.otps.value).toBeCloseTo(40 / 0.4, 6);
    expect(s1?.metrics.ttftMs).toBe(400);
    expect(s1?.metrics.otps.value).toBeCloseTo(20 / 0.2, 6);
    expect(s1?.metrics.effectiveOtps.value).toBeCloseTo(21 / 0.6, 6);

    // Reply totals: tokens across steps; the second between the steps (tool + wait) is left out.
    expect(s.metrics.ttftMs).toBe(300);
    expect(s.metrics.outputTokens).toEqual({ value: 62, isEstimate: false });
    expect(s.metrics.otps.value).toBeCloseTo((40 + 20) / (0.4 + 0.2), 6);
    expect(s.metrics.effectiveOtps.value).toBeCloseTo(62 / (0.7 + 0.6), 6);
    expect(s.metrics.liveOtps.value).toBeCloseTo(100, 6);
    // Thinking's own times and rate.
    expect((s.parts[0] as ReplyThinkingPart).metrics).toMatchObject({ firstDeltaAt: 1300, lastDeltaAt: 1300 });
    expect(call().metrics).toMatchObject({ firstDeltaAt: 1500, lastDeltaAt: 1700 });
  });

  it('parts that did not change keep their identity between snapshots', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    await read(body, ['start', startEvent()], stepStart(0, 1), text('Plan: ', 0, 0), ['tool_call_start', { toolCallId: 'toolu_1', name: 'write_file', step: 0, index: 1, t: 2 }]);
    const a = stream.getSnapshot();
    await read(body, inputDelta('toolu_1', '{"content": "x'));
    const b = stream.getSnapshot();
    expect(b).not.toBe(a);
    expect(b.parts).not.toBe(a.parts);
    expect(b.parts[0]).toBe(a.parts[0]);
    expect(b.parts[1]).not.toBe(a.parts[1]);
    await read(body, ['ratelimit', { speed: 'fast', t: 3 }]);
    const c = stream.getSnapshot();
    // Nothing in the parts changed: the same array.
    expect(c.parts).toBe(b.parts);
    expect(c.steps).toBe(b.steps);
  });

  it('stop mid tool-input cancels the call, keeps its input and marks the step aborted', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    await read(body, ['start', startEvent()], stepStart(0, 1), ['tool_call_start', { toolCallId: 'toolu_1', name: 'write_file', step: 0, index: 0, t: 2 }], inputDelta('toolu_1', '{"path": "a.ts", "content": "const x', 0, 0));
    stream.stop();
    const s = stream.getSnapshot();
    expect(s.status).toBe('aborted');
    expect(s.parts[0]).toMatchObject({ state: 'cancelled', inputText: '{"path": "a.ts", "content": "const x', input: { path: 'a.ts', content: 'const x' } });
    expect(s.steps[0]?.status).toBe('aborted');
    // Late events of the stopped request change nothing.
    await read(body, inputDelta('toolu_1', '"}', 0, 0));
    expect(stream.getSnapshot()).toBe(s);
  });

  it('an error mid-step cancels unfinished calls but keeps finished results', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    await read(
      body,
      ['start', startEvent()],
      stepStart(0, 1),
      ['tool_call', { toolCallId: 'a', name: 'f', input: {}, step: 0, index: 0, execution: 'server', t: 2 }],
      ['tool_call', { toolCallId: 'b', name: 'g', input: {}, step: 0, index: 1, execution: 'server', t: 2 }],
      stepFinish(0, 5, 'tool_use', 3),
      ['tool_result', { toolCallId: 'a', step: 0, error: 'boom', durationMs: 4, t: 4 }],
      ['error', { kind: 'upstream', message: 'gone', retryable: true }],
    );
    const s = stream.getSnapshot();
    expect(s.status).toBe('error');
    expect(s.parts.map((p) => (p as ReplyToolCallPart).state)).toEqual(['output-error', 'cancelled']);
    expect(s.parts[0]).toMatchObject({ error: 'boom', inputText: '{}' });
  });

  it('a reply that ends waiting for a client tool and an approval', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    await read(
      body,
      ['start', startEvent()],
      stepStart(0, 1),
      text('Two things.', 0, 0),
      ['tool_call', { toolCallId: 'c1', name: 'get_location', input: {}, step: 0, index: 1, execution: 'client', t: 2 }],
      ['tool_call', { toolCallId: 's1', name: 'delete_file', input: { path: 'x' }, step: 0, index: 2, execution: 'server', needsApproval: true, t: 2 }],
      stepFinish(0, 30, 'tool_use', 3),
      [
        'done',
        doneEvent(30, {
          stopReason: 'tool_use',
          finishReason: 'tool_calls',
          pendingToolCalls: [
            { toolCallId: 'c1', name: 'get_location', awaiting: 'client' },
            { toolCallId: 's1', name: 'delete_file', awaiting: 'approval' },
          ],
        }),
      ],
    );
    const s = stream.getSnapshot();
    expect(s.finishReason).toBe('tool_calls');
    expect(s.pendingToolCalls.map((p) => p.toolCallId)).toEqual(['c1', 's1']);
    expect(s.parts.slice(1).map((p) => (p as ReplyToolCallPart).state)).toEqual(['awaiting-client', 'awaiting-approval']);
    // The approval call was never run: it did not go to `running` at step_finish.
    expect((s.parts[2] as ReplyToolCallPart).needsApproval).toBe(true);
  });

  it('results of an earlier reply’s approved calls (step -1) are exposed, and reported without a part', async () => {
    const onToolResult = vi.fn();
    const { stream, body } = setup({ onToolResult });
    stream.start(hello);
    await settle();
    const earlier = { toolCallId: 'toolu_old', step: -1, output: 'deleted', durationMs: 12, t: 5 };
    await read(body, ['tool_result', earlier], ['start', startEvent()], stepStart(0, 20), text('Done.', 0, 0));
    const s = stream.getSnapshot();
    expect(s.earlierToolResults).toEqual([earlier]);
    expect(s.parts).toHaveLength(1);
    expect(onToolResult).toHaveBeenCalledWith(earlier, undefined);
  });

  it('redacted thinking becomes a redacted part holding the opaque data', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    await read(body, ['start', startEvent()], stepStart(0, 1), ['thinking_signature', { step: 0, index: 0, signature: 'ENCRYPTED', redacted: true, t: 2 }], text('Hi', 0, 1));
    expect(stream.getSnapshot().parts[0]).toMatchObject({ type: 'thinking', thinking: '', signature: 'ENCRYPTED', redacted: true });
  });

  it.each<[string, string]>([
    ['tool_call_start', '{"name":"f","step":0,"index":0,"t":1}'],
    ['tool_input_delta', '{"toolCallId":"a","delta":5,"step":0,"index":0,"t":1}'],
    ['tool_call', '{"toolCallId":"a","name":"f","input":[1],"step":0,"index":0,"execution":"server","t":1}'],
    ['tool_result', '{"toolCallId":"a","step":0,"error":{"x":1},"durationMs":0,"t":1}'],
    ['step_finish', '{"step":0,"t":1}'],
    ['step_start', '{"step":"zero","t":1}'],
    ['thinking_signature', '{"step":0,"index":0,"t":1}'],
    ['done', '{"usage":{"outputTokens":1},"model":"m","pendingToolCalls":[{"toolCallId":"a","awaiting":"later"}]}'],
  ])('a malformed %s event is a protocol error', async (name, data) => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    await read(body, ['start', startEvent()]);
    body.send(`event: ${name}\ndata: ${data}\n\n`);
    await settle();
    expect(stream.getSnapshot()).toMatchObject({ status: 'error', error: { kind: 'protocol' } });
    expect(stream.getSnapshot().error?.message).toContain(name);
  });
});

describe('createFastStream: the fast headers each step read', () => {
  const fastHeaders = (remaining: number, t: number, retryAfterMs?: number): ProtocolEventMap['ratelimit'] => ({
    speed: 'fast',
    fast: {
      input: { limit: 100_000, remaining: 100_000, reset: '2026-12-02T08:00:00Z' },
      output: { limit: 300, remaining, reset: '2026-12-02T08:00:00Z' },
    },
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    t,
  });
  const standardStart = (step: number, t: number): ['step_start', ProtocolEventMap['step_start']] => [
    'step_start',
    { step, messageId: `msg_${step}`, model: 'claude-opus-4-6', requestedSpeed: 'standard', attempt: 2, t },
  ];
  const finish = (step: number, outputTokens: number, speed: 'fast' | 'standard', t: number): ['step_finish', ProtocolEventMap['step_finish']] => [
    'step_finish',
    { step, stopReason: 'tool_use', usage: usageOf(outputTokens, 4000), speed, timings: { startT: 0, firstDeltaT: 1, lastDeltaT: 2, endT: 3 }, cost: null, t },
  ];

  it('a fast step, a mid-loop 429, then standard: each step keeps its headers, and only fast output after the newest counts', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    const h0 = fastHeaders(300, 5);
    // Step 0's headers come before `start`.
    await read(body, ['ratelimit', h0], ['start', startEvent()], stepStart(0, 6), text('Reading the file.', 0, 0));
    expect(stream.getSnapshot().steps[0]?.fastRateLimit).toEqual(h0);
    await read(body, finish(0, 150, 'fast', 50));
    let s = stream.getSnapshot();
    // Mid-reply, before the next step: step 0's own 150 fast tokens were spent after h0.
    expect(replyFastSpend(s.steps, s.rateLimit)).toEqual({ rateLimit: h0, spentTokens: 150 });

    // Step 1's fast attempt is refused (its headers, then the fallback), and step 1 runs on standard.
    const h429 = fastHeaders(0, 60, 7000);
    await read(body, ['ratelimit', h429], ['fallback', { from: 'fast', to: 'standard', reason: 'rate_limited', retryAfterMs: 7000, t: 61 }]);
    s = stream.getSnapshot();
    expect(replyFastSpend(s.steps, s.rateLimit)).toEqual({ rateLimit: h429, spentTokens: 0 });
    await read(body, standardStart(1, 70), ['ratelimit', { speed: 'standard', t: 71 }], text('Done.', 1, 0), finish(1, 100, 'standard', 90));
    await read(body, ['done', doneEvent(250, { steps: 2, speed: 'standard' })]);
    s = stream.getSnapshot();
    expect(s.steps.map((x) => x.fastRateLimit)).toEqual([h0, h429]);
    // The standard attempt's headers carry no fast budget: the 429's stay the newest reading.
    expect(replyFastSpend(s.steps, s.rateLimit)).toEqual({ rateLimit: h429, spentTokens: 0 });
  });

  it('a later fast step reads its own headers after its step_start; they already count the steps before it', async () => {
    const { stream, body } = setup();
    stream.start(hello);
    await settle();
    const h0 = fastHeaders(300, 5);
    const h1 = fastHeaders(150, 55);
    await read(body, ['ratelimit', h0], ['start', startEvent()], stepStart(0, 6), text('Step one.', 0, 0), finish(0, 150, 'fast', 50));
    await read(body, stepStart(1, 54), ['ratelimit', h1], text('Step two, streaming.', 1, 0));
    let s = stream.getSnapshot();
    expect(s.steps[1]?.fastRateLimit).toEqual(h1);
    // Step 1 streams: its live estimate, not step 0's 150 (in h1 already).
    const live = replyFastSpend(s.steps, s.rateLimit);
    expect(live.rateLimit).toEqual(h1);
    expect(live.spentTokens).toBe(s.steps[1]!.metrics.outputTokens.value);
    expect(live.spentTokens).toBeGreaterThan(0);
    await read(body, finish(1, 80, 'fast', 90), ['done', doneEvent(230, { steps: 2 })]);
    s = stream.getSnapshot();
    expect(replyFastSpend(s.steps, s.rateLimit)).toEqual({ rateLimit: h1, spentTokens: 80 });
  });
});
