/**
 * The agent loop end to end: the sim (scripted tool plans) behind the real edge handler with the
 * example project's tools, both in-process, rendered by `useFastChat` + `<ChatThread>`.
 */
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { notifyManager, readFastBudget, replyFastSpend } from '@slipstream/core';
import { defineTool, type ChatHandlerOptions } from '@slipstream/edge';
import { createExampleProject } from '@slipstream/edge/examples';
import { createSim, type Sim } from '@slipstream/sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { edgeOverSim, TEST_KEY } from './edge-over-sim.ts';
import { useFastChat, type UseFastChatOptions, type UseFastChatResult } from '../src/hooks/use-fast-chat.ts';
import { ChatThread } from '../src/components/chat-thread.tsx';
import { RateLimitGauge } from '../src/components/rate-limit-gauge.tsx';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
afterEach(cleanup);

function rig(edgeOptions: ChatHandlerOptions, standardOtps = 2_000): { sim: Sim; fetch: typeof fetch; bodies: unknown[] } {
  const sim = createSim({ ttftMs: 20, standardOtps, jitter: 0, seed: 5 });
  const handler = edgeOverSim(sim, edgeOptions);
  const bodies: unknown[] = [];
  const edgeFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    return handler.fetch(new Request(new URL(String(input), 'http://app.invalid'), init));
  }) as typeof fetch;
  return { sim, fetch: edgeFetch, bodies };
}

/** A chat UI; `chat` is the hook's latest result. */
function mountChat(options: UseFastChatOptions) {
  const out: { chat: UseFastChatResult | null; states: Set<string>; partialInputs: number } = { chat: null, states: new Set(), partialInputs: 0 };
  function App() {
    const chat = useFastChat({ speed: 'fast', model: 'claude-opus-4-6', body: { max_tokens: 4000 }, ...options });
    out.chat = chat;
    for (const m of chat.messages) {
      for (const p of m.parts) {
        if (p.type !== 'tool_call') continue;
        out.states.add(`${p.name}:${p.state}`);
        if (p.state === 'input-streaming' && p.input !== undefined) out.partialInputs++;
      }
    }
    return <ChatThread messages={chat.messages} onApprove={chat.approve} onDeny={chat.deny} onToolResult={chat.addToolResult} />;
  }
  const view = render(<App />);
  return { ...view, out };
}

const reply = () => screen.getAllByRole('article')[1]!;

