/**
 * Tools for the agent loop: the public tool types, their checks at construction, input validation
 * and execution with a timeout and an abort signal.
 *
 * Validation never compiles code: JSON Schemas are checked by `@cfworker/json-schema` (an interpreter,
 * no `eval`/`new Function`, so it runs on Cloudflare Workers), and Standard Schema objects (zod,
 * valibot, ArkType: anything with a `~standard` property) validate themselves.
 *
 * @module
 */
import { Validator, type Schema, type SchemaDraft } from '@cfworker/json-schema';
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import type { BetaTool } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type { JsonValue, ToolExecution } from '@slipstream/core';

/** Anthropic's rule for custom tool names. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,128}$/;

/** A tool call's input as the model sends it: a JSON object. */
export type ToolInput = { [key: string]: JsonValue };

/**
 * The JSON Schema of a tool's input, as sent upstream (`input_schema`). Anthropic requires an object
 * schema at the top.
 */
export interface ToolInputSchema {
  type: 'object';
  properties?: { [key: string]: unknown };
  required?: readonly string[];
  [keyword: string]: unknown;
}

/** What a server tool's `execute` receives besides its input. */
export interface ToolContext {
  /** Fires when the user stops the reply, or the tool's timeout passes. Pass it to `fetch` and friends. */
  signal: AbortSignal;
  /** The request's `conversationId`, when it sent one. */
  conversationId: string | undefined;
  /** Upstream's `tool_use` id of this call. */
  toolCallId: string;
}

// Method-style so a tool with a narrower input type still fits in a `tools` list (as React's types do).
type Bivariant<Args extends unknown[], R> = { bivarianceHack(...args: Args): R }['bivarianceHack'];

/** Fields every tool has. */
export interface ToolCommon {
  /** `^[a-zA-Z0-9_-]{1,128}$`, unique within the handler. */
  name: string;
  /** Tells the model what the tool does and when to use it. The more detail, the better it is used. */
  description?: string;
  /** The input's JSON Schema, sent upstream as `input_schema`. */
  inputSchema: ToolInputSchema;
}

/**
 * A tool the edge runs itself (it has `execute`). The model's input is validated first: against
 * `schema` when given (a Standard Schema: zod, valibot…), else against `inputSchema` with
 * `@cfworker/json-schema`. An invalid input, a throw, or a timeout becomes an `is_error` result that the
 * model sees; the loop goes on.
 */
export interface ServerTool<Input = ToolInput> extends Omit<ToolCommon, 'inputSchema'> {
  /**
   * The input's JSON Schema, sent upstream as `input_schema`. May be left out when `schema` can produce
   * one itself (Standard JSON Schema, `~standard.jsonSchema`, as zod ≥ 4.2 does).
   */
  inputSchema?: ToolInputSchema;
  /** Validates (and may transform) the input instead of `inputSchema`; `inputSchema` still goes upstream. */
  schema?: StandardSchemaV1<unknown, Input>;
  /**
   * Runs the tool. Return any JSON-serialisable value (a string is sent to the model as is); throw to
   * report a failure to the model. Error messages reach the model and the client: keep secrets out.
   */
  execute(input: Input, context: ToolContext): unknown;
  /**
   * The call waits for the user's approval before it runs: the reply ends with it pending, and the
   * next request carries a `tool_approval` part. A function decides per input; it is asked again when
   * the verdict arrives (the edge keeps no state between requests), so it must give the same answer for
   * the same input. @default false
   */
  needsApproval?: boolean | Bivariant<[Input], boolean | Promise<boolean>>;
  /** Longest run before the signal fires and the model is told the tool timed out. @default the handler's `toolTimeoutMs` */
  timeoutMs?: number;
}

/**
 * A tool the client runs (no `execute`): the reply ends with its calls pending, and the next request
 * carries their `tool_result` parts.
 */
export interface ClientTool extends ToolCommon {
  execute?: undefined;
}

/** Anything the `tools` option takes. */
export type Tool = ServerTool | ClientTool;

/**
 * Type a server tool's input from its `schema` (or an explicit type parameter) while writing it.
 *
 * @example
 * ```ts
 * const weather = defineTool({
 *   name: 'get_weather',
 *   inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 *   execute: async ({ city }, { signal }) => (await fetch(`https://wx.example/${city}`, { signal })).json(),
 * });
 * ```
 */
export function defineTool<Input = ToolInput>(tool: ServerTool<Input>): ServerTool<Input>;
export function defineTool(tool: ClientTool): ClientTool;
export function defineTool(tool: Tool): Tool {
  return tool;
}

/** The outcome of one tool call: exactly one of `output` and `error`. */
export interface ToolOutcome {
  output?: JsonValue;
  error?: string;
  /** Time `execute` ran, in ms (0 when it never ran). */
  durationMs: number;
}

