/**
 * The part views a text-only chat never renders: the tool call card, the thinking block and the step
 * divider. `<MessageParts>` imports this module with `import()` the first time a message has such a
 * part, so a bundler puts them in a chunk of their own and a chat page does not load them at start-up
 * (see `rich-parts-loader.ts`). The root entry still exports each of them statically.
 *
 * @module
 */
export { ToolCallCard } from './tool-call.tsx';
export { ThinkingBlock } from './thinking-block.tsx';
export { StepDivider } from './step-divider.tsx';
