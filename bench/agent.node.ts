/**
 * Benchmark: agent loops.
 *
 * 1. **The agent race**: the demo's 5-step task (list_files, read_file, write_file with a whole file,
 *    run_checks, then the answer) against the sim at its default pacing (50 tok/s standard, 2.5× for
 *    fast, 350 ms time to first token per step), at fast and at standard, runs interleaved. Wall time is
 *    the client's: POST sent → `done` read. Twice: with the demo's tool latencies (tool time is the same
 *    at both speeds, so it dilutes the gain) and with instant tools.
 * 2. **Relay CPU with tools**: the edge relaying a tool-heavy loop (eight `write_file` calls, each a
 *    whole file of tool input, so almost every token is `input_json_delta` → `tool_input_delta`) against
 *    a plain text reply of about the same size; relay CPU per 1,000 output tokens, in the relay's own
 *    process, the sim at an unlimited rate. Target: tools within 1.2× of text.
 * @module
 */
import { readProtocolStream } from '@slipstream/core';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './lib/proc.node.ts';
import { main } from './lib/result.ts';
import { fmt, fmtRange, median } from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const TASK = 'Add an optional time-to-live to the LRU cache in src/lib/cache.ts, keep its API, and make the checks pass.';

interface LoopRun {
  wallMs: number;
  steps: number;
  outputTokens: number;
  served: string[];
  costUsd: number | null;
}