/** A tool ready for the loop. */
export interface PreparedTool {
  name: string;
  execution: ToolExecution;
  /** The upstream definition (without `cache_control`, which the loop places). */
  definition: BetaTool;
  needsApproval(input: ToolInput): Promise<boolean>;
  /** Only for server tools. */
  run?(input: ToolInput, context: ToolContext): Promise<ToolOutcome>;
}

/** The handler's tools, by name, in the order given. */
export interface ToolSet {
  readonly list: readonly PreparedTool[];
  get(name: string): PreparedTool | undefined;
}

/** Longest error text sent back to the model for one tool call. */
const MAX_ERROR_CHARS = 2_000;

/**
 * Check the `tools` option and prepare each tool. Throws a `TypeError` naming the tool and the problem
 * (bad name, duplicate, input schema not an object schema, bad `timeoutMs`), so a mistake shows at
 * start-up rather than as an upstream 400 on the first request.
 */
export function prepareTools(tools: readonly Tool[], defaultTimeoutMs: number): ToolSet {
  const byName = new Map<string, PreparedTool>();
  const list = tools.map((tool, i) => {
    const where = `tools[${i}]`;
    if (typeof tool !== 'object' || tool === null) throw new TypeError(`${where} must be a tool object.`);
    const { name } = tool;
    if (typeof name !== 'string' || !TOOL_NAME_PATTERN.test(name)) {
      throw new TypeError(`${where}.name ${JSON.stringify(name)} is not a valid tool name: Anthropic takes ${TOOL_NAME_PATTERN.source}.`);
    }
    if (byName.has(name)) throw new TypeError(`${where}.name: two tools are named "${name}"; tool names must be unique.`);
    if (tool.description !== undefined && typeof tool.description !== 'string') throw new TypeError(`${where}.description must be a string.`);
    const inputSchema = tool.inputSchema ?? derivedSchema(tool, where, name);
    const schema = inputSchema as unknown;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || (schema as { type?: unknown }).type !== 'object') {
      throw new TypeError(`${where}.inputSchema (tool "${name}") must be a JSON Schema object with type "object".`);
    }
    const definition: BetaTool = { name, input_schema: structuredClone(inputSchema) as BetaTool['input_schema'] };
    if (tool.description !== undefined) definition.description = tool.description;

    let prepared: PreparedTool;
    if (tool.execute === undefined) {
      if ('needsApproval' in tool && (tool as { needsApproval?: unknown }).needsApproval !== undefined) {
        throw new TypeError(`${where} (tool "${name}"): needsApproval is for server tools; a client tool's approval is the client's business.`);
      }
      prepared = { name, execution: 'client', definition, needsApproval: async () => false };
    } else {
      if (typeof tool.execute !== 'function') throw new TypeError(`${where}.execute (tool "${name}") must be a function.`);
      const timeoutMs = tool.timeoutMs ?? defaultTimeoutMs;
      if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))) {
        throw new TypeError(`${where}.timeoutMs (tool "${name}") must be a positive number of milliseconds.`);
      }
      const standard = tool.schema;
      if (standard !== undefined && typeof standard?.['~standard']?.validate !== 'function') {
        throw new TypeError(`${where}.schema (tool "${name}") must be a Standard Schema (an object with "~standard".validate).`);
      }
      const validate = standard !== undefined ? standardValidator(standard) : jsonSchemaValidator(inputSchema, where, name);
      const approval = tool.needsApproval;
      const execute = tool.execute.bind(tool);
      prepared = {
        name,
        execution: 'server',
        definition,
        needsApproval: async (input) => {
          if (typeof approval !== 'function') return approval === true;
          try {
            return (await approval(input)) === true;
          } catch {
            // A failing check must not let a call through unreviewed.
            return true;
          }
        },
        run: (input, context) => runTool(name, input, validate, execute, timeoutMs, context),
      };
    }
    byName.set(name, prepared);
    return prepared;
  });
  return { list, get: (name) => byName.get(name) };
}

/** A Standard Schema's own JSON Schema (`~standard.jsonSchema.input`), when it has one and no `inputSchema` was given. */
function derivedSchema(tool: Tool, where: string, name: string): ToolInputSchema {
  const props = (tool as { schema?: { '~standard'?: Partial<StandardJSONSchemaV1.Props> } }).schema?.['~standard'];
  const converter = props?.jsonSchema;
  if (typeof converter?.input !== 'function') {
    throw new TypeError(`${where}.inputSchema (tool "${name}") is required: give a JSON Schema, or a \`schema\` that produces one (~standard.jsonSchema).`);
  }
  try {
    return converter.input({ target: 'draft-2020-12' }) as ToolInputSchema;
  } catch (err) {
    throw new TypeError(`${where}.schema (tool "${name}") could not produce a JSON Schema: ${err instanceof Error ? err.message : String(err)}`);
  }
}

