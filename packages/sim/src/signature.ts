/**
 * Thinking-block signatures. The real API signs each thinking block and refuses a block sent back
 * with a signature that does not match its text ("Invalid `signature` in `thinking` block"), so a
 * client that edits, trims or re-assembles thinking is caught. The sim's signature is a keyed hash
 * of the thinking text: any sim instance can check it, and no seed or state is needed.
 * @module
 */
import { hashString } from './random.ts';

const KEYS = [0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f];

/** The signature of a thinking block with this text. */
export function signThinking(thinking: string): string {
  let bin = '';
  for (const key of KEYS) {
    const h = hashString(`slipstream-sim-thinking\u0000${thinking}`, key);
    bin += String.fromCharCode(h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
  }
  return `EqQBCgIYAh${btoa(bin)}`;
}

/** True when `signature` is the one the sim gave a thinking block with this text. */
export function verifyThinking(thinking: string, signature: string): boolean {
  return signature === signThinking(thinking);
}
