// The store's request check loads the validator lazily. These tests take fresh copies of the modules
// (vi.resetModules) so the validator is not loaded yet, as on a page whose chunk is still downloading.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, settle } from './store-helpers.ts';

type StoreModule = typeof import('../src/store.ts');

async function freshStore(): Promise<StoreModule> {
  vi.resetModules();
  return import('../src/store.ts');
}

afterEach(() => {
  vi.doUnmock('../src/validate.ts');
  vi.resetModules();
});

describe('the client request check before the validator has loaded', () => {
  it('waits for the validator: a refused body fails as invalid_request and never fetches', async () => {
    const { createFastStream } = await freshStore();
    const { fetch: fn, calls } = mockFetch();
    const stream = createFastStream({ fetch: fn, notify: 'sync' });
    stream.start({ messages: [{ role: 'assistant', content: 'x' }] });
    expect(stream.getSnapshot().status).toBe('submitted');
    await vi.waitFor(() => expect(stream.getSnapshot().status).toBe('error'));
    expect(stream.getSnapshot().error).toMatchObject({ kind: 'invalid_request', field: 'messages[0].role', retryable: false });
    expect(calls).toHaveLength(0);
  });

  it('sends the checked body once the validator is there', async () => {
    const { createFastStream } = await freshStore();
    const { fetch: fn, calls } = mockFetch('hang');
    const stream = createFastStream({ fetch: fn, notify: 'sync', defaults: { speed: 'fast' } });
    stream.start({ messages: [{ role: 'user', content: 'hi' }], model: null } as never);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    // The validator's clean copy: `null` optional fields dropped, defaults merged.
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ messages: [{ role: 'user', content: 'hi' }], speed: 'fast' });
    stream.stop();
  });

  it('a validator chunk that fails to load lets the body through (the edge checks it) and is retried later', async () => {
    vi.resetModules();
    vi.doMock('../src/validate.ts', () => {
      throw new Error('chunk failed to load');
    });
    const { createFastStream } = await import('../src/store.ts');
    const { fetch: fn, calls } = mockFetch('hang');
    const stream = createFastStream({ fetch: fn, notify: 'sync' });
    stream.start({ messages: [{ role: 'user', content: 'hi' }] });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(stream.getSnapshot().status).toBe('submitted');
    stream.stop();
    vi.doUnmock('../src/validate.ts');
    const { loadValidator } = await import('../src/request-check.ts');
    await expect(loadValidator()).resolves.toHaveProperty('validateChatRequest');
  });

  it('limits: false never loads the validator', async () => {
    vi.resetModules();
    const factory = vi.fn(() => {
      throw new Error('must not load');
    });
    vi.doMock('../src/validate.ts', factory);
    const { createFastStream } = await import('../src/store.ts');
    const { fetch: fn, calls } = mockFetch('hang');
    const stream = createFastStream({ fetch: fn, notify: 'sync', limits: false });
    stream.start({ messages: [] });
    expect(calls).toHaveLength(1);
    await settle();
    expect(factory).not.toHaveBeenCalled();
    stream.stop();
  });
});
