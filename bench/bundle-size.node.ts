/**
 * Benchmark 6: bundle size. esbuild bundles of small, equivalent entry files (minified, ESM, production),
 * measured raw, gzip -9 and brotli. React and react-dom are external on both sides (both are peers).
 * The entries are kept here as strings (built from stdin with `resolveDir` = bench/) so the comparison
 * is visible in one place.
 * @module
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { main, type BenchResult } from './lib/result.ts';

const benchDir = fileURLToPath(new URL('.', import.meta.url));

interface Entry {
  name: string;
  side: 'Slipstream' | 'AI SDK' | 'other';
  platform: 'browser' | 'worker';
  code: string;
}

const ENTRIES: Entry[] = [
  {
    name: 'chat client, framework-free',
    side: 'Slipstream',
    platform: 'browser',
    code: `import { createFastStream } from '@slipstream/core';
export function chat(prompt, onText) {
  const store = createFastStream({ endpoint: '/api/chat' });
  store.subscribe(() => onText(store.getSnapshot().text));
  store.start({ messages: [{ role: 'user', content: prompt }] });
  return () => store.stop();
}`,
  },
  {
    name: 'chat client, framework-free',
    side: 'AI SDK',
    platform: 'browser',
    code: `import { DefaultChatTransport, readUIMessageStream } from 'ai';
export async function chat(prompt, onText) {
  const transport = new DefaultChatTransport({ api: '/api/chat' });
  const stream = await transport.sendMessages({ trigger: 'submit-message', chatId: 'c', messageId: undefined,
    messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: prompt }] }], abortSignal: undefined });
  for await (const m of readUIMessageStream({ stream })) onText(m.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''));
}`,
  },
  {
    name: 'React chat hook (+ core)',
    side: 'Slipstream',
    platform: 'browser',
    code: `import { useFastStream } from '@slipstream/react';
export function Chat() {
  const s = useFastStream({ endpoint: '/api/chat' });
  return [s.text, () => s.start({ messages: [{ role: 'user', content: 'hi' }] }), () => s.stop()];
}`,
  },
  {
    name: 'React chat hook (+ core)',
    side: 'AI SDK',
    platform: 'browser',
    code: `import { useChat } from '@ai-sdk/react';
export function Chat() {
  const { messages, sendMessage, stop } = useChat();
  const last = messages[messages.length - 1];
  return [last?.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''), () => sendMessage({ text: 'hi' }), () => stop()];
}`,
  },
  {
    name: 'React chat + markdown renderer (the browser benchmark app)',
    side: 'Slipstream',
    platform: 'browser',
    code: `import { createElement } from 'react';
import { useFastStream, StreamingMarkdown } from '@slipstream/react';
export function Chat() {
  const s = useFastStream({ endpoint: '/api/chat' });
  return [createElement(StreamingMarkdown, { streaming: s.status === 'streaming' }, s.text), () => s.start({ messages: [{ role: 'user', content: 'hi' }] }), () => s.stop()];
}`,
  },
  {
    name: 'React chat + markdown renderer (the browser benchmark app)',
    side: 'AI SDK',
    platform: 'browser',
    code: `import { createElement } from 'react';
import { useChat } from '@ai-sdk/react';
import Markdown from 'react-markdown';
export function Chat() {
  const { messages, sendMessage, stop } = useChat();
  const last = messages[messages.length - 1];
  return [createElement(Markdown, null, last?.parts.map((p) => (p.type === 'text' ? p.text : '')).join('') ?? ''), () => sendMessage({ text: 'hi' }), () => stop()];
}`,
  },
  {
    name: 'streaming markdown renderer',
    side: 'Slipstream',
    platform: 'browser',
    code: `import { createElement } from 'react';
import { StreamingMarkdown } from '@slipstream/react';
export const Md = ({ text }) => createElement(StreamingMarkdown, null, text);`,
  },
  {
    name: '@slipstream/react, every export (no highlighter)',
    side: 'Slipstream',
    platform: 'browser',
    code: `export * from '@slipstream/react';`,
  },
  {
    name: 'streaming markdown renderer (react-markdown)',
    side: 'other',
    platform: 'browser',
    code: `import { createElement } from 'react';
import Markdown from 'react-markdown';
export const Md = ({ text }) => createElement(Markdown, null, text);`,
  },
  {
    name: 'streaming markdown renderer (streamdown)',
    side: 'other',
    platform: 'browser',
    code: `import { createElement } from 'react';
import { Streamdown } from 'streamdown';
export const Md = ({ text }) => createElement(Streamdown, null, text);`,
  },
  {
    name: 'edge worker (Cloudflare)',
    side: 'Slipstream',
    platform: 'worker',
    code: `import { createChatHandler } from '@slipstream/edge';
const app = createChatHandler({});
export default { fetch: app.fetch };`,
  },
  {
    name: 'edge worker (Cloudflare)',
    side: 'AI SDK',
    platform: 'worker',
    code: `import { streamText, convertToModelMessages } from 'ai';
import { createAnthropic } from '@ai-sdk/anthropic';
export default { async fetch(req, env) {
  const { messages } = await req.json();
  const anthropic = createAnthropic({ apiKey: env.ANTHROPIC_API_KEY });
  const result = streamText({ model: anthropic('claude-opus-4-6'), messages: await convertToModelMessages(messages), abortSignal: req.signal });
  return result.toUIMessageStreamResponse();
} };`,
  },
];

interface Size {
  raw: number;
  gzip: number;
  brotli: number;
}

async function bundle(entry: Entry): Promise<Size> {
  const out = await build({
    stdin: { contents: entry.code, resolveDir: benchDir, loader: 'jsx', sourcefile: 'entry.jsx' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    treeShaking: true,
    target: 'es2022',
    platform: entry.platform === 'worker' ? 'neutral' : 'browser',
    mainFields: ['browser', 'module', 'main'],
    conditions: entry.platform === 'worker' ? ['workerd', 'worker', 'browser', 'import'] : ['browser', 'import'],
    external: entry.platform === 'browser' ? ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'] : ['node:*', 'cloudflare:*'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const bytes = out.outputFiles[0]!.contents;
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const kb = (n: number): string => (n / 1024).toFixed(1);

/**
 * `@slipstream/react/highlight` as a bundler splits it (esbuild `splitting`, like Vite/Rollup): the
 * entry the app imports, highlight.js's core (loaded on the first finished code block) and one grammar
 * chunk per language (loaded when a block in that language first appears).
 */
