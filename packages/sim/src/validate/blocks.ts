/**
 * Content blocks of `messages[].content` and their sources, field by field, as the SDK 1.12.0 types
 * (`ContentBlockParam`, `BetaContentBlockParam`) define them. Blocks the sim only relays (server-tool
 * results, MCP, compaction, …) get their required and allowed fields checked and nothing deeper.
 * @module
 */
import { CacheBreakpoints } from './cache.ts';
import { verifyThinking } from '../signature.ts';
import { imageSize, isBase64, looksLikePdf, sniffImage } from './base64.ts';
import { countedPdfPages } from '../media.ts';
import {
  at,
  boolean,
  fail,
  list,
  literal,
  noExtra,
  object,
  optional,
  required,
  string,
  tag,
  type Json,
} from './fields.ts';

/** State shared by every block of one request. */
export interface BlockContext {
  apiVersion: string;
  cache: CacheBreakpoints;
  /** Images seen so far (top level and inside tool results). */
  images: number;
  /** Base64 images whose header was read: the path of their `data` and their larger side. */
  sized: { path: string; side: number }[];
  /** Base64 PDFs whose pages could be counted: the path of their `data` and their pages, for the per-request page limit. */
  pdfs: { path: string; pages: number }[];
}

/** Largest image side the API takes; above 20 images in a request, the smaller one applies. */
export const MAX_IMAGE_SIDE = 8000;
export const MAX_IMAGE_SIDE_MANY = 2000;
export const MANY_IMAGES = 20;

/** PDF pages per request (PDF-support docs): 100 for models with a 200k-token window, 600 for the others. */
export const MAX_PDF_PAGES_SMALL_CONTEXT = 100;
export const MAX_PDF_PAGES_LARGE_CONTEXT = 600;

/** The largest base64 image payload the API takes: 5 MB. */
export const MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024;

export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/** tool_use ids and the ids tool results point at (`^[a-zA-Z0-9_-]+$`). */
export const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/u;

/** Blocks checked field by field. */
const FULL = ['text', 'image', 'document', 'search_result', 'thinking', 'redacted_thinking', 'tool_use', 'tool_result'] as const;

/**
 * Blocks checked for required and allowed fields only: `[required, optional]`, from the SDK types.
 * All accept `cache_control` except the listing and fallback blocks.
 */
const SHALLOW: Record<string, [string[], string[]]> = {
  server_tool_use: [['id', 'input', 'name'], ['cache_control', 'caller']],
  web_search_tool_result: [['content', 'tool_use_id'], ['cache_control', 'caller']],
  web_fetch_tool_result: [['content', 'tool_use_id'], ['cache_control', 'caller']],
  advisor_tool_result: [['content', 'tool_use_id'], ['cache_control']],
  code_execution_tool_result: [['content', 'tool_use_id'], ['cache_control']],
  bash_code_execution_tool_result: [['content', 'tool_use_id'], ['cache_control']],
  text_editor_code_execution_tool_result: [['content', 'tool_use_id'], ['cache_control']],
  tool_search_tool_result: [['content', 'tool_use_id'], ['cache_control']],
  mcp_tool_use: [['id', 'input', 'name', 'server_name'], ['cache_control']],
  mcp_tool_result: [['tool_use_id'], ['cache_control', 'content', 'is_error']],
  container_upload: [['file_id'], ['cache_control']],
  compaction: [[], ['cache_control', 'content', 'encrypted_content', 'signature', 'tool_changes']],
  tool_addition: [['tool'], ['cache_control']],
  tool_removal: [['tool'], ['cache_control']],
  mcp_tool_listing: [['mcp_server_name', 'tools'], []],
  fallback: [['from', 'to'], ['trigger']],
};

/** Every block type a message may hold. */
export const MESSAGE_BLOCK_TYPES: readonly string[] = [...FULL, ...Object.keys(SHALLOW)];

/** Block types allowed inside `tool_result.content`. */
const TOOL_RESULT_INNER = ['text', 'image', 'search_result', 'document', 'tool_reference', 'browser_state'] as const;

