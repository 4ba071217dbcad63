/**
 * Input tokens of image and document blocks.
 * @module
 */

type Json = Record<string, unknown>;

/** Input tokens of an image or document block (a rough size-based estimate). */
export function mediaTokens(block: Json): number {
  const source = block['source'];
  const data = typeof source === 'object' && source !== null ? (source as Json)['data'] : undefined;
  return typeof data === 'string' ? Math.ceil(data.length / 4) : 85;
}
