/**
 * `tools` and `tool_choice`, following the SDK 1.12.0 `ToolUnion`/`BetaToolUnion` and `ToolChoice` types.
 * Custom tools are checked fully; Anthropic-defined tools by their fixed name and their allowed fields.
 * @module
 */
import type { CacheBreakpoints } from './cache.ts';
import { at, boolean, fail, list, literal, noExtra, object, optional, required, string, tag, type Json } from './fields.ts';

/** Custom tool names (define-tools docs: `^[a-zA-Z0-9_-]{1,128}$`). */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/u;

/** An Anthropic-defined tool: its fixed `name` (if it has one) and the fields it takes besides `type`. */
interface ServerToolSpec {
  name?: string;
  required: string[];
  optional: string[];
}

const CALLABLE = ['allowed_callers', 'cache_control', 'defer_loading', 'strict'];
const SEARCH = [...CALLABLE, 'allowed_domains', 'blocked_domains', 'max_uses'];
const FETCH = [...SEARCH, 'citations', 'max_content_tokens', 'url_sources'];

function spec(name: string | undefined, optionalFields: string[], requiredFields: string[] = []): ServerToolSpec {
  return { ...(name === undefined ? {} : { name }), required: requiredFields, optional: optionalFields };
}

/** Every Anthropic-defined tool type in the SDK's unions, beta included. */
const SERVER_TOOLS: Record<string, ServerToolSpec> = {
  bash_20241022: spec('bash', [...CALLABLE, 'input_examples']),
  bash_20250124: spec('bash', [...CALLABLE, 'input_examples']),
  code_execution_20250522: spec('code_execution', CALLABLE),
  code_execution_20250825: spec('code_execution', CALLABLE),
  code_execution_20260120: spec('code_execution', CALLABLE),
  code_execution_20260521: spec('code_execution', CALLABLE),
  browser_toolset_20260801: spec(undefined, ['cache_control', 'configs']),
  computer_toolset_20260801: spec(undefined, ['cache_control', 'configs']),
  computer_20241022: spec('computer', [...CALLABLE, 'display_number', 'input_examples'], ['display_height_px', 'display_width_px']),
  computer_20250124: spec('computer', [...CALLABLE, 'display_number', 'input_examples'], ['display_height_px', 'display_width_px']),
  computer_20251124: spec('computer', [...CALLABLE, 'display_number', 'enable_zoom', 'input_examples'], ['display_height_px', 'display_width_px']),
  memory_20250818: spec('memory', [...CALLABLE, 'input_examples']),
  text_editor_20241022: spec('str_replace_editor', [...CALLABLE, 'input_examples']),
  text_editor_20250124: spec('str_replace_editor', [...CALLABLE, 'input_examples']),
  text_editor_20250429: spec('str_replace_based_edit_tool', [...CALLABLE, 'input_examples']),
  text_editor_20250728: spec('str_replace_based_edit_tool', [...CALLABLE, 'input_examples', 'max_characters']),
  web_search_20250305: spec('web_search', [...SEARCH, 'user_location']),
  web_search_20260209: spec('web_search', [...SEARCH, 'user_location']),
  web_search_20260318: spec('web_search', [...SEARCH, 'user_location', 'response_inclusion']),
  web_fetch_20250910: spec('web_fetch', FETCH),
  web_fetch_20260209: spec('web_fetch', FETCH),
  web_fetch_20260309: spec('web_fetch', [...FETCH, 'use_cache']),
  web_fetch_20260318: spec('web_fetch', [...FETCH, 'use_cache', 'response_inclusion']),
  advisor_20260301: spec('advisor', [...CALLABLE, 'caching', 'max_tokens', 'max_uses'], ['model']),
  tool_search_tool_bm25_20251119: spec('tool_search_tool_bm25', CALLABLE),
  tool_search_tool_bm25: spec('tool_search_tool_bm25', CALLABLE),
  tool_search_tool_regex_20251119: spec('tool_search_tool_regex', CALLABLE),
  tool_search_tool_regex: spec('tool_search_tool_regex', CALLABLE),
  mcp_toolset: spec(undefined, ['cache_control', 'configs', 'default_config', 'tools'], ['mcp_server_name']),
};

const TOOL_TAGS = ['custom', ...Object.keys(SERVER_TOOLS)];

