/**
 * Answers shaped by the request: code in the language asked for, a table whose rows are the items
 * the prompt names, JSON for the thing described, a rollout plan for the move described. Seeded and
 * deterministic; every builder returns markdown.
 * @module
 */
import { codeAnswer } from './code-answers.ts';
import type { Intent } from './intent.ts';
import type { Rng } from './random.ts';

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A code answer: what it is, the code, how it works, how to use it. */
export function codeReply(rng: Rng, intent: Intent): string {
  const a = codeAnswer(intent.language, intent.subject, intent.about, intent.object);
  const lead = rng.pick([
    `Here's ${a.title}${intent.language ? ` in ${langName(a.lang)}` : ''}.`,
    `Below is ${a.title}${intent.language ? ` in ${langName(a.lang)}` : ''}, with notes on the choices it makes.`,
    `Sure. This is ${a.title}, kept small enough to read in one go.`,
  ]);
  const parts = [lead, `\`\`\`${a.lang}\n${a.code}\n\`\`\``, `## How it works\n\n${a.notes.map((n) => `- ${n}`).join('\n')}`];
  if (a.usage) parts.push(`## Usage\n\n\`\`\`${a.lang}\n${a.usage}\n\`\`\``);
  parts.push(rng.pick(['Want tests for it as well?', 'I can add tests or adapt it to your codebase if you share more.', 'Let me know if you want a version with tests.']));
  return parts.join('\n\n');
}

function langName(tag: string): string {
  return ({ ts: 'TypeScript', js: 'JavaScript', python: 'Python', go: 'Go', rust: 'Rust', sql: 'SQL', bash: 'Bash' } as Record<string, string>)[tag] ?? tag;
}

/** Facts the table knows per item (lower-case name), by column. */
const KNOWN: Record<string, Record<string, string>> = {
  redis: { Latency: 'sub-ms in memory', Persistence: 'optional (RDB/AOF)', Scaling: 'cluster, sharded by key', 'Best for': 'caches, counters, queues' },
  memcached: { Latency: 'sub-ms in memory', Persistence: 'none', Scaling: 'client-side sharding', 'Best for': 'simple, large caches' },
  postgres: { Latency: 'ms, disk-backed', Persistence: 'durable (WAL)', Scaling: 'vertical, read replicas', 'Best for': 'relational data, transactions' },
  postgresql: { Latency: 'ms, disk-backed', Persistence: 'durable (WAL)', Scaling: 'vertical, read replicas', 'Best for': 'relational data, transactions' },
  sqlite: { Latency: 'µs, in-process', Persistence: 'durable, one file', Scaling: 'one writer', 'Best for': 'embedded and edge apps' },
  dynamodb: { Latency: 'single-digit ms', Persistence: 'durable, replicated', Scaling: 'automatic partitions', 'Best for': 'key-value at any scale' },
  mongodb: { Latency: 'ms', Persistence: 'durable (journal)', Scaling: 'sharding', 'Best for': 'flexible documents' },
  react: { 'Rendering model': 'virtual DOM, concurrent', 'Bundle size': '~45 kB min+gz', 'Learning curve': 'moderate', 'Best for': 'large apps, huge ecosystem' },
  vue: { 'Rendering model': 'reactive, virtual DOM', 'Bundle size': '~35 kB min+gz', 'Learning curve': 'gentle', 'Best for': 'progressive adoption' },
  svelte: { 'Rendering model': 'compiled, no virtual DOM', 'Bundle size': 'small runtime', 'Learning curve': 'gentle', 'Best for': 'small, fast UIs' },
  'cloudflare workers': { 'Cold start': '~0 ms (isolates)', Limits: 'CPU time per request', 'Pricing model': 'per request + CPU', 'Best for': 'global edge logic' },
  vercel: { 'Cold start': 'low (edge) to ~100s of ms', Limits: 'duration per plan', 'Pricing model': 'per invocation + GB-s', 'Best for': 'Next.js apps' },
  'aws lambda': { 'Cold start': '100 ms – 1 s+', Limits: '15 min, 10 GB', 'Pricing model': 'per request + GB-s', 'Best for': 'AWS-integrated back ends' },
  typescript: { Typing: 'static, structural', Performance: 'as fast as the JS engine', Ecosystem: 'npm, very large', 'Best for': 'web front and back ends' },
  python: { Typing: 'dynamic, optional hints', Performance: 'slower, C extensions help', Ecosystem: 'data and ML', 'Best for': 'scripts, data, ML' },
  go: { Typing: 'static, simple', Performance: 'fast, GC', Ecosystem: 'cloud tooling', 'Best for': 'network services, CLIs' },
  rust: { Typing: 'static, ownership', Performance: 'C-level, no GC', Ecosystem: 'growing', 'Best for': 'systems, performance-critical code' },
  fast: { 'Output rate': 'up to ~2.5x', TTFT: 'unchanged', Price: '6x standard (Opus)', 'Best for': 'long outputs, agent loops' },
  standard: { 'Output rate': 'baseline', TTFT: 'unchanged', Price: '1x', 'Best for': 'short replies, batch work' },
};

