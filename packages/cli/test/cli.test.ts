import { describe, expect, it } from 'vitest';
import { EXIT, main, type CliIO } from '../src/cli.node.ts';
import { parseArgs, UsageError } from '../src/args.ts';
import type { RaceReport } from '../src/report.ts';

// High sim rates keep each race to a few hundred ms; ratios stay those of the sim (fast = 2.5x standard).
const FAST_SIM = { ttftMs: 20, standardOtps: 2000, fastMultiplier: 2.5, jitter: 0 };

function io(simOptions: CliIO['simOptions'] = FAST_SIM, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const handle: CliIO = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s), isTTY },
    env: {},
    simOptions,
  };
  return { handle, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('slipstream race against the embedded sim', () => {
  it('prints a table with served speed, tokens, TTFT, both OTPS, cost and the speed-up', async () => {
    const t = io();
    const code = await main(['race', 'Say hello. [[sim:tokens=200]]', '--runs', '2'], t.handle);
    expect(code).toBe(EXIT.ok);
    const out = t.stdout();
    expect(out).toContain('source: simulator (no ANTHROPIC_API_KEY set');
    expect(out).toMatch(/served speed\s+standard\s+fast/u);
    expect(out).toMatch(/output tokens\s+200\s+200/u);
    expect(out).toMatch(/TTFT\s+\d+ ms/u);
    expect(out).toContain('OTPS (after first token)');
    expect(out).toContain('OTPS (effective, whole request)');
    expect(out).toMatch(/cost per reply\s+\$0\.\d+/u);
    const speedup = /speed-up \(headline OTPS, fast ÷ standard\): ([\d.]+)× \(([\d.]+)×–([\d.]+)× over 2 run pairs\)/u.exec(out);
    expect(speedup).not.toBeNull();
    expect(Number(speedup![1])).toBeGreaterThan(1.5);
    expect(t.stderr()).toContain('embedded simulator');
    // Not a TTY: no progress line.
    expect(t.stderr()).not.toContain('\r');
  });

  it('--json prints one document with both speeds, every run and the speed-up spread', async () => {
    const t = io();
    const code = await main(['race', 'Hi [[sim:tokens=100]]', '--json', '--runs=2', '--max-tokens', '500'], t.handle);
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(t.stdout()) as RaceReport;
    expect(report).toMatchObject({ source: 'sim', model: 'claude-opus-4-6', runs: 2, maxTokens: 500 });
    expect(report.standard.runs).toHaveLength(2);
    expect(report.fast.runs).toHaveLength(2);
    expect(report.fast.summary.served).toEqual(['fast']);
    expect(report.standard.summary.served).toEqual(['standard']);
    for (const r of [...report.standard.runs, ...report.fast.runs]) {
      expect(r.outputTokens).toBe(100);
      expect(r.ttftMs).toBeGreaterThan(0);
      expect(r.otps).toBeGreaterThan(0);
      expect(r.effectiveOtps).toBeGreaterThan(0);
      expect(r.costUsd).toBeGreaterThan(0);
    }
    expect(report.fast.summary.costUsd.median!).toBeGreaterThan(report.standard.summary.costUsd.median! * 5);
    expect(report.speedup.basis).toBe('headline OTPS, fast ÷ standard');
    expect(report.speedup.min!).toBeLessThanOrEqual(report.speedup.max!);
  });

  it('shows a progress line on a TTY stderr, and clears it', async () => {
    const t = io(FAST_SIM, true);
    expect(await main(['race', 'Hi [[sim:tokens=50]]', '--runs', '1'], t.handle)).toBe(EXIT.ok);
    expect(t.stderr()).toMatch(/\[1\/2\] standard run 1/u);
    expect(t.stderr()).toMatch(/\[2\/2\] fast run 1/u);
    expect(t.stderr().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('explains a fast 429 with retry-after and exits 3', async () => {
    const t = io({ ...FAST_SIM, faults: [{ fault: 'rate_limit', speed: 'fast', after: 12_000 }] });
    const code = await main(['race', 'Hi [[sim:tokens=50]]', '--runs', '1'], t.handle);
    expect(code).toBe(EXIT.rateLimited);
    expect(t.stderr()).toMatch(/rate limited \(429\) \(fast request, after 1 completed\): retry after 12 s\. Fast mode has its own rate limit/u);
    expect(t.stdout()).toBe('');
  });

  it('refuses a model without fast mode before any request, exit 4', async () => {
    const t = io();
    const code = await main(['race', 'Hi', '--model', 'claude-sonnet-4-6'], t.handle);
    expect(code).toBe(EXIT.unsupported);
    expect(t.stderr()).toContain('claude-sonnet-4-6 (Claude Sonnet 4.6) does not support fast mode');
  });

  it('reports an unknown model (404 upstream), exit 4', async () => {
    const t = io();
    const code = await main(['race', 'Hi', '--model', 'claude-nonesuch-9'], t.handle);
    expect(code).toBe(EXIT.unsupported);
    expect(t.stderr()).toContain('unknown model "claude-nonesuch-9"');
  });
});

describe('arguments', () => {
  it.each([
    [['race']],
    [['race', 'a', 'b']],
    [['race', 'hi', '--runs', '0']],
    [['race', 'hi', '--runs', 'x']],
    [['race', 'hi', '--runs']],
    [['race', 'hi', '--max-tokens', '-5']],
    [['race', 'hi', '--model']],
    [['race', 'hi', '--speed', 'fast']],
    [['race', 'hi', '--json=yes']],
    [['sprint', 'hi']],
    [['race', '   ']],
  ])('%j exits 2 with the usage', async (argv) => {
    const t = io();
    expect(await main(argv, t.handle)).toBe(EXIT.usage);
    expect(t.stderr()).toContain('Usage: slipstream race');
    expect(t.stdout()).toBe('');
  });

  it('--help prints the usage and exits 0', async () => {
    const t = io();
    expect(await main(['race', '--help'], t.handle)).toBe(EXIT.ok);
    expect(t.stdout()).toContain('--max-tokens N');
    expect(t.stdout()).toContain('Exit codes');
  });

  it('parses every flag form', () => {
    expect(parseArgs(['race', 'p', '--model=claude-opus-4-8', '--runs', '4', '--max-tokens=64', '--json'])).toEqual({
      command: 'race',
      prompt: 'p',
      model: 'claude-opus-4-8',
      runs: 4,
      maxTokens: 64,
      json: true,
    });
    expect(() => parseArgs(['race', 'p', '--bogus'])).toThrow(UsageError);
  });
});
