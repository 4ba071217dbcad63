/** Forwarded refs. @module */
import type { ForwardedRef } from 'react';

/** Hands a node to a forwarded ref, whether it is a callback or an object. */
export function assignRef<T>(ref: ForwardedRef<T>, node: T | null): void {
  if (typeof ref === 'function') ref(node);
  else if (ref) ref.current = node;
}