const COLUMN_SETS: readonly [RegExp, string[]][] = [
  [/redis|memcached|postgres|sqlite|dynamodb|mongo|database|cache|caching|storage|store/iu, ['Latency', 'Persistence', 'Scaling', 'Best for']],
  [/react|vue|svelte|angular|solid|framework|frontend|front-end/iu, ['Rendering model', 'Bundle size', 'Learning curve', 'Best for']],
  [/workers|vercel|lambda|serverless|edge|hosting|platform|deploy/iu, ['Cold start', 'Limits', 'Pricing model', 'Best for']],
  [/typescript|python|golang|\bgo\b|rust|language/iu, ['Typing', 'Performance', 'Ecosystem', 'Best for']],
  [/\bfast\b|standard|speed|mode/iu, ['Output rate', 'TTFT', 'Price', 'Best for']],
];

/** Rows for a topic when the prompt names no items. */
const DEFAULT_ITEMS: readonly [RegExp, string[]][] = [
  [/rate[- ]?limit/iu, ['Fixed window', 'Sliding window', 'Token bucket', 'Leaky bucket']],
  [/cach/iu, ['Cache-aside', 'Write-through', 'Write-behind', 'Refresh-ahead']],
  [/database|storage|store/iu, ['Postgres', 'SQLite', 'DynamoDB', 'Redis']],
  [/framework|frontend|front-end/iu, ['React', 'Vue', 'Svelte']],
  [/retr|backoff/iu, ['Fixed delay', 'Exponential', 'Exponential + jitter', 'Retry-After header']],
];

const GENERIC_CELLS: Record<string, readonly string[]> = {
  Strengths: ['simple to operate', 'predictable under load', 'flexible', 'cheap to start', 'well documented', 'fast in the common case'],
  'Trade-offs': ['more moving parts', 'harder to debug', 'less control', 'needs tuning', 'locks you in', 'weaker guarantees'],
  Cost: ['low', 'moderate', 'high at scale', 'pay per use', 'mostly engineering time'],
  'Best for': ['small teams', 'high traffic', 'prototypes', 'strict correctness', 'spiky workloads', 'read-heavy paths'],
  Latency: ['lowest', 'low', 'moderate', 'varies with load'],
  Persistence: ['none', 'optional', 'durable'],
  Scaling: ['horizontal', 'vertical', 'automatic', 'manual sharding'],
};

