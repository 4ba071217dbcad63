/**
 * The tool call card, thinking block and step divider are a chunk of their own (`rich-parts.ts`) that
 * `<MessageParts>` imports on first use. The tests run in order in one module graph: nothing has
 * requested the chunk until the first tool part renders, and after that every part renders at once.
 * `requests` counts how often the module was actually requested (the mock factory runs on import).
 */
import { act, cleanup, render, screen } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatToolCallPart, ReplyStep } from '@slipstream/core';
import { ChatThread } from '../src/components/chat-thread.tsx';
import { Message } from '../src/components/message.tsx';
import * as pkg from '../src/index.ts';
import { reply } from './fixtures.ts';

const requests = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/components/rich-parts.ts', async (importOriginal) => {
  requests.count++;
  return importOriginal();
});

afterEach(cleanup);

/** Lets pending imports, effects and timers run. */
const settle = () => act(() => new Promise((r) => setTimeout(r, 30)));

const metrics = { firstDeltaAt: 100, lastDeltaAt: 1_300, liveOtps: { value: null, isEstimate: true } };

const call = (over: Partial<ChatToolCallPart> = {}): ChatToolCallPart => ({
  type: 'tool_call',
  step: 0,
  index: 1,
  toolCallId: 'toolu_1',
  name: 'read_file',
  inputText: '{"path":"src/a.ts"}',
  input: { path: 'src/a.ts' },
  state: 'running',
  execution: 'server',
  needsApproval: false,
  metrics,
  ...over,
});

const step = (n: number): ReplyStep => ({
  step: n,
  messageId: `msg_${n}`,
  model: 'claude-opus-4-6',
  requestedSpeed: 'fast',
  servedSpeed: 'fast',
  stopReason: n === 0 ? 'tool_use' : 'end_turn',
  usage: null,
  cost: null,
  edge: null,
  metrics: {
    ttftMs: 300,
    otps: { value: 800, isEstimate: false },
    effectiveOtps: { value: 700, isEstimate: false },
    liveOtps: { value: 800, isEstimate: true },
    outputTokens: { value: 100, isEstimate: false },
  },
  status: 'done',
});

describe('the rich part views load on first use', () => {
  it('a text-only thread, and tools drawn by toolRenderers, never request the chunk', async () => {
    const user = reply({ id: 'u1', role: 'user', content: 'Hi', parts: [{ type: 'text', text: 'Hi' }] });
    const streaming = reply({ id: 'a1', status: 'streaming', content: 'Hello', parts: [{ type: 'text', text: 'Hello', step: 0, index: 0 }], steps: [step(0)] });
    const Weather = () => <div data-testid="weather">18 °C</div>;
    const renderers = { get_weather: Weather };
    const { rerender } = render(<ChatThread messages={[user, streaming]} toolRenderers={renderers} onApprove={() => {}} onDeny={() => {}} />);
    rerender(
      <ChatThread
        messages={[user, { ...streaming, status: 'done', content: 'Hello **there**.', parts: [{ type: 'text', text: 'Hello **there**.', step: 0, index: 0 }] }]}
        toolRenderers={renderers}
        onApprove={() => {}}
        onDeny={() => {}}
      />,
    );
    // A tool the app draws itself does not need the default card.
    rerender(<ChatThread messages={[user, reply({ id: 'a2', parts: [call({ name: 'get_weather' })] })]} toolRenderers={renderers} />);
    await settle();
    expect(screen.getByTestId('weather').textContent).toBe('18 °C');
    expect(document.querySelector('[data-slipstream="part-loading"]')).toBeNull();
    expect(requests.count).toBe(0);
  });

  it('tool calls and thinking show a status line until the chunk is there, then the views', async () => {
    const onApprove = vi.fn();
    const thinkingPart = { type: 'thinking' as const, step: 0, index: 0, thinking: 'Hm', signature: null, redacted: false, metrics };
    const parts = [thinkingPart, { ...thinkingPart, index: 1, signature: 'sig' }, call({ index: 2, state: 'awaiting-approval' })];
    render(<Message message={reply({ status: 'streaming', parts })} onApprove={onApprove} meta={false} />);
    // "Thinking…" only for the block still arriving (no signature yet), as the block itself says.
    expect(screen.getAllByRole('status').map((s) => `${s.dataset.slipstream} ${s.dataset.for}: ${s.textContent}`)).toEqual([
      'part-loading thinking: Thinking…',
      'part-loading thinking: Thinking',
      'part-loading tool-call: Tool read_file: loading…',
    ]);
    expect(document.querySelector('[data-slipstream="tool-call"]')).toBeNull();
    const card = await screen.findByRole('region', { name: 'Tool read_file' });
    expect(card.dataset.state).toBe('awaiting-approval');
    expect(document.querySelectorAll('[data-slipstream="thinking"]')).toHaveLength(2);
    expect(document.querySelector('[data-slipstream="part-loading"]')).toBeNull();
    act(() => screen.getByRole('button', { name: 'Approve read_file' }).click());
    expect(onApprove).toHaveBeenCalledWith('toolu_1');
    expect(requests.count).toBe(1);
  });

  it('once loaded, thinking, tool calls and step dividers render in the first commit', async () => {
    const { container } = render(
      <Message
        message={reply({
          parts: [
            { type: 'thinking', step: 0, index: 0, thinking: 'Read it first.', signature: 'sig', redacted: false, metrics },
            call({ state: 'output-available', output: { lines: 12 }, durationMs: 40 }),
            { type: 'text', text: 'It has 12 lines.', step: 1, index: 0 },
          ],
          steps: [step(0), step(1)],
        })}
        meta={false}
      />,
    );
    const order = [...container.querySelectorAll('[data-slipstream]')].map((e) => e.getAttribute('data-slipstream')).filter((k) => k !== 'live-announcer');
    expect(order).toEqual(['message', 'step-divider', 'thinking', 'tool-call', 'step-divider', 'markdown']);
    expect(requests.count).toBe(1);
    // The root entry's exports are the very components the chunk holds.
    const views = await import('../src/components/rich-parts.ts');
    expect([pkg.ToolCallCard, pkg.ThinkingBlock, pkg.StepDivider]).toEqual([views.ToolCallCard, views.ThinkingBlock, views.StepDivider]);
    expect(pkg.ToolCallCard).toBe(views.ToolCallCard);
    expect(requests.count).toBe(1);
  });

  it('server HTML has the placeholder even when the chunk is loaded, so hydration matches; the view follows', async () => {
    const el = <Message message={reply({ parts: [call({ state: 'output-available', output: 1 })] })} meta={false} />;
    const html = renderToString(el);
    expect(html).toContain('data-slipstream="part-loading"');
    expect(html).not.toContain('data-slipstream="tool-call"');
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.appendChild(container);
    const errors: unknown[] = [];
    await act(async () => {
      hydrateRoot(container, el, { onRecoverableError: (e) => errors.push(e) });
    });
    expect(errors).toEqual([]);
    expect(container.querySelector('[data-slipstream="tool-call"]')).not.toBeNull();
    expect(container.querySelector('[data-slipstream="part-loading"]')).toBeNull();
    container.remove();
  });
});
