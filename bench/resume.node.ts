/**
 * Resumable replies: what keeping a reply resumable costs the edge.
 *
 * The same edge in three processes, each its own Node process on `@hono/node-server`: resumable replies
 * off (`resume: false`, today's relay), on with this process's memory (`resume: true`), and on a Redis
 * store (`createRedisStore` on a loopback `redis-server`, the official `redis` client). Measured:
 * 1. relay CPU per 1k tokens (sim at an unlimited rate, a long reply, interleaved runs; the Redis
 *    server's own CPU reported beside it), and the text identical on every path;
 * 2. TTFT (request sent → first text event at the client) with the sim paced (TTFT 50 ms, no jitter),
 *    interleaved, and the time added over the non-resumable edge; relay CPU at 1,000 tok/s, each reply
 *    read by its own client only, and once more followed by a resume on a fourth (Redis) edge process;
 * 3. Redis memory of one resumable 1,000-token reply (`MEMORY USAGE … SAMPLES 0` of its two keys, read
 *    when the whole reply is in the log: the most a 1,000-token reply holds).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { LAST_EVENT_ID_HEADER, readProtocolStream, resumePath } from '@slipstream/core';
import { startRedis, type RunningRedis } from '../packages/edge/test/redis-server.ts';
import { viaSlipstream, type Ask, type Reply } from './lib/clients.ts';
import { startChild, type Child } from './lib/proc.node.ts';
import { main } from './lib/result.ts';
import type { ResumeMode } from './lib/resume-relay-child.node.ts';
import { fmt, fmtRange, median, quantile } from './lib/stats.ts';

const TOKENS = Number(process.env.BENCH_RESUME_TOKENS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TTFT_RUNS = Number(process.env.BENCH_TTFT_RUNS ?? 40);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const modes: ResumeMode[] = ['off', 'memory', 'redis'];
const label: Record<ResumeMode, string> = { off: 'not resumable (`resume: false`)', memory: 'resumable, in-memory log', redis: 'resumable, Redis log (loopback)' };

type RedisClient = ReturnType<typeof import('redis').createClient>;

async function redisCpuMs(client: RedisClient): Promise<number> {
  const info = await client.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** Scripts Redis has run (EVALSHA + EVAL): one per reply-log operation of the edge. */
async function redisScriptCalls(client: RedisClient): Promise<number> {
  const info = await client.info('commandstats');
  let calls = 0;
  for (const name of ['evalsha', 'eval']) calls += Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  return calls;
}

/** The text of one protocol stream (throws on an `error` event); `onFifthText` gets the reply id at the 5th text event. */
async function readText(res: Response, onFifthText?: (replyId: string) => void): Promise<string> {
  if (!res.ok || !res.body) throw new Error(`edge answered ${res.status}: ${await res.text()}`);
  let text = '';
  let replyId: string | undefined;
  let texts = 0;
  for await (const ev of readProtocolStream(res.body) as AsyncIterable<{ event: string; data: { replyId?: string; delta?: string; kind?: string; message?: string } }>) {
    if (ev.event === 'start') replyId = ev.data.replyId;
    else if (ev.event === 'text') {
      text += ev.data.delta ?? '';
      if (++texts === 5 && replyId !== undefined) onFifthText?.(replyId);
    } else if (ev.event === 'error') throw new Error(`edge stream error: ${ev.data.kind}: ${ev.data.message}`);
  }
  return text;
}

/**
 * A reply followed from another edge process: POST to `producerUrl` and, at its 5th text event (its log
 * is open by then), resume it from its first event on `followerUrl` (as a client reconnected elsewhere
 * would, or a second tab). Both are read to the end; their texts must match.
 */
