#!/usr/bin/env node
// `prepack` of every published package: refuse a packer that would ship the dev manifest, then build
// dist/ afresh so a tarball never carries stale or missing files.
//
// Why refuse npm/yarn: in this repo `exports` point at `./src/*.ts` (tests and the dev servers import
// sources) and the publish entry points live in `publishConfig`, which only pnpm applies when packing;
// pnpm also rewrites `workspace:^` to real ranges. `npm pack` would ship neither.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const agent = process.env.npm_config_user_agent ?? '';
const { name } = JSON.parse(readFileSync('package.json', 'utf8'));
if (!agent.startsWith('pnpm/')) {
  console.error(`${name}: pack and publish with pnpm (\`pnpm pack\`, \`pnpm publish\`, \`pnpm changeset publish\`).`);
  console.error('Another packer ships the dev manifest: exports pointing at src/*.ts and workspace: specifiers.');
  process.exit(1);
}
rmSync('dist', { recursive: true, force: true });
const execpath = process.env.npm_execpath;
const build = execpath
  ? spawnSync(process.execPath, [execpath, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('pnpm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
