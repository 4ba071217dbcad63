/**
 * Rate-limit state and headers: the fast input/output buckets (enforced) and the standard
 * `anthropic-ratelimit-*` buckets (reported, never enforced).
 * @module
 */
import { TokenBucket } from './bucket.ts';
import { SimApiError } from './errors.ts';

/** Standard limits the sim reports. They are never enforced: only fast mode has a simulated 429. */
const STANDARD = { requests: 4_000, input: 2_000_000, output: 400_000 } as const;

/** RFC 3339 UTC without fractional seconds, e.g. `2026-11-22T01:32:11Z`. */
export function rfc3339(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

/** Which fast dimension ran out. */
export type FastDimension = 'input' | 'output';

/** All rate-limit buckets of one sim. */
export class RateLimits {
  readonly fastInput: TokenBucket;
  readonly fastOutput: TokenBucket;
  readonly requests: TokenBucket;
  readonly input: TokenBucket;
  readonly output: TokenBucket;

  constructor(fastInputTpm: number, fastOutputTpm: number, now: () => number) {
    this.fastInput = new TokenBucket(fastInputTpm, now);
    this.fastOutput = new TokenBucket(fastOutputTpm, now);
    this.requests = new TokenBucket(STANDARD.requests, now);
    this.input = new TokenBucket(STANDARD.input, now);
    this.output = new TokenBucket(STANDARD.output, now);
  }

  /** Refill everything. */
  reset(): void {
    for (const b of [this.fastInput, this.fastOutput, this.requests, this.input, this.output]) b.reset();
  }

  /**
   * Admit a fast request or throw a 429 `rate_limit_error` naming the exhausted dimension.
   * Input tokens are charged on admission; output tokens later, as they are emitted.
   */
  admitFast(inputTokens: number): void {
    let dimension: FastDimension | undefined;
    let waitMs = 0;
    if (this.fastInput.level() < inputTokens) {
      dimension = 'input';
      waitMs = this.fastInput.msUntil(inputTokens);
    } else if (this.fastOutput.level() < 1) {
      dimension = 'output';
      waitMs = this.fastOutput.msUntil(1);
    }
    if (dimension) {
      const headers = { ...this.standardHeaders(), ...this.fastHeaders(dimension), ...retryAfter(waitMs) };
      throw new SimApiError(
        429,
        'rate_limit_error',
        `This request would exceed your fast mode rate limit of ${dimension === 'input' ? this.fastInput.perMinute : this.fastOutput.perMinute} ${dimension} tokens per minute. Retry after the time in the retry-after header, or send the request without speed: "fast".`,
        headers,
      );
    }
    this.fastInput.take(inputTokens);
  }

  /** Charge the standard buckets for a request served at standard speed (or the request count for any). */
  chargeRequest(speed: 'fast' | 'standard', inputTokens: number): void {
    this.requests.take(1);
    if (speed === 'standard') this.input.take(inputTokens);
  }

  /** Charge emitted output tokens. */
  chargeOutput(speed: 'fast' | 'standard', tokens: number): void {
    (speed === 'fast' ? this.fastOutput : this.output).take(tokens);
  }

  /** The 12 standard `anthropic-ratelimit-*` headers. */
  standardHeaders(): Record<string, string> {
    const tokensRemaining = Math.round(Math.min(this.input.remaining(), this.output.remaining()) / 1000) * 1000;
    const tokensBucket = this.output.remaining() <= this.input.remaining() ? this.output : this.input;
    return {
      'anthropic-ratelimit-requests-limit': String(this.requests.perMinute),
      'anthropic-ratelimit-requests-remaining': String(this.requests.remaining()),
      'anthropic-ratelimit-requests-reset': rfc3339(this.requests.fullAt()),
      'anthropic-ratelimit-tokens-limit': String(tokensBucket.perMinute),
      'anthropic-ratelimit-tokens-remaining': String(tokensRemaining),
      'anthropic-ratelimit-tokens-reset': rfc3339(tokensBucket.fullAt()),
      'anthropic-ratelimit-input-tokens-limit': String(this.input.perMinute),
      'anthropic-ratelimit-input-tokens-remaining': String(this.input.remaining()),
      'anthropic-ratelimit-input-tokens-reset': rfc3339(this.input.fullAt()),
      'anthropic-ratelimit-output-tokens-limit': String(this.output.perMinute),
      'anthropic-ratelimit-output-tokens-remaining': String(this.output.remaining()),
      'anthropic-ratelimit-output-tokens-reset': rfc3339(this.output.fullAt()),
    };
  }

  /** The six `anthropic-fast-*` headers; `exhausted` forces that dimension's remaining to 0. */
  fastHeaders(exhausted?: FastDimension): Record<string, string> {
    return {
      'anthropic-fast-input-tokens-limit': String(this.fastInput.perMinute),
      'anthropic-fast-input-tokens-remaining': String(exhausted === 'input' ? 0 : this.fastInput.remaining()),
      'anthropic-fast-input-tokens-reset': rfc3339(this.fastInput.fullAt()),
      'anthropic-fast-output-tokens-limit': String(this.fastOutput.perMinute),
      'anthropic-fast-output-tokens-remaining': String(exhausted === 'output' ? 0 : this.fastOutput.remaining()),
      'anthropic-fast-output-tokens-reset': rfc3339(this.fastOutput.fullAt()),
    };
  }
}

/** `retry-after` (whole seconds, rounded up, at least 1) and `retry-after-ms` for a wait. */
export function retryAfter(waitMs: number): Record<string, string> {
  const ms = Math.max(1, Math.ceil(waitMs));
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(ms) };
}
