/** The same baseline for every component: ref to the root, user props reach the root and win. */
import { cleanup, fireEvent, render } from '@testing-library/react';
import { createRef, type ReactElement, type Ref } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChatThread,
  Composer,
  CompareRace,
  CostTicker,
  LiveAnnouncer,
  Message,
  OtpsMeter,
  RateLimitGauge,
  SpeedBadge,
  StreamingMarkdown,
} from '../src/index.ts';
import { metrics, reply } from './fixtures.ts';

afterEach(cleanup);

type Make = (props: { ref: Ref<HTMLElement>; className: string; 'data-testid': string; 'data-state'?: string }) => ReactElement;

const CASES: [string, string, Make][] = [
  ['OtpsMeter', 'otps-meter', (p) => <OtpsMeter {...(p as object)} metrics={metrics()} status="streaming" />],
  ['SpeedBadge', 'speed-badge', (p) => <SpeedBadge {...(p as object)} status="done" requestedSpeed="fast" servedSpeed="fast" />],
  ['RateLimitGauge', 'rate-limit-gauge', (p) => <RateLimitGauge {...(p as object)} rateLimit={null} />],
  ['CostTicker', 'cost-ticker', (p) => <CostTicker {...(p as object)} cost={null} usage={null} model={null} servedSpeed={null} />],
  ['Composer', 'composer', (p) => <Composer {...(p as object)} onSend={() => {}} />],
  ['Message', 'message', (p) => <Message {...(p as object)} message={reply()} />],
  ['ChatThread', 'chat-thread', (p) => <ChatThread {...(p as object)} messages={[reply()]} />],
  ['CompareRace', 'compare-race', (p) => <CompareRace {...(p as object)} prompt="Hi" />],
  ['StreamingMarkdown', 'markdown', (p) => <StreamingMarkdown {...(p as object)}>{'# Hi'}</StreamingMarkdown>],
  ['LiveAnnouncer', 'live-announcer', (p) => <LiveAnnouncer {...(p as object)} text="" done={false} />],
];

describe('baseline', () => {
  for (const [name, slot, make] of CASES) {
    it(`${name}: forwards its ref to the root, passes props through, user props win`, () => {
      const ref = createRef<HTMLElement>();
      const { getByTestId } = render(make({ ref, className: 'mine', 'data-testid': 'root', 'data-state': 'custom' }));
      const root = getByTestId('root');
      expect(ref.current).toBe(root);
      expect(root.getAttribute('data-slipstream')).toBe(slot);
      expect(root.className).toBe('mine');
      expect(root.getAttribute('data-state')).toBe('custom');
    });
  }

  it("SpeedBadge: the user's handler runs first and can keep the tooltip closed", () => {
    const { container } = render(
      <SpeedBadge
        status="done"
        requestedSpeed="fast"
        servedSpeed="standard"
        onMouseEnter={(e) => e.preventDefault()}
      />,
    );
    const badge = container.firstElementChild as HTMLElement;
    fireEvent.mouseEnter(badge);
    expect((container.querySelector('[role="tooltip"]') as HTMLElement).hidden).toBe(true);
    cleanup();
    const control = render(<SpeedBadge status="done" requestedSpeed="fast" servedSpeed="standard" />).container;
    fireEvent.mouseEnter(control.firstElementChild as HTMLElement);
    expect((control.querySelector('[role="tooltip"]') as HTMLElement).hidden).toBe(false);
  });
});