async function runLoop(edgeUrl: string, prompt: string, speed: 'fast' | 'standard', path = '/api/chat'): Promise<LoopRun> {
  const sentAt = performance.now();
  const res = await fetch(`${edgeUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: prompt }], speed, model: 'claude-opus-4-8', max_tokens: 8_000, conversationId: `bench-${Math.random().toString(36).slice(2)}` }),
  });
  if (!res.ok || !res.body) throw new Error(`edge answered ${res.status}: ${await res.text()}`);
  const served: string[] = [];
  let done: { steps: number; usage: { outputTokens: number }; cost: { totalUsd: number } | null } | undefined;
  for await (const ev of readProtocolStream(res.body)) {
    if (ev.event === 'step_finish') served.push(ev.data.speed ?? '?');
    else if (ev.event === 'done') done = ev.data;
    else if (ev.event === 'error') throw new Error(`edge stream error: ${ev.data.kind}: ${ev.data.message}`);
  }
  if (!done) throw new Error('the stream ended without done');
  return { wallMs: performance.now() - sentAt, steps: done.steps, outputTokens: done.usage.outputTokens, served, costUsd: done.cost?.totalUsd ?? null };
}

async function agentRace(toolLatency: boolean): Promise<{ rows: string[]; ratio: number; saved: number }> {
  const sim = await startChild(here('./lib/sim-child.node.ts'), { seed: 11 });
  // The demo's agent: the example tools with the demo's latencies, or instant.
  const edge = await startChild(here('./lib/agent-child.node.ts'), { upstream: sim.url, toolLatency });
  try {
    const prompt = `${TASK} [[sim:tools=list_files,read_file,write_file,run_checks]]`;
    const runs: Record<'fast' | 'standard', LoopRun[]> = { fast: [], standard: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const speed of ['fast', 'standard'] as const) runs[speed].push(await runLoop(edge.url, prompt, speed));
    }
    for (const speed of ['fast', 'standard'] as const) {
      const bad = runs[speed].find((r) => r.steps !== 5 || r.served.some((s) => s !== speed));
      if (bad) throw new Error(`${speed} run: ${bad.steps} steps served ${bad.served.join(',')}`);
    }
    const wall = (s: 'fast' | 'standard') => median(runs[s].map((r) => r.wallMs));
    const ratio = wall('fast') / wall('standard');
    const row = (s: 'fast' | 'standard') =>
      `| ${toolLatency ? 'demo tool latencies' : 'instant tools'} | ${s} | ${fmtRange(runs[s].map((r) => r.wallMs / 1000), 2)} | ${median(runs[s].map((r) => r.outputTokens))} | ${fmt(median(runs[s].map((r) => r.costUsd ?? Number.NaN)), 4)} |`;
    return { rows: [row('fast'), row('standard')], ratio, saved: wall('standard') - wall('fast') };
  } finally {
    await edge.close();
    await sim.close();
  }
}

async function relayCpu(): Promise<{ rows: string[]; ratio: number }> {
  const sim = await startChild(here('./lib/sim-child.node.ts'), { standardOtps: 0, ttftMs: 0, jitter: 0, fastInputTpm: 1e12, fastOutputTpm: 1e12, seed: 7 });
  const relays: Record<'text' | 'tools', Child | undefined> = { text: undefined, tools: undefined };
  try {
    relays.text = await startChild(here('./lib/relay-child.node.ts'), { kind: 'slipstream', upstream: sim.url });
    relays.tools = await startChild(here('./lib/relay-child.node.ts'), { kind: 'slipstream-tools', upstream: sim.url });
    const toolPrompt = `${TASK} [[sim:tools=write_file,write_file,write_file,write_file,write_file,write_file,write_file,write_file]]`;
    // Size the text reply like the loop's output.
    const probe = await runLoop(relays.tools.url, toolPrompt, 'fast');
    const textPrompt = `Write a long answer with markdown. [[sim:tokens=${probe.outputTokens}]]`;
    const samples: Record<'text' | 'tools', { perK: number; tokens: number }[]> = { text: [], tools: [] };
    await runLoop(relays.text.url, textPrompt, 'fast'); // warm-up
    for (let r = 0; r < Math.max(5, RUNS); r++) {
      for (const kind of ['text', 'tools'] as const) {
        const relay = relays[kind]!;
        const cpu0 = await relay.ask<number>('cpu');
        const run = await runLoop(relay.url, kind === 'text' ? textPrompt : toolPrompt, 'fast');
        const cpu = (await relay.ask<number>('cpu')) - cpu0;
        samples[kind].push({ perK: (cpu / run.outputTokens) * 1000, tokens: run.outputTokens });
      }
    }
    const ratio = median(samples.tools.map((s) => s.perK)) / median(samples.text.map((s) => s.perK));
    const row = (kind: 'text' | 'tools', label: string) => `| ${label} | ${median(samples[kind].map((s) => s.tokens))} | ${fmtRange(samples[kind].map((s) => s.perK), 2)} |`;
    return { rows: [row('text', 'text reply'), row('tools', 'tool loop: 8 × write_file, 9 steps')], ratio };
  } finally {
    await relays.text?.close();
    await relays.tools?.close();
    await sim.close();
  }
}

await main('Agent loops: the fast ÷ standard race, and relay CPU with tools', 'pnpm --filter @slipstream/bench exec tsx agent.node.ts', async () => {
  const withTools = await agentRace(true);
  const instant = await agentRace(false);
  const cpu = await relayCpu();
  const markdown = [
    `The demo's 5-step agent task (list_files → read_file → write_file with a whole file → run_checks → answer) on the sim at its default pacing (50 tok/s standard, 125 tok/s fast, ~350 ms TTFT per step), ${RUNS} interleaved runs per speed; wall time is the client's, POST → \`done\`. Every run took 5 steps, each served at the speed asked.`,
    '',
    '| tools | speed | wall time, s (median [min–max]) | output tokens | cost, USD |',
    '|---|---|---|---|---|',
    ...withTools.rows,
    ...instant.rows,
    '',
    `- **fast ÷ standard wall time: ${fmt(withTools.ratio, 3)}** with the demo's tool latencies (${fmt(withTools.saved / 1000, 2)} s saved per task), ${fmt(instant.ratio, 3)} with instant tools (${fmt(instant.saved / 1000, 2)} s saved). Not 1 ÷ 2.5: TTFT and tool time do not speed up, only output does.`,
    '',
    'Relay CPU per 1,000 output tokens (the edge process alone; sim unlimited; same token count both ways):',
    '',
    '| path | output tokens | relay CPU ms / 1k tokens (median [min–max]) |',
    '|---|---|---|',
    ...cpu.rows,
    '',
    `- **tools ÷ text relay CPU: ${fmt(cpu.ratio, 2)}×** (target ≤ 1.2×). The loop's extra work: a tolerant parse of each tool input at its end, schema validation, the tool call itself, and a new upstream request per step.`,
  ].join('\n');
  return {
    markdown,
    headline: {
      'agent race fast ÷ standard wall time (demo tools)': fmt(withTools.ratio, 3),
      'agent race fast ÷ standard wall time (instant tools)': fmt(instant.ratio, 3),
      'relay CPU tools ÷ text': `${fmt(cpu.ratio, 2)}×`,
    },
  };
});
