#!/usr/bin/env node
// Launch the TypeScript CLI through tsx, so `npx slipstream race "…"` works without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.node.ts');
process.exitCode = await main(process.argv.slice(2));
