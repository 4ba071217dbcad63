/**
 * The consumer test: the packages as npm users get them. Build and `pnpm pack` every published
 * package, install the tarballs into a fresh project outside the workspace, and use them there: ESM
 * import, CommonJS `require`, TypeScript (bundler, nodenext, node10; skipLibCheck false), a Vite +
 * React build, the edge bundled for Workers streaming in workerd, a Node server streaming, the CLI's
 * bin; plus publint, @arethetypeswrong/cli and a dry-run publish of every tarball.
 *
 * Hermetic: the install is `pnpm install --offline` and every dependency is a local tarball. Ours come
 * from `pnpm pack`; third-party ones are packed from the root install (node_modules/.pnpm holds each
 * package's published files), and the project's `pnpm.overrides` point every name in the graph at
 * them, so nothing is resolved from a registry. A package missing from the root install fails the
 * setup by name (add it to the root devDependencies).
 * @module
 */
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixture', import.meta.url));
const PACKAGES = ['core', 'sim', 'edge', 'react', 'cli'] as const;
/** What the consumer project depends on directly, besides our packages (the user's own copies). */
const DIRECT = ['hono', '@hono/node-server', 'react', 'react-dom', '@types/react', '@types/react-dom', '@types/node'];
/** Tools run from the root install against the consumer project (not under test themselves). */
const bin = (pkg: string, file: string): string => join(root, 'node_modules', pkg, file);
const fromRoot = createRequire(join(root, 'package.json'));
const KEEP = process.env['SLIPSTREAM_CONSUMER_KEEP'] === '1';

let dir: string;
let project: string;
const tarballs = new Map<string, string>();

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const manifest = (pkgDir: string): Manifest => JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Manifest;

/** The directory Node would load `name` from, seen from `fromDir` (a package's real directory). */
function locate(name: string, fromDir: string): string | null {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(d) === d) return null;
  }
}

/**
 * Every third-party package the consumer's graph needs, as name → real directory in the root install:
 * our packages' dependencies and the project's direct ones, transitively. Optional peers are left out
 * (as with auto-install-peers off); required peers must be in the graph already.
 */