/** Empty text is refused with the API's own words, which name only `messages`. */
function checkText(obj: Json, path: string, ctx: BlockContext, role: string): string {
  const inner = at(path, 'text');
  noExtra(obj, ['type', 'text', 'cache_control', 'citations'], inner);
  const text = string(required(obj, 'text', inner), at(inner, 'text'));
  if (text === '') throw fail('messages', 'text content blocks must be non-empty');
  if (text.trim() === '') throw fail('messages', 'text content blocks must contain non-whitespace text');
  optional(obj, 'citations', inner, (v, p) => list(v, p));
  const citations = obj['citations'];
  if (ctx.apiVersion === '2026-10-21' && role === 'user' && Array.isArray(citations) && citations.length > 0) {
    throw fail(at(inner, 'citations'), 'citations on user text blocks are not supported with anthropic-version 2026-10-21');
  }
  ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
  return text;
}

function checkImage(obj: Json, path: string, ctx: BlockContext): void {
  const inner = at(path, 'image');
  noExtra(obj, ['type', 'source', 'cache_control', 'transformations'], inner);
  const srcPath = at(inner, 'source');
  const source = object(required(obj, 'source', inner), srcPath);
  const kind = tag(source, ['base64', 'url', 'file'], srcPath);
  const kindPath = at(srcPath, kind);
  if (kind === 'base64') {
    noExtra(source, ['type', 'data', 'media_type'], kindPath);
    const media = literal(required(source, 'media_type', kindPath), IMAGE_MEDIA_TYPES, at(kindPath, 'media_type'));
    const data = string(required(source, 'data', kindPath), at(kindPath, 'data'));
    if (!isBase64(data)) throw fail(at(kindPath, 'data'), 'Input should be valid base64 (the bare payload, without a data: URL prefix)');
    if (data.length > MAX_IMAGE_BASE64_BYTES) {
      throw fail(kindPath, `image exceeds 5 MB maximum: ${data.length} bytes > ${MAX_IMAGE_BASE64_BYTES} bytes`);
    }
    const actual = sniffImage(data);
    if (actual === undefined) throw fail(kindPath, 'Could not process image');
    if (actual !== media) {
      throw fail(at(kindPath, 'data'), `The image was specified using the ${media} media type, but the image appears to be a ${actual} image`);
    }
    const size = imageSize(data, actual);
    if (size) {
      const side = Math.max(size.width, size.height);
      if (side > MAX_IMAGE_SIDE) throw fail(at(kindPath, 'data'), `At least one of the image dimensions exceed max allowed size: ${MAX_IMAGE_SIDE} pixels`);
      ctx.sized.push({ path: at(kindPath, 'data'), side });
    }
  } else if (kind === 'url') {
    noExtra(source, ['type', 'url'], kindPath);
    string(required(source, 'url', kindPath), at(kindPath, 'url'));
  } else {
    noExtra(source, ['type', 'file_id'], kindPath);
    string(required(source, 'file_id', kindPath), at(kindPath, 'file_id'));
  }
  optional(obj, 'transformations', inner, (v, p) => {
    const t = object(v, p);
    noExtra(t, ['oversized_image'], p);
    optional(t, 'oversized_image', p, (o, q) => literal(o, ['downsize', 'error'], q), false);
  });
  ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
  ctx.images++;
}

function checkCitationsConfig(obj: Json, path: string): void {
  optional(obj, 'citations', path, (v, p) => {
    const c = object(v, p);
    noExtra(c, ['enabled'], p);
    optional(c, 'enabled', p, boolean, false);
  });
}

