/**
 * Field checks that fail the way the real API does: a 400 `invalid_request_error` whose message is
 * `<path>: <pydantic-style reason>` (`messages.0.content.1.text.cache_control: Extra inputs are not
 * permitted`). Paths join keys and list indexes with dots; inside a tagged union the tag is part of the
 * path (`tools.0.custom.name`), as in the real API's messages.
 * @module
 */
import { invalid, type SimApiError } from '../errors.ts';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** True for a plain JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Join a path and a key (`a` + `b` → `a.b`; an empty path gives the key alone). */
export const at = (path: string, key: string | number): string => (path === '' ? String(key) : `${path}.${key}`);

/** A 400 naming `path`. */
export function fail(path: string, reason: string): SimApiError {
  return invalid(path === '' ? reason : `${path}: ${reason}`);
}

/** `'a', 'b' or 'c'`, the way pydantic lists literal choices. */
export function choices(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** The value must be an object; returns it typed. */
export function object(v: unknown, path: string): Json {
  if (!isObject(v)) throw fail(path, 'Input should be a valid dictionary or object to extract fields from');
  return v;
}

/** Refuse keys outside `allowed` (the real API forbids extra inputs everywhere in the body). */
export function noExtra(obj: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw fail(at(path, key), 'Extra inputs are not permitted');
  }
}

/** A required field must be present (null counts as absent only where the schema says nullable). */
export function required(obj: Json, key: string, path: string): unknown {
  if (!(key in obj) || obj[key] === undefined) throw fail(at(path, key), 'Field required');
  return obj[key];
}

/** True when the field is absent, or null and the schema allows null. */
export function absent(obj: Json, key: string, nullable = false): boolean {
  const v = obj[key];
  return v === undefined || (nullable && v === null);
}

export function string(v: unknown, path: string): string {
  if (typeof v !== 'string') throw fail(path, 'Input should be a valid string');
  return v;
}

export function boolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw fail(path, 'Input should be a valid boolean');
  return v;
}

export function integer(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(path, 'Input should be a valid integer');
  if (!Number.isInteger(v)) throw fail(path, 'Input should be a valid integer, got a number with a fractional part');
  return v;
}

export function number(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(path, 'Input should be a valid number');
  return v;
}

export function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw fail(path, 'Input should be a valid list');
  return v;
}

/** One of a fixed set of string literals. */
export function literal<T extends string>(v: unknown, values: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw fail(path, `Input should be ${choices(values)}`);
  return v as T;
}

export function min(v: number, bound: number, path: string): void {
  if (v < bound) throw fail(path, `Input should be greater than or equal to ${bound}`);
}

export function max(v: number, bound: number, path: string): void {
  if (v > bound) throw fail(path, `Input should be less than or equal to ${bound}`);
}

/** The `type` tag of a tagged union; an unknown tag lists the expected ones. */
export function tag(obj: Json, tags: readonly string[], path: string): string {
  const t = obj['type'];
  if (t === undefined) throw fail(at(path, 'type'), 'Field required');
  if (typeof t !== 'string' || !tags.includes(t)) {
    throw fail(at(path, 'type'), `Input tag '${String(t)}' found using 'type' does not match any of the expected tags: ${tags.map((x) => `'${x}'`).join(', ')}`);
  }
  return t;
}

/** Optional field of a given shape: runs `check` only when present (and not null, if nullable). */
export function optional(obj: Json, key: string, path: string, check: (v: unknown, p: string) => unknown, nullable = true): void {
  if (absent(obj, key, nullable)) return;
  check(obj[key], at(path, key));
}
