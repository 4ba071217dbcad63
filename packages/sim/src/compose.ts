/**
 * Seeded markdown composer: prose, headings, lists, tables, fenced code and JSON for a chat UI.
 * @module
 */
import {
  CLAUSES, CLOSERS, CODE_SNIPPETS, GREETINGS, HEADINGS, OBJECTS, OPENERS, SUBJECTS, TABLE_ROWS, THOUGHTS, VERBS,
} from './corpus.ts';
import { codeReply, jsonReply, planReply, tableReply } from './answers.ts';
import { readIntent } from './intent.ts';
import type { Rng } from './random.ts';

/** Kinds of material a prompt can ask for. */
export type ContentKind = 'short' | 'code' | 'table' | 'json' | 'plan' | 'list' | 'long';

const KEYWORDS: readonly [ContentKind, RegExp][] = [
  ['code', /\b(code|function|snippet|typescript|javascript|python|golang|rust|sql|bash|script|implement|class)\b/iu],
  ['table', /\b(table|compare|comparison)\b/iu],
  ['json', /\bjson\b/iu],
  ['plan', /\b(plan|steps|roadmap)\b/iu],
  ['list', /\b(list|bullets?|ideas)\b/iu],
  ['long', /\b(long|essay|detailed|everything|story)\b/iu],
];

/** Which kinds a prompt's keywords ask for. `short` wins only when nothing else is asked. */
export function kindsFor(prompt: string): ContentKind[] {
  const kinds = KEYWORDS.filter(([, re]) => re.test(prompt)).map(([kind]) => kind);
  if (kinds.length === 0 && (/\b(short|brief|hi|hello|hey)\b/iu.test(prompt) || prompt.trim().length === 0)) {
    return ['short'];
  }
  return kinds;
}

/** A topic phrase taken from the prompt's longer words, so replies read as answers to it. */
export function topicOf(prompt: string): string {
  const words = prompt.toLowerCase().match(/[a-z][a-z-]{4,}/gu) ?? [];
  const skip = new Set(['about', 'please', 'write', 'could', 'would', 'explain', 'should', 'there', 'which', 'their', 'table', 'short', 'detailed']);
  const picked = [...new Set(words.filter((w) => !skip.has(w)))].slice(0, 3);
  return picked.length > 0 ? picked.join(' ') : 'this topic';
}

function fill(template: string, topic: string): string {
  return template.replaceAll('{topic}', topic);
}

/** One sentence. */
export function sentence(rng: Rng): string {
  const s = `${rng.pick(SUBJECTS)} ${rng.pick(VERBS)} ${rng.pick(OBJECTS)}, ${rng.pick(CLAUSES)}.`;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A paragraph of 2–4 sentences. */
export function paragraph(rng: Rng): string {
  const n = rng.int(2, 4);
  return Array.from({ length: n }, () => sentence(rng)).join(' ');
}

function bulletList(rng: Rng, numbered: boolean): string {
  const n = rng.int(3, 5);
  return Array.from({ length: n }, (_, i) => {
    const lead = numbered ? `${i + 1}.` : '-';
    return `${lead} **${rng.pick(OBJECTS)}**: ${sentence(rng)}`;
  }).join('\n');
}

function table(rng: Rng): string {
  const rows = TABLE_ROWS.slice(0, rng.int(3, TABLE_ROWS.length));
  return ['| Mode | Output rate | TTFT | Price |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function code(rng: Rng): string {
  const snippet = rng.pick(CODE_SNIPPETS);
  return `\`\`\`${snippet.lang}\n${snippet.code}\n\`\`\``;
}

function json(rng: Rng, topic: string): string {
  const value = {
    topic,
    speed: rng.pick(['fast', 'standard']),
    outputTokensPerSecond: rng.int(40, 140),
    ttftMs: rng.int(250, 450),
    tags: [rng.pick(OBJECTS), rng.pick(OBJECTS)],
    ok: true,
  };
  return `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}

/** A section (heading + body) of the given kind. */
export function section(rng: Rng, kind: ContentKind, topic: string): string {
  const heading = `## ${rng.pick(HEADINGS)}`;
  switch (kind) {
    case 'code':
      return `${heading}\n\n${paragraph(rng)}\n\n${code(rng)}\n\n${sentence(rng)}`;
    case 'table':
      return `${heading}\n\n${sentence(rng)}\n\n${table(rng)}\n\n${sentence(rng)}`;
    case 'json':
      return `${heading}\n\n${sentence(rng)}\n\n${json(rng, topic)}`;
    case 'plan':
      return `${heading}\n\n${bulletList(rng, true)}`;
    case 'list':
      return `${heading}\n\n${bulletList(rng, false)}`;
    default:
      return `${heading}\n\n${paragraph(rng)}${rng.next() < 0.4 ? `\n\n${bulletList(rng, false)}` : ''}`;
  }
}

/** The natural (uncapped) reply to a prompt. */
export function composeReply(rng: Rng, prompt: string): string {
  const kinds = kindsFor(prompt);
  if (kinds[0] === 'short') return rng.pick(GREETINGS);
  const asked = kinds.filter((k) => k !== 'long');
  // What was asked for comes first, shaped by the request itself (intent.ts, answers.ts).
  const intent = readIntent(prompt);
  const primary = asked[0];
  if (primary === 'code') return codeReply(rng, intent);
  if (primary === 'table') return tableReply(rng, intent, prompt);
  if (primary === 'json') return jsonReply(rng, intent, prompt);
  if (primary === 'plan') return planReply(rng, intent, prompt);
  // The request's own phrase ("how prompt caching works") reads better than a bag of its words.
  const phrase = (intent.about || intent.object).replace(/[.?!]+$/u, '');
  const topic = phrase.length > 0 && phrase.length <= 60 && phrase !== 'answer' ? phrase : topicOf(prompt);
  const parts = [`${fill(rng.pick(OPENERS), topic)} ${paragraph(rng)}`];
  for (const kind of asked) parts.push(section(rng, kind, topic));
  // Default replies mix a little of everything so the UI has realistic material.
  const extra = asked.length === 0 ? rng.int(2, 3) : rng.int(0, 1);
  const mix: ContentKind[] = ['list', 'code', 'table', 'plan', 'long'];
  for (let i = 0; i < extra; i++) parts.push(section(rng, rng.pick(mix), topic));
  parts.push(rng.pick(CLOSERS));
  return parts.join('\n\n');
}

/** Endless material after `composeReply`, for `[[sim:tokens=N]]` and long answers. */
export function continuation(rng: Rng, prompt: string): string {
  const topic = topicOf(prompt);
  const mix: ContentKind[] = ['long', 'list', 'code', 'table', 'plan', 'json', 'long'];
  return section(rng, rng.pick(mix), topic);
}

/** Thinking text. */
export function composeThinking(rng: Rng, prompt: string): string {
  const topic = topicOf(prompt);
  const n = rng.int(3, 6);
  return Array.from({ length: n }, () => fill(rng.pick(THOUGHTS), topic)).join(' ');
}
