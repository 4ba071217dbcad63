/**
 * Test directives read from the last user message: `[[sim:tokens=N]]`, `[[sim:xss]]`, `[[sim:echo]]`,
 * `[[sim:tool]]`.
 * @module
 */

/** Directives found in a prompt. */
export interface Directives {
  /** Exact output-token count, before the `max_tokens` cap. */
  tokens?: number;
  xss: boolean;
  echo: boolean;
  tool: boolean;
}

const DIRECTIVE_PATTERN = /\[\[sim:([a-z]+)(?:=([^\]]*))?\]\]/giu;

/** Parse the directives in a prompt. Unknown directives are ignored. */
export function parseDirectives(prompt: string): Directives {
  const found: Directives = { xss: false, echo: false, tool: false };
  for (const match of prompt.matchAll(DIRECTIVE_PATTERN)) {
    const name = (match[1] ?? '').toLowerCase();
    if (name === 'tokens') {
      const n = Number(match[2]);
      if (Number.isInteger(n) && n >= 0) found.tokens = n;
    } else if (name === 'xss') found.xss = true;
    else if (name === 'echo') found.echo = true;
    else if (name === 'tool') found.tool = true;
  }
  return found;
}

/** The prompt with its directives removed. */
export function stripDirectives(prompt: string): string {
  return prompt.replace(DIRECTIVE_PATTERN, '').replace(/[ \t]{2,}/gu, ' ').trim();
}
