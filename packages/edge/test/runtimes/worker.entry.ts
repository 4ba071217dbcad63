/** The Worker (workerd) entry: the built handler, configured from bindings. */
import { createChatHandler } from '../../src/index.ts';

const app = createChatHandler({
  apiKey: (env) => env?.['ANTHROPIC_API_KEY'] as string | undefined,
  baseURL: (env) => env?.['SIM_URL'] as string | undefined,
  heartbeatMs: 200,
});

export default { fetch: app.fetch };
