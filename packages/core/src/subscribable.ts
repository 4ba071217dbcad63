/**
 * The one subscription base: listeners in a `Set`, `subscribe` returns its own unsubscribe, and lazy
 * hooks for the first subscriber and the last unsubscriber.
 *
 * @module
 */

/** Called after the state changed; read the new state with `getSnapshot()`. */
export type Listener = () => void;

/** Base class for anything listeners can subscribe to (the stream store extends it). */
export class Subscribable {
  protected readonly listeners = new Set<Listener>();

  constructor() {
    // Bound so it can be passed around detached (`useSyncExternalStore(store.subscribe, …)`).
    this.subscribe = this.subscribe.bind(this);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.onSubscribe();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.onUnsubscribe();
    };
  }

  hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  /** Calls every listener over a copy of the set: a listener may unsubscribe (or subscribe) while called. */
  protected emit(): void {
    for (const listener of [...this.listeners]) listener();
  }

  protected onSubscribe(): void {}
  protected onUnsubscribe(): void {}
}
