'use client';
/**
 * `useThreads`: a thread store's list as React state, re-read after every change made through it.
 * @module
 */
import { useEffect, useState } from 'react';
import type { ThreadRecordErrorLike, ThreadStore, ThreadSummary } from '@slipstream/core/persist';

export interface UseThreadsResult {
  /** Newest first. Empty until the first read. */
  threads: ThreadSummary[];
  /** Entries the store could not read (corrupt, other record version): skipped, listed here. */
  skipped: ThreadRecordErrorLike[];
  /** `true` until the first read ends. */
  loading: boolean;
  /** The last read failed (e.g. no IndexedDB); `null` otherwise. */
  error: unknown;
}

const EMPTY: UseThreadsResult = { threads: [], skipped: [], loading: true, error: null };

/**
 * The threads of `store`, newest first, kept current as chats save and the app renames or removes.
 *
 * @example
 * const { threads, loading } = useThreads(store);
 * <ul>{threads.map((t) => <li key={t.id}>{t.title ?? t.preview}</li>)}</ul>
 */
export function useThreads(store: ThreadStore): UseThreadsResult {
  const [state, setState] = useState<UseThreadsResult>(EMPTY);
  useEffect(() => {
    let alive = true;
    let reads = 0;
    const read = (): void => {
      const n = ++reads;
      store.list().then(
        ({ threads, skipped }) => {
          // A slower, older read never overwrites a newer one.
          if (alive && n === reads) setState({ threads, skipped, loading: false, error: null });
        },
        (error: unknown) => {
          if (alive && n === reads) setState((prev) => ({ ...prev, loading: false, error }));
        },
      );
    };
    read();
    const off = store.subscribe(read);
    return () => {
      alive = false;
      off();
    };
  }, [store]);
  return state;
}