function checkDocument(obj: Json, path: string, ctx: BlockContext, role: string): void {
  const inner = at(path, 'document');
  noExtra(obj, ['type', 'source', 'cache_control', 'citations', 'context', 'title'], inner);
  if (ctx.apiVersion === '2026-10-21' && role === 'assistant') {
    throw fail(path, 'document blocks are not supported in assistant messages with anthropic-version 2026-10-21');
  }
  const srcPath = at(inner, 'source');
  const source = object(required(obj, 'source', inner), srcPath);
  const kind = tag(source, ['base64', 'text', 'content', 'url', 'file'], srcPath);
  const kindPath = at(srcPath, kind);
  switch (kind) {
    case 'base64': {
      noExtra(source, ['type', 'data', 'media_type'], kindPath);
      literal(required(source, 'media_type', kindPath), ['application/pdf'], at(kindPath, 'media_type'));
      const data = string(required(source, 'data', kindPath), at(kindPath, 'data'));
      if (!isBase64(data)) throw fail(at(kindPath, 'data'), 'Input should be valid base64 (the bare payload, without a data: URL prefix)');
      if (!looksLikePdf(data)) throw fail(kindPath, 'The PDF specified was not valid.');
      const pages = countedPdfPages(data);
      if (pages !== undefined) ctx.pdfs.push({ path: at(kindPath, 'data'), pages });
      break;
    }
    case 'text':
      noExtra(source, ['type', 'data', 'media_type'], kindPath);
      literal(required(source, 'media_type', kindPath), ['text/plain'], at(kindPath, 'media_type'));
      string(required(source, 'data', kindPath), at(kindPath, 'data'));
      break;
    case 'content': {
      noExtra(source, ['type', 'content'], kindPath);
      const content = required(source, 'content', kindPath);
      if (typeof content !== 'string') {
        list(content, at(kindPath, 'content')).forEach((b, i) => {
          const p = at(at(kindPath, 'content'), i);
          const block = object(b, p);
          const t = tag(block, ['text', 'image'], p);
          if (t === 'text') checkText(block, p, ctx, role);
          else checkImage(block, p, ctx);
        });
      }
      break;
    }
    case 'url':
      noExtra(source, ['type', 'url'], kindPath);
      string(required(source, 'url', kindPath), at(kindPath, 'url'));
      break;
    default:
      noExtra(source, ['type', 'file_id'], kindPath);
      string(required(source, 'file_id', kindPath), at(kindPath, 'file_id'));
  }
  checkCitationsConfig(obj, inner);
  optional(obj, 'context', inner, string);
  optional(obj, 'title', inner, string);
  ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
}

function checkSearchResult(obj: Json, path: string, ctx: BlockContext, role: string): void {
  const inner = at(path, 'search_result');
  noExtra(obj, ['type', 'content', 'source', 'title', 'cache_control', 'citations'], inner);
  const content = list(required(obj, 'content', inner), at(inner, 'content'));
  content.forEach((b, i) => {
    const p = at(at(inner, 'content'), i);
    const block = object(b, p);
    tag(block, ['text'], p);
    checkText(block, p, ctx, role);
  });
  string(required(obj, 'source', inner), at(inner, 'source'));
  string(required(obj, 'title', inner), at(inner, 'title'));
  checkCitationsConfig(obj, inner);
  ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
}

function checkToolResult(obj: Json, path: string, ctx: BlockContext, role: string): string {
  const inner = at(path, 'tool_result');
  noExtra(obj, ['type', 'tool_use_id', 'content', 'is_error', 'cache_control', 'toolset_name'], inner);
  const id = string(required(obj, 'tool_use_id', inner), at(inner, 'tool_use_id'));
  if (!TOOL_USE_ID.test(id)) throw fail(at(inner, 'tool_use_id'), `String should match pattern '${TOOL_USE_ID.source}'`);
  optional(obj, 'is_error', inner, boolean, false);
  optional(obj, 'toolset_name', inner, string);
  const content = obj['content'];
  const parts: string[] = [];
  if (typeof content === 'string') parts.push(content);
  else if (content !== undefined) {
    list(content, at(inner, 'content')).forEach((b, i) => {
      const p = at(at(inner, 'content'), i);
      const block = object(b, p);
      const t = tag(block, TOOL_RESULT_INNER, p);
      if (t === 'text') parts.push(checkText(block, p, ctx, role));
      else if (t === 'image') checkImage(block, p, ctx);
      else if (t === 'document') checkDocument(block, p, ctx, role);
      else if (t === 'search_result') checkSearchResult(block, p, ctx, role);
      else if (t === 'tool_reference') {
        const q = at(p, t);
        noExtra(block, ['type', 'tool_name', 'cache_control'], q);
        string(required(block, 'tool_name', q), at(q, 'tool_name'));
        ctx.cache.check(block['cache_control'], at(q, 'cache_control'));
      } else {
        const q = at(p, t);
        noExtra(block, ['type', 'tabs', 'cache_control', 'state_changes'], q);
        list(required(block, 'tabs', q), at(q, 'tabs'));
        ctx.cache.check(block['cache_control'], at(q, 'cache_control'));
      }
    });
  }
  const empty = content === undefined || content === '' || (Array.isArray(content) && content.length === 0);
  if (obj['is_error'] === true && empty) throw fail(inner, 'content cannot be empty if `is_error` is true');
  ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
  return parts.join('\n');
}

