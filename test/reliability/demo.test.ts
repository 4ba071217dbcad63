/**
 * The demo server as deployed with a real key: the key never reaches the browser (pages, assets,
 * /api/info, chat errors, log lines), the sim-only controls are off, and its static file server does
 * not serve files outside the build (path traversal).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../apps/demo/src/demo.node.ts';
import { ConsoleCapture } from './lib/guards.ts';
import { REPO_ROOT, SectionRecorder } from './lib/report.ts';
import { FAKE_KEY, LeakLedger } from './lib/secrets.ts';

const report = new SectionRecorder('45-demo', 'Demo server with a real key configured', 45);
afterAll(() => report.flush());

describe('demo server, key mode', () => {
  it('serves no key, no sim controls, and no file outside its build', async () => {
    const consoleCapture = new ConsoleCapture();
    consoleCapture.install();
    const logLines: string[] = [];
    const ledger = new LeakLedger();
    // The key is set, but the edge points at a closed local port: no request ever leaves the machine.
    const demo = await startDemo({
      port: 0,
      apiKey: FAKE_KEY,
      build: 'if-missing',
      log: (l) => logLines.push(l),
      edge: { baseURL: 'http://127.0.0.1:9', upstreamRetries: 0 },
    });
    const problems: string[] = [];
    const seen: string[] = [];
    try {
      const get = async (path: string, init?: RequestInit): Promise<{ status: number; text: string }> => {
        const res = await fetch(`${demo.url}${path}`, init);
        const text = await res.text();
        ledger.scan(`${init?.method ?? 'GET'} ${path}`, text);
        ledger.scanHeaders(path, res.headers);
        return { status: res.status, text };
      };
      // Pages and every asset the page references.
      const page = await get('/');
      const assets = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
      for (const a of assets) await get(a);
      const info = await get('/api/info');
      seen.push(`/api/info → ${info.text}`);
      if (!info.text.includes('anthropic')) problems.push(`/api/info does not say anthropic: ${info.text}`);
      // Sim-only controls must not exist when a real key is configured.
      for (const [path, method] of [
        ['/api/sim/stats', 'GET'],
        ['/api/sim/reset', 'POST'],
        ['/api/sim/faults', 'POST'],
        ['/api/sim/config', 'POST'],
        ['/api/sim/buffered-chat', 'POST'],
      ] as const) {
        const r = await get(path, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"fault":"overloaded"}' } : {}) });
        if (r.status !== 404) problems.push(`${method} ${path} → ${r.status} in key mode`);
      }
      // A chat request: the edge fails to reach "upstream" and says so, without the key.
      const chat = await get('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
      seen.push(`chat → ${chat.status} ${/event: error\ndata: (\{[^\n]*\})/.exec(chat.text)?.[1]?.slice(0, 80) ?? chat.text.slice(0, 80)}`);
      // Path traversal against the static server.
      const secretFile = readFileSync(join(REPO_ROOT, 'apps', 'demo', 'package.json'), 'utf8');
      const traversals = [
        '/../package.json',
        '/..%2fpackage.json',
        '/%2e%2e/package.json',
        '/%2e%2e%2f%2e%2e%2fpackage.json',
        '/assets/..%2f..%2fpackage.json',
        '/..%5cpackage.json',
        '/....//package.json',
        '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '/%252e%252e/package.json',
        '/src/demo.node.ts',
        '/%2e%2e/src/demo.node.ts',
        '/..%00/package.json',
      ];
      for (const t of traversals) {
        const r = await get(t);
        if (r.text.includes('"@slipstream/demo"') || r.text.includes(secretFile.slice(0, 60)) || r.text.includes('root:x:0:0') || r.text.includes('startDemo')) problems.push(`${t} served a file outside the build`);
      }
      seen.push(`${traversals.length} traversal paths → none outside dist`);
      ledger.scan('demo log lines', logLines.join('\n'));
      ledger.scan('console', consoleCapture.lines.join('\n'));
      report.row({
        case: 'demo with ANTHROPIC_API_KEY set',
        tried: `page + ${assets.length} assets, /api/info, 5 sim-only control routes, a chat request (edge pointed at a closed local port), ${traversals.length} path-traversal URLs; every body, header, demo log line and console line scanned`,
        count: 2 + assets.length + 5 + 1 + traversals.length,
        observed: `${ledger.leaks.length} key leaks; ${seen.join('; ')}` + (problems.length ? `; PROBLEMS: ${problems.join('; ')}` : '; sim controls 404'),
        outcome: problems.length === 0 && ledger.leaks.length === 0 ? 'pass' : 'fail',
      });
    } finally {
      consoleCapture.uninstall();
      await demo.close();
    }
    expect(problems).toEqual([]);
    expect(ledger.leaks).toEqual([]);
  }, 90_000);
});
