/**
 * Tool behaviour of a reply: which tools to call this turn (one, several in parallel, or none), the
 * text before the calls, and the final answer once the results are in. Honours `tool_choice` and
 * `disable_parallel_tool_use`, and plays `[[sim:tools=a+b,c]]` scripts step by step, reading the
 * step from how many tool-result turns follow the script's user message.
 * @module
 */
import { topicOf } from './compose.ts';
import type { ToolChoice, ToolResultPart, Turn } from './conversation.ts';
import { parseDirectives, stripDirectives } from './directives.ts';
import type { Rng } from './random.ts';

/** A tool offered in the request (only what the sim needs). */
export interface ToolDef {
  name: string;
  inputSchema: unknown;
}

/** What this turn does with tools. */
export type ToolDecision =
  /** Call these tools (in parallel when several), after `lead` text (empty when `tool_choice` forces a call). */
  | { kind: 'call'; lead: string; calls: ToolDef[]; topic: string }
  /** Answer with this text and no call (results summarized, or a refusal to call an unknown tool). */
  | { kind: 'answer'; text: string }
  /** Nothing tool-related: the ordinary text reply. */
  | { kind: 'none' };

/** What {@link decideTools} reads. */
export interface ToolPlanInput {
  tools: ToolDef[];
  turns: Turn[];
  toolChoice: ToolChoice;
  /** Text of the last user message (tool results included), as the planner has always read it. */
  prompt: string;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
const list = (names: string[]): string => names.map((n) => `\`${n}\``).join(names.length === 2 ? ' and ' : ', ');

/** The last user turn that says something (not only tool results), and its index. */
function lastAsk(turns: Turn[]): { index: number; text: string } | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]!;
    if (t.role === 'user' && t.text.trim().length > 0) return { index: i, text: t.text };
  }
  return undefined;
}

/** Tool results after turn `index`, each with the name of the call it answers. */
function resultsAfter(turns: Turn[], index: number): { name: string; result: ToolResultPart }[] {
  const names = new Map<string, string>();
  const out: { name: string; result: ToolResultPart }[] = [];
  for (const turn of turns.slice(index + 1)) {
    for (const use of turn.toolUses) names.set(use.id, use.name);
    for (const result of turn.toolResults) out.push({ name: names.get(result.toolUseId) ?? 'the tool', result });
  }
  return out;
}

function excerpt(text: string, words = 14): string {
  const all = text.replace(/\s+/gu, ' ').trim().split(' ');
  const cut = all.slice(0, words).join(' ');
  return all.length > words ? `${cut}…` : cut;
}

/** The answer once tool results are in: it names each result, and says so when one failed. */
export function finalAnswer(rng: Rng, topic: string, results: { name: string; result: ToolResultPart }[]): string {
  const failed = results.filter((r) => r.result.isError);
  const lines = results.map(({ name, result }) => {
    const said = excerpt(result.text) || '(no text)';
    return result.isError ? `- \`${name}\` **failed**: "${said}"` : `- \`${name}\` returned: "${said}"`;
  });
  const opener = failed.length > 0
    ? `${failed.length === results.length ? 'The tool call failed' : 'Not everything worked'}: ${list([...new Set(failed.map((f) => f.name))])} returned an error, so I stopped there instead of guessing.`
    : rng.pick([
        `Done. Here is what the ${results.length === 1 ? 'tool returned' : `${results.length} tool calls returned`} for ${topic}.`,
        `${results.length === 1 ? 'Done' : results.length === 2 ? 'Both steps are done' : `All ${results.length} steps are done`}. A summary of ${topic}:`,
        `That worked. Here is what I found and changed for ${topic}.`,
      ]);
  const closer = failed.length > 0
    ? `The error says: "${excerpt(failed[0]!.result.text, 24)}". Fix that (or tell me how to proceed) and I will run ${list([failed[0]!.name])} again.`
    : rng.pick([
        'Let me know if you want me to run the checks again or take this further.',
        'The change is in place; the next step would be to run the tests against it.',
        'That covers it. I can go deeper on any of these results.',
      ]);
  return `${opener}\n\n${lines.join('\n')}\n\n${closer}`;
}

