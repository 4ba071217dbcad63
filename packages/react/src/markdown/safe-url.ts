/**
 * URL allow-listing for rendered markdown. Only `http:`, `https:` and `mailto:` URLs become links;
 * everything else (relative URLs, `javascript:`, `data:`, `vbscript:`, `file:`, obfuscated schemes) is
 * rendered as text.
 *
 * @module
 */

const ALLOWED = new Set(['http:', 'https:', 'mailto:']);

/**
 * Returns the URL if it is safe to put in an `href`, else `null`.
 *
 * Browsers strip ASCII tab/newline anywhere in a URL and leading/trailing C0 controls and spaces before
 * reading the scheme (WHATWG URL), so `java\tscript:` is `javascript:`. We strip the same before
 * checking, and require an explicit allowed scheme.
 *
 * @example
 * safeHref('https://example.com'); // 'https://example.com'
 * safeHref('javascript:alert(1)'); // null
 */
export function safeHref(url: string): string | null {
  // eslint-disable-next-line no-control-regex
  const cleaned = url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(cleaned);
  if (!m) return null;
  const scheme = `${m[1]!.toLowerCase()}:`;
  if (!ALLOWED.has(scheme)) return null;
  if (scheme !== 'mailto:' && !/^https?:\/\/[^/\s]/i.test(cleaned)) return null;
  // No whitespace or control characters inside an href we emit.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(cleaned)) return null;
  return cleaned;
}