type Validate = (input: ToolInput) => Promise<{ ok: true; value: unknown } | { ok: false; message: string }>;

function draftOf(schema: ToolInputSchema): SchemaDraft {
  const id = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (id.includes('draft-04')) return '4';
  if (id.includes('draft-07') || id.includes('draft-06')) return '7';
  if (id.includes('2019-09')) return '2019-09';
  return '2020-12';
}

function jsonSchemaValidator(schema: ToolInputSchema, where: string, name: string): Validate {
  let validator: Validator;
  try {
    // A copy: the validator annotates the schema objects it dereferences, and the original goes upstream.
    validator = new Validator(structuredClone(schema) as Schema, draftOf(schema), false);
  } catch (err) {
    throw new TypeError(`${where}.inputSchema (tool "${name}") could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return async (input) => {
    const result = validator.validate(input);
    if (result.valid) return { ok: true, value: input };
    // The leaf errors say what is wrong; the "does not match schema" wrappers above them only repeat it.
    const leaves = result.errors.filter((e) => !/^(properties|items|\$ref|allOf|anyOf|oneOf|prefixItems|additionalProperties)$/.test(e.keyword));
    const shown = (leaves.length > 0 ? leaves : result.errors).slice(0, 5);
    return { ok: false, message: shown.map((e) => `${e.instanceLocation || '#'}: ${e.error}${keywordValue(schema, e.keyword, e.keywordLocation)}`).join('; ') };
  };
}

/** The schema's value for a failed keyword (`pattern: "^a+$"`), so the model sees what was expected. */
function keywordValue(schema: ToolInputSchema, keyword: string, location: string): string {
  let node: unknown = schema;
  for (const raw of location.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue;
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return '';
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || (typeof node === 'object' && node !== null)) return '';
  const text = JSON.stringify(node);
  return text.length <= 200 ? ` (${keyword}: ${text})` : '';
}

function standardValidator(schema: StandardSchemaV1): Validate {
  return async (input) => {
    let result: StandardSchemaV1.Result<unknown>;
    try {
      result = await schema['~standard'].validate(input);
    } catch (err) {
      return { ok: false, message: `validation failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (result.issues === undefined) return { ok: true, value: result.value };
    const shown = result.issues.slice(0, 5).map((issue) => {
      const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('/');
      return `#${path ? `/${path}` : ''}: ${issue.message}`;
    });
    return { ok: false, message: shown.join('; ') };
  };
}

/** The output as JSON: what goes to the model and the client. Throws on values JSON cannot hold. */
function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  return JSON.parse(text) as JsonValue;
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : typeof err === 'string' ? err : 'unknown error';
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

async function runTool(
  name: string,
  input: ToolInput,
  validate: Validate,
  execute: (input: never, context: ToolContext) => unknown,
  timeoutMs: number,
  context: ToolContext,
): Promise<ToolOutcome> {
  const checked = await validate(input);
  if (!checked.ok) return { error: `Invalid input for tool "${name}": ${checked.message}`, durationMs: 0 };
  if (context.signal.aborted) return { error: `Tool "${name}" was stopped before it ran.`, durationMs: 0 };

  const controller = new AbortController();
  let timedOut = false;
  const onStop = () => controller.abort(context.signal.reason);
  context.signal.addEventListener('abort', onStop, { once: true });
  let settle: (outcome: ToolOutcome) => void = () => {};
  const interrupted = new Promise<ToolOutcome>((resolve) => (settle = resolve));
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`tool "${name}" timed out`));
  }, timeoutMs);
  // A tool that ignores its signal is not waited for: the loop moves on at the timeout or the stop.
  controller.signal.addEventListener(
    'abort',
    () =>
      settle({
        error: timedOut ? `Tool "${name}" timed out after ${timeoutMs} ms.` : `Tool "${name}" was stopped.`,
        durationMs: elapsed(),
      }),
    { once: true },
  );
  const ran = (async (): Promise<ToolOutcome> => {
    try {
      const output = await execute(checked.value as never, { ...context, signal: controller.signal });
      try {
        return { output: toJson(output), durationMs: elapsed() };
      } catch (err) {
        return { error: `Tool "${name}" returned a value that is not JSON: ${describe(err)}`, durationMs: elapsed() };
      }
    } catch (err) {
      return { error: `Tool "${name}" failed: ${describe(err)}`, durationMs: elapsed() };
    }
  })();
  try {
    return await Promise.race([ran, interrupted]);
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onStop);
  }
}
