/**
 * The root entry's exports of the tool call card, thinking block and step divider (and the card's
 * helpers and types).
 *
 * Each value is re-declared here (`export const X = …`) instead of re-exported, on purpose: esbuild's
 * code splitting assigns whole files to chunks by following every import and every export binding of
 * the files an entry reaches, used or not. A plain `export { ToolCallCard } from './tool-call.tsx'` in
 * the root entry would therefore put the card into the chunk a chat page loads at start-up, next to the
 * lazy chunk `<MessageParts>` loads it from (`rich-parts.ts`). A binding declared here stops that walk:
 * when an app does not use these exports this file is tree-shaken away, and the files behind it stay in
 * the lazy chunk only. Same values at run time; `test/bundle.test.ts` checks the split.
 *
 * @module
 */
import { StepDivider as StepDividerView } from './step-divider.tsx';
import { ThinkingBlock as ThinkingBlockView } from './thinking-block.tsx';
import { ToolCallCard as ToolCallCardView, prettyJson as prettyJsonOf, toolCallStatus as toolCallStatusOf } from './tool-call.tsx';

export type { StepDividerProps } from './step-divider.tsx';
export type { ThinkingBlockProps } from './thinking-block.tsx';
export type { ToolCallCardProps, ToolCallStatus, ToolRendererProps, ToolRenderers } from './tool-call.tsx';

/** See {@link ToolCallCardView | `<ToolCallCard>`} in `tool-call.tsx`. */
export const ToolCallCard = ToolCallCardView;
/** See `toolCallStatus` in `tool-call.tsx`: the card's status and its label for a call. */
export const toolCallStatus = toolCallStatusOf;
/** See `prettyJson` in `tool-call.tsx`: a JSON value pretty-printed, multi-line strings as their lines. */
export const prettyJson = prettyJsonOf;
/** See {@link ThinkingBlockView | `<ThinkingBlock>`} in `thinking-block.tsx`. */
export const ThinkingBlock = ThinkingBlockView;
/** See {@link StepDividerView | `<StepDivider>`} in `step-divider.tsx`. */
export const StepDivider = StepDividerView;
