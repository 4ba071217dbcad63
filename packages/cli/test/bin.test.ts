import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/slipstream.mjs', import.meta.url));

describe('bin/slipstream.mjs (what npx runs)', () => {
  it('runs the TypeScript CLI through tsx: --help exits 0, a bad flag exits 2', () => {
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: slipstream race');
    const bad = spawnSync(process.execPath, [bin, 'race', 'hi', '--runs', 'many'], { encoding: 'utf8', timeout: 20_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--runs must be a whole number');
  });
});
