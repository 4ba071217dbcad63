/**
 * ≥50 XSS payloads in model output, rendered by <StreamingMarkdown> in real Chromium: no dialog, no
 * script-set global, no element or attribute that could run script or navigate to a dangerous URL.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { createChatHandler } from '@slipstream/edge';
import { startSim, XSS_PAYLOADS, type RunningSim } from '@slipstream/sim/node';
import { eventually } from './lib/guards.ts';
import { serveFetch, type NodeServerHandle } from './lib/node-server.ts';
import { RELIABILITY_DIR, REPO_ROOT, SectionRecorder } from './lib/report.ts';
import { FAKE_KEY } from './lib/secrets.ts';

const CHROMIUM = process.env.SLIPSTREAM_CHROMIUM ?? '/usr/bin/chromium';
// `pnpm test` provisions Chromium for e2e only after the unit projects; on a fresh CI machine, provision
// it here with the same script, so the browser checks run rather than skip.
if (!existsSync(CHROMIUM) && process.env.CI) {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'provision-chromium.node.mjs')], { stdio: 'inherit' });
}
const haveChromium = existsSync(CHROMIUM);
const report = new SectionRecorder('50-xss', 'Browser (Chromium): XSS payloads in model output; stop and unmount reaching upstream', 50);

// Extra payloads that set a global instead of opening a dialog, so a silent execution is caught too.
const EXTRA = [
  '<img src=x onerror="window.__xss=1">',
  '[x](javascript:window.__xss=1)',
  '<a href="javascript:window.__xss=1">x</a>',
  '<svg><script>window.__xss=1</script></svg>',
  '[x](java\nscript:window.__xss=1)',
  '[x](&#x6A;avascript:window.__xss=1)',
  '```html\n<script>window.__xss=1</script>\n```',
  '`<img src=x onerror=window.__xss=1>`',
  '| a | b |\n|---|---|\n| <img src=x onerror=window.__xss=1> | [y](javascript:window.__xss=1) |',
  '> <iframe src="javascript:window.__xss=1"></iframe>',
  '- <details open ontoggle="window.__xss=1">',
  '**<script>window.__xss=1</script>**',
];
// Legitimate links beside the payloads: they must still work, and `target=_blank` must carry
// rel="noopener" (no reverse tabnabbing through window.opener).
const SAFE_LINKS = ['[docs](https://example.com/docs)', 'see <https://example.com/auto>', '[mail](mailto:team@example.com)'];
const PAYLOADS = [...XSS_PAYLOADS, ...EXTRA, ...SAFE_LINKS];

const FORBIDDEN_TAGS = 'script,iframe,frame,frameset,img,object,embed,applet,svg,math,style,link,meta,base,form,input,textarea,select,video,audio,source,track,marquee,template,noscript,body,html,head,portal,image';

interface Findings {
  dialogs: string[];
  globalSet: unknown;
  forbidden: string[];
  onAttrs: string[];
  badUrls: string[];
  links: number;
}

let sim: RunningSim | undefined;
let server: NodeServerHandle | undefined;
let origin = '';
afterAll(async () => {
  await server?.close();
  await sim?.close();
  report.flush();
});

beforeAll(async () => {
  if (!haveChromium) return;
  const outDir = join(RELIABILITY_DIR, '.bundles');
  mkdirSync(outDir, { recursive: true });
  const bundle = await build({
    entryPoints: [join(RELIABILITY_DIR, 'xss', 'page.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]?.text ?? '';
  const payloadJson = JSON.stringify(PAYLOADS).replace(/</g, '\\u003c');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>xss</title></head><body><div id="host"></div><script>window.__PAYLOADS__=${payloadJson}</script><script type="module" src="/page.js"></script></body></html>`;
  sim = await startSim({ port: 0, ttftMs: 0, standardOtps: 0, seed: 2 });
  const edge = createChatHandler({ apiKey: FAKE_KEY, baseURL: sim.url, maxTokensCap: 8000 });
  // One origin: the page, its bundle, and the real edge at /api/chat (streamed, abort wired).
  server = await serveFetch(async (req) => {
    const path = new URL(req.url).pathname;
    if (path === '/page.js') return new Response(js, { headers: { 'content-type': 'text/javascript' } });
    if (path === '/api/chat') return edge.fetch(req);
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  });
  origin = server.url;
}, 60_000);

describe.skipIf(!haveChromium && !process.env.CI)('XSS in Chromium', () => {
  if (!haveChromium && !process.env.CI) {
    report.row({ case: 'XSS in Chromium', tried: `chromium not found at ${CHROMIUM}`, count: 0, observed: 'skipped (run `node scripts/provision-chromium.node.mjs`)', outcome: 'skip' });
  }

  it(`renders ${PAYLOADS.length} payloads five ways with nothing executing and no dangerous URL`, async () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(50);
    const { chromium } = await import('@playwright/test');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(origin);
      await page.waitForFunction(() => typeof window.__xssRun === 'function');

      const inspect = async (): Promise<Findings> => {
        // Interact the way a user would: hover, focus and click everything that is not a link.
        await page.evaluate(() => {
          for (const el of Array.from(document.querySelectorAll('#host *'))) {
            for (const type of ['mouseover', 'mouseenter', 'focus', 'blur', 'toggle', 'animationstart']) el.dispatchEvent(new Event(type, { bubbles: true }));
            if (!(el instanceof HTMLAnchorElement)) (el as HTMLElement).click?.();
          }
        });
        await page.waitForTimeout(250);
        return page.evaluate((forbiddenTags: string) => {
          const host = document.getElementById('host') as HTMLElement;
          const forbidden = Array.from(host.querySelectorAll(forbiddenTags)).map((e) => e.outerHTML.slice(0, 120));
          const onAttrs: string[] = [];
          const badUrls: string[] = [];
          const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'srcdoc', 'data', 'xlink:href', 'background', 'poster', 'ping', 'srcset'];
          for (const el of Array.from(host.querySelectorAll('*'))) {
            for (const a of Array.from(el.attributes)) {
              if (a.name.toLowerCase().startsWith('on')) onAttrs.push(`${el.tagName}[${a.name}=${a.value.slice(0, 60)}]`);
              if (a.name === 'style' && /javascript:|expression\(|url\(/i.test(a.value)) badUrls.push(`${el.tagName} style=${a.value.slice(0, 60)}`);
              if (URL_ATTRS.includes(a.name.toLowerCase())) {
                if (!(el instanceof HTMLAnchorElement && a.name === 'href')) badUrls.push(`${el.tagName}[${a.name}=${a.value.slice(0, 60)}]`);
              }
            }
          }
          const links = Array.from(host.querySelectorAll('a'));
          for (const a of links) {
            if (a.target === '_blank' && !/\bnoopener\b/.test(a.rel)) badUrls.push(`a[target=_blank] without rel=noopener: ${a.outerHTML.slice(0, 80)}`);
            const raw = a.getAttribute('href');
            if (raw === null) continue;
            let protocol = 'invalid:';
            try {
              protocol = new URL(raw, location.href).protocol;
            } catch {
              /* unparseable: counted as bad */
            }
            if (!['http:', 'https:', 'mailto:'].includes(protocol)) badUrls.push(`a[href=${raw.slice(0, 60)}]`);
          }
          return { dialogs: [], globalSet: (window as { __xss?: unknown }).__xss, forbidden, onAttrs, badUrls, links: links.length };
        }, FORBIDDEN_TAGS);
      };

      // Positive control first: the detectors must see a real injection outside the renderer.
      await page.evaluate(() => window.__xssRun('control'));
      const control = await inspect();
      const controlWorks = control.globalSet === 'control' && control.forbidden.length > 0 && control.badUrls.length > 0;
      await page.evaluate(() => {
        delete window.__xss;
      });
      const dialogsBefore = dialogs.length;
      await page.evaluate(() => alert('control dialog'));
      const dialogControl = dialogs.length === dialogsBefore + 1;
      dialogs.length = 0;
      report.row({
        case: 'detector control',
        tried: 'an unsafe <img onerror> + javascript: link injected with innerHTML outside the renderer, and a real alert()',
        count: 2,
        observed: `global set: ${String(control.globalSet)}, forbidden elements ${control.forbidden.length}, bad URLs ${control.badUrls.length}, dialog seen: ${dialogControl}`,
        outcome: controlWorks && dialogControl ? 'pass' : 'fail',
      });
      expect(controlWorks && dialogControl, 'the XSS detectors do not work').toBe(true);

      const modes: [string, string][] = [
        ['each-complete', 'each payload rendered complete, in its own <StreamingMarkdown>'],
        ['each-streamed', 'each payload streamed in growing prefixes (streaming=true), then completed'],
        ['one-document', 'all payloads as one markdown document'],
        ['message', 'each payload through <Message>: as a user message, an assistant reply, and an error message in its alert'],
        ['live-stream', 'the sim’s [[sim:xss]] reply streamed through the edge into <StreamingMarkdown> in the page'],
      ];
      const failures: string[] = [];
      for (const [mode, label] of modes) {
        const run = await page.evaluate((m) => window.__xssRun(m), mode);
        const f = await inspect();
        f.dialogs = dialogs.splice(0);
        const problems = [...f.dialogs.map((d) => `dialog ${d}`), ...(f.globalSet !== undefined ? [`window.__xss = ${String(f.globalSet)}`] : []), ...f.forbidden, ...f.onAttrs, ...f.badUrls];
        // Guard against a vacuous pass: the payload text must actually be on the page.
        if (run.text.length < run.chars * 0.3) problems.push(`only ${run.text.length} of ${run.chars} characters rendered`);
        if (mode !== 'live-stream' && !run.text.includes('alert(1)')) problems.push('payload text missing from the page');
        if (mode !== 'live-stream' && f.links < SAFE_LINKS.length) problems.push(`only ${f.links} of ${SAFE_LINKS.length} legitimate links rendered as links`);
        report.row({
          case: `XSS: ${mode}`,
          tried: label,
          count: run.rendered,
          observed:
            `dialogs ${f.dialogs.length}, script-set global ${f.globalSet === undefined ? 'no' : 'YES'}, forbidden elements ${f.forbidden.length}, on* attributes ${f.onAttrs.length}, dangerous URLs ${f.badUrls.length}, safe links ${f.links}, ${run.text.length} chars of text shown` +
            (problems.length ? `; e.g. ${problems.slice(0, 3).join('; ')}` : ''),
          outcome: problems.length === 0 ? 'pass' : 'fail',
        });
        failures.push(...problems.map((p) => `${mode}: ${p}`));
        await page.evaluate(() => {
          delete window.__xss;
        });
      }
      // A real component in a real browser: useFastStream under StrictMode; stop() and unmount must
      // abort the fetch, the edge must abort upstream, and the sim must stop generating.
      sim?.sim.configure({ standardOtps: 200 });
      for (const how of ['stop', 'unmount'] as const) {
        sim?.sim.reset();
        await page.evaluate(() => window.__streamStart());
        await page.waitForFunction(() => window.__streamState().chars > 0, undefined, { timeout: 10_000 });
        const before = await page.evaluate(() => window.__streamState());
        const at = performance.timeOrigin + performance.now();
        await page.evaluate((h) => (h === 'stop' ? window.__streamStop() : window.__streamUnmount()), how);
        const stopped = await eventually(() => (sim?.stats().activeStreams ?? 1) === 0, 3_000);
        const records = sim?.sim.streams() ?? [];
        const afterStop = records.reduce((n, r) => n + r.deltaTimes.reduce((m, t, i) => m + (t > at ? (r.deltaTokens[i] ?? 0) : 0), 0), 0);
        const ends = records.map((r) => r.end ?? 'open').join(',');
        const after = await page.evaluate(() => window.__streamState());
        const problems: string[] = [];
        if (!stopped) problems.push(`sim still streaming 3 s after ${how}`);
        if (records.length !== 1) problems.push(`${records.length} upstream requests (StrictMode double start?)`);
        if (!ends.split(',').every((e) => e === 'client_abort')) problems.push(`sim stream ended ${ends}`);
        if (how === 'stop' && (after.status !== 'aborted' || after.chars < before.chars)) problems.push(`after stop: ${after.status}, ${after.chars} chars (had ${before.chars})`);
        report.row({
          case: `browser ${how} → upstream stops`,
          tried: `useFastStream in <StrictMode> in Chromium streams a 3000-token reply (200 tok/s) from the edge on the page's origin; ${how === 'stop' ? 's.stop()' : 'root.unmount()'} after the first text`,
          count: 1,
          observed: `upstream requests ${records.length}, sim ends ${ends}, active after ${stopped ? '0' : 'NOT 0'}; ${afterStop} tokens written after the ${how}; client ${after.status} with ${after.chars} chars` + (problems.length ? `; PROBLEMS: ${problems.join('; ')}` : ''),
          outcome: problems.length === 0 ? 'pass' : 'fail',
        });
        failures.push(...problems.map((p) => `${how}: ${p}`));
      }
      report.note(`Payloads: ${XSS_PAYLOADS.length} from @slipstream/sim's XSS_PAYLOADS plus ${EXTRA.length} that set a global instead of calling alert(), and ${SAFE_LINKS.length} legitimate links that must stay links (with rel=noopener under target=_blank); pointer/focus/toggle events dispatched on every rendered element and every non-link clicked before inspecting. Page errors: ${pageErrors.length}.`);
      expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
