/**
 * Prompt-cache breakpoints for the agent loop. Each step's request is the previous step's request
 * plus what the step added, so with a breakpoint at the end of every step's prompt, step k+1 reads
 * step k's whole prefix from cache and writes only the new tail.
 *
 * At most four breakpoints (Anthropic's limit), in prompt order (tools → system → messages):
 * 1. the last tool definition (the tools prefix),
 * 2. the last system block,
 * 3. the end of the previous step's prompt (an exact hit for this step's read, whatever the
 *    20-block look-back would find),
 * 4. the last content block of the conversation (written for the next step).
 *
 * A 1-hour TTL may not follow a 5-minute one, so the tools breakpoint takes the system's TTL.
 *
 * @module
 */
import type { BetaCacheControlEphemeral, BetaContentBlockParam, BetaMessageParam, BetaTextBlockParam, BetaTool } from '@anthropic-ai/sdk/resources/beta/messages/messages';

/** Most `cache_control` blocks one request may carry. */
export const MAX_CACHE_BREAKPOINTS = 4;

export interface CachePlan {
  tools: BetaTool[] | undefined;
  system: BetaTextBlockParam[] | undefined;
  messages: BetaMessageParam[];
}

/**
 * Copies of `tools`, `system` and `messages` with the loop's breakpoints placed. The inputs are not
 * changed (they are reused across steps).
 *
 * @param previousLength - How many messages the previous step's request had (0 on the first step).
 */
export function placeBreakpoints(
  tools: readonly BetaTool[] | undefined,
  system: readonly BetaTextBlockParam[] | undefined,
  messages: readonly BetaMessageParam[],
  previousLength: number,
): CachePlan {
  // Any breakpoint the edge's own options put on the system prompt moves to the last system block.
  const systemTtl = system?.some((b) => b.cache_control?.ttl === '1h') ? '1h' : '5m';
  const control: BetaCacheControlEphemeral = systemTtl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
  const five: BetaCacheControlEphemeral = { type: 'ephemeral' };

  const outTools = tools?.map((tool, i) => (i === tools.length - 1 ? { ...tool, cache_control: control } : tool));
  const outSystem = system?.map((block, i) => {
    const { cache_control: _drop, ...rest } = block;
    void _drop;
    return i === system.length - 1 ? { ...rest, cache_control: control } : rest;
  });
  const outMessages = messages.slice();
  const mark = (at: number) => {
    const m = outMessages[at];
    if (m === undefined || m.role === 'system' || m.content === undefined) return;
    const content: BetaContentBlockParam[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content.slice();
    const last = content.length - 1;
    const block = content[last];
    if (block === undefined || !cacheable(block)) return;
    content[last] = { ...block, cache_control: five } as BetaContentBlockParam;
    outMessages[at] = { ...m, content };
  };
  if (previousLength > 0 && previousLength < messages.length) mark(previousLength - 1);
  mark(messages.length - 1);
  return { tools: outTools, system: outSystem, messages: outMessages };
}

/** Thinking blocks cannot carry `cache_control`; the user-turn blocks the loop ends on all can. */
function cacheable(block: BetaContentBlockParam): boolean {
  return block.type !== 'thinking' && block.type !== 'redacted_thinking';
}
