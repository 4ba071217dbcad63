/** Race presets. The long ones are where fast mode's output rate shows; the short one is where it cannot. */
export interface RacePreset {
  id: string;
  label: string;
  prompt: string;
  /** Why this preset is here, shown under the buttons. */
  note: string;
}

export const RACE_PRESETS: readonly RacePreset[] = [
  {
    id: 'code',
    label: 'Code',
    prompt: 'Implement a TypeScript function that retries fetch with exponential backoff and jitter. Show the code and explain it.',
    note: 'A long reply: the output rate dominates, so fast finishes far ahead.',
  },
  {
    id: 'plan',
    label: 'Plan',
    prompt: 'Write a step-by-step rollout plan for moving our chat endpoint to the edge, with risks and a roadmap.',
    note: 'A long reply: the output rate dominates, so fast finishes far ahead.',
  },
  {
    id: 'json',
    label: 'JSON',
    prompt: 'Return a JSON config for a per-tenant rate limiter with overrides and comments on each field.',
    note: 'Structured output streams at the same 2.5x.',
  },
  {
    id: 'short',
    label: 'Short reply',
    prompt: 'hi',
    note: 'A few tokens: both wait the same time to first token (fast mode does not shorten TTFT), so the gap is barely visible.',
  },
];
