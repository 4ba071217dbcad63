/**
 * The sim in its own process (`startChild('lib/sim-child.node.ts', simOptions)`).
 * IPC: `cpu` → CPU ms, `stats` → sim stats, `streams` → stream records (ground truth).
 * @module
 */
import { startSim } from '@slipstream/sim/node';
import { cpuMs, serveIpc } from './proc.node.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const handle = await startSim({ port: 0, ...options });
serveIpc({
  cpu: () => cpuMs(),
  stats: () => handle.stats(),
  streams: () => handle.sim.streams(),
  rss: () => process.memoryUsage().rss,
});
process.on('SIGTERM', () => {
  void handle.close().finally(() => process.exit(0));
});
console.log(`listening on ${handle.url}`);
