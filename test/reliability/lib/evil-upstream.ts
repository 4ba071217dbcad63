/**
 * A hostile upstream: it echoes the API key it receives (and every request header) back in error
 * bodies, response headers, SSE error events and garbage, to prove the edge never relays any of it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const EVIL_MODES = ['400-json', '401-json', '403-json', '429-json', '500-json', '529-json', '502-html', 'midstream-error', 'garbage-sse', 'headers-only'] as const;
export type EvilMode = (typeof EVIL_MODES)[number];

export async function startEvilUpstream(): Promise<{ url: (mode: EvilMode) => string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits++;
    const mode = (req.url ?? '').split('/')[1] as EvilMode;
    const key = String(req.headers['x-api-key'] ?? req.headers.authorization ?? '');
    const all = JSON.stringify(req.headers);
    // The key goes everywhere except `request-id`, which the edge forwards by design (a safe,
    // reportable id); an upstream that puts the key there is out of scope.
    const echo: Record<string, string> = { 'x-echo-key': key, 'x-debug-headers': all.replace(/[^\x20-\x7e]/g, '') };
    // Rate-limit headers the edge parses and forwards as a `ratelimit` event: only numbers and
    // re-serialised instants may come through, never this text.
    echo['anthropic-ratelimit-requests-reset'] = key;
    echo['anthropic-fast-output-tokens-reset'] = `${key} 2026`;
    echo['anthropic-ratelimit-tokens-limit'] = key;
    echo['anthropic-fast-input-tokens-remaining'] = `1 ${key}`;
    if (mode === '429-json') echo['retry-after'] = '0';
    req.resume();
    req.on('end', () => {
      const jsonError = (status: number, type: string): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...echo });
        res.end(JSON.stringify({ type: 'error', error: { type, message: `bad key ${key}; headers ${all}`, details: { key } }, request_id: `req_${key}` }));
      };
      switch (mode) {
        case '400-json':
          return jsonError(400, 'invalid_request_error');
        case '401-json':
          return jsonError(401, 'authentication_error');
        case '403-json':
          return jsonError(403, 'permission_error');
        case '429-json':
          return jsonError(429, 'rate_limit_error');
        case '500-json':
          return jsonError(500, 'api_error');
        case '529-json':
          return jsonError(529, 'overloaded_error');
        case '502-html':
          res.writeHead(502, { 'content-type': 'text/html', ...echo });
          return res.end(`<html><body>proxy error for ${key} ${all}</body></html>`);
        case 'midstream-error': {
          res.writeHead(200, { 'content-type': 'text/event-stream', ...echo });
          const msg = { id: 'msg_evil', type: 'message', role: 'assistant', model: 'claude-opus-4-8', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 0, speed: 'standard' } };
          res.write(`event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: msg })}\n\n`);
          res.write(`event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`);
          res.write(`event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello ' } })}\n\n`);
          res.write(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: `overloaded, key ${key}` } })}\n\n`);
          return res.end();
        }
        case 'garbage-sse':
          res.writeHead(200, { 'content-type': 'text/event-stream', ...echo });
          res.write(`event: message_start\ndata: {not json ${key}\n\n`);
          return res.end(`data: ${key}\n\n`);
        default:
          res.writeHead(200, { 'content-type': 'application/json', ...echo });
          return res.end(`{"key":"${key}"`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (mode) => `http://127.0.0.1:${port}/${mode}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