function thirdPartyClosure(): Map<string, string> {
  const found = new Map<string, string>();
  const queue: [string, string][] = [];
  for (const p of PACKAGES) {
    for (const dep of Object.keys(manifest(join(root, 'packages', p)).dependencies ?? {})) queue.push([dep, join(root, 'packages', p)]);
  }
  for (const dep of DIRECT) queue.push([dep, root]);
  while (queue.length > 0) {
    const [name, from] = queue.shift()!;
    if (name.startsWith('@slipstream/')) continue;
    const at = locate(name, from);
    if (at === null) throw new Error(`consumer test: ${name} (needed from ${from}) is not in the root install; add it to the root devDependencies`);
    const seen = found.get(name);
    if (seen !== undefined) {
      if (seen !== at && manifest(seen).version !== manifest(at).version) {
        throw new Error(`consumer test: two versions of ${name} in the graph (${manifest(seen).version}, ${manifest(at).version}); overrides can pin only one`);
      }
      continue;
    }
    found.set(name, at);
    const m = manifest(at);
    for (const dep of Object.keys(m.dependencies ?? {})) queue.push([dep, at]);
  }
  return found;
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  if (res.error) throw res.error;
  return res;
}
const ok = (res: SpawnSyncReturns<string>, what: string): string => {
  if (res.status !== 0) throw new Error(`${what} exited ${res.status}\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
};
/** Node with no key in its environment (the CLI and the edge must not find one), in the project. */
const nodeIn = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  sh(process.execPath, args, project, { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '', ...env });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipstream-consumer-'));
  const packs = join(dir, 'packs');
  const vendor = join(dir, 'vendor');
  mkdirSync(packs);
  mkdirSync(vendor);

  // 1. Build and pack ours: `pnpm pack` runs each package's prepack (a fresh build), two at a time.
  const pnpm = process.env['npm_execpath'] && /pnpm/.test(process.env['npm_execpath']) ? [process.execPath, process.env['npm_execpath']] : ['pnpm'];
  const queue = [...PACKAGES];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const { stdout } = await run(pnpm[0]!, [...pnpm.slice(1), 'pack', '--pack-destination', packs], { cwd: join(root, 'packages', p), maxBuffer: 16 << 20 });
      const file = stdout.trim().split('\n').at(-1)!.trim();
      tarballs.set(`@slipstream/${p}`, file);
    }
  };
  await Promise.all([worker(), worker()]);

  // 2. Third-party packages, packed from the root install.
  const vendored = new Map<string, string>();
  for (const [name, at] of thirdPartyClosure()) {
    const file = join(vendor, `${name.replace('/', '+')}-${manifest(at).version}.tgz`);
    // --hard-dereference: the store hard-links identical files, and a tar hard-link entry would unpack
    // as an empty file.
    ok(sh('tar', ['-czf', file, '--hard-dereference', '--transform', 's,^\\.,package,', '-C', at, '.'], vendor), `tar ${name}`);
    vendored.set(name, file);
  }

  // 3. The project: direct dependencies as a user lists them; overrides pin the whole graph to files.
  project = join(dir, 'app');
  cpSync(fixture, project, { recursive: true });
  const spec = (file: string): string => `file:${file}`;
  const deps: Record<string, string> = {};
  for (const [name, file] of tarballs) deps[name] = spec(file);
  for (const name of DIRECT) deps[name] = spec(vendored.get(name)!);
  const overrides: Record<string, string> = {};
  for (const [name, file] of [...tarballs, ...vendored]) overrides[name] = spec(file);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'slipstream-consumer', private: true, type: 'module', dependencies: deps, pnpm: { overrides } }, null, 2),
  );
  // Outside the workspace, with a store of its own: nothing is shared with the repo's install.
  const install = ['install', '--offline', '--ignore-workspace', '--config.auto-install-peers=false', `--store-dir=${join(dir, 'store')}`];
  ok(sh(pnpm[0]!, [...pnpm.slice(1), ...install], project), 'pnpm install --offline');
}, 600_000);

afterAll(() => {
  if (dir && !KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it('pass publint (strict) and @arethetypeswrong/cli', async () => {
    const checks = [...tarballs.values()].flatMap((file) => [
      [bin('publint', 'src/cli.js'), 'run', file, '--strict'],
      // require() of our ESM is supported from Node 20.19 (engines: >=20.19) and by TypeScript's
      // nodenext from 5.8, which attw does not model yet (its issue #252); the CommonJS checks below
      // prove it instead. A CSS file has no types to find.
      [bin('@arethetypeswrong/cli', 'dist/index.js'), file, '--ignore-rules', 'cjs-resolves-to-esm', '--exclude-entrypoints', 'styles.css', '--format', 'ascii'],
    ]);
    const results = await Promise.allSettled(checks.map((args) => run(process.execPath, args, { cwd: dir })));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${checks[i]!.slice(1).join(' ')}: ${(r.reason as { stdout?: string }).stdout ?? String(r.reason)}`] : []));
    expect(failed).toEqual([]);
  });

  it('ship LICENSE, README, dist with maps, no tests, and no workspace: specifiers', () => {
    for (const [name, file] of tarballs) {
      const list = ok(sh('tar', ['-tzf', file], dir), 'tar -t').split('\n');
      expect(list, name).toContain('package/LICENSE');
      expect(list, name).toContain('package/README.md');
      expect(list, name).toContain('package/dist/index.js');
      expect(list, name).toContain('package/dist/index.js.map');
      expect(list, name).toContain('package/dist/index.d.ts.map');
      expect(list.filter((f) => /\/test\/|\.test\./.test(f)), name).toEqual([]);
      const pkg = ok(sh('tar', ['-xOzf', file, 'package/package.json'], dir), 'tar -x');
      expect(pkg, name).not.toContain('workspace:');
      expect(pkg, name).not.toContain('./src/');
    }
  });

  it('publish (dry run, offline): the tarballs pnpm packed are what gets published', () => {
    for (const file of tarballs.values()) {
      const out = ok(sh('npm', ['publish', file, '--dry-run', '--access', 'public', '--offline'], dir), `npm publish --dry-run ${file}`);
      expect(out).toMatch(/^\+ @slipstream\/[a-z]+@\d+\.\d+\.\d+/m);
    }
  });
});

