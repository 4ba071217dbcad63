/**
 * Benchmark 6: bundle size. esbuild bundles of small, equivalent entry files (minified, ESM, production),
 * measured raw, gzip -9 and brotli. React and react-dom are external on both sides (both are peers).
 * The entries are kept here as strings (built from stdin with `resolveDir` = bench/) so the comparison
 * is visible in one place.
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Shown after the name for this side only. */
  note?: string;
}

/** The entry the 15 KB gz budget applies to. */
const CHAT_PATH = 'React chat app: useFastChat + ChatThread + Composer (the chat path)';
/** `@slipstream/react` without the highlighter, as a chat page loads it at start-up. */
const BUDGET_BYTES = 15 * 1024;

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
    note: 'useFastStream only',
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
    name: CHAT_PATH,
    side: 'Slipstream',
    platform: 'browser',
    // What a chat page imports: the conversation hook, the thread (messages with their markdown, tool
    // cards, thinking, speed badge and meter) and the composer.
    code: `import { createElement as h } from 'react';
import { useFastChat, ChatThread, Composer } from '@slipstream/react';
export function App() {
  const chat = useFastChat({ endpoint: '/api/chat' });
  return [
    h(ChatThread, { messages: chat.messages, onApprove: chat.approve, onDeny: chat.deny, onToolResult: chat.addToolResult }),
    h(Composer, { status: chat.status, onSubmit: (text) => chat.send(text), onStop: chat.stop }),
  ];
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
    // A subpath of its own: apps that keep no conversations do not ship it.
    name: '@slipstream/react/persist (IndexedDB thread store, useThreads, with core/persist and idb-keyval)',
    side: 'Slipstream',
    platform: 'browser',
    code: `export * from '@slipstream/react/persist';`,
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

const sizeOf = (bytes: Uint8Array): Size => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const add = (a: Size, b: Size): Size => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const ZERO: Size = { raw: 0, gzip: 0, brotli: 0 };

interface Built {
  /** What the page loads at start-up: the entry chunk and every chunk it imports statically. */
  initial: Size;
  /** Chunks only reached through `import()`, each with the source files in it. */
  lazy: { files: string[]; size: Size }[];
  /** Bytes each source file contributes to the start-up chunks (minified, before compression). */
  modules: { file: string; bytes: number }[];
}

/**
 * Bundle an entry as a user's bundler would for a browser app: esbuild with code splitting (as Vite and
 * Rollup do), so `import()`ed modules become chunks of their own. Each chunk is compressed on its own,
 * as it is served. Worker entries are one file (Wrangler does not split), so their size is everything.
 */
async function bundle(entry: Entry): Promise<Built> {
  const file = join(benchDir, `.bundle-entry-${Math.random().toString(36).slice(2)}.tmp.jsx`);
  writeFileSync(file, entry.code);
  try {
    const browser = entry.platform === 'browser';
    const out = await build({
      entryPoints: [file],
      bundle: true,
      splitting: browser,
      outdir: join(benchDir, '.bundle-out'),
      minify: true,
      format: 'esm',
      write: false,
      treeShaking: true,
      target: 'es2022',
      platform: browser ? 'browser' : 'neutral',
      mainFields: ['browser', 'module', 'main'],
      conditions: browser ? ['browser', 'import'] : ['workerd', 'worker', 'browser', 'import'],
      external: browser ? ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'] : ['node:*', 'cloudflare:*'],
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
      metafile: true,
    });
    const outputs = out.metafile.outputs;
    // Metafile output keys are relative to the working directory; match each output file by its path.
    const keyOf = (path: string): string | undefined => Object.keys(outputs).find((k) => path.endsWith(k.replace(/^(\.\.?\/)+/, '')));
    const entryKey = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined && !k.endsWith('.map'));
    const initialKeys = new Set<string>();
    const visit = (k: string): void => {
      if (initialKeys.has(k)) return;
      initialKeys.add(k);
      for (const i of outputs[k]!.imports) if (i.kind === 'import-statement' && outputs[i.path] !== undefined) visit(i.path);
    };
    if (entryKey !== undefined) visit(entryKey);
    let initial = ZERO;
    const lazy: Built['lazy'] = [];
    const modules = new Map<string, number>();
    for (const f of out.outputFiles) {
      const key = keyOf(f.path);
      const meta = key === undefined ? undefined : outputs[key];
      if (key !== undefined && initialKeys.has(key)) {
        initial = add(initial, sizeOf(f.contents));
        for (const [input, v] of Object.entries(meta?.inputs ?? {})) modules.set(input, (modules.get(input) ?? 0) + v.bytesInOutput);
      } else {
        lazy.push({ files: Object.keys(meta?.inputs ?? {}), size: sizeOf(f.contents) });
      }
    }
    return {
      initial,
      lazy,
      modules: [...modules].map(([f, bytes]) => ({ file: shortPath(f), bytes })).filter((m) => m.bytes > 0).sort((a, b) => b.bytes - a.bytes),
    };
  } finally {
    rmSync(file, { force: true });
  }
}

/** `packages/react/src/markdown/blocks.ts` instead of a path relative to bench/ or the store. */
const shortPath = (f: string): string => {
  const i = f.indexOf('packages/');
  if (i >= 0) return f.slice(i);
  const nm = f.lastIndexOf('node_modules/');
  return nm >= 0 ? f.slice(nm + 'node_modules/'.length) : relative(benchDir, join(benchDir, f));
};

/** A lazy chunk named by what it holds. */
const lazyName = (files: string[]): string => {
  if (files.some((f) => f.endsWith('core/src/validate.ts'))) return 'request validator (`@slipstream/core/validate`, loaded when the store is created)';
  if (files.some((f) => f.endsWith('react/src/components/rich-parts.ts'))) return 'tool call card, thinking block, step divider (`<MessageParts>` loads them with the first such part)';
  return files.map((f) => shortPath(f).replace(/^packages\//, '')).join(', ') || 'shared helper';
};

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
  } finally {
    rmSync(entry, { force: true });
  }
}

/** The same entry built by Vite (its production build: Rolldown/Rollup chunks, its minifier), start-up only. */
async function viteStartup(entry: Entry): Promise<{ startup: Size; lazy: Size; bundler: string }> {
  const { build: viteBuild, version } = await import('vite');
  const dir = join(benchDir, `.vite-entry-${Math.random().toString(36).slice(2)}.tmp`);
  mkdirSync(dir);
  const file = join(dir, 'entry.jsx');
  writeFileSync(file, entry.code);
  try {
    const result = await viteBuild({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        rollupOptions: { input: file, external: ['react', 'react-dom', 'react/jsx-runtime'], preserveEntrySignatures: 'exports-only' },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; fileName: string; code?: string; isEntry?: boolean; imports?: string[] }[] }[];
    const chunks = new Map(outputs.flatMap((o) => o.output).filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
    const startup = new Set<string>();
    const visit = (name: string): void => {
      if (startup.has(name) || !chunks.has(name)) return;
      startup.add(name);
      for (const i of chunks.get(name)!.imports ?? []) visit(i);
    };
    for (const c of chunks.values()) if (c.isEntry) visit(c.fileName);
    let s = ZERO;
    let l = ZERO;
    for (const c of chunks.values()) {
      const size = sizeOf(new TextEncoder().encode(c.code ?? ''));
      if (startup.has(c.fileName)) s = add(s, size);
      else l = add(l, size);
    }
    return { startup: s, lazy: l, bundler: `Vite ${version}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<Omit<BenchResult, 'title' | 'command'>> {
  const rows: string[] = [];
  const sizes = new Map<string, Size>();
  const failures: string[] = [];
  const lazyRows: string[] = [];
  let chatModules: Built['modules'] = [];
  const lazySeen = new Set<string>();
  for (const e of ENTRIES) {
    try {
      const b = await bundle(e);
      const s = b.initial;
      sizes.set(`${e.side}|${e.name}`, s);
      const label = e.note ? `${e.name}: ${e.note}` : e.name;
      rows.push(`| ${label} | ${e.side} | ${kb(s.raw)} | **${kb(s.gzip)}** | ${kb(s.brotli)} |`);
      if (e.name === CHAT_PATH) chatModules = b.modules;
      if (e.side === 'Slipstream') {
        for (const c of b.lazy) {
          const name = `lazy: ${lazyName(c.files)}`;
          // esbuild emits a dynamic import's chunk for every entry that reaches the importing file, used
          // or not, and what it holds varies with what start-up shares: the chat path's copy is the row.
          if (lazySeen.has(name) && e.name !== CHAT_PATH) continue;
          lazySeen.add(name);
          sizes.set(`Slipstream|${name}`, c.size);
          const row = `| ${name} | Slipstream | ${kb(c.size.raw)} | **${kb(c.size.gzip)}** | ${kb(c.size.brotli)} |`;
          const at = lazyRows.findIndex((r) => r.startsWith(`| ${name} |`));
          if (at >= 0) lazyRows[at] = row;
          else lazyRows.push(row);
        }
      }
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n').slice(0, 2).join(' ') : String(err);
      failures.push(`${e.side} / ${e.name}: ${why}`);
      rows.push(`| ${e.name} | ${e.side} | not built | | |`);
    }
  }
  // The chat path and the hook as Vite builds them, to show the figure does not hang on esbuild.
  for (const e of ENTRIES.filter((x) => x.side === 'Slipstream' && (x.name === CHAT_PATH || x.name === 'React chat hook (+ core)'))) {
    try {
      const v = await viteStartup(e);
      const label = e.note ? `${e.name}: ${e.note}` : e.name;
      sizes.set(`Vite|${e.name}`, v.startup);
      rows.push(`| ${label}, built by ${v.bundler} (start-up; lazy chunks ${kb(v.lazy.gzip)} KB gz) | Slipstream | ${kb(v.startup.raw)} | **${kb(v.startup.gzip)}** | ${kb(v.startup.brotli)} |`);
    } catch (err) {
      failures.push(`Vite build of ${e.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  rows.push(...lazyRows);
  const ratio = (name: string, other = name): string => {
    const a = sizes.get(`Slipstream|${name}`);
    const b = sizes.get(`AI SDK|${other}`);
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
  const chatPath = sizes.get(`Slipstream|${CHAT_PATH}`);
  const hook = sizes.get('Slipstream|React chat hook (+ core)');
  const viteChat = sizes.get(`Vite|${CHAT_PATH}`);
  const validator = [...sizes].find(([k]) => k.startsWith('Slipstream|lazy: request validator'))?.[1];
  const richParts = [...sizes].find(([k]) => k.startsWith('Slipstream|lazy: tool call card'))?.[1];
  const hlCore = sizes.get('Slipstream|lazy: highlight.js core (first finished code block)');
  const hlTs = sizes.get('Slipstream|lazy grammar: typescript');
  const verdict = (s: Size | undefined): string => (s ? (s.gzip <= BUDGET_BYTES ? 'met' : 'missed') : 'not built');
  const headline: Record<string, string> = {
    'framework-free client gzip ratio (Slipstream/AI SDK)': ratio('chat client, framework-free'),
    'React chat gzip ratio (Slipstream/AI SDK)': ratio('React chat hook (+ core)'),
    'edge worker gzip ratio (Slipstream/AI SDK)': ratio('edge worker (Cloudflare)'),
    'React chat + markdown gzip ratio (Slipstream/AI SDK + react-markdown)': ratio('React chat + markdown renderer (the browser benchmark app)'),
    'React chat path gzip KB (budget 15)': chatPath ? `${kb(chatPath.gzip)} (${verdict(chatPath)})` : 'not built',
  };
  const notes = [
    `- **The chat path** (\`useFastChat\` + \`<ChatThread>\` + \`<Composer>\`, what a chat page loads at start-up): ${chatPath ? `${kb(chatPath.gzip)} KB gzipped (Vite: ${viteChat ? `${kb(viteChat.gzip)} KB` : 'not built'}); budget 15 KB: **${verdict(chatPath)}**` : 'not built'}. \`useFastStream\` only: ${hook ? `${kb(hook.gzip)} KB` : 'not built'}; every export of \`@slipstream/react\`: ${all ? `${kb(all.gzip)} KB` : 'not built'}. Each includes \`@slipstream/core\`; none includes the highlighter.`,
    validator
      ? `- Start-up sizes count the entry chunk and every chunk it imports statically. The request validator (${kb(validator.gzip)} KB gz) is a chunk of its own: the store starts loading it when it is created and checks each body with it before sending; the edge checks again.`
      : '- Start-up sizes count the entry chunk and every chunk it imports statically.',
    ...(richParts
      ? [`- The tool call card, thinking block and step divider (${kb(richParts.gzip)} KB gz) are a chunk \`<MessageParts>\` loads the first time a message has such a part: a text-only chat never loads it.`]
      : []),
    `- gzip ratio Slipstream ÷ AI SDK: framework-free client ${headline['framework-free client gzip ratio (Slipstream/AI SDK)']}, React hook ${headline['React chat gzip ratio (Slipstream/AI SDK)']}, edge worker ${headline['edge worker gzip ratio (Slipstream/AI SDK)']}, React chat + markdown renderer ${headline['React chat + markdown gzip ratio (Slipstream/AI SDK + react-markdown)']} (vs \`react-markdown\`); the chat path vs \`useChat\` + \`react-markdown\`: ${ratio(CHAT_PATH, 'React chat + markdown renderer (the browser benchmark app)')}.`,
    worker
      ? `- Edge worker: ${kb(worker.gzip)} KB gzipped vs Cloudflare's Worker size limit of 3 MB (free) / 10 MB (paid) compressed: ${((worker.gzip / (3 * 1024 * 1024)) * 100).toFixed(1)}% of the free limit.`
      : '- Edge worker: not built (see failures).',
    hlCore
      ? `- Syntax highlighting is lazy: the app bundle gains only the highlighter entry; the first finished code block loads highlight.js's core (${kb(hlCore.gzip)} KB gz) plus its language's grammar (TypeScript: ${hlTs ? kb(hlTs.gzip) : '?'} KB gz), each once.`
      : '- Highlighter chunks: not built.',
    '- React and react-dom are external for every browser entry (peers on both sides); `zod` is bundled on the AI SDK side because `ai` imports it at run time.',
    ...failures.map((f) => `- Not built: ${f}`),
  ];
  const top = chatModules.slice(0, 16);
  const rest = chatModules.slice(16).reduce((a, m) => a + m.bytes, 0);
  const total = chatModules.reduce((a, m) => a + m.bytes, 0);
  const breakdown = chatModules.length
    ? [
        '',
        `What the chat path's start-up chunks are made of (esbuild metafile: minified bytes per source file, before compression; ${kb(total)} KB in all):`,
        '',
        '| source file | minified KB | share |',
        '|---|---:|---:|',
        ...top.map((m) => `| \`${m.file}\` | ${kb(m.bytes)} | ${((m.bytes / total) * 100).toFixed(0)}% |`),
        `| ${chatModules.length - top.length} more files | ${kb(rest)} | ${((rest / total) * 100).toFixed(0)}% |`,
      ]
    : [];
  return {
    markdown: [
      'esbuild 0.28, `minify`, ESM, code splitting for browser entries (as Vite/Rollup build an app), `process.env.NODE_ENV=production`, browser entries for `platform: browser`, worker entries as one file with `workerd`/`worker`/`browser` conditions. Sizes in KB (1024 bytes); a browser entry\'s size is what loads at start-up, its lazy chunks are rows of their own.',
      '',
      '| entry | side | raw KB | gzip -9 KB | brotli 11 KB |',
      '|---|---|---:|---:|---:|',
      ...rows,
      '',
      ...notes,
      ...breakdown,
    ].join('\n'),
    headline,
  };
}

await main('6. Bundle size', 'pnpm --filter @slipstream/bench exec tsx bundle-size.node.ts', run);