async function highlighterChunks(): Promise<{ name: string; size: Size }[]> {
  const entry = join(benchDir, '.highlight-entry.tmp.js');
  writeFileSync(entry, `export { highlightCode } from '@slipstream/react/highlight';\n`);
  try {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      outdir: join(benchDir, '.highlight-out'),
      minify: true,
      format: 'esm',
      write: false,
      target: 'es2022',
      platform: 'browser',
      conditions: ['browser', 'import'],
      external: ['react', 'react-dom', 'react/jsx-runtime'],
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
      metafile: true,
    });
    const sizeOf = (bytes: Uint8Array): Size => ({
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    });
    const rows: { name: string; size: Size }[] = [];
    // Metafile output keys are relative to the working directory; match each output file by its path.
    const metaFor = (path: string) => Object.entries(out.metafile.outputs).find(([k]) => path.endsWith(k.replace(/^(\.\.?\/)+/, '')))?.[1];
    for (const file of out.outputFiles) {
      const meta = metaFor(file.path);
      const inputs = Object.keys(meta?.inputs ?? {});
      let name: string;
      if (meta?.entryPoint?.endsWith('.highlight-entry.tmp.js')) name = 'highlighter entry (`@slipstream/react/highlight`, in the app bundle)';
      else if (inputs.some((i) => /highlight\.js\/es\/core\.js$/.test(i))) name = 'lazy: highlight.js core (first finished code block)';
      else {
        const lang = inputs.map((i) => /languages\/([\w-]+)\.js$/.exec(i)?.[1]).find(Boolean);
        name = lang ? `lazy grammar: ${lang}` : 'lazy: shared helper chunk';
      }
      rows.push({ name, size: sizeOf(file.contents) });
    }
    // One row per grammar would be 22 rows: keep the entry, the core, TypeScript and the largest grammar.
    const grammars = rows.filter((r) => r.name.startsWith('lazy grammar'));
    const largest = grammars.reduce<{ name: string; size: Size } | null>((a, b) => (!a || b.size.gzip > a.size.gzip ? b : a), null);
    const kept = rows.filter((r) => !r.name.startsWith('lazy grammar') || r.name === 'lazy grammar: typescript' || r === largest);
    if (grammars.length) kept.push({ name: `lazy grammars, all ${grammars.length} together (never loaded at once)`, size: grammars.reduce((a, b) => ({ raw: a.raw + b.size.raw, gzip: a.gzip + b.size.gzip, brotli: a.brotli + b.size.brotli }), { raw: 0, gzip: 0, brotli: 0 }) });
    return kept;
    return rows;
  } finally {
    rmSync(entry, { force: true });
  }
}

