import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo app. `startDemo()` (src/demo.node.ts) builds it through Vite's JS API with this file, so
// `pnpm demo` works from a fresh clone with no separate build step.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { host: '127.0.0.1' },
});
