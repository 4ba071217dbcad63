/**
 * The Slipstream edge in its own process, with resumable replies off, on this process's memory, or on
 * a Redis store (the official `redis` client).
 * IPC: `cpu`.
 * @module
 */
import { cpuMs, serveIpc } from './proc.node.ts';
import { makeRelay, serveFetch } from './relays.ts';

export type ResumeMode = 'off' | 'memory' | 'redis';
const config = JSON.parse(process.argv[2] ?? '{}') as { upstream: string; mode: ResumeMode; redisUrl?: string };

let options: Record<string, unknown> = { resume: false };
let closeStore = async (): Promise<void> => {};
if (config.mode === 'memory') options = { resume: true };
if (config.mode === 'redis') {
  const { createClient } = await import('redis');
  const { createRedisStore } = await import('@slipstream/edge/redis');
  const client = createClient({ url: config.redisUrl, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
  options = { store: createRedisStore({ client }) };
  closeStore = async () => {
    await client.close().catch(() => {});
  };
}
const server = await serveFetch(await makeRelay('slipstream', config.upstream, options));
serveIpc({ cpu: () => cpuMs() });
process.on('SIGTERM', () => {
  server.close();
  void closeStore().finally(() => process.exit(0));
});
console.log(`listening on ${server.url}`);
