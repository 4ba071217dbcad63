import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// One Vitest run covers every package; each package is a project so its environment stays its own.
// Browser (Playwright) tests live in e2e/ and run separately: see the root `test:e2e` script.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'core', include: ['packages/core/test/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'sim', include: ['packages/sim/test/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'cli', include: ['packages/cli/test/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'edge', include: ['packages/edge/test/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        plugins: [react()],
        test: { name: 'react', include: ['packages/react/test/**/*.test.{ts,tsx}'], environment: 'happy-dom', setupFiles: ['packages/react/test/setup.ts'] },
      },
      // Builds, packs and installs every package into a fresh project, then uses it (see the file).
      // CPU-heavy (tsc, bundlers): it runs after every other project (groupOrder), not beside their
      // timing tests.
      {
        extends: true,
        test: { name: 'consumer', include: ['test/consumer/**/*.test.ts'], environment: 'node', testTimeout: 300_000, sequence: { groupOrder: 1 } },
      },
      { extends: true, test: { name: 'reliability', include: ['test/reliability/**/*.test.ts'], environment: 'node' } },
    ],
  },
});
