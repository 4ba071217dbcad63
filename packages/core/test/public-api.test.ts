// The names other packages import are a contract: keep them, with these shapes.
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from '../src/index.ts';
import * as validate from '../src/validate.ts';
import * as attachments from '../src/attachments-entry.ts';
import manifest from '../package.json' with { type: 'json' };
import type { ChatRequest, FastStream, FastStreamState, ProtocolEvent, StreamMetrics } from '../src/index.ts';

describe('public API', () => {
  it('exports the agreed runtime names', () => {
    const names = [
      'PROTOCOL_VERSION', 'PROTOCOL_HEADER', 'PROTOCOL_EVENT_NAMES',
      'encodeEvent', 'encodeComment', 'encodeSSEMessage', 'createSSEDecoder', 'readProtocolStream', 'SSEParseError', 'ProtocolStreamError',
      'DEFAULT_REQUEST_LIMITS', 'parsePartialJson', 'replyToMessages',
      'FAST_MODE_BETA', 'MODEL_CAPABILITIES', 'getModelCapability', 'PRICING', 'CACHE_MULTIPLIERS', 'cost',
      'createFastStream', 'retryAfterRemainingMs', 'systemClock', 'notifyManager', 'createNotifyManager', 'Subscribable',
      'MetricsRecorder', 'ttftMs', 'headlineOtps', 'effectiveOtps', 'percentile', 'gapStats', 'detectProxyBuffering',
    ];
    for (const name of names) expect(core, name).toHaveProperty(name);
    // The validator is its own subpath (`@slipstream/core/validate`) so clients do not bundle it eagerly.
    expect(core).not.toHaveProperty('validateChatRequest');
    expect(validate.validateChatRequest).toBeTypeOf('function');
    expect(validate.DEFAULT_REQUEST_LIMITS).toBe(core.DEFAULT_REQUEST_LIMITS);
    // So are the attachment checks and media sniffing (`@slipstream/core/attachments`); the limits stay.
    for (const name of ['precheckAttachment', 'checkAttachment', 'ATTACHMENT_ACCEPT', 'MAX_IMAGE_SIDE', 'maxFileBytesForBase64', 'sniffImage', 'imageSize', 'looksLikePdf', 'pdfPageCount', 'mediaTokenEstimate', 'MAX_IMAGE_TOKENS', 'MAX_PDF_PAGE_TOKENS']) {
      expect(core, name).not.toHaveProperty(name);
      expect(attachments, name).toHaveProperty(name);
    }
    for (const name of ['ANTHROPIC_MAX_REQUEST_BYTES', 'DEFAULT_MAX_REQUEST_BYTES', 'formatBytes'] as const) expect(attachments[name], name).toBe(core[name]);
    expect(manifest.exports['./attachments']).toBe('./src/attachments-entry.ts');
    expect(manifest.publishConfig.exports['./attachments']).toEqual({ types: './dist/attachments-entry.d.ts', default: './dist/attachments-entry.js' });
    expect(manifest.exports['./validate']).toBe('./src/validate.ts');
    expect(manifest.publishConfig.exports['./validate']).toEqual({ types: './dist/validate.d.ts', default: './dist/validate.js' });
    expect(core.PROTOCOL_HEADER).toBe('x-slipstream-protocol');
    expect(core.FAST_MODE_BETA).toBe('fast-mode-2026-02-01');
  });

  it('has the agreed types', () => {
    expectTypeOf(core.encodeEvent<'text'>).parameters.toEqualTypeOf<['text', { delta: string; step: number; index: number; t: number }]>();
    expectTypeOf(core.readProtocolStream).returns.toEqualTypeOf<AsyncGenerator<ProtocolEvent>>();
    expectTypeOf(core.createFastStream).returns.toEqualTypeOf<FastStream>();
    expectTypeOf<FastStream['start']>().parameters.toEqualTypeOf<[ChatRequest]>();
    expectTypeOf<FastStreamState['metrics']>().toEqualTypeOf<StreamMetrics>();
    expectTypeOf<FastStreamState['status']>().toEqualTypeOf<'idle' | 'submitted' | 'streaming' | 'done' | 'error' | 'aborted'>();
    expectTypeOf(core.retryAfterRemainingMs).toEqualTypeOf<(state: FastStreamState, now: number) => number | null>();
  });
});