function leadFor(calls: ToolDef[], topic: string, step: number): string {
  if (calls.length > 1) return `I'll call ${list(calls.map((c) => c.name))} in parallel for ${topic}.`;
  const name = calls[0]!.name;
  if (/search|find|grep|lookup|query/iu.test(name)) return `I'll start by searching for ${topic}.`;
  if (/read|get|open|view|fetch|list/iu.test(name)) return `${step === 0 ? 'First' : 'Next'}, I'll use \`${name}\` to see what is there now.`;
  if (/write|edit|patch|apply|create|update|save/iu.test(name)) return `Now I'll write the change with \`${name}\`.`;
  if (/run|test|check|exec|build/iu.test(name)) return `Let me run \`${name}\` to check the result.`;
  return `I'll use the ${name} tool for this.`;
}

function byName(tools: ToolDef[], name: string): ToolDef | undefined {
  return tools.find((t) => t.name === name);
}

/** The tool a prompt asks for: `[[sim:tool]]` picks the first; otherwise a tool the prompt names (whole word). */
function namedTool(tools: ToolDef[], prompt: string): ToolDef | undefined {
  if (parseDirectives(prompt).tool) return tools[0];
  return tools.find((t) => new RegExp(`(^|[^\\w])${escapeRe(t.name)}($|[^\\w])`, 'iu').test(prompt));
}

/** Decide what this turn does with tools. */
export function decideTools(input: ToolPlanInput, rng: Rng): ToolDecision {
  const { tools, turns, toolChoice } = input;
  if (tools.length === 0 || toolChoice.type === 'none') {
    // Without tools the reply is text; results of earlier calls are still acknowledged.
    const ask = lastAsk(turns);
    const results = resultsAfter(turns, ask?.index ?? -1);
    const last = turns.at(-1);
    if (last?.role === 'user' && last.toolResults.length > 0 && last.text.trim() === '') {
      return { kind: 'answer', text: finalAnswer(rng, topicOf(stripDirectives(ask?.text ?? '')), results) };
    }
    return { kind: 'none' };
  }
  const forced = toolChoice.type === 'tool' ? byName(tools, toolChoice.name ?? '') : undefined;
  const mustCall = toolChoice.type === 'any' || toolChoice.type === 'tool';
  const ask = lastAsk(turns);
  const askText = ask?.text ?? input.prompt;
  const topic = topicOf(stripDirectives(askText));
  const results = resultsAfter(turns, ask?.index ?? -1);
  const call = (calls: ToolDef[], step: number): ToolDecision => {
    const limited = toolChoice.disableParallel ? calls.slice(0, 1) : calls;
    return { kind: 'call', lead: mustCall ? '' : leadFor(limited, topic, step), calls: limited, topic };
  };

  const script = parseDirectives(askText).tools;
  if (script) {
    // With parallel calls disabled, a step of several tools becomes several one-tool steps.
    const steps = toolChoice.disableParallel ? script.flat().map((name) => [name]) : script;
    const step = turns.slice((ask?.index ?? -1) + 1).filter((t) => t.role === 'user' && t.toolResults.length > 0).length;
    if (forced) return call([forced], step);
    if (step < steps.length) {
      const names = steps[step]!;
      const missing = names.filter((n) => !byName(tools, n));
      if (missing.length > 0) {
        const offered = tools.map((t) => t.name);
        return {
          kind: 'answer',
          text: `I can't call ${list(missing)}: ${missing.length === 1 ? 'it is' : 'they are'} not among the tools offered in this request (offered: ${list(offered)}).`,
        };
      }
      return call(names.map((n) => byName(tools, n)!), step);
    }
    if (mustCall) return call([byName(tools, steps.at(-1)![0]!) ?? tools[0]!], step);
    return { kind: 'answer', text: finalAnswer(rng, topic, results) };
  }

  const last = turns.at(-1);
  const answering = last?.role === 'user' && last.toolResults.length > 0 && last.text.trim() === '';
  if (forced) return call([forced], 0);
  if (answering) {
    if (mustCall) return call([tools[0]!], 1);
    return { kind: 'answer', text: finalAnswer(rng, topic, results) };
  }
  const named = namedTool(tools, input.prompt);
  if (named) return call([named], 0);
  if (mustCall) return call([tools[0]!], 0);
  return { kind: 'none' };
}
