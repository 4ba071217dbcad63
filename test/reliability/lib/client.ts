/**
 * The client side of a case: the real core store (`createFastStream`). A minimal protocol-only driver
 * exists for developing the harness before the store lands; it is selected only by setting
 * SLIPSTREAM_REL_DRIVER=protocol, so the suite never silently tests less than the real store.
 */
import * as core from '@slipstream/core';
import type { ChatRequest, ErrorEvent } from '@slipstream/core';
import type { FetchLike } from './stack.ts';

export type ClientStatus = 'idle' | 'submitted' | 'streaming' | 'done' | 'error' | 'aborted';
export const TERMINAL: readonly ClientStatus[] = ['done', 'error', 'aborted'];

export interface ClientView {
  status: ClientStatus;
  text: string;
  thinking?: string;
  error: ErrorEvent | null | undefined;
  servedSpeed?: string | null | undefined;
}

export interface ClientRun {
  start(body: ChatRequest): void;
  stop(): void;
  view(): ClientView;
  /** Resolves on every state change. */
  subscribe(fn: () => void): () => void;
  readonly driver: 'store' | 'protocol';
}

type AnyStore = {
  start: (body: ChatRequest) => unknown;
  stop: () => unknown;
  getSnapshot: () => Record<string, unknown>;
  subscribe: (fn: () => void) => () => void;
};

export function storeAvailable(): boolean {
  return typeof (core as Record<string, unknown>).createFastStream === 'function';
}

function viewOf(s: Record<string, unknown>): ClientView {
  const err = s.error as ErrorEvent | null | undefined;
  return {
    status: s.status as ClientStatus,
    text: typeof s.text === 'string' ? s.text : String(s.text ?? ''),
    thinking: typeof s.thinking === 'string' ? s.thinking : '',
    error: err,
    servedSpeed: (s.servedSpeed ?? s.speed ?? null) as string | null,
  };
}

export function createClient(fetchImpl: FetchLike, endpoint = 'http://edge.test/api/chat', notify: 'sync' | 'frame' = 'sync'): ClientRun {
  const wantProtocol = process.env.SLIPSTREAM_REL_DRIVER === 'protocol';
  if (!wantProtocol) {
    const create = (core as Record<string, unknown>).createFastStream as ((o: Record<string, unknown>) => AnyStore) | undefined;
    if (create === undefined) throw new Error('@slipstream/core does not export createFastStream (not landed yet?)');
    // Notify on every change (no frame batching) so a test sees each state.
    const store = create({ endpoint, fetch: fetchImpl, notify });
    return {
      driver: 'store',
      start: (b) => void Promise.resolve(store.start(b)).catch(() => undefined),
      stop: () => void store.stop(),
      view: () => viewOf(store.getSnapshot()),
      subscribe: (fn) => store.subscribe(fn),
    };
  }
  return protocolClient(fetchImpl, endpoint);
}

function protocolClient(fetchImpl: FetchLike, endpoint: string): ClientRun {
  let state: ClientView = { status: 'idle', text: '', error: null };
  const listeners = new Set<() => void>();
  const set = (patch: Partial<ClientView>): void => {
    state = { ...state, ...patch };
    for (const l of listeners) l();
  };
  const ctl = new AbortController();
  return {
    driver: 'protocol',
    start(body) {
      set({ status: 'submitted' });
      void (async () => {
        try {
          const res = await fetchImpl(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: ctl.signal });
          if (!res.ok || !res.body) {
            const eb = (await res.json()) as { error: ErrorEvent };
            set({ status: 'error', error: eb.error });
            return;
          }
          for await (const e of core.readProtocolStream(res.body, { signal: ctl.signal })) {
            if (e.event === 'start') set({ status: 'streaming' });
            else if (e.event === 'text') set({ status: 'streaming', text: state.text + e.data.delta });
            else if (e.event === 'done') set({ status: 'done', servedSpeed: e.data.speed });
            else if (e.event === 'error') set({ status: 'error', error: e.data });
          }
          if (!TERMINAL.includes(state.status)) set({ status: 'error', error: { kind: 'protocol', message: 'ended early', retryable: true } });
        } catch (err) {
          if (ctl.signal.aborted) set({ status: 'aborted' });
          else set({ status: 'error', error: { kind: 'network', message: String(err), retryable: true } });
        }
      })();
    },
    stop() {
      ctl.abort();
      if (!TERMINAL.includes(state.status)) set({ status: 'aborted' });
    },
    view: () => state,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** Resolve when `pred(view)` holds (checked on every change and every 5 ms). */
export function waitFor(run: ClientRun, pred: (v: ClientView) => boolean): Promise<ClientView> {
  return new Promise((resolve) => {
    if (pred(run.view())) {
      resolve(run.view());
      return;
    }
    const check = (): void => {
      if (pred(run.view())) {
        clearInterval(timer);
        unsubscribe();
        resolve(run.view());
      }
    };
    const unsubscribe = run.subscribe(check);
    const timer = setInterval(check, 5);
  });
}
