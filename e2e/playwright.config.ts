import { defineConfig } from '@playwright/test';

/**
 * Browser tests against the built demo (app + edge + embedded sim on one origin), in Debian's
 * Chromium (`scripts/provision-chromium.node.mjs` installs it; Playwright cannot download browsers
 * here). One worker: the machine is shared and the sim's timing must not be starved.
 */
export const CHROMIUM = process.env.SLIPSTREAM_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './specs',
  globalSetup: './global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