describe('installed from the tarballs', () => {
  it('ESM import and CommonJS require load every entry point', () => {
    const expected = { core: 'function', coreValidate: 'function', corePersist: 'function', coreAttachments: 'function', edge: 'function', edgeRedis: 'function', edgeDO: 'function', edgeExamples: 'object', edgeAiSdk: 'function', react: 'function', markdown: 'object', highlight: 'function', attachments: 'function', persist: 'function', sim: 'function', simNode: 'function', cli: 'function' };
    expect(JSON.parse(ok(nodeIn(['src/esm.mjs']), 'esm'))).toEqual(expected);
    const cjs = JSON.parse(ok(nodeIn(['src/cjs.cjs']), 'cjs')) as Record<string, string>;
    expect(cjs).toMatchObject(expected);
    expect(cjs['cost']).toBe('{"inputUsd":0,"outputUsd":0.00165,"cacheReadUsd":0,"cacheWriteUsd":0,"totalUsd":0.00165}');
  });

  it('typecheck with moduleResolution bundler, nodenext and node10, skipLibCheck false', async () => {
    // Concurrently: each run checks the SDK's declarations too, the bulk of the time.
    const modes = ['bundler', 'nodenext', 'node10'];
    const results = await Promise.allSettled(modes.map((mode) => run(process.execPath, [bin('typescript', 'bin/tsc'), '-p', `tsconfig.${mode}.json`], { cwd: project })));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${modes[i]}: ${(r.reason as { stdout?: string }).stdout ?? String(r.reason)}`] : []));
    expect(failed).toEqual([]);
  });

  it('a Vite + React app builds', () => {
    ok(
      nodeIn(['web/build.mjs'], {
        VITE_URL: pathToFileURL(fromRoot.resolve('vite')).href,
        PLUGIN_REACT_URL: pathToFileURL(fromRoot.resolve('@vitejs/plugin-react')).href,
      }),
      'vite build',
    );
    const assets = ok(sh('ls', ['dist-web/assets'], project), 'ls');
    expect(assets).toMatch(/\.js/);
    expect(assets).toMatch(/\.css/);
    // The request validator is a chunk of its own (the store imports it lazily), not in the app's entry.
    const js = assets.split('\n').filter((f) => f.endsWith('.js'));
    const validator = js.filter((f) => readFileSync(join(project, 'dist-web/assets', f), 'utf8').includes('answers no tool call'));
    expect(validator).toHaveLength(1);
    expect(validator[0]).toMatch(/^validate-/);
  });

  it('the edge bundled for Workers streams in workerd against @slipstream/sim/node', () => {
    const out = ok(
      nodeIn(['src/workers.mjs'], {
        ESBUILD_URL: pathToFileURL(fromRoot.resolve('esbuild')).href,
        MINIFLARE_URL: pathToFileURL(fromRoot.resolve('miniflare')).href,
      }),
      'workers',
    );
    const { reply } = JSON.parse(out) as { reply: Record<string, unknown> };
    expect(reply).toMatchObject({ status: 200, contentType: 'text/event-stream; charset=utf-8', last: 'done', speed: 'fast', outputTokens: 40 });
    expect(reply['texts']).toBeGreaterThan(1);
  });

  it('a Node server streams; with no key it answers a typed error naming the fix', () => {
    const out = JSON.parse(ok(nodeIn(['src/node-server.mjs']), 'node server')) as { reply: Record<string, unknown>; noKey: { status: number; body: { error: { kind: string; message: string } } } };
    expect(out.reply).toMatchObject({ status: 200, last: 'done', speed: 'fast', outputTokens: 40 });
    expect(out.noKey.status).toBe(500);
    expect(out.noKey.body.error.kind).toBe('upstream');
    expect(out.noKey.body.error.message).toContain('ANTHROPIC_API_KEY');
    expect(out.noKey.body.error.message).toContain('baseURL');
  });

  it('npx slipstream --help, and a race against the embedded sim', () => {
    const help = sh('npx', ['--offline', 'slipstream', '--help'], project, { ANTHROPIC_API_KEY: '' });
    expect(ok(help, 'slipstream --help')).toContain('Usage: slipstream race');
    const race = sh('npx', ['--offline', 'slipstream', 'race', 'Hi [[sim:tokens=20]]', '--runs', '1', '--json'], project, { ANTHROPIC_API_KEY: '' });
    const report = JSON.parse(ok(race, 'slipstream race')) as { source: string; runs: unknown[] };
    expect(report.source).toBe('sim');
    const sim = sh('npx', ['--offline', 'slipstream-sim', '--help'], project);
    expect(ok(sim, 'slipstream-sim --help')).toContain('Usage: slipstream-sim');
  });

  it('tarball sizes stay within budget', () => {
    // A guard against shipping something by mistake (a fixture, node_modules), not a size target. The
    // sim carries the ranks of its real tokenizer on purpose (dist/claude-tokenizer.json, ~275 kB packed).
    const budget = (name: string): number => (name === '@slipstream/sim' ? 400_000 + 300_000 : 400_000);
    for (const [name, file] of tarballs) expect(statSync(file).size, name).toBeLessThan(budget(name));
  });
});
