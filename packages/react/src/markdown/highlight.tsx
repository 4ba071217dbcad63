'use client';
/**
 * Lazy syntax highlighting for `<StreamingMarkdown highlight={highlightCode}>` and `<Message>`.
 * Import from `@slipstream/react/highlight`; the main entry never references it, so an app that does
 * not highlight ships none of it, and one that does loads highlight.js's core on the first finished
 * code block and each language's grammar in its own chunk when a block in it first appears.
 *
 * @module
 */
import { createElement, useEffect, useState, type ReactNode } from 'react';

/** What the highlighter needs from highlight.js's core. */
interface HljsCore {
  highlight(code: string, options: { language: string; ignoreIllegals?: boolean }): { value: string };
  getLanguage(name: string): unknown;
  registerLanguage(name: string, language: never): void;
}

type GrammarModule = Promise<{ default: unknown }>;

/**
 * The grammars that load on demand, one chunk each (a static map, so bundlers can split them). A
 * reply in TypeScript loads highlight.js's core and the TypeScript grammar, nothing else.
 */
const GRAMMARS: Record<string, () => GrammarModule> = {
  typescript: () => import('highlight.js/lib/languages/typescript'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  python: () => import('highlight.js/lib/languages/python'),
  bash: () => import('highlight.js/lib/languages/bash'),
  shell: () => import('highlight.js/lib/languages/shell'),
  css: () => import('highlight.js/lib/languages/css'),
  xml: () => import('highlight.js/lib/languages/xml'),
  go: () => import('highlight.js/lib/languages/go'),
  rust: () => import('highlight.js/lib/languages/rust'),
  java: () => import('highlight.js/lib/languages/java'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  swift: () => import('highlight.js/lib/languages/swift'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  php: () => import('highlight.js/lib/languages/php'),
  sql: () => import('highlight.js/lib/languages/sql'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
  diff: () => import('highlight.js/lib/languages/diff'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
};

const ALIASES: Record<string, string> = {
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript', node: 'javascript',
  jsonc: 'json', json5: 'json',
  py: 'python', python3: 'python',
  sh: 'bash', zsh: 'bash', console: 'shell',
  html: 'xml', svg: 'xml', xhtml: 'xml',
  golang: 'go', rs: 'rust', kt: 'kotlin', 'c++': 'cpp', cc: 'cpp', h: 'c', hpp: 'cpp', cs: 'csharp', 'c#': 'csharp',
  rb: 'ruby', yml: 'yaml', patch: 'diff', md: 'markdown', postgres: 'sql', postgresql: 'sql', mysql: 'sql',
};

/** The grammar name for a fence's info string, or `null` when it has none here. */
export function grammarFor(lang: string): string | null {
  const name = lang.trim().toLowerCase();
  const resolved = ALIASES[name] ?? name;
  return Object.hasOwn(GRAMMARS, resolved) ? resolved : null;
}

let engine: Promise<HljsCore> | null = null;
const loading = new Map<string, Promise<void>>();

function loadEngine(): Promise<HljsCore> {
  // highlight.js's core only (no grammars): each language below is its own chunk.
  engine ??= import('highlight.js/lib/core').then((m) => m.default as unknown as HljsCore);
  return engine;
}

/**
 * Loads highlight.js's core and the given grammars (default: TypeScript, JavaScript, JSON, Python,
 * Bash). Optional: the first highlighted block loads what it needs by itself.
 */
export async function preloadHighlighter(languages: readonly string[] = ['typescript', 'javascript', 'json', 'python', 'bash']): Promise<void> {
  const e = await loadEngine();
  await Promise.all(languages.map((l) => grammarFor(l)).filter((g): g is string => g !== null).map((g) => ensureGrammar(e, g)));
}

function ensureGrammar(e: HljsCore, grammar: string): Promise<void> {
  let p = loading.get(grammar);
  if (!p) {
    p = GRAMMARS[grammar]!().then((m) => {
      if (!e.getLanguage(grammar)) e.registerLanguage(grammar, m.default as never);
    });
    loading.set(grammar, p);
  }
  return p;
}

/** Highlighted trees by language and code: a block re-mounted (a re-render, a tab switch) costs nothing. */
const CACHE_LIMIT = 256;
const cache = new Map<string, ReactNode>();

function remember(key: string, value: ReactNode): void {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'" };
const unescape = (text: string): string => text.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (e) => ENTITIES[e] ?? e);
const TOKEN = /<span class="([\w\- ]+)">|<\/span>/g;

/**
 * highlight.js's output as React elements, never as HTML: it escapes every character of the code and
 * adds only `<span class="hljs-…">` and `</span>`, so those two tags are read and everything between
 * them becomes text children (which React escapes again). Anything else would stay literal text.
 */
function toReact(html: string): ReactNode[] {
  const root: ReactNode[] = [];
  const stack: { cls: string; children: ReactNode[] }[] = [];
  let key = 0;
  let last = 0;
  const push = (node: ReactNode) => (stack.length ? stack[stack.length - 1]!.children : root).push(node);
  for (const m of html.matchAll(TOKEN)) {
    if (m.index > last) push(unescape(html.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) stack.push({ cls: m[1], children: [] });
    else {
      const open = stack.pop();
      if (open) push(createElement('span', { key: key++, className: open.cls }, ...open.children));
    }
  }
  if (last < html.length) push(unescape(html.slice(last)));
  // Unbalanced output (never expected): flush what is open as plain spans.
  while (stack.length) {
    const open = stack.pop()!;
    push(createElement('span', { key: key++, className: open.cls }, ...open.children));
  }
  return root;
}

/** Runs `fn` when the main thread is idle (or on the next task where `requestIdleCallback` is missing). */
function whenIdle(fn: () => void): () => void {
  const w = globalThis as typeof globalThis & {
    requestIdleCallback?: (cb: () => void, opts?: { timeout: number }) => number;
    cancelIdleCallback?: (id: number) => void;
  };
  if (w.requestIdleCallback && w.cancelIdleCallback) {
    const id = w.requestIdleCallback(fn, { timeout: 500 });
    return () => w.cancelIdleCallback!(id);
  }
  const id = setTimeout(fn, 0);
  return () => clearTimeout(id);
}

function Highlighted({ code, grammar }: { code: string; grammar: string }): ReactNode {
  const key = `${grammar}\u0000${code}`;
  const [tree, setTree] = useState<{ key: string; nodes: ReactNode } | null>(() => (cache.has(key) ? { key, nodes: cache.get(key) } : null));
  const ready = tree?.key === key;
  useEffect(() => {
    if (ready) return;
    let cancelled = false;
    let cancelIdle = () => {};
    void loadEngine()
      .then(async (e) => {
        await ensureGrammar(e, grammar);
        if (cancelled) return;
        // One block per idle slot: a reply with many blocks never makes a long task.
        cancelIdle = whenIdle(() => {
          if (cancelled) return;
          const nodes = toReact(e.highlight(code, { language: grammar, ignoreIllegals: true }).value);
          remember(key, nodes);
          setTree({ key, nodes });
        });
      })
      .catch(() => {
        // A chunk failed to load (offline, CSP): the plain code stays, which is still correct.
      });
    return () => {
      cancelled = true;
      cancelIdle();
    };
  }, [key, grammar, code, ready]);
  return ready ? tree.nodes : code;
}

/**
 * The `highlight` option for `<StreamingMarkdown>` / `<Message>`: highlights a finished code block
 * (the renderer never calls it for a block still streaming). Plain text shows until the grammars
 * have loaded and the block has been highlighted in an idle slot; unknown languages stay plain.
 *
 * @example
 * import { highlightCode } from '@slipstream/react/highlight';
 * <Message message={m} highlight={highlightCode} />
 */
export function highlightCode(code: string, lang: string): ReactNode {
  const grammar = grammarFor(lang);
  if (grammar === null) return null;
  return createElement(Highlighted, { code, grammar });
}
