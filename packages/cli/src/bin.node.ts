#!/usr/bin/env node
/**
 * The `slipstream` bin. Kept apart from `cli.node.ts` so importing the CLI as a library (including with
 * `require`, which cannot load a module graph with top-level await) never runs it.
 * @module
 */
import { main } from './cli.node.ts';

process.exitCode = await main(process.argv.slice(2));
