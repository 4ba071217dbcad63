/**
 * `@slipstream/edge/examples`: an example tool set over a small in-memory project: `list_files`,
 * `read_file`, `write_file` (whose `content` is a whole file, so its input streams for a while) and
 * `run_checks`. It is the agent of the demo's Agent tab and of `pnpm edge --tools examples`.
 *
 * Each `conversationId` gets its own copy of the project (requests without one share a copy), so
 * concurrent demo sessions do not see each other's writes. The id comes from the client: this keeps
 * demo sessions apart, it is not access control. Projects live in the isolate's memory (a Worker may
 * start over on another isolate). Web-standard only: runs on Workers.
 *
 * @example
 * ```ts
 * import { createChatHandler } from '@slipstream/edge';
 * import { createExampleProject } from '@slipstream/edge/examples';
 *
 * const project = createExampleProject({ approveWrites: true });
 * export default createChatHandler({ tools: project.tools });
 * // Against the sim: "Add a TTL to the LRU cache [[sim:tools=list_files,read_file,write_file,run_checks]]"
 * ```
 *
 * @module
 */
import { defineTool, type Tool, type ToolContext } from './tools.ts';

/** The files every new project starts with: a tiny TypeScript library. */
export const EXAMPLE_FILES: Readonly<Record<string, string>> = Object.freeze({
  'package.json': `{
  "name": "tiny-cache",
  "version": "0.3.1",
  "type": "module",
  "scripts": { "test": "vitest run" }
}
`,
  'README.md': `# tiny-cache

A small LRU cache and a token-bucket rate limiter.

- \`src/lib/cache.ts\`: \`LruCache<K, V>\` with \`get\`, \`set\`, \`delete\` and a size cap.
- \`src/lib/limiter.ts\`: \`TokenBucket\` with \`take(n)\`.
`,
  'src/index.ts': `export { LruCache } from './lib/cache.ts';
export { TokenBucket } from './lib/limiter.ts';
`,
  'src/lib/cache.ts': `/** A least-recently-used cache with a size cap. */
export class LruCache<K, V> {
  readonly #map = new Map<K, V>();

  constructor(readonly maxEntries = 500) {}

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    // Re-insert so the key becomes the most recently used.
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.maxEntries) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
    }
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}
`,
  'src/lib/limiter.ts': `/** A token bucket: \`capacity\` tokens, refilled at \`perSecond\`. */
export class TokenBucket {
  #tokens: number;
  #last = Date.now();

  constructor(readonly capacity: number, readonly perSecond: number) {
    this.#tokens = capacity;
  }

  take(n = 1): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
`,
  'test/cache.test.ts': `import { expect, it } from 'vitest';
import { LruCache } from '../src/lib/cache.ts';

it('evicts the least recently used entry', () => {
  const c = new LruCache<string, number>(2);
  c.set('a', 1);
  c.set('b', 2);
  c.get('a');
  c.set('c', 3);
  expect(c.get('b')).toBeUndefined();
});
`,
});

export interface ExampleProjectOptions {
  /** The files a new project starts with. @default {@link EXAMPLE_FILES} */
  files?: Readonly<Record<string, string>>;
  /** `write_file` waits for the user's approval. @default false */
  approveWrites?: boolean;
  /** Simulated time each tool takes, in ms (honours the stop signal), so a demo shows tool time. @default none */
  latencyMs?: Partial<Record<'list_files' | 'read_file' | 'write_file' | 'run_checks', number>>;
  /** Projects kept (one per conversation); the least recently used is dropped beyond this. @default 200 */
  maxProjects?: number;
  /** Largest file `write_file` accepts, in characters. @default 200000 */
  maxFileChars?: number;
}

/** The tool set and a view of its projects. */
export interface ExampleProject {
  /** `list_files`, `read_file`, `write_file`, `run_checks`: pass to `createChatHandler({ tools })`. */
  tools: Tool[];
  /** The current files of a conversation's project (a copy). */
  files(conversationId?: string): Record<string, string>;
  /** Forget every project. */
  reset(): void;
}

/** One problem `run_checks` found. */
interface Problem {
  path: string;
  line: number;
  message: string;
}

const PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Build the example tool set over in-memory projects. */
export function createExampleProject(options: ExampleProjectOptions = {}): ExampleProject {
  const initial = options.files ?? EXAMPLE_FILES;
  const maxProjects = options.maxProjects ?? 200;
  const maxFileChars = options.maxFileChars ?? 200_000;
  const projects = new Map<string, Map<string, string>>();

  const project = (conversationId: string | undefined): Map<string, string> => {
    const key = conversationId ?? '';
    let files = projects.get(key);
    if (files) {
      projects.delete(key); // most recently used goes last
    } else {
      files = new Map(Object.entries(initial));
      if (projects.size >= maxProjects) projects.delete(projects.keys().next().value as string);
    }
    projects.set(key, files);
    return files;
  };
  const wait = async (tool: keyof NonNullable<ExampleProjectOptions['latencyMs']>, signal: AbortSignal) => {
    const ms = options.latencyMs?.[tool] ?? 0;
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, ms);
      function done() {
        signal.removeEventListener('abort', stop);
        resolve();
      }
      function stop() {
        clearTimeout(timer);
        reject(new Error('stopped'));
      }
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  };
  const checkPath = (path: string) => {
    if (!PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
      throw new Error(`"${path.slice(0, 200)}" is not a project path (use a relative path like src/lib/cache.ts).`);
    }
  };

  const tools: Tool[] = [
    defineTool<Record<string, never>>({
      name: 'list_files',
      description: 'List every file of the project with its size in characters.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      execute: async (_input, ctx: ToolContext) => {
        await wait('list_files', ctx.signal);
        return [...project(ctx.conversationId)].map(([path, text]) => ({ path, chars: text.length }));
      },
    }),
    defineTool<{ path: string }>({
      name: 'read_file',
      description: 'Read one file of the project. Returns its full text.',
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', description: 'Relative path, e.g. src/lib/cache.ts', maxLength: 300 } },
        required: ['path'],
        additionalProperties: false,
      },
      execute: async ({ path }, ctx) => {
        await wait('read_file', ctx.signal);
        checkPath(path);
        const files = project(ctx.conversationId);
        const text = files.get(path);
        if (text === undefined) throw new Error(`No file at ${path}. Files: ${[...files.keys()].join(', ')}`);
        return text;
      },
    }),
    defineTool<{ path: string; content: string }>({
      name: 'write_file',
      description: 'Create or replace one file of the project with the complete new text (not a diff).',
      inputSchema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'Relative path, e.g. src/lib/cache.ts', maxLength: 300 },
          content: { type: 'string', description: 'The whole file, as it should be after the write.' },
        },
        required: ['path', 'content'],
        additionalProperties: false,
      },
      ...(options.approveWrites ? { needsApproval: true } : {}),
      execute: async ({ path, content }, ctx) => {
        await wait('write_file', ctx.signal);
        checkPath(path);
        if (content.length > maxFileChars) throw new Error(`The file is ${content.length} characters; the most this project takes is ${maxFileChars}.`);
        const files = project(ctx.conversationId);
        const created = !files.has(path);
        files.set(path, content);
        return { path, chars: content.length, lines: content.split('\n').length, created };
      },
    }),
    defineTool<Record<string, never>>({
      name: 'run_checks',
      description:
        'Run the project checks on every .ts and .json file: JSON parses, brackets and quotes balance, no leftover conflict markers or TODOs. Returns passed/failed and the problems.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      execute: async (_input, ctx) => {
        await wait('run_checks', ctx.signal);
        const problems: Problem[] = [];
        let checked = 0;
        for (const [path, text] of project(ctx.conversationId)) {
          if (path.endsWith('.json')) {
            checked += 1;
            try {
              JSON.parse(text);
            } catch (err) {
              problems.push({ path, line: 1, message: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` });
            }
          } else if (path.endsWith('.ts')) {
            checked += 1;
            problems.push(...checkSource(path, text));
          }
        }
        return { passed: problems.length === 0, filesChecked: checked, problems: problems.slice(0, 20) };
      },
    }),
  ];

  return {
    tools,
    files: (conversationId) => Object.fromEntries(projects.get(conversationId ?? '') ?? new Map(Object.entries(initial))),
    reset: () => projects.clear(),
  };
}

const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * A small lexer-level check of TypeScript source: brackets balance (outside strings, template
 * literals, regex-free comments), strings end on their line, no conflict markers, no TODO. Not a
 * compiler: it catches what a truncated or garbled write leaves behind.
 */
function checkSource(path: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const stack: { ch: string; line: number }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line += 1;
      i += 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const comment = text.slice(i, end === -1 ? n : end);
      if (/\bTODO\b/.test(comment)) problems.push({ path, line, message: 'TODO left in a comment' });
      i = end === -1 ? n : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const block = text.slice(i, end === -1 ? n : end + 2);
      line += block.split('\n').length - 1;
      if (end === -1) problems.push({ path, line, message: 'unterminated block comment' });
      i = end === -1 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (text[j] !== c) problems.push({ path, line, message: 'unterminated string' });
      i = j + 1;
    } else if (c === '`') {
      let j = i + 1;
      while (j < n && text[j] !== '`') {
        if (text[j] === '\n') line += 1;
        j += text[j] === '\\' ? 2 : 1;
      }
      if (j >= n) problems.push({ path, line, message: 'unterminated template literal' });
      i = j + 1;
    } else if (c === '(' || c === '[' || c === '{') {
      stack.push({ ch: c, line });
      i += 1;
    } else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (open === undefined || open.ch !== PAIRS[c]) {
        problems.push({ path, line, message: `unexpected "${c}"` });
        if (open !== undefined) stack.push(open);
      }
      i += 1;
    } else {
      if ((c === '<' || c === '>' || c === '=') && (i === 0 || text[i - 1] === '\n') && text.startsWith(c.repeat(7), i)) {
        problems.push({ path, line, message: 'merge conflict marker' });
      }
      i += 1;
    }
  }
  for (const open of stack.slice(0, 3)) problems.push({ path, line: open.line, message: `"${open.ch}" is never closed` });
  return problems;
}
