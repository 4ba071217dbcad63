/**
 * The Agent tab's tasks. Against the embedded simulator a directive scripts the agent's plan (which
 * tool each step calls), so every run takes the same steps; against the real API the model decides.
 * The directive is added when the request is made and never shown to people.
 * @module
 */

export interface AgentTask {
  id: string;
  title: string;
  /** What the user asks, as shown. */
  text: string;
  /** The simulator's plan: one tool per step (`a+b` = two calls in one step). */
  simPlan: string;
}

export const AGENT_TASKS: readonly AgentTask[] = [
  {
    id: 'ttl',
    title: 'Add a TTL to the LRU cache',
    text: 'Add an optional time-to-live to the LRU cache in src/lib/cache.ts, keep its API, and make the checks pass.',
    simPlan: 'list_files,read_file,write_file,run_checks',
  },
  {
    id: 'limiter',
    title: 'Fix the rate limiter',
    text: 'Read the token bucket in src/lib/limiter.ts and the cache, rewrite the limiter so refills are exact, then run the checks.',
    simPlan: 'list_files,read_file+read_file,write_file,run_checks',
  },
  {
    id: 'local-time',
    title: 'Stamp the change log with my time',
    text: "Find out my local time with get_user_time, then add a dated note to README.md and run the checks.",
    simPlan: 'get_user_time,write_file,run_checks',
  },
];

/** The prompt sent for a task: the text, plus the simulator's plan when the simulator answers. */
export function agentPrompt(task: AgentTask, simulated: boolean): string {
  return simulated ? `${task.text} [[sim:tools=${task.simPlan}]]` : task.text;
}
