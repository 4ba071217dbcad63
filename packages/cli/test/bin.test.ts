import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The published bin is this file compiled (dist/bin.node.js); the consumer test runs that one from the
// tarball. Here the source runs through tsx, as `pnpm race` does.
const bin = fileURLToPath(new URL('../src/bin.node.ts', import.meta.url));

describe('src/bin.node.ts (the slipstream bin)', () => {
  it('--help exits 0, a bad flag exits 2', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', bin, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: slipstream race');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', bin, 'race', 'hi', '--runs', 'many'], { encoding: 'utf8', timeout: 20_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--runs must be a whole number');
  });
});
