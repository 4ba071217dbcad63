// @vitest-environment node
// What a chat page loads at start-up, built as an app bundler would (esbuild with code splitting): the
// edge-sized code (the request validator, media sniffing, attachment checks) and the highlighter must
// stay out of it, in chunks loaded on demand. Sizes are the bundle benchmark's (bench/bundle-size.node.ts);
// this checks which files are where, which does not depend on the machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const CHAT_PATH = `import { createElement as h } from 'react';
import { useFastChat, ChatThread, Composer } from '@slipstream/react';
export function App() {
  const chat = useFastChat({ endpoint: '/api/chat' });
  return [h(ChatThread, { messages: chat.messages, onApprove: chat.approve, onDeny: chat.deny }), h(Composer, { status: chat.status, onSubmit: (t) => chat.send(t), onStop: chat.stop })];
}`;

// Resolved from the bench package, whose dependencies are the published names of the workspace packages.
const benchDir = fileURLToPath(new URL('../../../bench', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'slipstream-bundle-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Source files in the chunks loaded at start-up, and in the chunks only reached through `import()`. */
async function chunks(code: string): Promise<{ startup: string[]; lazy: string[] }> {
  const entry = join(outDir, `entry-${Math.random().toString(36).slice(2)}.jsx`);
  writeFileSync(entry, code);
  const out = await build({
    entryPoints: [entry],
    nodePaths: [join(benchDir, 'node_modules')],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: join(outDir, 'out'),
    write: false,
    minify: true,
    platform: 'browser',
    conditions: ['browser', 'import'],
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    metafile: true,
    logLevel: 'silent',
  });
  const outputs: Metafile['outputs'] = out.metafile.outputs;
  const startupKeys = new Set<string>();
  const visit = (k: string): void => {
    if (startupKeys.has(k)) return;
    startupKeys.add(k);
    for (const i of outputs[k]!.imports) if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
  };
  visit(Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined && outputs[k]!.entryPoint!.endsWith(entry.split('/').pop()!))!);
  const files = (keys: string[]): string[] =>
    keys.flatMap((k) => Object.entries(outputs[k]!.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([f]) => f.slice(f.indexOf('packages/'))));
  return { startup: files([...startupKeys]), lazy: files(Object.keys(outputs).filter((k) => !startupKeys.has(k))) };
}

describe('the chat path as an app bundler splits it', () => {
  it('loads the hook, the store and the components at start-up; the validator, media sniffing and highlighter only on demand', async () => {
    const { startup, lazy } = await chunks(CHAT_PATH);
    // What it is made of, so the assertions below are about a real build.
    expect(startup).toEqual(
      expect.arrayContaining([
        'packages/core/src/store.ts',
        'packages/core/src/chat-store.ts',
        'packages/react/src/hooks/use-fast-chat.ts',
        'packages/react/src/components/chat-thread.tsx',
        'packages/react/src/markdown/blocks.ts',
      ]),
    );
    for (const edgeSized of ['packages/core/src/validate.ts', 'packages/core/src/media.ts', 'packages/core/src/attachments.ts']) {
      expect(startup, edgeSized).not.toContain(edgeSized);
    }
    expect(startup.filter((f) => f.includes('highlight'))).toEqual([]);
    expect(lazy).toContain('packages/core/src/validate.ts');
    expect(lazy).toContain('packages/core/src/media.ts');
  }, 30_000);

  it('keeps the tool call card, thinking block and step divider in a lazy chunk, though the root entry exports them', async () => {
    const views = ['packages/react/src/components/tool-call.tsx', 'packages/react/src/components/thinking-block.tsx', 'packages/react/src/components/step-divider.tsx'];
    const { startup, lazy } = await chunks(CHAT_PATH);
    expect(startup).toContain('packages/react/src/components/message-parts.tsx');
    for (const view of views) {
      expect(startup, view).not.toContain(view);
      expect(lazy, view).toContain(view);
    }
    // An app that imports the card from the root entry still gets it at start-up.
    const direct = await chunks(`import { createElement as h } from 'react';
import { ToolCallCard, ThinkingBlock, StepDivider, toolCallStatus } from '@slipstream/react';
export const views = (part, step) => [h(ToolCallCard, { part }), h(ThinkingBlock, { part }), h(StepDivider, { step }), toolCallStatus(part)];`);
    for (const view of views) expect(direct.startup, view).toContain(view);
  }, 30_000);
});
