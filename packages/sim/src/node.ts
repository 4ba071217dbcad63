/**
 * `@slipstream/sim/node`: everything in `@slipstream/sim`, plus the Node server.
 * @module
 */
export * from './index.ts';
export { startSim, type RunningSim, type StartSimOptions } from './server.node.ts';