describe('agent loop through the edge', { timeout: 30_000 }, () => {
  it('a 3-step server-tool loop renders streaming inputs, each result, step dividers and the final text', async () => {
    // Slow enough (fast = 1,000 tok/s) that the whole-module write streams over several frames.
    const { fetch } = rig({ tools: createExampleProject().tools }, 400);
    const { out, container } = mountChat({ fetch });
    act(() => out.chat!.send('Add a TTL to the LRU cache [[sim:tools=list_files,read_file,write_file]]'));
    await waitFor(() => expect(reply().getAttribute('data-state')).toBe('done'), { timeout: 20_000 });
    const cards = within(reply()).getAllByRole('region', { name: /^Tool / });
    expect(cards.map((c) => [c.dataset.tool, c.dataset.state])).toEqual([
      ['list_files', 'done'],
      ['read_file', 'done'],
      ['write_file', 'done'],
    ]);
    // The read's result is the file itself; every card says how long its tool ran.
    expect(cards[1]!.querySelector('[data-part="output"]')!.textContent).toContain('class LruCache');
    for (const c of cards) expect(c.querySelector('[data-part="duration"]')!.textContent).toMatch(/\d+ ms|\d\.\d s/);
    // One divider per step (3 tool steps and the answer), each with its served speed and rate.
    const dividers = container.querySelectorAll('[data-slipstream="step-divider"]');
    expect(dividers).toHaveLength(4);
    for (const d of dividers) {
      expect(d.getAttribute('data-speed')).toBe('fast');
      expect(d.textContent).toMatch(/tok\/s/);
    }
    // Parts in order: each step's card comes before the next divider; the answer text comes last.
    const order = [...reply().querySelectorAll('[data-slipstream="step-divider"], [data-slipstream="tool-call"], [data-slipstream="markdown"]')].map((e) =>
      e.getAttribute('data-slipstream'),
    );
    expect(order.filter((k) => k !== 'markdown')).toEqual(['step-divider', 'tool-call', 'step-divider', 'tool-call', 'step-divider', 'tool-call', 'step-divider']);
    expect(order.at(-1)).toBe('markdown');
    expect(out.chat!.messages[1]!.content.length).toBeGreaterThan(20);
    // The write's input was rendered while it streamed, parsed from a prefix, frame after frame.
    expect(out.states.has('write_file:input-streaming')).toBe(true);
    expect(out.partialInputs).toBeGreaterThan(3);
    // The module being written reads as code: its lines under the key, not one escaped string.
    const shown = cards[2]!.querySelector('[data-part="input"]')!.textContent!;
    expect(shown).toMatch(/^\{\n {2}"path": "src\/lib\/cache.ts",\n {2}"content":\n {4}\S/);
    expect(shown.split('\n').length).toBeGreaterThan(20);
    expect(out.chat!.messages[1]!.steps.map((s) => s.servedSpeed)).toEqual(['fast', 'fast', 'fast', 'fast']);
  });

  it('approve: the reply waits with Approve/Deny, then continues into the same message with the tool result', async () => {
    const { fetch, bodies } = rig({ tools: createExampleProject({ approveWrites: true }).tools });
    const { out } = mountChat({ fetch });
    act(() => out.chat!.send('Add a TTL to the LRU cache [[sim:tools=write_file]]'));
    const approve = await screen.findByRole('button', { name: 'Approve write_file' }, { timeout: 20_000 });
    expect(reply().getAttribute('data-state')).toBe('done');
    expect(out.chat!.messages[1]!.finishReason).toBe('tool_calls');
    act(() => approve.click());
    await waitFor(() => expect(bodies).toHaveLength(2));
    expect(screen.queryByRole('button', { name: 'Approve write_file' })).toBeNull();
    await waitFor(() => expect(out.chat!.messages[1]!.status).toBe('done'), { timeout: 20_000 });
    expect(out.chat!.messages).toHaveLength(2);
    const card = within(reply()).getByRole('region', { name: 'Tool write_file' });
    expect(card.dataset.state).toBe('done');
    expect(card.querySelector('[data-part="output"]')!.textContent).toContain('src/lib/cache.ts');
    expect(out.chat!.messages[1]!.finishReason).toBe('stop');
    // The continuation's text follows the card in the same message, as a later step.
    const parts = out.chat!.messages[1]!.parts;
    expect(parts.at(-1)).toMatchObject({ type: 'text', step: 1 });
  });

  it('deny: the model is told and answers without running the tool', async () => {
    const project = createExampleProject({ approveWrites: true });
    const { fetch } = rig({ tools: project.tools });
    const { out } = mountChat({ fetch, conversationId: 'deny-1' });
    act(() => out.chat!.send('Add a TTL to the LRU cache [[sim:tools=write_file]]'));
    const deny = await screen.findByRole('button', { name: 'Deny write_file' }, { timeout: 20_000 });
    act(() => deny.click());
    await waitFor(() => expect(out.chat!.messages[1]!.finishReason).toBe('stop'), { timeout: 20_000 });
    const card = within(reply()).getByRole('region', { name: 'Tool write_file' });
    expect(['denied', 'error']).toContain(card.dataset.state);
    expect(project.files('deny-1')['src/lib/cache.ts']).not.toMatch(/ttl/i);
  });

  it('a client tool round trip: the app answers with addToolResult and the reply continues', async () => {
    const clientTool = defineTool({
      name: 'get_time',
      description: 'The user’s local time.',
      inputSchema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
    });
    const { fetch, bodies } = rig({ tools: [clientTool] });
    const { out } = mountChat({ fetch, onClientToolCall: (call) => ({ time: '12:00', timezone: (call.input as { timezone: string }).timezone }) });
    act(() => out.chat!.send('What time is it? [[sim:tools=get_time]]'));
    await waitFor(() => expect(bodies).toHaveLength(2), { timeout: 20_000 });
    await waitFor(() => expect(out.chat!.messages[1]!.finishReason).toBe('stop'), { timeout: 20_000 });
    const card = within(reply()).getByRole('region', { name: 'Tool get_time' });
    expect(card.dataset.state).toBe('done');
    expect(card.querySelector('[data-part="output"]')!.textContent).toContain('12:00');
    const second = bodies[1] as { messages: { role: string; content: unknown }[] };
    expect(second.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', toolCallId: expect.stringMatching(/^toolu_/), output: { time: '12:00', timezone: expect.any(String) } }],
    });
  });

  it('the fast budget after a loop a low budget moved to standard: only its fast steps count, and the gauge agrees with the sim\'s bucket', async () => {
    const { fetch, sim } = rig({ tools: createExampleProject().tools });
    // 2,500 fast output tokens a minute: step 0's write_file input spends ~1,000, so step 1's headers
    // show less left than max_tokens and the edge moves steps 2 and 3 to standard (budget_low).
    sim.configure({ fastOutputTpm: 2_500 });
    const { out } = mountChat({ fetch, speed: 'auto', body: { max_tokens: 2_000 } });
    act(() => out.chat!.send('Add a TTL to the LRU cache [[sim:tools=write_file,read_file,list_files]]'));
    await waitFor(() => expect(out.chat!.messages[1]?.status).toBe('done'), { timeout: 20_000 });
    const message = out.chat!.messages[1]!;
    expect(message.steps.map((st) => st.servedSpeed)).toEqual(['fast', 'fast', 'standard', 'standard']);
    expect(message.fallback?.reason).toBe('budget_low');
    // Each fast step read its own headers; the standard steps read none with a fast budget.
    expect(message.steps.map((st) => st.fastRateLimit !== undefined)).toEqual([true, true, false, false]);

    const spend = replyFastSpend(message.steps, out.chat!.stream.rateLimit);
    expect(spend.rateLimit).toBe(message.steps[1]!.fastRateLimit);
    expect(spend.spentTokens).toBe(message.steps[1]!.usage!.outputTokens);
    const now = Date.now();
    const reading = readFastBudget(spend.rateLimit, { spentTokens: spend.spentTokens, refill: true, now });
    // The truth: a fast request to the sim now reports its bucket (headers come before its own output).
    const probe = await sim.fetch(
      new Request('http://sim.invalid/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'fast-mode-2026-02-01' },
        body: JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 1, speed: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    const truth = Number(probe.headers.get('anthropic-fast-output-tokens-remaining'));
    await probe.body?.cancel();
    expect(truth).toBeGreaterThan(0);
    // Within the reset's rounding to the second (2,500/min is ~42 tokens a second) and the probe's delay.
    expect(Math.abs(reading.remaining! - truth)).toBeLessThanOrEqual(60);
    // What counting the whole reply would have said: short by the standard steps and by step 0 (already in step 1's headers).
    const total = message.usage!.outputTokens;
    const naive = readFastBudget(spend.rateLimit, { spentTokens: total, refill: true, now }).remaining!;
    expect(total - spend.spentTokens).toBeGreaterThan(200);
    expect(Math.abs(naive - truth)).toBeGreaterThan(120);

    // The gauge given the reply's steps shows the same reading.
    const { container } = render(<RateLimitGauge rateLimit={out.chat!.stream.rateLimit} steps={message.steps} refill now={now} />);
    const gauge = container.querySelector('[data-slipstream="rate-limit-gauge"]')!;
    expect(gauge.querySelector('[role="meter"]')!.getAttribute('aria-valuenow')).toBe(String(reading.remaining));
    expect(gauge.getAttribute('data-estimate')).toBe('true');
  });
});