/** What a checked block contributes to the rest of the request. */
export interface CheckedBlock {
  type: string;
  /** Text for the planner (text blocks and tool results). */
  text?: string;
  /** `tool_use.id` or `tool_result.tool_use_id`. */
  id?: string;
  /** For thinking blocks: the signature matches the text (see `signature.ts`). */
  signed?: boolean;
}

/**
 * Check one block of a message's `content`.
 * @param role - the message's role (some rules depend on it).
 */
export function checkBlock(value: unknown, path: string, ctx: BlockContext, role: string): CheckedBlock {
  const obj = object(value, path);
  const type = tag(obj, MESSAGE_BLOCK_TYPES, path);
  const inner = at(path, type);
  switch (type) {
    case 'text':
      return { type, text: checkText(obj, path, ctx, role) };
    case 'image':
      checkImage(obj, path, ctx);
      return { type };
    case 'document':
      checkDocument(obj, path, ctx, role);
      return { type };
    case 'search_result':
      checkSearchResult(obj, path, ctx, role);
      return { type };
    case 'thinking': {
      noExtra(obj, ['type', 'thinking', 'signature'], inner);
      const thinking = string(required(obj, 'thinking', inner), at(inner, 'thinking'));
      const signature = string(required(obj, 'signature', inner), at(inner, 'signature'));
      if (signature === '') throw fail(path, 'Invalid `signature` in `thinking` block');
      return { type, signed: verifyThinking(thinking, signature) };
    }
    case 'redacted_thinking':
      noExtra(obj, ['type', 'data'], inner);
      string(required(obj, 'data', inner), at(inner, 'data'));
      return { type };
    case 'tool_use': {
      noExtra(obj, ['type', 'id', 'input', 'name', 'cache_control', 'caller', 'toolset_name'], inner);
      const id = string(required(obj, 'id', inner), at(inner, 'id'));
      if (!TOOL_USE_ID.test(id)) throw fail(at(inner, 'id'), `String should match pattern '${TOOL_USE_ID.source}'`);
      string(required(obj, 'name', inner), at(inner, 'name'));
      object(required(obj, 'input', inner), at(inner, 'input'));
      optional(obj, 'caller', inner, object);
      optional(obj, 'toolset_name', inner, string);
      ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
      return { type, id };
    }
    case 'tool_result': {
      const text = checkToolResult(obj, path, ctx, role);
      return { type, text, id: obj['tool_use_id'] as string };
    }
    default: {
      const [req, opt] = SHALLOW[type] ?? [[], []];
      noExtra(obj, ['type', ...req, ...opt], inner);
      for (const key of req) required(obj, key, inner);
      if (opt.includes('cache_control')) ctx.cache.check(obj['cache_control'], at(inner, 'cache_control'));
      // Server-side calls and their results pair up by id, like client tool_use/tool_result.
      const id = obj[req.includes('tool_use_id') || type === 'mcp_tool_result' ? 'tool_use_id' : 'id'];
      return typeof id === 'string' ? { type, id } : { type };
    }
  }
}

/** A `system` prompt: a string, or a list of text blocks (the only block type it takes). */
export function checkSystem(value: unknown, ctx: BlockContext): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  const blocks = list(value, 'system');
  return blocks
    .map((b, i) => {
      const p = at('system', i);
      const obj = object(b, p);
      literal(required(obj, 'type', p), ['text'], at(p, 'type'));
      noExtra(obj, ['type', 'text', 'cache_control', 'citations'], p);
      const text = string(required(obj, 'text', p), at(p, 'text'));
      optional(obj, 'citations', p, list);
      ctx.cache.check(obj['cache_control'], at(p, 'cache_control'));
      return text;
    })
    .join('\n');
}
