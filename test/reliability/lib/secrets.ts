/**
 * A distinctive fake API key, assembled at run time so no key-like literal is ever committed,
 * and a scanner that looks for it (and for recognisable pieces of it) in any text.
 */
import { randomBytes } from 'node:crypto';

const parts = ['sk', 'ant', 'test', 'SECRET', randomBytes(12).toString('hex')];
/** The fake key the edge is configured with in every reliability test. */
export const FAKE_KEY: string = parts.join('-');
/** The unique tail, so a partly echoed or truncated key is still caught. */
export const FAKE_KEY_TAIL: string = parts.slice(3).join('-');
const NEEDLES = [FAKE_KEY, FAKE_KEY_TAIL, parts[4] as string];

/** Needles found in `text` (empty when clean). Also checks the base64 form of the key. */
export function findKey(text: string): string[] {
  const hits = NEEDLES.filter((n) => text.includes(n));
  const b64 = Buffer.from(FAKE_KEY).toString('base64');
  if (text.includes(b64.slice(0, 24))) hits.push('base64(key)');
  return hits;
}

/** A running ledger of every text that was scanned, for the report. */
export class LeakLedger {
  scanned = 0;
  bytes = 0;
  leaks: { where: string; needle: string; excerpt: string }[] = [];
  scan(where: string, text: string): void {
    this.scanned++;
    this.bytes += text.length;
    for (const needle of findKey(text)) {
      const at = text.indexOf(needle);
      this.leaks.push({ where, needle, excerpt: text.slice(Math.max(0, at - 60), at + 60) });
    }
  }
  scanHeaders(where: string, headers: Headers): void {
    const lines: string[] = [];
    headers.forEach((v, k) => lines.push(`${k}: ${v}`));
    this.scan(`${where} headers`, lines.join('\n'));
  }
}

/**
 * Lines the Anthropic SDK's default logger prints with raw upstream SSE data on a JSON parse failure
 * (the edge's default client used to keep that logger; fixed in edge 825844c, guarded by security.test.ts).
 */
export function isSdkRawSseLog(line: string): boolean {
  return /^\[(error|warn)\] (Could not parse message into JSON:|From chunk:)/.test(line);
}
