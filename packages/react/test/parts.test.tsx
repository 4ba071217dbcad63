import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Profiler, StrictMode, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatToolCallPart, ReplyStep, ReplyThinkingPart, StepMetrics } from '@slipstream/core';
import { Message } from '../src/components/message.tsx';
import { ChatThread } from '../src/components/chat-thread.tsx';
import { ToolCallCard, toolCallStatus, type ToolRendererProps } from '../src/components/tool-call.tsx';
import { ThinkingBlock } from '../src/components/thinking-block.tsx';
import { StepDivider } from '../src/components/step-divider.tsx';
import { reply } from './fixtures.ts';

afterEach(cleanup);

/**
 * `<MessageParts>` loads the card, thinking block and divider in a chunk of their own on first use (see
 * lazy-parts.test.tsx); wait until no placeholder is left. The first test here takes the lazy path.
 */
const viewsLoaded = () => waitFor(() => expect(document.querySelector('[data-slipstream="part-loading"]')).toBeNull());

const partMetrics = (rate: number | null = null) => ({ firstDeltaAt: 100, lastDeltaAt: 1_300, liveOtps: { value: rate, isEstimate: true } });

const call = (over: Partial<ChatToolCallPart> = {}): ChatToolCallPart => ({
  type: 'tool_call',
  step: 0,
  index: 1,
  toolCallId: 'toolu_1',
  name: 'read_file',
  inputText: '{"path":"src/a.ts"}',
  input: { path: 'src/a.ts' },
  state: 'output-available',
  execution: 'server',
  needsApproval: false,
  output: { lines: 12 },
  durationMs: 42,
  metrics: partMetrics(),
  ...over,
});

const thinking = (over: Partial<ReplyThinkingPart> = {}): ReplyThinkingPart => ({
  type: 'thinking',
  step: 0,
  index: 0,
  thinking: 'First, read the file.',
  signature: 'sig',
  redacted: false,
  metrics: partMetrics(350),
  ...over,
});

const stepMetrics = (over: Partial<StepMetrics> = {}): StepMetrics => ({
  ttftMs: 310,
  otps: { value: 812.4, isEstimate: false },
  effectiveOtps: { value: 700, isEstimate: false },
  liveOtps: { value: 800, isEstimate: true },
  outputTokens: { value: 300, isEstimate: false },
  ...over,
});

const step = (n: number, over: Partial<ReplyStep> = {}): ReplyStep => ({
  step: n,
  messageId: `msg_${n}`,
  model: 'claude-opus-4-6',
  requestedSpeed: 'fast',
  servedSpeed: 'fast',
  stopReason: 'tool_use',
  usage: null,
  cost: null,
  edge: null,
  metrics: stepMetrics(),
  status: 'done',
  ...over,
});

/** A finished 2-step reply: thinking + tool call, then the answer. */
const twoSteps = () =>
  reply({
    content: 'Reading it.\n\nIt has 12 lines.',
    parts: [
      thinking(),
      { type: 'text', text: 'Reading it.', step: 0, index: 1 },
      call({ index: 2 }),
      { type: 'text', text: 'It has **12** lines.', step: 1, index: 0 },
    ],
    steps: [step(0), step(1, { servedSpeed: 'standard', metrics: stepMetrics({ ttftMs: 1_250, otps: { value: 75, isEstimate: false } }) })],
  });

