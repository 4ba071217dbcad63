/**
 * The page the XSS test loads in Chromium: renders each payload with <StreamingMarkdown> (complete,
 * and streamed in growing prefixes), all payloads as one document, and a live reply streamed from the
 * sim's `[[sim:xss]]` directive through the edge. Exposes window.__xssRun for the test to drive.
 */
import { createElement, StrictMode, useEffect, type ReactElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { readProtocolStream } from '@slipstream/core';
import { Message, StreamingMarkdown, useFastStream } from '@slipstream/react';

declare global {
  interface Window {
    __streamStart: () => void;
    __streamStop: () => void;
    __streamUnmount: () => void;
    __streamState: () => { status: string; chars: number };
    __PAYLOADS__: string[];
    __xssRun: (mode: string) => Promise<{ rendered: number; chars: number; text: string }>;
    __xss?: unknown;
  }
}

const host = document.getElementById('host') as HTMLElement;

function mount(el: ReactElement): { root: ReturnType<typeof createRoot>; div: HTMLElement } {
  const div = document.createElement('div');
  div.className = 'case';
  host.appendChild(div);
  const root = createRoot(div);
  flushSync(() => root.render(el));
  return { root, div };
}

const md = (text: string, streaming: boolean): ReactElement => createElement(StreamingMarkdown, { streaming, linkTarget: '_blank', children: text });

async function live(): Promise<string> {
  const res = await fetch('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'render this [[sim:xss]]' }], speed: 'standard', max_tokens: 8000 }),
  });
  if (!res.ok || !res.body) throw new Error(`edge answered ${res.status}`);
  let text = '';
  const { root } = mount(md('', true));
  for await (const e of readProtocolStream(res.body)) {
    if (e.event === 'text') {
      text += e.data.delta;
      flushSync(() => root.render(md(text, true)));
    }
    if (e.event === 'error') throw new Error(`stream error ${e.data.kind}`);
  }
  flushSync(() => root.render(md(text, false)));
  return text;
}

window.__xssRun = async (mode) => {
  host.textContent = '';
  const payloads = window.__PAYLOADS__;
  let chars = 0;
  let rendered = 0;
  if (mode === 'each-complete') {
    for (const p of payloads) {
      mount(md(p, false));
      rendered++;
      chars += p.length;
    }
  } else if (mode === 'each-streamed') {
    for (const p of payloads) {
      const { root } = mount(md('', true));
      // Growing prefixes, as a stream delivers them: every intermediate parse is rendered.
      for (let i = 1; i <= p.length; i += 1 + Math.floor(i / 8)) flushSync(() => root.render(md(p.slice(0, i), true)));
      flushSync(() => root.render(md(p, false)));
      rendered++;
      chars += p.length;
    }
  } else if (mode === 'one-document') {
    const doc = payloads.join('\n\n');
    mount(md(doc, false));
    rendered = payloads.length;
    chars = doc.length;
  } else if (mode === 'message') {
    // <Message>, as a chat UI shows it: each payload as a user message, as an assistant reply, and as
    // the text of an error shown in its alert.
    payloads.forEach((p, i) => {
      // Whole records as core's conversation store keeps them: the text in `content` with no `parts`, as a
      // message restored from storage or made by `setMessages` has, which <MessageParts> shows as one text part.
      const base = { parts: [], steps: [], metrics: null, servedSpeed: null, requestedSpeed: null, fallback: null, usage: null, cost: null, model: null };
      mount(createElement(Message, { meta: false, linkTarget: '_blank', message: { ...base, id: `u${i}`, role: 'user', content: p, status: 'done', error: null } }));
      mount(createElement(Message, { meta: false, linkTarget: '_blank', message: { ...base, id: `a${i}`, role: 'assistant', content: p, status: 'error', error: { kind: 'upstream', message: p, retryable: false } } }));
      rendered++;
      chars += p.length;
    });
  } else if (mode === 'live-stream') {
    const text = await live();
    rendered = 1;
    chars = text.length;
  } else if (mode === 'control') {
    // Positive control, outside <StreamingMarkdown>: proves the detectors see a real injection.
    const div = document.createElement('div');
    div.className = 'case';
    div.innerHTML = '<img src="x:y" onerror="window.__xss=\'control\'"><a href="javascript:void 0">c</a>';
    host.appendChild(div);
    rendered = 1;
  }
  return { rendered, chars, text: host.textContent ?? '' };
};

// ── A real component streaming through useFastStream, for the browser-side abort checks ──
let streamState = { status: 'idle', chars: 0 };
let stopFn: () => void = () => undefined;
function Streamer(): ReactElement {
  const s = useFastStream({ endpoint: '/api/chat', notify: 'sync' });
  useEffect(() => {
    s.start({ messages: [{ role: 'user', content: 'a long answer [[sim:tokens=3000]]' }], speed: 'standard', max_tokens: 8000 });
    // start once on mount; StrictMode's re-run must not start a second request
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  streamState = { status: s.status, chars: s.text.length };
  stopFn = s.stop;
  return createElement(StreamingMarkdown, { streaming: s.status === 'streaming', children: s.text });
}
let streamRoot: ReturnType<typeof createRoot> | undefined;
window.__streamStart = () => {
  host.textContent = '';
  const div = document.createElement('div');
  host.appendChild(div);
  streamRoot = createRoot(div);
  streamRoot.render(createElement(StrictMode, null, createElement(Streamer)));
};
window.__streamStop = () => stopFn();
window.__streamUnmount = () => streamRoot?.unmount();
window.__streamState = () => streamState;
