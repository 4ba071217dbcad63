/**
 * A `useChat` app as an AI SDK team writes it (`@ai-sdk/react` + `DefaultChatTransport`), pointed at
 * `@slipstream/edge/ai-sdk`, with Slipstream's badge, meter and cost ticker fed from the message
 * metadata through `useAiSdkFastFacts`. Bundled by the spec with esbuild.
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport } from 'ai';
import { useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { CostTicker, OtpsMeter, SpeedBadge, useAiSdkFastFacts } from '@slipstream/react';

const speed = new URLSearchParams(location.search).get('speed') ?? 'auto';
const transport = new DefaultChatTransport({ api: '/api/chat', body: { speed } });

function App() {
  const { messages, status, error, sendMessage, stop } = useChat({ transport });
  const [input, setInput] = useState('');
  const attach = useRef<HTMLInputElement>(null);
  const last = messages.findLast((m) => m.role === 'assistant');
  const f = useAiSdkFastFacts(last, status);
  return (
    <main>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          // The AI SDK's file recipe: a FileList, which useChat reads into data: URLs (file parts).
          const files = attach.current?.files;
          void sendMessage(files && files.length > 0 ? { text: input, files } : { text: input });
          setInput('');
          if (attach.current) attach.current.value = '';
        }}
      >
        <input aria-label="Prompt" value={input} onChange={(e) => setInput(e.target.value)} />
        <input aria-label="Attach" type="file" multiple ref={attach} />
        <button type="submit">Send</button>
        <button type="button" onClick={() => void stop()}>
          Stop
        </button>
      </form>
      <p data-testid="status">{status}</p>
      <p data-testid="error">{error?.message}</p>
      <div data-testid="reply">{last?.parts.map((p) => (p.type === 'text' ? p.text : '')).join('')}</div>
      <SpeedBadge {...f} />
      <OtpsMeter metrics={f.metrics} status={f.status} />
      <CostTicker cost={f.cost} usage={null} model={f.model} servedSpeed={f.servedSpeed} requestedSpeed={f.requestedSpeed} />
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
