/**
 * The demo's agent edge in its own process: the example project's tools (with the demo's tool
 * latencies, or instant), at `POST /api/chat`. IPC: `cpu`.
 * @module
 */
import { createChatHandler } from '@slipstream/edge';
import { createExampleProject } from '@slipstream/edge/examples';
import { cpuMs, serveIpc } from './proc.node.ts';
import { serveFetch } from './relays.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as { upstream: string; toolLatency: boolean };
const app = createChatHandler({
  baseURL: config.upstream,
  apiKey: 'sk-ant-bench',
  tools: createExampleProject(config.toolLatency ? { latencyMs: { list_files: 60, read_file: 90, write_file: 150, run_checks: 700 } } : {}).tools,
  maxTokensCap: 16_000,
});
const server = await serveFetch((req) => app.fetch(req));
serveIpc({ cpu: () => cpuMs() });
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
console.log(`listening on ${server.url}`);