describe('<Message> parts', () => {
  it('renders the parts in order, with a step divider before each step', async () => {
    const { container } = render(<Message message={twoSteps()} meta={false} />);
    await viewsLoaded();
    const order = [...container.querySelectorAll('[data-slipstream="thinking"], [data-slipstream="markdown"], [data-slipstream="tool-call"], [data-slipstream="step-divider"]')].map(
      (el) => el.getAttribute('data-slipstream'),
    );
    expect(order).toEqual(['step-divider', 'thinking', 'markdown', 'tool-call', 'step-divider', 'markdown']);
    const dividers = container.querySelectorAll('[data-slipstream="step-divider"]');
    expect(dividers[0]!.textContent).toBe('Step 1fastTTFT 310 ms812 tok/s');
    expect(dividers[1]!.textContent).toBe('Step 2standardTTFT 1.3 s75 tok/s');
    expect(dividers[1]!.getAttribute('data-speed')).toBe('standard');
    expect(container.querySelectorAll('strong')[0]!.textContent).toBe('12');
  });

  it('a one-step reply has no dividers; user images and documents render safely', () => {
    const { container } = render(
      <>
        <Message message={reply({ parts: [{ type: 'text', text: 'Hi.', step: 0, index: 0 }], steps: [step(0)] })} meta={false} />
        <Message
          message={reply({
            id: 'u1',
            role: 'user',
            content: 'Look',
            parts: [
              { type: 'text', text: 'Look' },
              { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=', name: 'cat.png' },
              { type: 'image', mediaType: 'text/html' as 'image/png', data: 'PHNjcmlwdD4=' },
              { type: 'document', mediaType: 'application/pdf', data: 'JVBERi0=', name: 'spec.pdf' },
            ],
          })}
        />
      </>,
    );
    expect(container.querySelector('[data-slipstream="step-divider"]')).toBeNull();
    const imgs = container.querySelectorAll('img');
    expect(imgs).toHaveLength(1);
    expect(imgs[0]!.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(imgs[0]!.getAttribute('alt')).toBe('cat.png');
    expect(container.querySelector('[data-part="document"]')!.textContent).toBe('spec.pdf · 5 B');
  });

  it('routes tool calls to toolRenderers by name, with helpers bound to the call', async () => {
    const onApprove = vi.fn();
    const onDeny = vi.fn();
    const onToolResult = vi.fn();
    function WeatherCard({ part, approve, deny, addResult }: ToolRendererProps) {
      return (
        <div data-testid="weather">
          {String((part.input as { city: string }).city)}
          <button onClick={approve}>yes</button>
          <button onClick={() => deny('no thanks')}>no</button>
          <button onClick={() => addResult({ output: { tempC: 18 } })}>answer</button>
        </div>
      );
    }
    const renderers = { get_weather: WeatherCard };
    const message = reply({
      parts: [call({ toolCallId: 'toolu_w', name: 'get_weather', input: { city: 'Paris' }, state: 'awaiting-client' }), call({ toolCallId: 'toolu_r', index: 2 })],
    });
    render(<ChatThread messages={[message]} toolRenderers={renderers} onApprove={onApprove} onDeny={onDeny} onToolResult={onToolResult} />);
    const custom = screen.getByTestId('weather');
    expect(custom.textContent).toContain('Paris');
    await viewsLoaded();
    // Other tools keep the default card; a key from Object.prototype is not a renderer.
    expect(document.querySelectorAll('[data-slipstream="tool-call"]')).toHaveLength(1);
    fireEvent.click(within(custom).getByText('yes'));
    fireEvent.click(within(custom).getByText('no'));
    fireEvent.click(within(custom).getByText('answer'));
    expect(onApprove).toHaveBeenCalledWith('toolu_w');
    expect(onDeny).toHaveBeenCalledWith('toolu_w', 'no thanks');
    expect(onToolResult).toHaveBeenCalledWith('toolu_w', { output: { tempC: 18 } });
    render(<Message message={reply({ parts: [call({ name: 'constructor' })] })} toolRenderers={renderers} />);
  });
});

describe('<ToolCallCard>', () => {
  it('shows each state with its label and data-state', () => {
    const cases: [Partial<ChatToolCallPart>, string, string][] = [
      [{ state: 'input-streaming', output: undefined, durationMs: undefined }, 'pending', 'Preparing input…'],
      [{ state: 'running', output: undefined }, 'running', 'Running…'],
      [{ state: 'input-available', approval: { approved: true }, output: undefined }, 'running', 'Approved, running…'],
      [{ state: 'awaiting-approval', output: undefined }, 'awaiting-approval', 'Waiting for approval'],
      [{ state: 'awaiting-client', output: undefined }, 'awaiting-client', 'Waiting for the app'],
      [{ state: 'output-available' }, 'done', 'Done'],
      [{ state: 'output-error', output: undefined, error: 'ENOENT' }, 'error', 'Failed'],
      [{ state: 'output-error', output: undefined, approval: { approved: false, reason: 'risky' } }, 'denied', 'Denied'],
      [{ state: 'cancelled', output: undefined }, 'cancelled', 'Cancelled'],
    ];
    for (const [over, status, label] of cases) {
      expect(toolCallStatus(call(over))).toEqual({ status, label });
      const { container, unmount } = render(<ToolCallCard part={call(over)} />);
      const card = container.firstElementChild as HTMLElement;
      expect(card.dataset.state).toBe(status);
      expect(within(card).getByRole('status').textContent).toBe(label);
      unmount();
    }
  });

  it('pretty-prints the input and result, shows the duration and error, and collapses with aria-expanded', () => {
    const { container, rerender } = render(<ToolCallCard part={call()} />);
    expect(container.querySelector('[data-part="input"]')!.textContent).toBe('{\n  "path": "src/a.ts"\n}');
    expect(container.querySelector('[data-part="output"]')!.textContent).toBe('{\n  "lines": 12\n}');
    expect(container.querySelector('[data-part="duration"]')!.textContent).toBe('42 ms');
    const toggle = screen.getByRole('button', { name: 'read_file' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const body = document.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(body.hidden).toBe(false);
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(body.hidden).toBe(true);
    rerender(<ToolCallCard part={call({ state: 'output-error', output: undefined, error: 'File not found' })} />);
    expect(container.querySelector('[data-part="error"]')!.textContent).toBe('File not found');
  });

  it('streams the input from the tolerant parse, with its live rate', () => {
    const streaming = call({ state: 'input-streaming', inputText: '{"path":"src/a.ts","content":"line 1\\nli', input: { path: 'src/a.ts', content: 'line 1\nli' }, output: undefined, durationMs: undefined, metrics: partMetrics(912) });
    const { container } = render(<ToolCallCard part={streaming} />);
    // A multi-line string (a file being written) shows as its text, indented under its key.
    expect(container.querySelector('[data-part="input"]')!.textContent).toBe('{\n  "path": "src/a.ts",\n  "content":\n    line 1\n    li\n}');
    expect(container.querySelector('[data-part="rate"]')!.textContent).toBe('~912 tok/s');
    // Nothing parsed yet: the raw text.
    cleanup();
    const { container: c2 } = render(<ToolCallCard part={{ ...streaming, inputText: '{"pa', input: undefined }} />);
    expect(c2.querySelector('[data-part="input"]')!.textContent).toBe('{"pa');
  });

  it('Approve and Deny are labelled buttons that call the handlers, only while waiting for approval', () => {
    const onApprove = vi.fn();
    const onDeny = vi.fn();
    const waiting = call({ name: 'delete_files', state: 'awaiting-approval', output: undefined, needsApproval: true });
    const { rerender } = render(<ToolCallCard part={waiting} onApprove={onApprove} onDeny={onDeny} />);
    fireEvent.click(screen.getByRole('button', { name: 'Approve delete_files' }));
    fireEvent.click(screen.getByRole('button', { name: 'Deny delete_files' }));
    expect(onApprove).toHaveBeenCalledWith('toolu_1');
    expect(onDeny).toHaveBeenCalledWith('toolu_1');
    rerender(<ToolCallCard part={{ ...waiting, state: 'input-available', approval: { approved: true } }} onApprove={onApprove} onDeny={onDeny} />);
    expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull();
  });
});

describe('<ThinkingBlock>', () => {
  it('is collapsed by default, says how long it took and its rate, opens with aria-expanded', () => {
    const { container } = render(<ThinkingBlock part={thinking()} />);
    const toggle = screen.getByRole('button');
    expect(toggle.textContent).toBe('Thought for 1.2 s · ~350 tok/s');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(container.querySelector('[data-part="content"]')).toBeNull();
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(document.getElementById(toggle.getAttribute('aria-controls')!)!.textContent).toBe('First, read the file.');
  });

  it('says Thinking… while it streams and marks redacted thinking', () => {
    const { container, rerender } = render(<ThinkingBlock part={thinking({ signature: null })} streaming />);
    expect(container.firstElementChild!.getAttribute('data-state')).toBe('streaming');
    expect(screen.getByRole('button').textContent).toBe('Thinking… · ~350 tok/s');
    rerender(<ThinkingBlock part={thinking({ redacted: true, thinking: '' })} />);
    expect(screen.getByRole('button').textContent).toBe('Thinking (redacted)');
    expect((screen.getByRole('button') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('<StepDivider>', () => {
  it('shows the requested speed and the live estimate while the step streams', () => {
    const { container } = render(<StepDivider step={step(2, { status: 'streaming', servedSpeed: null, metrics: stepMetrics({ ttftMs: null, otps: { value: null, isEstimate: false } }) })} />);
    expect(container.textContent).toBe('Step 3fast (requested)~800 tok/s');
  });
});

describe('rendering cost', () => {
  it('only the streaming part re-renders: settled parts and cards are skipped (StrictMode)', async () => {
    let renders = 0;
    function Counting(props: ToolRendererProps) {
      renders++;
      return <span>{props.part.name}</span>;
    }
    const renderers = { read_file: Counting };
    const settled = call({ index: 2 });
    const base = twoSteps();
    let setText!: (t: string) => void;
    function App() {
      const [text, set] = useState('It has');
      setText = set;
      const m = { ...base, status: 'streaming' as const, parts: [base.parts[0]!, base.parts[1]!, settled, { type: 'text' as const, text, step: 1, index: 0 }] };
      return <Message message={m} toolRenderers={renderers} meta={false} />;
    }
    const commits: number[] = [];
    render(
      <StrictMode>
        <Profiler id="m" onRender={(_id, phase) => commits.push(phase === 'mount' ? 0 : 1)}>
          <App />
        </Profiler>
      </StrictMode>,
    );
    // The thinking block and dividers render once their chunk is there; count commits from then on.
    await viewsLoaded();
    commits.length = 0;
    const afterMount = renders;
    for (let i = 0; i < 20; i++) act(() => setText(`It has ${'x'.repeat(i)}`));
    expect(renders).toBe(afterMount);
    expect(commits.filter((c) => c === 1)).toHaveLength(20);
  });
});
