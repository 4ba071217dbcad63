/**
 * Shared test fixtures: the demo's URL, a `sim` client for the simulator's control endpoints (through
 * the demo's sim-only `/api/sim/*` proxy), and a page that fails the test if any dialog opens.
 */
import { test as base, expect, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';

export interface SimStreamRecord {
  id: string;
  speed: 'fast' | 'standard';
  startedAt: number;
  endedAt?: number;
  end?: 'complete' | 'client_abort' | 'fault';
  outputTokens: number;
  deltaTimes: number[];
  deltaTokens: number[];
  disconnectedAt?: number;
}

export interface SimStats {
  activeStreams: number;
  completedStreams: number;
  abortedStreams: number;
  tokensEmitted: number;
  tokensAfterDisconnect: number[];
}

export class SimControl {
  constructor(private readonly request: APIRequestContext) {}

  async reset(): Promise<void> {
    const r = await this.request.post('/api/sim/reset');
    expect(r.ok(), `POST /api/sim/reset → ${r.status()}`).toBe(true);
  }
  async configure(patch: Record<string, unknown>): Promise<void> {
    const r = await this.request.post('/api/sim/config', { data: patch });
    expect(r.ok(), `POST /api/sim/config → ${r.status()} ${await r.text()}`).toBe(true);
  }
  async fault(spec: Record<string, unknown>): Promise<void> {
    const r = await this.request.post('/api/sim/faults', { data: spec });
    expect(r.ok(), `POST /api/sim/faults → ${r.status()} ${await r.text()}`).toBe(true);
  }
  async stats(): Promise<SimStats> {
    return (await (await this.request.get('/api/sim/stats')).json()) as SimStats;
  }
  /** The sim's request log: what each upstream request asked for. */
  async requests(): Promise<{ path: string; body: { speed?: string; messages?: unknown[] } }[]> {
    const body = (await (await this.request.get('/api/sim/requests')).json()) as unknown;
    return (Array.isArray(body) ? body : (body as { requests: unknown[] }).requests) as { path: string; body: { speed?: string; messages?: unknown[] } }[];
  }
  async streams(): Promise<SimStreamRecord[]> {
    const body = (await (await this.request.get('/api/sim/streams')).json()) as SimStreamRecord[] | { streams: SimStreamRecord[] };
    return Array.isArray(body) ? body : body.streams;
  }
}

export const test = base.extend<{ sim: SimControl; dialogs: string[] }>({
  baseURL: async ({}, use) => {
    const url = process.env.SLIPSTREAM_DEMO_URL;
    if (!url) throw new Error('SLIPSTREAM_DEMO_URL is not set: global-setup did not start the demo');
    await use(url);
  },
  // Automatic: every test starts from a reset simulator (and cleared edge fallback memory).
  sim: [
    async ({ request }, use) => {
      const sim = new SimControl(request);
      await sim.reset();
      await use(sim);
      await sim.reset();
    },
    { auto: true },
  ],
  // Any dialog (alert/confirm/prompt) is recorded and dismissed; tests assert the list stays empty.
  dialogs: async ({ page }, use) => {
    const seen: string[] = [];
    page.on('dialog', (dialog) => {
      seen.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await use(seen);
  },
});

export { expect };

/** Opens the demo on a tab, with a fixed theme; returns that tab's panel (every panel stays mounted). */
export async function openTab(page: Page, tab: 'chat' | 'race' | 'agent' | 'limits', theme: 'light' | 'dark' = 'light'): Promise<Locator> {
  await page.addInitScript((t) => localStorage.setItem('slipstream-theme', t), theme);
  await page.goto(`/#${tab}`);
  await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('upstream')).toHaveText('Simulator');
  return page.locator(`#panel-${tab}`);
}

/** Installs a stand-in clipboard that keeps what the page copies (read back by {@link rawText}). */
export async function catchCopies(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __copied: string[] };
    w.__copied = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void w.__copied.push(text) },
    });
  });
}

/**
 * A finished reply's raw text (its markdown source, not the rendering): what its Copy button copies,
 * caught by the stand-in clipboard of {@link catchCopies}.
 */
export async function rawText(reply: Locator): Promise<string> {
  const page = reply.page();
  await page.evaluate(() => ((window as unknown as { __copied: string[] }).__copied = []));
  await reply.getByTestId('copy-reply').click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { __copied: string[] }).__copied.length)).toBe(1);
  return page.evaluate(() => (window as unknown as { __copied: string[] }).__copied[0] ?? '');
}

/**
 * The sim's text for a prompt (deterministic per prompt), streamed uninterrupted in a browser context of
 * its own: the reference a cut, resumed or handed-over reply must equal.
 *
 * @param send - Sends the prompt on the chat panel and returns the reply's element.
 */
export async function referenceText(
  browser: Browser,
  baseURL: string,
  send: (chat: Locator) => Promise<Locator>,
  timeoutMs = 30_000,
): Promise<string> {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    await catchCopies(page);
    const reply = await send(await openTab(page, 'chat'));
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: timeoutMs });
    return await rawText(reply);
  } finally {
    await context.close();
  }
}
