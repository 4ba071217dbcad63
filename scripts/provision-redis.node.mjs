// Provisions the Redis server the shared-state tests run against (a real engine, started per test on a
// free port), the way the e2e suite provisions Chromium: Debian's package when it is missing.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const REDIS = process.env.SLIPSTREAM_REDIS_SERVER ?? '/usr/bin/redis-server';
if (existsSync(REDIS)) {
  console.log(`redis-server: ${REDIS} present`);
} else {
  console.log('redis-server: not found, installing Debian redis-server (apt-get)…');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const run = (args) => execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, { stdio: 'inherit' });
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'redis-server']);
  // Debian starts a system instance on 6379; the tests start their own on free ports and need none.
  try {
    run(['service', 'redis-server', 'stop']);
  } catch {
    // no service manager here: nothing was started
  }
  if (!existsSync(REDIS)) {
    console.error(`redis-server: install finished but ${REDIS} is still missing`);
    process.exit(1);
  }
}
