// AI SDK stack: useChat (default options) + a markdown renderer per text part, as the AI SDK docs show.
import { Profiler, useEffect, useRef, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport } from 'ai';
import { PROMPT, markError, markFinished, markStart, onRender } from './harness.ts';

export function mount(Markdown: ComponentType<{ children: string }>, throttleMs?: number): void {
  function App() {
    const { messages, sendMessage, status, error } = useChat({
      transport: new DefaultChatTransport({ api: '/api/aisdk' }),
      ...(throttleMs !== undefined ? { throttle: throttleMs } : {}),
    });
    const started = useRef(false);
    useEffect(() => {
      (globalThis as unknown as { __start: () => void }).__start = () => {
        markStart();
        started.current = true;
        void sendMessage({ text: PROMPT });
      };
    });
    const last = messages[messages.length - 1];
    const text = last?.role === 'assistant' ? last.parts.map((p) => (p.type === 'text' ? p.text : '')).join('') : '';
    useEffect(() => {
      if (!started.current) return;
      if (status === 'ready' && text.length > 0) markFinished(text.length);
      else if (status === 'error') markError(error?.message ?? 'error');
    }, [status, text, error]);
    return (
      <div>
        {messages
          .filter((m) => m.role === 'assistant')
          .map((m) => (
            <div key={m.id}>{m.parts.map((p, i) => (p.type === 'text' ? <Markdown key={i}>{p.text}</Markdown> : null))}</div>
          ))}
      </div>
    );
  }
  createRoot(document.getElementById('root')!).render(
    <Profiler id="app" onRender={onRender}>
      <App />
    </Profiler>,
  );
}
