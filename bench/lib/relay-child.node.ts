/**
 * A relay (see relays.ts) in its own Node process, so its CPU time can be read on its own.
 * IPC: `cpu`, `rss`, `peakRss` (since the last `peakRss`, sampled every 50 ms).
 * @module
 */
import { cpuMs, serveIpc } from './proc.node.ts';
import { makeRelay, serveFetch, type RelayKind } from './relays.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as { kind: RelayKind; upstream: string; options?: Record<string, unknown> };
const server = await serveFetch(await makeRelay(config.kind, config.upstream, config.options));

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
sampler.unref();

serveIpc({
  cpu: () => cpuMs(),
  rss: () => process.memoryUsage().rss,
  peakRss: () => {
    const v = peakRss;
    peakRss = process.memoryUsage().rss;
    return v;
  },
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
console.log(`listening on ${server.url}`);
