import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { DemoInfo } from './info.ts';
import { AgentTab } from './agent/AgentTab.tsx';
import { ChatTab } from './chat/ChatTab.tsx';
import { LimitsTab } from './limits/LimitsTab.tsx';
import { RaceTab } from './race/RaceTab.tsx';
import { TabList, useHashTab, type TabSpec } from './Tabs.tsx';
import { useTheme } from './theme.ts';

type TabId = 'chat' | 'race' | 'agent' | 'limits';
const TAB_IDS: readonly TabId[] = ['chat', 'race', 'agent', 'limits'];

function useDemoInfo(): DemoInfo | null {
  const [info, setInfo] = useState<DemoInfo | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/info', { signal: controller.signal })
      .then((r) => (r.ok ? (r.json() as Promise<DemoInfo>) : null))
      .then((value) => value && setInfo(value))
      .catch(() => {});
    return () => controller.abort();
  }, []);
  return info;
}

export function App() {
  const [theme, toggleTheme] = useTheme();
  const [tab, setTab] = useHashTab(TAB_IDS, 'chat');
  const info = useDemoInfo();
  const topbar = useRef<HTMLElement | null>(null);
  // The chat's frame is the screen minus the sticky header, whose height depends on the width (one or
  // two rows): publish it for the stylesheet.
  useLayoutEffect(() => {
    const el = topbar.current;
    if (!el) return;
    const publish = () => document.documentElement.style.setProperty('--topbar-h', `${Math.ceil(el.getBoundingClientRect().height)}px`);
    publish();
    const observer = new ResizeObserver(publish);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const simulated = info?.upstream === 'sim';

  const tabs: TabSpec<TabId>[] = [
    { id: 'chat', label: 'Chat' },
    { id: 'race', label: 'Race' },
    { id: 'agent', label: 'Agent' },
    { id: 'limits', label: 'Limits & faults', note: 'sim only' },
  ];

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar" ref={topbar}>
        <div className="brand">
          <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
            <path d="M4 22c8 0 10-12 24-12" />
            <path d="M4 28c10 0 12-8 20-8" />
          </svg>
          <div>
            <h1 className="brand-name">Slipstream</h1>
            <p className="brand-tag">Claude fast mode, streamed from the edge, measured honestly</p>
          </div>
        </div>
        <TabList tabs={tabs} current={tab} onSelect={setTab} label="Demo sections" />
        <div className="topbar-end">
          {info ? (
            <span className={`upstream upstream-${info.upstream}`} data-testid="upstream" title={simulated ? 'No ANTHROPIC_API_KEY: the embedded simulator answers' : 'Talking to the Anthropic API'}>
              {simulated ? 'Simulator' : 'Anthropic API'}
            </span>
          ) : null}
          <button
            type="button"
            className="icon-button"
            data-testid="theme-toggle"
            aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            aria-pressed={theme === 'dark'}
            onClick={toggleTheme}
          >
            {theme === 'dark' ? (
              <svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="4.5" /><path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8" /></svg>
            ) : (
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20.5 14.5A8.5 8.5 0 0 1 9.5 3.5a8.5 8.5 0 1 0 11 11Z" /></svg>
            )}
          </button>
        </div>
      </header>
      <main id="main" className="main">
        <section role="tabpanel" id="panel-chat" aria-labelledby="tab-chat" hidden={tab !== 'chat'} className="panel">
          <ChatTab />
        </section>
        <section role="tabpanel" id="panel-race" aria-labelledby="tab-race" hidden={tab !== 'race'} className="panel">
          <RaceTab />
        </section>
        <section role="tabpanel" id="panel-agent" aria-labelledby="tab-agent" hidden={tab !== 'agent'} className="panel">
          <AgentTab simulated={simulated} />
        </section>
        <section role="tabpanel" id="panel-limits" aria-labelledby="tab-limits" hidden={tab !== 'limits'} className="panel">
          {info && !simulated ? (
            <div className="notice" data-testid="limits-unavailable">
              <h2>Needs the simulator</h2>
              <p>
                The demo is talking to the real Anthropic API (<code>ANTHROPIC_API_KEY</code> is set). Limits and faults are driven
                through the simulator's control endpoints; restart without the key to use this tab.
              </p>
            </div>
          ) : (
            <LimitsTab ready={simulated} />
          )}
        </section>
      </main>
      <footer className="footer">
        <span>
          TTFT: request sent → first text received. OTPS: output tokens after the first ÷ (last delta − first delta), measured on
          arrival. Live values are estimates (≈); final values are exact.
        </span>
      </footer>
    </div>
  );
}
