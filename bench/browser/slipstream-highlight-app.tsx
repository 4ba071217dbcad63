// Slipstream stack with syntax highlighting on: useFastStream + <StreamingMarkdown highlight={highlightCode}>
// (the lazy highlight.js chunk from @slipstream/react/highlight, applied to settled code blocks only).
import { Profiler, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { StreamingMarkdown, useFastStream } from '@slipstream/react';
import { highlightCode } from '@slipstream/react/highlight';
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
  return <StreamingMarkdown streaming={s.status === 'streaming'} highlight={highlightCode}>{s.text}</StreamingMarkdown>;
}

void H;
createRoot(document.getElementById('root')!).render(
  <Profiler id="app" onRender={onRender}>
    <App />
  </Profiler>,
);