async function run(): Promise<Omit<BenchResult, 'title' | 'command'>> {
  const rows: string[] = [];
  const sizes = new Map<string, Size>();
  const failures: string[] = [];
  for (const e of ENTRIES) {
    try {
      const s = await bundle(e);
      sizes.set(`${e.side}|${e.name}`, s);
      rows.push(`| ${e.name} | ${e.side} | ${kb(s.raw)} | **${kb(s.gzip)}** | ${kb(s.brotli)} |`);
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n').slice(0, 2).join(' ') : String(err);
      failures.push(`${e.side} / ${e.name}: ${why}`);
      rows.push(`| ${e.name} | ${e.side} | not built | | |`);
    }
  }
  const ratio = (name: string): string => {
    const a = sizes.get(`Slipstream|${name}`);
    const b = sizes.get(`AI SDK|${name}`);
    return a && b ? (a.gzip / b.gzip).toFixed(2) : 'n/a';
  };
  try {
    for (const c of await highlighterChunks()) {
      sizes.set(`Slipstream|${c.name}`, c.size);
      rows.push(`| ${c.name} | Slipstream | ${kb(c.size.raw)} | **${kb(c.size.gzip)}** | ${kb(c.size.brotli)} |`);
    }
  } catch (err) {
    failures.push(`highlighter chunks: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const worker = sizes.get('Slipstream|edge worker (Cloudflare)');
  const all = sizes.get('Slipstream|@slipstream/react, every export (no highlighter)');
  const hlCore = sizes.get('Slipstream|lazy: highlight.js core (first finished code block)');
  const hlTs = sizes.get('Slipstream|lazy grammar: typescript');
  const headline: Record<string, string> = {
    'framework-free client gzip ratio (Slipstream/AI SDK)': ratio('chat client, framework-free'),
    'React chat gzip ratio (Slipstream/AI SDK)': ratio('React chat hook (+ core)'),
    'edge worker gzip ratio (Slipstream/AI SDK)': ratio('edge worker (Cloudflare)'),
    'React chat + markdown gzip ratio (Slipstream/AI SDK + react-markdown)': ratio('React chat + markdown renderer (the browser benchmark app)'),
  };
  const notes = [
    `- gzip ratio Slipstream ÷ AI SDK: framework-free client ${headline['framework-free client gzip ratio (Slipstream/AI SDK)']}, React chat ${headline['React chat gzip ratio (Slipstream/AI SDK)']}, edge worker ${headline['edge worker gzip ratio (Slipstream/AI SDK)']}, React chat + markdown renderer ${headline['React chat + markdown gzip ratio (Slipstream/AI SDK + react-markdown)']} (vs \`react-markdown\`).`,
    worker
      ? `- Edge worker: ${kb(worker.gzip)} KB gzipped vs Cloudflare's Worker size limit of 3 MB (free) / 10 MB (paid) compressed: ${((worker.gzip / (3 * 1024 * 1024)) * 100).toFixed(1)}% of the free limit.`
      : '- Edge worker: not built (see failures).',
    all
      ? `- \`@slipstream/react\` with every export and no highlighter: ${kb(all.gzip)} KB gzipped (budget 15 KB: ${all.gzip <= 15 * 1024 ? 'met' : 'missed'}); it includes \`@slipstream/core\`.`
      : '- `@slipstream/react` every export: not built.',
    hlCore
      ? `- Syntax highlighting is lazy: the app bundle gains only the highlighter entry; the first finished code block loads highlight.js's core (${kb(hlCore.gzip)} KB gz) plus its language's grammar (TypeScript: ${hlTs ? kb(hlTs.gzip) : '?'} KB gz), each once.`
      : '- Highlighter chunks: not built.',
    '- React and react-dom are external for every browser entry (peers on both sides); `zod` is bundled on the AI SDK side because `ai` imports it at run time.',
    ...failures.map((f) => `- Not built: ${f}`),
  ];
  return {
    markdown: [
      'esbuild 0.28, `minify`, ESM, `process.env.NODE_ENV=production`, browser entries for `platform: browser`, worker entries with `workerd`/`worker`/`browser` conditions. Sizes in KB (1024 bytes).',
      '',
      '| entry | side | raw KB | gzip -9 KB | brotli 11 KB |',
      '|---|---|---:|---:|---:|',
      ...rows,
      '',
      ...notes,
    ].join('\n'),
    headline,
  };
}

await main('6. Bundle size', 'pnpm --filter @slipstream/bench exec tsx bundle-size.node.ts', run);
