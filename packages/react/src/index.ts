/**
 * `@slipstream/react`: hooks and components for streaming Claude fast mode into React.
 *
 * @module
 */
export * from './markdown/index.ts';
export { LiveAnnouncer, type LiveAnnouncerProps } from './live-region.tsx';
