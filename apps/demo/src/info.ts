/**
 * What `GET /api/info` tells the page about the server it came from. Shared by the Node server and
 * the browser app (no Node imports here).
 * @module
 */

export interface DemoInfo {
  /** `sim`: the embedded simulator answers (no `ANTHROPIC_API_KEY`); the Limits & faults tab is on. */
  upstream: 'sim' | 'anthropic';
}
