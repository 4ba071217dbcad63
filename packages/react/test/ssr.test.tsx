// @vitest-environment node
/** SSR: the package imports without a DOM, and every component renders to a string. */
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import * as pkg from '../src/index.ts';
import { metrics, reply } from './fixtures.ts';

describe('server rendering', () => {
  it('imports without window or document', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof pkg.useFastStream).toBe('function');
  });

  it('renders every component to HTML', () => {
    const html = renderToString(
      <>
        <pkg.OtpsMeter metrics={metrics()} status="streaming" />
        <pkg.SpeedBadge status="done" requestedSpeed="fast" servedSpeed="standard" />
        <pkg.RateLimitGauge rateLimit={null} />
        <pkg.CostTicker cost={null} usage={null} model="claude-opus-4-6" servedSpeed="fast" />
        <pkg.Composer onSend={() => {}} />
        <pkg.ChatThread messages={[reply()]} />
        <pkg.StreamingMarkdown streaming>{'# Hi\n\n<script>alert(1)</script> **x'}</pkg.StreamingMarkdown>
        <pkg.CompareRace prompt="Hi" />
      </>,
    );
    expect(html).toContain('role="meter"');
    expect(html).toContain('data-slipstream="compare-race"');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('hooks render the idle server snapshot', () => {
    function App() {
      const chat = pkg.useFastChat({ conversationId: 'c1' });
      return (
        <p data-status={chat.status} data-id={chat.conversationId}>
          {chat.messages.length}
        </p>
      );
    }
    expect(renderToString(<App />)).toContain('data-status="idle" data-id="c1"');
  });
});
