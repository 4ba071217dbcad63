import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { notifyManager } from '@slipstream/core';
import { Profiler, StrictMode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { toHistory, useFastChat } from '../src/hooks/use-fast-chat.ts';
import { ChatThread } from '../src/components/chat-thread.tsx';
import { Composer } from '../src/components/composer.tsx';
import { fakeFetch, reply, sseResponse } from './helpers.ts';

beforeAll(() => notifyManager.setNotifyFunction((cb) => act(cb)));
afterAll(() => notifyManager.setNotifyFunction((cb) => cb()));
afterEach(cleanup);

/** Answers with "Reply N." for the Nth request. */
const numbered = () => fakeFetch((_b, signal, n) => sseResponse(reply({ text: `Reply ${n}.`, chunks: 2, every: 2 }), signal));

describe('useFastChat', { timeout: 20_000 }, () => {
  it('sends, streams the reply into the list, and keeps per-message numbers', async () => {
    const fetch = numbered();
    const onFinish = vi.fn();
    const { result } = renderHook(() => useFastChat({ fetch, speed: 'auto', model: 'claude-opus-4-6', onFinish }));
    const id = result.current.conversationId;
    expect(id).toMatch(/[0-9a-f-]{36}/);
    act(() => result.current.send('Hello'));
    expect(result.current.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'submitted'],
    ]);
    await waitFor(() => expect(result.current.messages[1]!.status).toBe('done'));
    const a = result.current.messages[1]!;
    expect(a.content).toBe('Reply 1.');
    expect(a.servedSpeed).toBe('fast');
    expect(a.metrics?.otps.isEstimate).toBe(false);
    expect(a.usage?.outputTokens).toBe(11);
    expect(fetch.calls[0]!.body).toEqual({
      messages: [{ role: 'user', content: 'Hello' }],
      conversationId: id,
      speed: 'auto',
      model: 'claude-opus-4-6',
    });
    expect(onFinish).toHaveBeenCalledWith(expect.objectContaining({ content: 'Reply 1.' }), expect.anything());

    act(() => result.current.send('Again'));
    await waitFor(() => expect(result.current.messages[3]?.status).toBe('done'));
    expect(fetch.calls[1]!.body.messages).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Reply 1.' },
      { role: 'user', content: 'Again' },
    ]);
    expect(fetch.calls[1]!.body.conversationId).toBe(id);
    // The finished first reply keeps its identity while the second streams (memoized rows).
    expect(result.current.conversationId).toBe(id);
  });

  it('keeps finished messages as the same objects while a reply streams', async () => {
    const fetch = fakeFetch((_b, signal, n) =>
      sseResponse(reply({ text: n === 1 ? 'First.' : 'Second reply that streams for a while.', chunks: 10, every: 10 }), signal),
    );
    const { result } = renderHook(() => useFastChat({ fetch }));
    act(() => result.current.send('a'));
    await waitFor(() => expect(result.current.status).toBe('done'));
    const [u1, a1] = result.current.messages;
    act(() => result.current.send('b'));
    await waitFor(() => expect(result.current.messages[3]?.status).toBe('streaming'));
    expect(result.current.messages[0]).toBe(u1);
    expect(result.current.messages[1]).toBe(a1);
    await waitFor(() => expect(result.current.status).toBe('done'));
  });

  it('stop keeps the partial reply as aborted; regenerate replaces the last reply', async () => {
    const fetch = fakeFetch((_b, signal, n) =>
      sseResponse(reply({ text: n === 1 ? 'A long answer. '.repeat(10) : 'Short.', chunks: n === 1 ? 30 : 2, every: n === 1 ? 20 : 1 }), signal),
    );
    const { result } = renderHook(() => useFastChat({ fetch }));
    act(() => result.current.send('Q'));
    await waitFor(() => expect(result.current.messages[1]!.content.length).toBeGreaterThan(10));
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.messages[1]!.status).toBe('aborted'));
    expect(fetch.calls[0]!.signal?.aborted).toBe(true);
    const partial = result.current.messages[1]!.content;
    expect(partial.length).toBeGreaterThan(10);
    act(() => result.current.regenerate());
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(result.current.messages.map((m) => m.content)).toEqual(['Q', 'Short.']);
    expect(fetch.calls[1]!.body.messages).toEqual([{ role: 'user', content: 'Q' }]);
  });

  it('sending while a reply streams stops it first and keeps its partial text', async () => {
    const fetch = fakeFetch((_b, signal, n) =>
      sseResponse(reply({ text: n === 1 ? 'word '.repeat(60) : 'Done.', chunks: n === 1 ? 30 : 1, every: 15 }), signal),
    );
    const { result } = renderHook(() => useFastChat({ fetch }));
    act(() => result.current.send('one'));
    await waitFor(() => expect(result.current.messages[1]!.content.length).toBeGreaterThan(5));
    act(() => result.current.send('two'));
    expect(fetch.calls[0]!.signal?.aborted).toBe(true);
    expect(result.current.messages[1]!.status).toBe('aborted');
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(result.current.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(result.current.messages[3]!.content).toBe('Done.');
  });

  it('edit replaces a user message, drops what follows, and asks again', async () => {
    const fetch = numbered();
    const { result } = renderHook(() => useFastChat({ fetch }));
    act(() => result.current.send('first'));
    await waitFor(() => expect(result.current.status).toBe('done'));
    act(() => result.current.send('second'));
    await waitFor(() => expect(result.current.messages[3]?.status).toBe('done'));
    const firstId = result.current.messages[0]!.id;
    act(() => result.current.edit(firstId, 'first, edited'));
    await waitFor(() => expect(fetch.calls).toHaveLength(3));
    await waitFor(() => expect(result.current.messages[1]?.status).toBe('done'));
    expect(result.current.messages.map((m) => m.content)).toEqual(['first, edited', 'Reply 3.']);
    expect(result.current.messages[0]!.id).toBe(firstId);
    expect(fetch.calls[2]!.body.messages).toEqual([{ role: 'user', content: 'first, edited' }]);
  });

  it('keeps an errored reply with its partial text and error; setMessages replaces the list', async () => {
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ errorAfter: { chunks: 2, message: 'Overloaded' } }), signal));
    const { result } = renderHook(() => useFastChat({ fetch }));
    act(() => result.current.send('x'));
    await waitFor(() => expect(result.current.status).toBe('error'));
    const a = result.current.messages[1]!;
    expect(a.status).toBe('error');
    expect(a.error?.message).toBe('Overloaded');
    expect(a.content.length).toBeGreaterThan(0);
    act(() => result.current.setMessages([]));
    expect(result.current.messages).toEqual([]);
  });

  it('builds a valid alternating history', () => {
    const m = (role: 'user' | 'assistant', content: string) => ({ role, content }) as never;
    expect(toHistory([m('assistant', 'hi'), m('user', 'a'), m('assistant', ''), m('user', 'b'), m('assistant', 'partial')])).toEqual([
      { role: 'user', content: 'a\n\nb' },
    ]);
  });

  it('works end to end with ChatThread and Composer under StrictMode', async () => {
    const fetch = numbered();
    function App() {
      const chat = useFastChat({ fetch });
      return (
        <>
          <ChatThread messages={chat.messages} />
          <Composer status={chat.status} onSend={chat.send} onStop={chat.stop} />
        </>
      );
    }
    render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
    await userEvent.type(screen.getByRole('textbox'), 'Hello there{Enter}');
    await waitFor(() => expect(screen.getAllByRole('article')).toHaveLength(2));
    await waitFor(() => expect(screen.getAllByRole('article')[1]!.getAttribute('data-state')).toBe('done'));
    expect(screen.getAllByRole('article')[1]!.textContent).toContain('Reply 1.');
    expect(fetch.calls).toHaveLength(1);
  });

  it('commits once per store notification under StrictMode, with stable commands', async () => {
    // The whole reply in one network read: one frame's notification carries it all.
    const fetch = fakeFetch((_b, signal) => sseResponse(reply({ text: 'One read carries every delta of this reply.', chunks: 12 }), signal));
    const commits: string[] = [];
    let chat!: ReturnType<typeof useFastChat>;
    function App() {
      chat = useFastChat({ fetch });
      return <ChatThread messages={chat.messages} onApprove={chat.approve} onDeny={chat.deny} onToolResult={chat.addToolResult} />;
    }
    render(
      <StrictMode>
        <Profiler id="chat" onRender={(_id, phase) => commits.push(phase)}>
          <App />
        </Profiler>
      </StrictMode>,
    );
    const first = chat;
    const mounted = commits.length;
    act(() => chat.send('Hi'));
    await waitFor(() => expect(chat.status).toBe('done'));
    expect(chat.messages[1]!.content).toBe('One read carries every delta of this reply.');
    // send, then the frame that carries the 12 deltas, usage and done (and at most one more).
    expect(commits.length - mounted).toBeGreaterThanOrEqual(2);
    expect(commits.length - mounted).toBeLessThanOrEqual(3);
    for (const k of ['send', 'stop', 'regenerate', 'retry', 'edit', 'setMessages', 'addToolResult', 'approve', 'deny', 'continueReply'] as const) {
      expect(chat[k], k).toBe(first[k]);
    }
    expect(fetch.calls).toHaveLength(1);
  });
});
