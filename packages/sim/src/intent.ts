/**
 * What a prompt asks for, read with plain string rules: the language of any code, a known coding
 * subject (LRU cache, retry with backoff, …), the items to compare, and the phrase the answer is
 * about. No model: the point is that a request for TypeScript gets TypeScript and a table gets a
 * table about the prompt's own nouns.
 * @module
 */

/** Languages the sim writes code in. */
export type Language = 'typescript' | 'javascript' | 'python' | 'go' | 'rust' | 'sql' | 'bash';

/** Coding subjects with a hand-written answer. */
export type Subject = 'lru' | 'retry' | 'debounce' | 'rate-limiter' | 'event-emitter' | 'generic';

/** A prompt, read. */
export interface Intent {
  language: Language | undefined;
  subject: Subject;
  /** Items named for a comparison ("Redis, Memcached and DynamoDB"), in order; empty if none. */
  items: string[];
  /** What the answer is about, as a short noun phrase ("moving your chat endpoint to the edge"); empty when vague. */
  about: string;
  /** The thing asked for ("rollout plan", "LRU cache", "function"). */
  object: string;
  /** The prompt asks for comments or explanations of each field. */
  wantsComments: boolean;
}

const LANGUAGES: readonly [Language, RegExp][] = [
  ['typescript', /\b(typescript|ts|tsx|deno)\b/iu],
  ['python', /\b(python|py|django|flask|fastapi)\b/iu],
  ['go', /\b(go|golang)\b(?!\s+(?:to|back|through|over|ahead|deeper))/iu],
  ['rust', /\brust\b/iu],
  ['sql', /\b(sql|postgres(?:ql)?|mysql|sqlite)\b/iu],
  ['bash', /\b(bash|shell|sh|zsh|script to)\b/iu],
  ['javascript', /\b(javascript|js|node(?:\.js)?)\b/iu],
];

const SUBJECTS: readonly [Subject, RegExp][] = [
  ['lru', /\b(lru|least[- ]recently[- ]used)\b/iu],
  ['retry', /\b(retr(?:y|ies|ying)|backoff|back-off)\b/iu],
  ['debounce', /\b(debounce|throttle)\b/iu],
  ['rate-limiter', /\b(rate[- ]?limit(?:er|ing)?|token bucket|leaky bucket)\b/iu],
  ['event-emitter', /\b(event emitter|pub[- ]?sub|observer pattern|event bus)\b/iu],
];

const LEAD = /^(?:please\s+)?(?:can you\s+|could you\s+|would you\s+)?(?:write|implement|create|build|make|give(?: me| us)?|show(?: me| us)?|explain|compare|return|generate|design|draft|describe|list|summari[sz]e|outline|tell me about|what(?:'s| is| are)|how (?:do|does|can|should) (?:i|we|you)?)\s+/iu;
const FILLER = /^(?:a|an|the|some|me|us|our|my|your|simple|small|quick|short|detailed|step-by-step|brief)\s+/iu;
const LANGUAGE_WORD = /\b(?:typescript|javascript|python|golang|rust|sql|bash|ts|js)\b\s*/giu;

/** Items of a comparison: "compare A, B and C", "A vs B", "between A and B". */
function itemsOf(prompt: string): string[] {
  const m = /(?:compare|comparing|between|of)\s+(.+?)(?:\s+(?:in|as|for|with|using|on|by)\s+(?:a|an|the)?\s*(?:table|markdown|terms|respect)|[.?!]|$)/iu.exec(prompt)
    ?? /(\S+(?:\s\S+)?)\s+(?:vs\.?|versus)\s+(\S+(?:\s\S+)?)/iu.exec(prompt);
  if (!m) return [];
  const text = m[2] !== undefined ? `${m[1]} vs ${m[2]}` : m[1]!;
  const parts = text
    .split(/\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|vs\.?|versus)\s+/iu)
    .map((p) => p.replace(FILLER, '').replace(/\s+(?:in|for|as)\s+.*$/iu, '').trim())
    .filter((p) => p.length > 0 && p.length <= 40 && !/^(?:them|it|these|those|table)$/iu.test(p));
  return parts.length >= 2 ? [...new Set(parts)].slice(0, 6) : [];
}

/** Read a prompt (directives already stripped). */
export function readIntent(prompt: string): Intent {
  const text = prompt.replace(/\s+/gu, ' ').trim();
  const language = LANGUAGES.find(([, re]) => re.test(text))?.[0];
  const subject = SUBJECTS.find(([, re]) => re.test(text))?.[0] ?? 'generic';
  let rest = text.replace(LEAD, '');
  for (let i = 0; i < 4; i++) rest = rest.replace(FILLER, '');
  rest = rest.replace(LANGUAGE_WORD, '').trim();
  // "rollout plan for moving our chat endpoint to the edge, with risks" → object + what it is about.
  const cut = /\s+(?:for|about|on|that|which|to help|so that)\s+/iu.exec(rest);
  const object = (cut ? rest.slice(0, cut.index) : rest).split(/[,.;:?!]|\s+with\s+/u)[0]!.trim();
  const tail = cut ? rest.slice(cut.index + cut[0].length) : '';
  const about = (tail.split(/[,.;:?!]|\s+with\s+|\s+and (?:explain|show|include)/u)[0] ?? '')
    .replace(/^(?:moving|migrating|building|running|using|making)\s+/iu, (w) => w)
    // The answer speaks to the asker: "our chat endpoint" becomes "your chat endpoint".
    .replace(/\b(?:our|my)\s+/giu, 'your ')
    .trim();
  const vague = !about || about.toLowerCase() === object.toLowerCase() || /^(?:json|table|plan|code|list|this)$/iu.test(about);
  return {
    language,
    subject,
    items: itemsOf(text),
    about: vague ? '' : about,
    object: object || 'answer',
    wantsComments: /\bcomments?\b|\bexplain(?:ing)? (?:each|every)\b|\bannotat/iu.test(text),
  };
}
