/**
 * CORS for browser clients (spec 2.3 and 9.23): preflight answers and the expose list, without which
 * `response.headers.get('retry-after')` is null in a browser.
 * @module
 */

const RATE_HEADERS = ['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((d) =>
  ['limit', 'remaining', 'reset'].map((f) => `anthropic-ratelimit-${d}-${f}`),
);
const FAST_HEADERS = ['input', 'output'].flatMap((d) => ['limit', 'remaining', 'reset'].map((f) => `anthropic-fast-${d}-tokens-${f}`));

/** Headers a browser may read. Wildcards are not allowed here by the Fetch spec, so all are listed. */
export const EXPOSED_HEADERS: readonly string[] = [
  'request-id', 'retry-after', 'retry-after-ms', 'x-should-retry', ...RATE_HEADERS, ...FAST_HEADERS,
];

const ALLOWED_HEADERS = [
  'content-type', 'accept', 'authorization', 'x-api-key', 'anthropic-version', 'anthropic-beta',
  'anthropic-dangerous-direct-browser-access', 'x-sim-fault', 'x-sim-fault-after', 'x-sim-should-retry',
  'user-agent', 'x-stainless-retry-count', 'x-stainless-timeout', 'x-stainless-lang',
  'x-stainless-package-version', 'x-stainless-os', 'x-stainless-arch', 'x-stainless-runtime',
  'x-stainless-runtime-version', 'x-stainless-helper-method',
];

/** Headers on every response. */
export function corsHeaders(): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED_HEADERS.join(', '),
  };
}

/** The answer to an `OPTIONS` preflight; echoes the requested headers (x-stainless-* has many names). */
export function preflight(req: Request): Response {
  const requested = req.headers.get('access-control-request-headers');
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(),
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': requested ?? ALLOWED_HEADERS.join(', '),
      'access-control-max-age': '600',
    },
  });
}
