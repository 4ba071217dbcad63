/**
 * Display-only clean-up of prompts. The simulator reads test directives such as `[[sim:tokens=80]]`
 * from the prompt; they must reach the sim unchanged, but a person should never see them.
 * @module
 */

const DIRECTIVE = /\[\[sim:[a-z]+(?:=[^\]]*)?\]\]/giu;

/** The text as a person should read it: sim directives removed, the whitespace they leave collapsed. */
export function displayPrompt(text: string): string {
  if (!text.includes('[[sim:')) return text;
  return text.replace(DIRECTIVE, '').replace(/[ \t]{2,}/gu, ' ').trim();
}