/** A checked tool: its name (undefined for toolsets) and, for custom tools, the input schema. */
export interface CheckedTool {
  name?: string;
  custom: boolean;
  inputSchema?: unknown;
}

function checkCustom(tool: Json, path: string): CheckedTool {
  const inner = at(path, 'custom');
  noExtra(
    tool,
    ['type', 'name', 'description', 'input_schema', 'allowed_callers', 'cache_control', 'defer_loading', 'eager_input_streaming', 'input_examples', 'strict'],
    inner,
  );
  const name = string(required(tool, 'name', inner), at(inner, 'name'));
  if (!TOOL_NAME.test(name)) throw fail(at(inner, 'name'), `String should match pattern '${TOOL_NAME.source}'`);
  optional(tool, 'description', inner, string, false);
  const schemaPath = at(inner, 'input_schema');
  const schema = object(required(tool, 'input_schema', inner), schemaPath);
  literal(required(schema, 'type', schemaPath), ['object'], at(schemaPath, 'type'));
  optional(schema, 'properties', schemaPath, object);
  optional(schema, 'required', schemaPath, (v, p) => list(v, p).forEach((r, i) => string(r, at(p, i))));
  optional(tool, 'strict', inner, boolean, false);
  optional(tool, 'defer_loading', inner, boolean, false);
  optional(tool, 'eager_input_streaming', inner, boolean);
  optional(tool, 'input_examples', inner, (v, p) => list(v, p).forEach((e, i) => object(e, at(p, i))), false);
  optional(tool, 'allowed_callers', inner, list, false);
  return { name, custom: true, inputSchema: schema };
}

/**
 * Check `tools`: each definition, unique names, and every `cache_control` (tools come first in the
 * prompt, so their breakpoints are recorded first).
 */
export function checkTools(value: unknown, cache: CacheBreakpoints): CheckedTool[] {
  if (value === undefined) return [];
  const tools = list(value, 'tools');
  const seen = new Set<string>();
  return tools.map((t, i) => {
    const path = at('tools', i);
    const tool = object(t, path);
    // A custom tool may leave `type` out, or send "custom" or null.
    const type = tool['type'] === undefined || tool['type'] === null ? 'custom' : tag(tool, TOOL_TAGS, path);
    let checked: CheckedTool;
    if (type === 'custom') checked = checkCustom(tool, path);
    else {
      const s = SERVER_TOOLS[type]!;
      const inner = at(path, type);
      noExtra(tool, ['type', ...(s.name === undefined ? [] : ['name']), ...s.required, ...s.optional], inner);
      for (const key of s.required) required(tool, key, inner);
      if (s.name !== undefined) literal(required(tool, 'name', inner), [s.name], at(inner, 'name'));
      checked = { ...(s.name === undefined ? {} : { name: s.name }), custom: false };
    }
    cache.check(tool['cache_control'], at(at(path, type), 'cache_control'));
    if (checked.name !== undefined) {
      if (seen.has(checked.name)) throw fail('tools', `Tool names must be unique: '${checked.name}' appears more than once.`);
      seen.add(checked.name);
    }
    return checked;
  });
}

/** `tool_choice`; a forced tool must be one of the tools offered. Returns the choice type. */
export function checkToolChoice(value: unknown, tools: CheckedTool[]): 'auto' | 'any' | 'tool' | 'none' | undefined {
  if (value === undefined) return undefined;
  const choice = object(value, 'tool_choice');
  const type = tag(choice, ['auto', 'any', 'tool', 'none'], 'tool_choice') as 'auto' | 'any' | 'tool' | 'none';
  const inner = at('tool_choice', type);
  if (type === 'none') noExtra(choice, ['type'], inner);
  else noExtra(choice, ['type', 'disable_parallel_tool_use', ...(type === 'tool' ? ['name'] : [])], inner);
  optional(choice, 'disable_parallel_tool_use', inner, boolean, false);
  if ((type === 'any' || type === 'tool') && tools.length === 0) {
    throw fail('tool_choice', 'tool_choice may only be specified while providing tools.');
  }
  if (type === 'tool') {
    const name = string(required(choice, 'name', inner), at(inner, 'name'));
    if (!tools.some((t) => t.name === name)) {
      throw fail(at(inner, 'name'), `Tool '${name}' not found in the provided tools (${tools.flatMap((t) => (t.name === undefined ? [] : [`'${t.name}'`])).join(', ')}).`);
    }
  }
  return type;
}
