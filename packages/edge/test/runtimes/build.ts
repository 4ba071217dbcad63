/** Bundle the handler for a runtime with esbuild, the way a deploy tool would. */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function bundle(entry: 'worker' | 'worker-do' | 'state-do' | 'edge-runtime'): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./${entry}.entry.ts`, import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format: entry === 'edge-runtime' ? 'iife' : 'esm',
    target: 'es2022',
    conditions: entry === 'edge-runtime' ? ['edge-light', 'worker', 'browser'] : ['workerd', 'worker', 'browser'],
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild produced nothing');
  return out.text;
}
