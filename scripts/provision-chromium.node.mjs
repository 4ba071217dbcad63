// Provisions the browser the e2e suite drives, the way `playwright install --with-deps` would on a
// fresh machine: Playwright cannot download its own browser builds here, so we use Debian's Chromium.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CHROMIUM = process.env.SLIPSTREAM_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) {
  console.log(`chromium: ${CHROMIUM} present`);
} else {
  console.log('chromium: not found, installing Debian chromium (apt-get)…');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const run = (args) => execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, { stdio: 'inherit' });
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core']);
  if (!existsSync(CHROMIUM)) {
    console.error(`chromium: install finished but ${CHROMIUM} is still missing`);
    process.exit(1);
  }
}
