// Tool-input stack: useFastChat + <ChatThread>, one reply whose ~2,000-token write_file input streams
// into a <ToolCallCard>, pretty-printed from the store's tolerant parse, and then waits for the client.
import { Profiler, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { ChatThread, useFastChat } from '@slipstream/react';
import { H, markError, markFinished, markStart, onRender } from './harness.ts';

function App() {
  const chat = useFastChat({ endpoint: '/api/agent', speed: 'fast', model: 'claude-opus-4-6', body: { max_tokens: 8000 } });
  useEffect(() => {
    (globalThis as unknown as { __start: () => void }).__start = () => {
      markStart();
      chat.send('Write the cache module. [[sim:tools=write_file]]');
    };
  });
  const reply = chat.messages[1];
  useEffect(() => {
    if (reply?.status === 'done') {
      const call = reply.parts.find((p) => p.type === 'tool_call');
      if (call?.type === 'tool_call' && call.state === 'awaiting-client') markFinished(call.inputText.length);
      else markError(`reply ended without a pending write_file call (${reply.finishReason ?? 'no finish reason'})`);
    } else if (reply?.status === 'error') markError(reply.error?.message ?? 'error');
  }, [reply]);
  return <ChatThread messages={chat.messages} />;
}

void H;
createRoot(document.getElementById('root')!).render(
  <Profiler id="app" onRender={onRender}>
    <App />
  </Profiler>,
);