async function followedReply(producerUrl: string, followerUrl: string, ask: Ask): Promise<void> {
  let follower: Promise<string> | undefined;
  const res = await fetch(`${producerUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: ask.prompt }], speed: ask.speed, model: ask.model, max_tokens: ask.maxTokens }),
  });
  const own = await readText(res, (replyId) => {
    follower = fetch(`${followerUrl}${resumePath('/api/chat', replyId)}`, { headers: { [LAST_EVENT_ID_HEADER]: '0' } }).then((r) => readText(r));
  });
  if (follower === undefined) throw new Error('no reply id, or fewer than 5 text events');
  if ((await follower) !== own) throw new Error('the follower read another text than the reply');
}

async function relays(upstream: string, redisUrl: string): Promise<Record<ResumeMode, Child>> {
  const out: Partial<Record<ResumeMode, Child>> = {};
  for (const mode of modes) out[mode] = await startChild(here('./lib/resume-relay-child.node.ts'), { upstream, mode, redisUrl });
  return out as Record<ResumeMode, Child>;
}

async function run(): Promise<Omit<import('./lib/result.ts').BenchResult, 'title' | 'command'>> {
  let redis: RunningRedis | undefined;
  let client: RedisClient | undefined;
  const children: Child[] = [];
  try {
    redis = await startRedis();
    const { createClient } = await import('redis');
    client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? '?';

    // 1. CPU per token at an unlimited rate.
    const simFast = await startChild(here('./lib/sim-child.node.ts'), { standardOtps: 0, ttftMs: 0, jitter: 0, fastInputTpm: 1e12, fastOutputTpm: 1e12, seed: 7 });
    children.push(simFast);
    const fast = await relays(simFast.url, redis.url);
    children.push(...Object.values(fast));
    const long: Ask = { prompt: `Write a long answer with markdown. [[sim:tokens=${TOKENS}]]`, model: 'claude-opus-4-6', speed: 'fast', maxTokens: TOKENS + 1000 };
    for (const m of modes) await viaSlipstream(fast[m].url, long);
    const cpu: Record<ResumeMode, { relay: number; redis: number; tps: number; text: string }[]> = { off: [], memory: [], redis: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const m of modes) {
        const tok0 = (await simFast.ask<{ tokensEmitted: number }>('stats')).tokensEmitted;
        const relay0 = await fast[m].ask<number>('cpu');
        const redis0 = await redisCpuMs(client);
        const reply: Reply = await viaSlipstream(fast[m].url, long);
        // The last append may land just after `done` reached the client: let it, so its CPU is counted.
        await new Promise((res) => setTimeout(res, 50));
        const relayCpu = (await fast[m].ask<number>('cpu')) - relay0;
        const redisCpu = (await redisCpuMs(client)) - redis0;
        const tokens = (await simFast.ask<{ tokensEmitted: number }>('stats')).tokensEmitted - tok0;
        cpu[m].push({ relay: (relayCpu / tokens) * 1000, redis: (redisCpu / tokens) * 1000, tps: (tokens / (reply.doneAt - reply.sentAt)) * 1000, text: reply.text });
      }
    }
    await Promise.all(Object.values(fast).map((c) => c.close()));

    // 2. TTFT with a paced sim, and 3. Redis memory of a 1,000-token reply.
    const simPaced = await startChild(here('./lib/sim-child.node.ts'), { standardOtps: 400, ttftMs: 50, jitter: 0, fastInputTpm: 1e12, fastOutputTpm: 1e12, seed: 7 });
    children.push(simPaced);
    const paced = await relays(simPaced.url, redis.url);
    children.push(...Object.values(paced));
    const short: Ask = { prompt: 'A short answer. [[sim:tokens=30]]', model: 'claude-opus-4-6', speed: 'fast', maxTokens: 1000 };
    for (const m of modes) for (let i = 0; i < 3; i++) await viaSlipstream(paced[m].url, short);
    const ttft: Record<ResumeMode, number[]> = { off: [], memory: [], redis: [] };
    for (let r = 0; r < TTFT_RUNS; r++) {
      for (const m of modes) {
        const reply = await viaSlipstream(paced[m].url, short);
        ttft[m].push((reply.arrivals[0] ?? Number.NaN) - reply.sentAt);
      }
    }
    const paired = (m: ResumeMode) => ttft[m].map((v, i) => v - (ttft.off[i] ?? Number.NaN));

    // Relay CPU at a real pace (1,000 tok/s): nobody but the reply's own client reads it, so the Redis
    // log spaces appends by unreadAppendIntervalMs (100 ms; appendIntervalMs, 10 ms, with a reader attached).
    const paced1k: Ask = { prompt: `Explain tides to a sailor. [[sim:tokens=1000]]`, model: 'claude-opus-4-6', speed: 'fast', maxTokens: 2000 };
    const pacedCpu: Record<ResumeMode, number[]> = { off: [], memory: [], redis: [] };
    const pacedRedisCpu: number[] = [];
    const pacedScripts: number[] = [];
    // The same reply followed from a fourth edge process (Redis log back at appendIntervalMs, 10 ms).
    const follower = await startChild(here('./lib/resume-relay-child.node.ts'), { upstream: simPaced.url, mode: 'redis', redisUrl: redis.url });
    children.push(follower);
    await followedReply(paced.redis.url, follower.url, paced1k);
    const followed: { producer: number; follower: number; redis: number; scripts: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      for (const m of modes) {
        const tok0 = (await simPaced.ask<{ tokensEmitted: number }>('stats')).tokensEmitted;
        const relay0 = await paced[m].ask<number>('cpu');
        const redis0 = await redisCpuMs(client);
        const scripts0 = await redisScriptCalls(client);
        await viaSlipstream(paced[m].url, paced1k);
        await new Promise((res) => setTimeout(res, 50));
        const tokens = (await simPaced.ask<{ tokensEmitted: number }>('stats')).tokensEmitted - tok0;
        pacedCpu[m].push((((await paced[m].ask<number>('cpu')) - relay0) / tokens) * 1000);
        if (m === 'redis') {
          pacedRedisCpu.push((((await redisCpuMs(client)) - redis0) / tokens) * 1000);
          pacedScripts.push((((await redisScriptCalls(client)) - scripts0) / tokens) * 1000);
        }
      }
      const tok0 = (await simPaced.ask<{ tokensEmitted: number }>('stats')).tokensEmitted;
      const [producer0, follower0, redis0, scripts0] = [await paced.redis.ask<number>('cpu'), await follower.ask<number>('cpu'), await redisCpuMs(client), await redisScriptCalls(client)];
      await followedReply(paced.redis.url, follower.url, paced1k);
      await new Promise((res) => setTimeout(res, 50));
      const tokens = (await simPaced.ask<{ tokensEmitted: number }>('stats')).tokensEmitted - tok0;
      const per1k = (v: number) => (v / tokens) * 1000;
      followed.push({
        producer: per1k((await paced.redis.ask<number>('cpu')) - producer0),
        follower: per1k((await follower.ask<number>('cpu')) - follower0),
        redis: per1k((await redisCpuMs(client)) - redis0),
        scripts: per1k((await redisScriptCalls(client)) - scripts0),
      });
    }

    const memory: { bytes: number; frames: number; events: number }[] = [];
    for (let r = 0; r < 3; r++) {
      await client.flushAll();
      const thousand: Ask = { prompt: `Explain tides to a sailor. [[sim:tokens=1000]]`, model: 'claude-opus-4-6', speed: 'fast', maxTokens: 2000 };
      await viaSlipstream(paced.redis.url, thousand);
      await new Promise((res) => setTimeout(res, 100));
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: 'slipstream:reply:*', COUNT: 100 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
      let bytes = 0;
      let frames = 0;
      let events = 0;
      for (const key of keys) {
        bytes += Number(await client.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']));
        if (key.endsWith(':e')) {
          const list = (await client.lRange(key, 0, -1)) as string[];
          events += list.length;
          frames += list.reduce((n, f) => n + Buffer.byteLength(f), 0);
        }
      }
      if (keys.length !== 2) throw new Error(`expected the 2 keys of one reply, found ${keys.length}`);
      memory.push({ bytes, frames, events });
    }

    // 4. The cost of one append, alone: the producer's write per event at a real pace (in this process,
    //    same client and store code as the edge's), beside a bare PING on the same connection.
    const { createRedisStore } = await import('@slipstream/edge/redis');
    const log = createRedisStore({ client, prefix: 'bench-append:' }).replies!;
    const frame = (seq: number) => ({ seq, frame: `event: text\nid: ${seq}\ndata: {"delta":" some words","step":0,"index":0,"t":${seq}}\n\n` });
    const appendUs: number[] = [];
    const pingUs: number[] = [];
    for (let round = 0; round < 4; round++) {
      const id = `append-${round}-0000000000000000`;
      await log.open(id, { lifetimeMs: 60_000 });
      const c0 = process.cpuUsage();
      for (let i = 1; i <= 2_000; i++) await log.append(id, { events: [frame(i)], ttlMs: 60_000 });
      const c = process.cpuUsage(c0);
      const p0 = process.cpuUsage();
      for (let i = 0; i < 2_000; i++) await client.ping();
      const p = process.cpuUsage(p0);
      if (round > 0) {
        appendUs.push((c.user + c.system) / 2_000);
        pingUs.push((p.user + p.system) / 2_000);
      }
    }

    const relayMed = (m: ResumeMode) => median(cpu[m].map((s) => s.relay));
    const ref = cpu.off[0]?.text ?? '';
    const same = (m: ResumeMode) => (cpu[m].every((s) => s.text === ref) ? 'yes' : 'NO');
    const redisVsOff = relayMed('redis') / relayMed('off');
    const redisVsMemory = relayMed('redis') / relayMed('memory');
    const addedTtft = median(paired('redis'));
    const pacedRedisVsOff = median(pacedCpu.redis) / median(pacedCpu.off);
    const pacedRedisVsMemory = median(pacedCpu.redis) / median(pacedCpu.memory);
    const followedVsMemory = median(followed.map((f) => f.producer)) / median(pacedCpu.memory);
    const markdown = [
      `Three edge processes (\`@hono/node-server\`), identical but for \`resume\`; Redis ${version} on loopback (no persistence), the official \`redis\` client. Median (min–max) over ${RUNS} interleaved runs after one warm-up each.`,
      '',
      `**Relay CPU**: sim at an unlimited rate, one reply of ${TOKENS.toLocaleString('en-US')} tokens per run (\`claude-opus-4-6\`, fast). CPU is the edge process's \`process.cpuUsage()\` delta; the Redis server's (\`INFO cpu\`) is beside it.`,
      '',
      '| edge | relay CPU ms / 1k tokens | Redis server CPU ms / 1k tokens | output tokens/s | text identical |',
      '|---|---:|---:|---:|---|',
      ...modes.map((m) => `| ${label[m]} | ${fmtRange(cpu[m].map((s) => s.relay), 2)} | ${m === 'redis' ? fmtRange(cpu[m].map((s) => s.redis), 2) : '—'} | ${fmtRange(cpu[m].map((s) => s.tps), 0)} | ${same(m)} |`),
      '',
      `**Relay CPU at a real pace**: the sim at 1,000 tok/s (fast), 1,000-token replies, ${RUNS} interleaved runs, read by their own client only: the Redis log spaces its appends 100 ms apart while nobody else follows a reply (\`unreadAppendIntervalMs\`; 10 ms, \`appendIntervalMs\`, with a reader attached), so events arriving meanwhile ride together: ${fmtRange(pacedScripts, 0)} Redis script calls (open, appends, end, the calibration's read and write) per 1,000 tokens.`,
      '',
      '| edge | relay CPU ms / 1k tokens | Redis server CPU ms / 1k tokens |',
      '|---|---:|---:|',
      ...modes.map((m) => `| ${label[m]} | ${fmtRange(pacedCpu[m], 2)} | ${m === 'redis' ? fmtRange(pacedRedisCpu, 2) : '—'} |`),
      `| resumable, Redis log, followed by a resume on another edge process | ${fmtRange(followed.map((f) => f.producer), 2)} | ${fmtRange(followed.map((f) => f.redis), 2)} |`,
      '',
      `Followed: the same reply, resumed from its first event on a fourth edge process from its 5th text event on (as a client reconnected elsewhere, or a second tab): the producer is back at 10 ms appends, ${fmtRange(followed.map((f) => f.scripts), 0)} Redis script calls per 1,000 tokens (the follower's polls included), and the follower's process spends ${fmtRange(followed.map((f) => f.follower), 2)} ms of CPU per 1k tokens (polling every 25 ms). The producer's row is its CPU alone.`,
      '',
      `**TTFT** (request sent → first \`text\` event at the client), sim paced: TTFT 50 ms, no jitter, 30-token replies, ${TTFT_RUNS} interleaved runs per edge.`,
      '',
      '| edge | TTFT p50 (ms) | TTFT p90 (ms) | added over not resumable, paired p50 (ms) |',
      '|---|---:|---:|---:|',
      ...modes.map((m) => `| ${label[m]} | ${fmt(median(ttft[m]), 2)} | ${fmt(quantile(ttft[m], 0.9), 2)} | ${m === 'off' ? '—' : fmt(median(paired(m)), 2)} |`),
      '',
      `**Redis memory per resumable reply**: one 1,000-token reply, read when all of it is logged (the most it holds; 3 runs): ${fmtRange(memory.map((x) => x.bytes / 1024), 1)} KiB (\`MEMORY USAGE\` of its meta hash and event list), for ${fmtRange(memory.map((x) => x.events), 0)} events of ${fmtRange(memory.map((x) => x.frames / 1024), 1)} KiB of SSE frames. The log is deleted ${'`ttlMs`'} (60 s) after the reply ends, at once when it is detached, and on a cap.`,
      '',
      `**One append alone** (this process, the edge's own \`createRedisStore\` code, one event per append, 2,000 appends × 3 rounds after a warm-up): ${fmtRange(appendUs, 1)} µs of CPU per append, against ${fmtRange(pingUs, 1)} µs for a bare \`PING\` on the same connection. Unspaced, a 1,000 tok/s reply would make one append per event (about 256 per 1,000 tokens).`,
      '',
      `- **Relay CPU per token, Redis log ÷ not resumable: ${fmt(redisVsOff, 2)}×; Redis log ÷ in-memory log: ${fmt(redisVsMemory, 2)}×** at an unlimited rate (target ≤ 1.3×: ${redisVsMemory <= 1.3 ? 'met' : 'missed'} against the in-memory log, ${redisVsOff <= 1.3 ? 'met' : 'missed'} against no log); at 1,000 tok/s: ${fmt(pacedRedisVsOff, 2)}× against no log (${pacedRedisVsOff <= 1.3 ? 'met' : 'missed'}) and ${fmt(pacedRedisVsMemory, 2)}× against the in-memory log (${pacedRedisVsMemory <= 1.3 ? 'met' : 'missed'}); followed by a resume on another process, the producer ${fmt(followedVsMemory, 2)}× the in-memory log's (${followedVsMemory <= 1.3 ? 'met' : 'missed'}).`,
      `- **Added TTFT with the Redis log: ${fmt(addedTtft, 2)} ms** paired median (target ≤ 3 ms: ${addedTtft <= 3 ? 'met' : 'missed'}). The reply's log is opened beside the upstream request, never before it, and events reach the client before their append lands.`,
    ].join('\n');
    return {
      markdown,
      headline: {
        'resumable relay CPU ratio (Redis/off)': fmt(redisVsOff, 2),
        'resumable relay CPU ratio (Redis/memory)': fmt(redisVsMemory, 2),
        'resumable relay CPU ratio at 1k tok/s (Redis/off)': fmt(pacedRedisVsOff, 2),
        'resumable relay CPU ratio at 1k tok/s, followed elsewhere (Redis/memory)': fmt(followedVsMemory, 2),
        'resumable added TTFT Redis (ms)': fmt(addedTtft, 2),
        'Redis KiB per 1k-token reply': fmt(median(memory.map((x) => x.bytes / 1024)), 1),
        'Redis append CPU (µs)': fmt(median(appendUs), 1),
      },
    };
  } finally {
    await Promise.all(children.map((c) => c.close()));
    await client?.close().catch(() => {});
    await redis?.stop();
  }
}

await main('7. Resumable replies: relay CPU, added TTFT, Redis memory', 'pnpm --filter @slipstream/bench exec tsx resume.node.ts', run);