/** A markdown table on the prompt's items, with columns that fit their domain. */
export function tableReply(rng: Rng, intent: Intent, prompt: string): string {
  const items = intent.items.length >= 2 ? intent.items : (DEFAULT_ITEMS.find(([re]) => re.test(prompt))?.[1] ?? ['Standard', 'Fast']);
  const domain = `${prompt} ${items.join(' ')}`;
  const columns = COLUMN_SETS.find(([re]) => re.test(domain))?.[1] ?? ['Strengths', 'Trade-offs', 'Cost', 'Best for'];
  const cell = (item: string, column: string): string =>
    KNOWN[item.toLowerCase()]?.[column] ?? rng.pick(GENERIC_CELLS[column] ?? GENERIC_CELLS['Strengths']!);
  const header = `| Option | ${columns.join(' | ')} |`;
  const rows = items.map((item) => `| **${displayName(item)}** | ${columns.map((c) => cell(item, c)).join(' | ')} |`);
  const subject = listWords(items.map(displayName));
  const lead = rng.pick([`Here's how ${subject} compare:`, `A side-by-side comparison of ${subject}:`, `${cap(subject)} at a glance:`]);
  const pickFor = items.map(displayName)[rng.int(0, items.length - 1)]!;
  const after = rng.pick([
    `In short: if you need the properties in the last column, **${pickFor}** is the usual default; the others win in narrower cases.`,
    `None of them is best everywhere; start from the "${columns.at(-1)}" column and your own constraints.`,
    `If you tell me your workload (read/write mix, scale, team size), I can narrow it down.`,
  ]);
  return [lead, [header, `|${'---|'.repeat(columns.length + 1)}`, ...rows].join('\n'), after].join('\n\n');
}

function displayName(item: string): string {
  return /^[a-z]/u.test(item) && !/\s/u.test(item) && item.length <= 4 ? item.toUpperCase() : item.replace(/\b[a-z]/gu, (c) => c.toUpperCase());
}

function listWords(words: string[]): string {
  return words.length <= 2 ? words.join(' and ') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
}

/** A JSON (or, when comments are asked for, JSONC) document for the thing described. */
export function jsonReply(rng: Rng, intent: Intent, prompt: string): string {
  const rate = /rate[- ]?limit/iu.test(prompt);
  const tenant = /tenant/iu.test(prompt);
  const fields: [string, unknown, string][] = rate
    ? [
        ['version', 1, 'schema version, bump on breaking changes'],
        ['algorithm', 'token_bucket', 'token_bucket or sliding_window'],
        ['defaults', { requestsPerMinute: 600, burst: 100, tokensPerMinute: 200000 }, 'applied to every tenant without an override'],
        [tenant ? 'overrides' : 'routes', tenant
          ? { 'tenant-acme': { requestsPerMinute: 3000, burst: 500 }, 'tenant-trial': { requestsPerMinute: 60, burst: 10 } }
          : { '/v1/chat': { requestsPerMinute: 300 } }, tenant ? 'per-tenant limits; unspecified fields fall back to defaults' : 'per-route limits'],
        ['keyBy', tenant ? 'tenant_id' : 'api_key', 'what a bucket is counted per'],
        ['onLimit', { status: 429, retryAfter: true }, 'answer with 429 and a retry-after header'],
        ['shadowMode', false, 'log would-be rejections without enforcing them'],
      ]
    : [
        ['name', intent.about.replace(/\s+/gu, '-').toLowerCase().slice(0, 40) || 'config', 'a stable identifier'],
        ['enabled', true, 'turn the feature off without a deploy'],
        ['version', rng.int(1, 3), 'bump on breaking changes'],
        ['settings', { timeoutMs: 30000, retries: 3, region: 'auto' }, 'operational settings'],
        ['tags', intent.about.split(/\s+/u).filter((w) => w.length > 3).slice(0, 3), 'free-form labels for dashboards'],
      ];
  if (intent.wantsComments) {
    const body = fields
      .map(([k, v, c], i) => `  // ${c}\n  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replace(/\n/gu, '\n  ')}${i < fields.length - 1 ? ',' : ''}`)
      .join('\n');
    return [
      `JSON itself has no comments, so here it is as JSONC (JSON with comments, which most config loaders and editors accept); strip the \`//\` lines if yours needs strict JSON.`,
      `\`\`\`jsonc\n{\n${body}\n}\n\`\`\``,
      rate ? 'Lookups go override → default, so a tenant only lists what differs.' : 'Every field has a safe default, so a partial file still works.',
    ].join('\n\n');
  }
  const obj = Object.fromEntries(fields.map(([k, v]) => [k, v]));
  return [
    intent.about ? rng.pick([`Here's a JSON ${intent.object.replace(/^json\s*/iu, '') || 'document'} for ${intent.about}:`, 'Here is the JSON:']) : 'Here is the JSON:',
    `\`\`\`json\n${JSON.stringify(obj, null, 2)}\n\`\`\``,
    fields.map(([k, , c]) => `- \`${k}\`: ${c}.`).join('\n'),
  ].join('\n\n');
}

