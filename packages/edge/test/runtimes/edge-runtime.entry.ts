/** The Vercel Edge (edge-runtime) entry: a `fetch` event listener around the same handler. */
import { createChatHandler } from '../../src/index.ts';

declare const self: { addEventListener(type: 'fetch', listener: (e: { request: Request; respondWith(r: Response | Promise<Response>): void }) => void): void };
const env = (globalThis as unknown as { __SLIPSTREAM_ENV__?: Record<string, string> }).__SLIPSTREAM_ENV__ ?? {};

const app = createChatHandler({ apiKey: env['ANTHROPIC_API_KEY'], baseURL: env['SIM_URL'], heartbeatMs: 200 });

self.addEventListener('fetch', (event) => {
  event.respondWith(app.fetch(event.request));
});
