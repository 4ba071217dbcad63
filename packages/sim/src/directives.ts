/**
 * Test directives read from the last user message: `[[sim:tokens=N]]`, `[[sim:xss]]`, `[[sim:echo]]`,
 * `[[sim:tool]]`,
 * `[[sim:tools=a+b,c]]`.
 * @module
 */

/** Directives found in a prompt. */
export interface Directives {
  /** Exact output-token count, before the `max_tokens` cap. */
  tokens?: number;
  xss: boolean;
  echo: boolean;
  tool: boolean;
  /**
   * A scripted multi-step tool plan, `[[sim:tools=a+b,c]]`: one entry per step, each the tools called
   * in parallel in that step (here: a and b, then c).
   */
  tools?: string[][];
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
    else if (name === 'tools') {
      const steps = (match[2] ?? '')
        .split(',')
        .map((step) => step.split('+').map((t) => t.trim()).filter((t) => t.length > 0))
        .filter((step) => step.length > 0);
      if (steps.length > 0) found.tools = steps;
    }
  }
  return found;
}

/** The prompt with its directives removed. */
export function stripDirectives(prompt: string): string {
  return prompt.replace(DIRECTIVE_PATTERN, '').replace(/[ \t]{2,}/gu, ' ').trim();
}