/** A step-by-step plan, with risks and a roadmap when the prompt asks for them. */
export function planReply(rng: Rng, intent: Intent, prompt: string): string {
  const about = intent.about || 'this';
  // "moving your chat endpoint to the edge" → "your chat endpoint", the thing being moved.
  const thing = about.replace(/^(?:moving|migrating|porting|switching|upgrading|rolling out|launching|deploying)\s+/iu, '').replace(/\s+(?:to|onto|into|from)\s+.*$/iu, '');
  const migration = /\b(mov|migrat|roll ?out|deploy|launch|upgrad|switch|port)/iu.test(prompt);
  const steps = migration
    ? [
        ['Inventory', `List everything ${thing} depends on today: routes, auth, timeouts, streaming behaviour, and every caller.`],
        ['Baseline', 'Record TTFT, error rate, p95 latency and cost per request now, so the result can be judged on numbers.'],
        ['Build behind a flag', 'Stand up the new path next to the old one, with the same contract and a per-request switch.'],
        ['Shadow traffic', 'Mirror a slice of real requests to the new path and compare responses and timings without serving them.'],
        ['Canary', 'Serve 1%, then 10%, then 50% of traffic from the new path, with automatic rollback on error-rate or latency alarms.'],
        ['Full rollout', 'Move the remaining traffic once the canary has held for a full business cycle.'],
        ['Clean up', 'Remove the old path and the flag, and update the runbooks and dashboards.'],
      ]
    : [
        ['Define the goal', `Write down what "done" means for ${about}, and how you will measure it.`],
        ['Map the work', 'Break it into pieces of a few days each, and note which ones block others.'],
        ['Start with the riskiest part', 'Do first what you are least sure about, so surprises come early.'],
        ['Ship a first version', 'Get something small in front of real users and collect feedback.'],
        ['Iterate', 'Fix what the feedback and the numbers show, in small steps.'],
        ['Wrap up', 'Document decisions, hand over, and schedule a short review.'],
      ];
  const parts = [
    intent.about ? rng.pick([`Here's a step-by-step plan for ${about}.`, `A plan for ${about}, in the order I would do it:`]) : "Here's a step-by-step plan.",
    `## Steps\n\n${steps.map(([t, d], i) => `${i + 1}. **${t}**: ${d}`).join('\n')}`,
  ];
  if (/risk/iu.test(prompt) || migration) {
    parts.push(
      `## Risks\n\n${[
        ['Behaviour differences', 'timeouts, headers or streaming that differ between the old and new path', 'shadow traffic and response diffing before any user sees it'],
        ['Hidden dependencies', 'a caller or a cron job nobody listed', 'log every caller for a week before the switch'],
        ['Cost surprises', 'a pricing model that scales differently with traffic', 'a budget alarm and a cost-per-request dashboard from day one'],
        ['Rollback that does not work', 'state written by the new path that the old one cannot read', 'rehearse the rollback during the canary'],
      ]
        .map(([r, what, m]) => `- **${r}**: ${what}. *Mitigation*: ${m}.`)
        .join('\n')}`,
    );
  }
  if (/roadmap|timeline|schedule|milestone/iu.test(prompt)) {
    parts.push(
      `## Roadmap\n\n| Week | Milestone | Exit criteria |\n|---|---|---|\n${[
        ['1', 'Inventory and baseline', 'numbers recorded, callers listed'],
        ['2', 'New path behind a flag', 'passes the same tests as the old one'],
        ['3', 'Shadow traffic', 'no unexplained response differences'],
        ['4', 'Canary 1% → 50%', 'error rate and p95 within the baseline'],
        ['5', 'Full rollout and clean-up', 'old path removed'],
      ]
        .map((r) => `| ${r.join(' | ')} |`)
        .join('\n')}`,
    );
  }
  parts.push(rng.pick(['Happy to turn this into tickets or a checklist.', 'If you share your constraints (team size, deadline), I can adjust the timeline.']));
  return parts.join('\n\n');
}
