// Core's store loads the request validator as a lazy chunk, prefetched when a store is created, and
// checks synchronously once it is loaded. A page has it long before the first send; tests that click
// Send in the same tick as the first render would not: load it before any test, as a page would have.
// (The not-yet-loaded path is core's test/request-check.test.ts.)
import { loadValidator } from '../../core/src/request-check.ts';

await loadValidator();
