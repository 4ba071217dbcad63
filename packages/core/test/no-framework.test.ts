// Core is framework-free and runtime-neutral: prove it (zustand's trick: replace react with nothing).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('react', () => {
  throw new Error('core must not import react');
});

const srcDir = join(import.meta.dirname, '..', 'src');
// Subfolders too (the `persist` subpath).
const sources = (readdirSync(srcDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));

describe('core imports nothing it should not', () => {
  it('loads its public entry with react replaced by a throwing module', async () => {
    const core = await import('../src/index.ts');
    expect(typeof core.createFastStream).toBe('function');
    const persist = await import('../src/persist/index.ts');
    expect(typeof persist.createMemoryThreadStore).toBe('function');
  });

  it('has only relative imports: no react, no node:, no packages', () => {
    for (const file of sources) {
      const text = readFileSync(join(srcDir, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
        (m) => m[1] ?? m[2],
      );
      for (const s of specifiers) expect(s, `${file} imports ${s}`).toMatch(/^\.\.?\/(?:[\w-]+\/)*[\w-]+\.ts$/);
    }
  });

  it('declares no run-time dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(srcDir, '..', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies).toBeUndefined();
  });
});
