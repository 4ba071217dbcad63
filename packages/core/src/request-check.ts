/**
 * The client's check of a request body before it is sent, with the validator loaded on demand.
 *
 * `validate.ts` is the edge's full validator (tool-call pairing, thinking continuity, image and PDF
 * sniffing, "did you mean" suggestions): about a sixth of a chat client's code when bundled eagerly,
 * for a check the edge repeats on every request anyway. So the client never imports it statically: a
 * bundler (Vite, Rollup, esbuild, webpack) puts it in its own chunk, which a store starts loading when
 * it is created (long before the first send in a real page). Once loaded, the check is synchronous.
 *
 * @module
 */
import type { ChatRequest } from './protocol.ts';
import type { RequestLimits } from './limits.ts';
import type { ValidationResult } from './validate.ts';
import { lazy } from './lazy.ts';

type Validator = typeof import('./validate.ts');

const validator = lazy<Validator>(() => import('./validate.ts'));

/**
 * Start loading the request validator (once per page; later calls return the same promise). A failed
 * load is forgotten so the next call tries again.
 */
export function loadValidator(): Promise<Validator> {
  return validator.load();
}

/**
 * Check `body` against `limits` with the full validator: synchronously once it is loaded, else after
 * loading it. When it cannot be loaded (a chunk that failed to download, say) the body passes through
 * unchecked: the edge validates every request with the same code and answers a 400 naming the field,
 * so nothing unchecked reaches the API.
 */
export function checkRequest(body: ChatRequest, limits: Partial<RequestLimits> | undefined): ValidationResult | Promise<ValidationResult> {
  const loaded = validator.value;
  if (loaded !== undefined) return loaded.validateChatRequest(body, limits);
  return validator.load().then(
    (v) => v.validateChatRequest(body, limits),
    (): ValidationResult => ({ ok: true, value: body }),
  );
}
