// Slipstream stack: useFastStream + <StreamingMarkdown>, as the README shows them.
import { Profiler, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { StreamingMarkdown, useFastStream } from '@slipstream/react';
import { H, PROMPT, PROMPT_TOKENS, markError, markFinished, markStart, onRender } from './harness.ts';

function App() {
  const s = useFastStream({ endpoint: '/api/chat' });
  useEffect(() => {
    (globalThis as unknown as { __start: () => void }).__start = () => {
      markStart();
      s.start({ messages: [{ role: 'user', content: PROMPT }], speed: 'fast', model: 'claude-opus-4-6', max_tokens: PROMPT_TOKENS + 1000 });
    };
  });
  useEffect(() => {
    if (s.status === 'done') markFinished(s.text.length);
    else if (s.status === 'error') markError(s.error?.message ?? 'error');
  }, [s.status, s.text, s.error]);
  return <StreamingMarkdown streaming={s.status === 'streaming'}>{s.text}</StreamingMarkdown>;
}

void H;
createRoot(document.getElementById('root')!).render(
  <Profiler id="app" onRender={onRender}>
    <App />
  </Profiler>,
);
