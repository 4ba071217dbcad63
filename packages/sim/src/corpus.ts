/**
 * Word lists and templates the content generator draws from. Plain data: edit freely; changing it
 * changes every seeded reply.
 * @module
 */

export const GREETINGS: readonly string[] = [
  'Hi! How can I help you today?',
  'Hello! What would you like to work on?',
  'Hey there. What can I do for you?',
  'Hi! Ask me anything: code, plans, tables or a quick explanation.',
];

export const OPENERS: readonly string[] = [
  'Here is a clear overview of {topic}.',
  'Good question. Let me walk through {topic} step by step.',
  'Short answer: it depends on your constraints, but {topic} usually comes down to a few trade-offs.',
  "Let's break {topic} into the parts that matter in practice.",
  'Here is how I would think about {topic}.',
];

export const SUBJECTS: readonly string[] = [
  'the streaming layer', 'a token bucket', 'the edge function', 'the client store', 'each request',
  'the first byte', 'a retry policy', 'the render loop', 'the cache', 'a fallback path', 'the network',
  'the parser', 'the latency budget', 'the main thread', 'the abort signal',
];

export const VERBS: readonly string[] = [
  'keeps', 'reduces', 'shapes', 'protects', 'exposes', 'measures', 'buffers', 'limits', 'schedules',
  'simplifies', 'dominates', 'hides', 'amplifies', 'decouples',
];

export const OBJECTS: readonly string[] = [
  'perceived latency', 'the output rate', 'time to first token', 'memory pressure', 'tail latency',
  'the retry budget', 'backpressure', 'the cost per request', 'partial results', 'error handling',
  'the rendering cost', 'rate-limit headroom', 'cold starts', 'the happy path',
];

export const CLAUSES: readonly string[] = [
  'which matters most when replies are long',
  'so the interface stays responsive',
  'because every extra hop adds a little delay',
  'as long as the contract between the layers is explicit',
  'and that is easy to verify with a benchmark',
  'without changing the underlying model',
  'which is why measuring at the network edge is more honest',
  'even under load',
  'so failures stay visible instead of silent',
];

export const HEADINGS: readonly string[] = [
  'Why it matters', 'How it works', 'Trade-offs', 'A practical approach', 'Common pitfalls',
  'What to measure', 'Putting it together', 'Edge cases', 'Next steps', 'Background',
];

export const CLOSERS: readonly string[] = [
  'Let me know if you want me to go deeper on any part of this.',
  'If you share more about your setup, I can tailor the details.',
  'Happy to turn this into code or a checklist if that helps.',
  'That should give you a solid starting point.',
];

export const THOUGHTS: readonly string[] = [
  'The user wants to know about {topic}.',
  'I should start with the core idea and then give a concrete example.',
  'A table might make the comparison easier to scan.',
  'Let me check the edge cases before answering.',
  'Keep it concise but complete.',
  'There are two main trade-offs here: latency and cost.',
  'I should mention how to measure the result.',
  'A short code sample would make this concrete.',
];

export const CODE_SNIPPETS: readonly { lang: string; code: string }[] = [
  {
    lang: 'ts',
    code: [
      'export async function* readDeltas(stream: ReadableStream<Uint8Array>) {',
      '  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();',
      '  let buffer = "";',
      '  for (;;) {',
      '    const { value, done } = await reader.read();',
      '    if (done) return;',
      '    buffer += value;',
      '    let cut: number;',
      '    while ((cut = buffer.indexOf("\\n\\n")) !== -1) {',
      '      yield buffer.slice(0, cut);',
      '      buffer = buffer.slice(cut + 2);',
      '    }',
      '  }',
      '}',
    ].join('\n'),
  },
  {
    lang: 'ts',
    code: [
      'function tokensPerSecond(times: number[], tokens: number[]): number {',
      '  if (times.length < 2) return 0;',
      '  const after = tokens.slice(1).reduce((a, b) => a + b, 0);',
      '  const seconds = (times[times.length - 1]! - times[0]!) / 1000;',
      '  return after / seconds;',
      '}',
    ].join('\n'),
  },
  {
    lang: 'python',
    code: [
      'import time',
      '',
      'def retry(fn, attempts=3, base=0.5):',
      '    for n in range(attempts):',
      '        try:',
      '            return fn()',
      '        except RateLimitError as err:',
      '            time.sleep(err.retry_after or base * 2 ** n)',
      '    raise RuntimeError("gave up")',
    ].join('\n'),
  },
  {
    lang: 'bash',
    code: ['pnpm install', 'pnpm sim --port 4010 --seed 7', 'curl -N http://127.0.0.1:4010/_sim/stats'].join('\n'),
  },
];

export const TABLE_ROWS: readonly string[][] = [
  ['Standard', '~50 tok/s', '350 ms', '1x'],
  ['Fast', '~125 tok/s', '350 ms', '6x'],
  ['Cached prefix', 'unchanged', 'lower', 'cheaper input'],
  ['Batch', 'n/a', 'minutes', '0.5x'],
  ['Priority', 'steady', 'steady', 'commitment'],
];
