/**
 * ≥10,000 seeded malformed/hostile requests into the real edge handler, in process. Every answer must
 * be a 4xx JSON ErrorBody naming the problem, with zero 5xx, zero throws, no prototype pollution, no
 * key anywhere, no upstream call (the sim sees nothing), and a flat heap afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatHandler, type EdgeLogEvent } from '@slipstream/edge';
import { readProtocolStream } from '@slipstream/core';
import { validateChatRequest } from '@slipstream/core/validate';
import { startSim, type RunningSim } from '@slipstream/sim/node';
import { FUZZ_CAPS, FUZZ_CLASSES, FUZZ_CLASS_LABEL, fieldRoot, generateCase, type FuzzCase, type FuzzClass } from './lib/fuzz-requests.ts';
import { canGc, settledHeap } from './lib/gc.ts';
import { ConsoleCapture, ProcessGuard } from './lib/guards.ts';
import { createRng, fuzzSeed } from './lib/prng.ts';
import { SectionRecorder } from './lib/report.ts';
import { FAKE_KEY, LeakLedger } from './lib/secrets.ts';

const N = Number(process.env.SLIPSTREAM_FUZZ_N ?? 10_000);
const SEED = fuzzSeed(0xf022);
const report = new SectionRecorder('20-fuzz-edge', `Bad input: ${N.toLocaleString('en-US')} seeded hostile requests (and 300 random valid ones) into the edge handler`, 20);
report.seed = SEED;

let sim: RunningSim;
const guard = new ProcessGuard();
const consoleCapture = new ConsoleCapture();
const logEvents: EdgeLogEvent[] = [];
const ledger = new LeakLedger();

beforeAll(async () => {
  guard.install();
  consoleCapture.install();
  sim = await startSim({ port: 0, ttftMs: 0, standardOtps: 0, seed: 3 });
});
afterAll(async () => {
  consoleCapture.uninstall();
  guard.uninstall();
  await sim?.close();
  // Everything both fuzz runs produced: answers (scanned as they came), console lines, onError events.
  ledger.scan('console + onError, whole file', consoleCapture.lines.join('\n') + JSON.stringify(logEvents));
  report.row({
    case: 'API key in fuzz answers/logs',
    tried: 'every response body and header, console.* output and onError events of both fuzz runs',
    count: ledger.scanned,
    observed: `${ledger.leaks.length} leaks in ${(ledger.bytes / 1024 / 1024).toFixed(1)} MB scanned`,
    inTotals: false,
    outcome: ledger.leaks.length === 0 ? 'pass' : 'fail',
  });
  report.flush();
  if (ledger.leaks.length > 0) throw new Error(`API key found: ${JSON.stringify(ledger.leaks[0])}`);
});

interface ClassStats {
  sent: number;
  statuses: Map<number, number>;
  wrongStatus: number;
  notJson: number;
  fieldMissing: number;
  fieldWrong: number;
  threw: number;
  examples: string[];
}

const PROBLEM_EXAMPLES = 3;

function checkBody(c: FuzzCase, status: number, contentType: string | null, text: string, s: ClassStats): void {
  const note = (what: string): void => {
    if (s.examples.length < PROBLEM_EXAMPLES) s.examples.push(`${c.what} → ${status} ${what}: ${text.slice(0, 160)}`);
  };
  if (c.expectStatus === '4xx' ? status < 400 || status > 499 : status !== c.expectStatus) {
    s.wrongStatus++;
    note(`(expected ${c.expectStatus})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
  const isErrorBody =
    (contentType ?? '').startsWith('application/json') &&
    error !== undefined &&
    typeof error.kind === 'string' &&
    typeof error.message === 'string' &&
    error.message.length > 0 &&
    typeof error.retryable === 'boolean';
  if (!isErrorBody) {
    s.notJson++;
    note('(not a JSON ErrorBody)');
    return;
  }
  if (c.expectField !== undefined) {
    if (typeof error.field !== 'string' || error.field === '') {
      s.fieldMissing++;
      note(`(no error.field, expected ${c.expectField})`);
    } else if (fieldRoot(error.field) !== fieldRoot(c.expectField)) {
      s.fieldWrong++;
      note(`(field ${error.field}, expected ${c.expectField})`);
    }
  }
}

describe('edge handler fuzz', () => {
  it('the answer checker flags what it must (so the fuzz run cannot pass vacuously)', () => {
    const blank = (): ClassStats => ({ sent: 0, statuses: new Map(), wrongStatus: 0, notJson: 0, fieldMissing: 0, fieldWrong: 0, threw: 0, examples: [] });
    const c: FuzzCase = { cls: 'wrong-type', method: 'POST', headers: {}, body: '{}', expectStatus: '4xx', expectField: 'messages[0].content', what: 'probe' };
    const good = JSON.stringify({ error: { kind: 'invalid_request', message: 'm', retryable: false, field: 'messages[0].content' } });
    const s1 = blank();
    checkBody(c, 400, 'application/json', good, s1);
    expect(s1.wrongStatus + s1.notJson + s1.fieldMissing + s1.fieldWrong).toBe(0);
    const s2 = blank();
    checkBody(c, 500, 'text/plain', 'Internal Server Error', s2);
    expect(s2.wrongStatus).toBe(1);
    expect(s2.notJson).toBe(1);
    const s3 = blank();
    checkBody(c, 400, 'application/json', JSON.stringify({ error: { kind: 'invalid_request', message: 'm', retryable: false } }), s3);
    expect(s3.fieldMissing).toBe(1);
    const s4 = blank();
    checkBody(c, 400, 'application/json', JSON.stringify({ error: { kind: 'invalid_request', message: 'm', retryable: false, field: 'model' } }), s4);
    expect(s4.fieldWrong).toBe(1);
    const s5 = blank();
    checkBody({ ...c, expectStatus: 405 }, 404, 'application/json', good, s5);
    expect(s5.wrongStatus).toBe(1);
  });

  it(`answers ${N} hostile requests with 4xx JSON errors naming the problem, never reaching upstream`, async () => {
    const app = createChatHandler({
      apiKey: FAKE_KEY,
      baseURL: sim.url,
      ...FUZZ_CAPS,
      onError: (e) => logEvents.push(e),
    });
    const rng = createRng(SEED);
    const stats = new Map<FuzzClass, ClassStats>();
    for (const cls of FUZZ_CLASSES) stats.set(cls, { sent: 0, statuses: new Map(), wrongStatus: 0, notJson: 0, fieldMissing: 0, fieldWrong: 0, threw: 0, examples: [] });

    const send = async (c: FuzzCase): Promise<void> => {
      const s = stats.get(c.cls) as ClassStats;
      s.sent++;
      try {
        const init: RequestInit = { method: c.method, headers: c.headers };
        if (c.body !== null) init.body = c.body as BodyInit;
        const res = await app.fetch(new Request('http://edge.test/api/chat', init));
        const text = await res.text();
        s.statuses.set(res.status, (s.statuses.get(res.status) ?? 0) + 1);
        ledger.scan(`fuzz ${c.cls} body`, text);
        ledger.scanHeaders(`fuzz ${c.cls}`, res.headers);
        for (const h of ['x-injected', 'set-cookie', 'location']) {
          if (res.headers.has(h)) {
            s.wrongStatus++;
            s.examples.push(`${c.what} → response header ${h} present`);
          }
        }
        checkBody(c, res.status, res.headers.get('content-type'), text, s);
      } catch (err) {
        s.threw++;
        if (s.examples.length < PROBLEM_EXAMPLES) s.examples.push(`${c.what} → threw ${String(err)}`);
      }
    };

    // Warm up (JIT, lazily built SDK client paths), then measure the heap around the main run.
    const warm = createRng(SEED ^ 0xabc);
    for (let i = 0; i < 500; i++) await send(generateCase(warm));
    for (const s of stats.values()) {
      s.sent = 0;
      s.statuses.clear();
    }
    const heapBefore = await settledHeap();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await send(generateCase(rng));
    const elapsed = performance.now() - t0;
    const heapAfter = await settledHeap();
    const heapGrowthMb = (heapAfter - heapBefore) / 1024 / 1024;

    const polluted = ({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).isAdmin !== undefined || 'polluted' in Object.prototype;
    const upstream = sim.stats().requests.total;
    const fivexx = [...stats.values()].reduce((n, s) => n + [...s.statuses].filter(([st]) => st >= 500).reduce((m, [, k]) => m + k, 0), 0);
    const throws = [...stats.values()].reduce((n, s) => n + s.threw, 0);
    const rejections = guard.drain();

    for (const [cls, s] of stats) {
      const statuses = [...s.statuses].sort(([a], [b]) => a - b).map(([st, k]) => `${k}×${st}`).join(' ');
      const problems = s.wrongStatus + s.notJson + s.fieldMissing + s.fieldWrong + s.threw;
      report.row({
        case: cls,
        tried: FUZZ_CLASS_LABEL[cls],
        count: s.sent,
        observed: `${statuses}; wrong status ${s.wrongStatus}, not ErrorBody ${s.notJson}, field missing ${s.fieldMissing}, field wrong ${s.fieldWrong}, throws ${s.threw}` + (s.examples.length ? `; e.g. ${s.examples[0]}` : ''),
        outcome: problems === 0 ? 'pass' : 'fail',
      });
    }
    report.row({
      case: 'whole fuzz run',
      tried: `${N} requests, seed ${SEED}, ${(elapsed / 1000).toFixed(1)} s`,
      count: N,
      observed: `${fivexx} × 5xx, ${throws} throws, ${rejections.unhandled.length} unhandled rejections, upstream requests ${upstream}, prototype polluted: ${polluted ? 'YES' : 'no'}, heap ${heapGrowthMb >= 0 ? '+' : ''}${heapGrowthMb.toFixed(1)} MB after ${canGc ? 'forced GC' : 'no GC available'}`,
      inTotals: false,
      outcome: fivexx === 0 && throws === 0 && upstream === 0 && !polluted && heapGrowthMb < 16 && rejections.unhandled.length === 0 ? 'pass' : 'fail',
    });
    const captured = consoleCapture.lines.join('\n') + JSON.stringify(logEvents);
    ledger.scan('fuzz console + onError', captured);
    report.row({
      case: 'API key in fuzz answers/logs',
      tried: 'every response body and header, console.* output and onError events of the fuzz run',
      count: ledger.scanned,
      observed: `${ledger.leaks.length} leaks in ${(ledger.bytes / 1024 / 1024).toFixed(1)} MB scanned`,
      inTotals: false,
      outcome: ledger.leaks.length === 0 ? 'pass' : 'fail',
    });

    const problems = [...stats].flatMap(([cls, s]) => s.examples.map((e) => `${cls}: ${e}`));
    expect(problems, problems.join('\n')).toEqual([]);
    expect(fivexx).toBe(0);
    expect(throws).toBe(0);
    expect(upstream).toBe(0);
    expect(polluted).toBe(false);
    expect(rejections.unhandled).toEqual([]);
    expect(ledger.leaks).toEqual([]);
    expect(heapGrowthMb).toBeLessThan(16);
  }, 120_000);

  it('answers 300 random VALID requests with a complete reply or a typed 4xx, never an upstream 400', async () => {
    const app = createChatHandler({ apiKey: FAKE_KEY, baseURL: sim.url, allowClientSystem: true, onError: (e) => logEvents.push(e) });
    sim.sim.reset();
    const rng = createRng(SEED + 7);
    const models = ['claude-opus-4-8', 'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5', undefined];
    const outcomes = new Map<string, number>();
    const examples = new Map<string, string>();
    let sent = 0;
    while (sent < 300) {
      const turns = rng.int(0, 3);
      const messages: { role: string; content: string }[] = [];
      for (let k = 0; k < turns; k++) messages.push({ role: 'user', content: `u${k} ${'x'.repeat(rng.int(1, 80))} ${rng.pick(['😀', '\u202e', 'é', '\ud800', ''])}` }, { role: 'assistant', content: `a${k}` });
      messages.push({ role: 'user', content: `q${sent} [[sim:tokens=${rng.int(0, 20)}]]` });
      const body: Record<string, unknown> = { messages };
      if (rng.bool()) body.speed = rng.pick(['fast', 'standard', 'auto']);
      const model = rng.pick(models);
      if (model !== undefined) body.model = model;
      if (rng.bool(0.3)) body.system = 'You are terse. '.repeat(rng.int(1, 20));
      const maxTokens = rng.bool(0.4) ? rng.pick([1, 2, 16, 1024, 2048, 4096, 8192]) : undefined;
      if (maxTokens !== undefined) body.max_tokens = maxTokens;
      if (rng.bool(0.3)) body.effort = rng.pick(['low', 'medium', 'high', 'xhigh', 'max']);
      // Budgets stay under the max_tokens actually sent (the defaulted case is a known bug, see security.test.ts).
      if (rng.bool(0.3)) body.thinking = rng.pick([{ type: 'adaptive' }, { type: 'disabled' }, { type: 'enabled', budget_tokens: rng.pick([1024, 2000, 3000]) }]);
      if (rng.bool(0.3)) body.conversationId = `conv-${rng.int(0, 5)}`;
      if (!validateChatRequest(body, { maxTokensCap: 8192 }).ok) continue;
      sent++;
      const res = await app.fetch(new Request('http://edge.test/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
      let key: string;
      if (res.status !== 200) {
        const text = await res.text();
        ledger.scan('valid fuzz refusal', text);
        const err = (JSON.parse(text) as { error: { kind: string; field?: string } }).error;
        key = `${res.status} ${err.kind}${err.field ? ` (${err.field})` : ''}`;
      } else {
        let last = 'ended without done/error';
        for await (const e of readProtocolStream(res.body as ReadableStream<Uint8Array>)) {
          if (e.event === 'done') last = 'done';
          if (e.event === 'error') last = `error(${e.data.kind} ${String(e.data.status)})`;
        }
        key = last;
      }
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (!examples.has(key)) examples.set(key, JSON.stringify(body).slice(0, 200));
    }
    const bad = [...outcomes].filter(([k]) => k !== 'done' && !/^4\d\d (unsupported|invalid_request)/.test(k));
    report.row({
      case: 'random valid requests',
      tried: 'requests the shared validator accepts: random turns, unicode content, speed, model (incl. standard-only), system, max_tokens, effort, thinking, conversationId; through the edge to the sim',
      count: sent,
      observed: [...outcomes].map(([k, v]) => `${v}× ${k}`).join(', ') + (bad.length ? `; e.g. ${bad.map(([k]) => `${k}: ${examples.get(k) ?? ''}`).slice(0, 2).join(' | ')}` : ''),
      outcome: bad.length === 0 ? 'pass' : 'fail',
    });
    expect(bad, bad.map(([k]) => `${k}: ${examples.get(k) ?? ''}`).join('\n')).toEqual([]);
  }, 60_000);
});
