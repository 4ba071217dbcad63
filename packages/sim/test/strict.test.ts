/**
 * Strict validation, table-driven, through the official SDK 1.12.0: bodies the real Messages API
 * refuses get a 400 `invalid_request_error` naming the path, and bodies it accepts stream to the end.
 * The README's "Request validation" table lists each rule with its source and certainty.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../src/node.ts';
import { signThinking } from '../src/signature.ts';
import { client, FAST_BETA, post, sim } from './helpers.ts';

let s: RunningSim;
beforeAll(async () => {
  s = await sim({ standardOtps: 0 });
});
afterAll(() => s.close());

type Body = Record<string, unknown>;

/** Base64 of bytes that start like each format (the sim, like the API, looks at the first bytes). */
const b64 = (bytes: number[], pad = 16): string => Buffer.concat([Buffer.from(bytes), Buffer.alloc(pad)]).toString('base64');
const PNG = b64([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = b64([0xff, 0xd8, 0xff, 0xe0]);
const GIF = Buffer.from('GIF89a\u0001\u0000\u0001\u0000').toString('base64');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(8)]).toString('base64');
const PDF = Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n').toString('base64');
/** Headers that state a size: PNG IHDR, JPEG APP0 then SOF0, WebP VP8X (nothing else is read). */
const be32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const pngOf = (w: number, h: number): string => b64([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...be32(w), ...be32(h), 8, 2, 0, 0, 0]);
const jpegOf = (w: number, h: number): string =>
  b64([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, 0, 17, 8, h >> 8, h & 0xff, w >> 8, w & 0xff, 3]);
const webpOf = (w: number, h: number): string =>
  Buffer.concat([Buffer.from('RIFF'), Buffer.from([30, 0, 0, 0]), Buffer.from('WEBPVP8X'), Buffer.from([10, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([(w - 1) & 0xff, ((w - 1) >> 8) & 0xff, (w - 1) >> 16, (h - 1) & 0xff, ((h - 1) >> 8) & 0xff, (h - 1) >> 16]), Buffer.alloc(4)]).toString('base64');
/** A PNG whose base64 payload is just over 5 MB. */
const HUGE_PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(3_932_161)]).toString('base64');

const user = (content: unknown): Body => ({ role: 'user', content });
const assistant = (content: unknown): Body => ({ role: 'assistant', content });
const image = (data: string, media_type = 'image/png'): Body => ({ type: 'image', source: { type: 'base64', media_type, data } });
const text = (t: string, extra: Body = {}): Body => ({ type: 'text', text: t, ...extra });
const toolUse = (id: string, name = 'get_weather', input: unknown = { city: 'Paris' }): Body => ({ type: 'tool_use', id, name, input });
const toolResult = (id: string, content: unknown = '18 °C'): Body => ({ type: 'tool_result', tool_use_id: id, content });
/** A thinking block as the sim signs it (the real API checks that a block sent back is unchanged). */
const thinkingBlock: Body = { type: 'thinking', thinking: 'Check the weather tool.', signature: signThinking('Check the weather tool.') };
const WEATHER = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const ephemeral = (ttl?: '5m' | '1h'): Body => ({ cache_control: { type: 'ephemeral', ...(ttl ? { ttl } : {}) } });

/** Sonnet 4.6 takes sampling parameters and has no fast rules, so most cases use it. */
const base = (extra: Body = {}): Body => ({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [user('Hello there')], ...extra });
const loop = (extra: Body = {}): Body =>
  base({ tools: [WEATHER], messages: [user('Weather in Paris?'), assistant([toolUse('toolu_01')]), user([toolResult('toolu_01')])], ...extra });

interface Case {
  name: string;
  body: Body;
  /** A substring of `error.message`: the path, or the API's own words where it gives no path. */
  expect?: string;
  /** Extra request headers (a version, a beta). */
  headers?: Record<string, string>;
}

const REFUSED: Case[] = [
  // Top level: unknown fields, required fields and their types, ranges.
  { name: 'unknown top-level field', body: base({ max_completion_tokens: 64 }), expect: 'max_completion_tokens: Extra inputs are not permitted' },
  { name: 'OpenAI-style field', body: base({ top_logprobs: 2 }), expect: 'top_logprobs: Extra inputs are not permitted' },
  { name: 'missing max_tokens', body: base({ max_tokens: undefined }), expect: 'max_tokens: Field required' },
  { name: 'negative max_tokens', body: base({ max_tokens: -1 }), expect: 'max_tokens: Input should be greater than or equal to 0' },
  { name: 'fractional max_tokens', body: base({ max_tokens: 1.5 }), expect: 'max_tokens: Input should be a valid integer' },
  { name: 'max_tokens above the model limit', body: base({ max_tokens: 64_001 }), expect: 'max_tokens: 64001 > 64000' },
  // max_tokens 0 pre-warms the cache; it works with neither streaming, extended thinking nor structured outputs.
  { name: 'max_tokens 0 while streaming', body: base({ max_tokens: 0 }), expect: 'max_tokens: must be at least 1 with streaming' },
  { name: 'max_tokens 0 with adaptive thinking', body: base({ max_tokens: 0, stream: false, thinking: { type: 'adaptive' } }), expect: 'max_tokens: must be at least 1 with extended thinking' },
  { name: 'max_tokens 0 with structured outputs', body: base({ max_tokens: 0, stream: false, output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } }), expect: 'max_tokens: must be at least 1 with structured outputs' },
  { name: 'model as a number', body: base({ model: 46 }), expect: 'model: Input should be a valid string' },
  { name: 'messages missing', body: base({ messages: undefined }), expect: 'messages: Field required' },
  { name: 'a message that is a bare string', body: base({ messages: ['hi'] }), expect: 'messages.0: Input should be a valid dictionary' },
  { name: 'temperature above 1', body: base({ temperature: 1.5 }), expect: 'temperature: Input should be less than or equal to 1' },
  { name: 'temperature below 0', body: base({ temperature: -0.1 }), expect: 'temperature: Input should be greater than or equal to 0' },
  { name: 'temperature as a string', body: base({ temperature: 'hot' }), expect: 'temperature: Input should be a valid number' },
  { name: 'top_p above 1', body: base({ top_p: 1.2 }), expect: 'top_p: Input should be less than or equal to 1' },
  { name: 'negative top_k', body: base({ top_k: -1 }), expect: 'top_k: Input should be greater than or equal to 0' },
  { name: 'fractional top_k', body: base({ top_k: 2.5 }), expect: 'top_k: Input should be a valid integer' },
  { name: 'temperature on Opus 4.8 under 2026-10-21', body: base({ model: 'claude-opus-4-8', temperature: 0.5 }), expect: 'temperature: not supported for claude-opus-4-8' },
  { name: 'stop_sequences as a string', body: base({ stop_sequences: 'END' }), expect: 'stop_sequences: Input should be a valid list' },
  { name: 'stop_sequences with a number', body: base({ stop_sequences: ['END', 7] }), expect: 'stop_sequences.1: Input should be a valid string' },
  { name: 'metadata with an unknown key', body: base({ metadata: { session: 'abc' } }), expect: 'metadata.session: Extra inputs are not permitted' },
  { name: 'metadata.user_id as a number', body: base({ metadata: { user_id: 42 } }), expect: 'metadata.user_id: Input should be a valid string' },
  { name: 'metadata.user_id over 256 characters', body: base({ metadata: { user_id: 'u'.repeat(257) } }), expect: 'metadata.user_id: String should have at most 256 characters' },
  { name: 'system as a number', body: base({ system: 7 }), expect: 'system: Input should be a valid list' },
  { name: 'system block of type image', body: base({ system: [image(PNG)] }), expect: "system.0.type: Input should be 'text'" },
  { name: 'system block with an unknown key', body: base({ system: [{ type: 'text', text: 'Be brief.', role: 'system' }] }), expect: 'system.0.role: Extra inputs are not permitted' },
  { name: 'stream as a string', body: base({ stream: 'yes' }), expect: 'stream: Input should be a valid boolean' },
  { name: 'unknown service_tier', body: base({ service_tier: 'priority' }), expect: "service_tier: Input should be 'auto' or 'standard_only'" },
  { name: 'unknown speed', body: base({ speed: 'turbo' }), expect: "speed: Input should be 'standard' or 'fast'" },
  { name: 'fast on a model without fast mode', body: base({ speed: 'fast' }), expect: 'speed: fast mode is not supported for model claude-sonnet-4-6', headers: { 'anthropic-beta': FAST_BETA } },
  { name: 'unknown effort', body: base({ output_config: { effort: 'ultra' } }), expect: "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'" },

  // Messages and content blocks.
  { name: 'message with an unknown key', body: base({ messages: [{ role: 'user', content: 'hi', name: 'ann' }] }), expect: 'messages.0.name: Extra inputs are not permitted' },
  { name: 'unknown role', body: base({ messages: [{ role: 'tool', content: 'hi' }] }), expect: "messages.0.role: Input should be 'user', 'assistant' or 'system'" },
  { name: 'message without content', body: base({ messages: [{ role: 'user' }] }), expect: 'messages.0.content: Field required' },
  { name: 'content as a number', body: base({ messages: [user(5)] }), expect: 'messages.0.content: Input should be a valid string or a valid list' },
  { name: 'empty user content', body: base({ messages: [user('')] }), expect: 'messages.0: all messages must have non-empty content' },
  { name: 'empty assistant content mid-conversation', body: base({ messages: [user('hi'), assistant([]), user('again')] }), expect: 'messages.1: all messages must have non-empty content' },
  { name: 'whitespace-only content', body: base({ messages: [user('   ')] }), expect: 'messages: text content blocks must contain non-whitespace text' },
  { name: 'empty text block', body: base({ messages: [user([text('')])] }), expect: 'messages: text content blocks must be non-empty' },
  { name: 'unknown block type', body: base({ messages: [user([text('see'), { type: 'video', url: 'x' }])] }), expect: "messages.0.content.1.type: Input tag 'video' found using 'type' does not match" },
  { name: 'block without a type', body: base({ messages: [user([{ text: 'x' }])] }), expect: 'messages.0.content.0.type: Field required' },
  { name: 'text block with an unknown key', body: base({ messages: [user([text('hi', { format: 'md' })])] }), expect: 'messages.0.content.0.text.format: Extra inputs are not permitted' },
  { name: 'text block whose text is a number', body: base({ messages: [user([{ type: 'text', text: 3 }])] }), expect: 'messages.0.content.0.text.text: Input should be a valid string' },
  { name: 'citations on user text under 2026-10-21', body: base({ messages: [user([text('hi', { citations: [{ type: 'char_location', cited_text: 'a', document_index: 0, start_char_index: 0, end_char_index: 1 }] })])] }), expect: 'messages.0.content.0.text.citations' },

  // Images.
  { name: 'image media type bmp', body: base({ messages: [user([image(PNG, 'image/bmp')])] }), expect: "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'" },
  { name: 'image as a data: URL', body: base({ messages: [user([image(`data:image/png;base64,${PNG}`)])] }), expect: 'messages.0.content.0.image.source.base64.data: Input should be valid base64' },
  { name: 'image with broken base64', body: base({ messages: [user([image(`${PNG.slice(0, -2)}!`)])] }), expect: 'messages.0.content.0.image.source.base64.data: Input should be valid base64' },
  { name: 'PNG sent as JPEG', body: base({ messages: [user([image(PNG, 'image/jpeg')])] }), expect: 'messages.0.content.0.image.source.base64.data: The image was specified using the image/jpeg media type, but the image appears to be a image/png image' },
  { name: 'bytes that are no image', body: base({ messages: [user([image(Buffer.from('just some text').toString('base64'))])] }), expect: 'messages.0.content.0.image.source.base64: Could not process image' },
  { name: 'image over 5 MB', body: base({ messages: [user([image(HUGE_PNG)])] }), expect: `messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: ${HUGE_PNG.length} bytes > 5242880 bytes` },
  { name: 'a PNG 8001 px wide', body: base({ messages: [user([image(pngOf(8001, 600))])] }), expect: 'messages.0.content.0.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels' },
  { name: 'a JPEG 9000 px tall', body: base({ messages: [user([image(jpegOf(640, 9000), 'image/jpeg')])] }), expect: 'messages.0.content.0.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels' },
  { name: '21 images, one 2001 px wide', body: base({ messages: [user([...Array.from({ length: 20 }, () => image(pngOf(100, 100))), image(webpOf(2001, 50), 'image/webp'), text('Compare.')])] }), expect: 'messages.0.content.20.image.source.base64.data: At least one of the image dimensions exceed max allowed size for many-image requests: 2000 pixels' },
  { name: 'unknown image source type', body: base({ messages: [user([{ type: 'image', source: { type: 'path', path: '/tmp/a.png' } }])] }), expect: "messages.0.content.0.image.source.type: Input tag 'path'" },
  { name: 'url image without url', body: base({ messages: [user([{ type: 'image', source: { type: 'url' } }])] }), expect: 'messages.0.content.0.image.source.url.url: Field required' },

  // Documents.
  { name: 'PDF with a wrong media type', body: base({ messages: [user([{ type: 'document', source: { type: 'base64', media_type: 'application/msword', data: PDF } }])] }), expect: "messages.0.content.0.document.source.base64.media_type: Input should be 'application/pdf'" },
  { name: 'PDF bytes that are no PDF', body: base({ messages: [user([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PNG } }])] }), expect: 'messages.0.content.0.document.source.base64: The PDF specified was not valid.' },
  { name: 'text document with a wrong media type', body: base({ messages: [user([{ type: 'document', source: { type: 'text', media_type: 'text/markdown', data: '# hi' } }])] }), expect: "messages.0.content.0.document.source.text.media_type: Input should be 'text/plain'" },
  { name: 'document citations.enabled as a string', body: base({ messages: [user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hi' }, citations: { enabled: 'yes' } }])] }), expect: 'messages.0.content.0.document.citations.enabled: Input should be a valid boolean' },
  { name: 'document in an assistant message under 2026-10-21', body: base({ model: 'claude-haiku-4-5', messages: [user('hi'), assistant([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' } }]), user('go on')] }), expect: 'messages.1.content.0: document blocks are not supported in assistant messages' },

  // Thinking.
  { name: 'thinking block without a signature', body: loop({ messages: [user('Weather?'), assistant([{ type: 'thinking', thinking: 'hm' }, toolUse('toolu_01')]), user([toolResult('toolu_01')])] }), expect: 'messages.1.content.0.thinking.signature: Field required' },
  { name: 'thinking block with an empty signature', body: loop({ messages: [user('Weather?'), assistant([{ ...thinkingBlock, signature: '' }, toolUse('toolu_01')]), user([toolResult('toolu_01')])] }), expect: 'messages.1.content.0: Invalid `signature` in `thinking` block' },
  { name: 'a thinking block whose text was edited', body: loop({ thinking: { type: 'adaptive' }, messages: [user('Weather?'), assistant([{ ...thinkingBlock, thinking: 'Check the weather tool!' }, toolUse('toolu_01')]), user([toolResult('toolu_01')])] }), expect: 'messages.1.content.0: Invalid `signature` in `thinking` block' },
  { name: 'a thinking block with a made-up signature', body: loop({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [user('Weather?'), assistant([{ ...thinkingBlock, signature: 'EqQBforged' }, toolUse('toolu_01')]), user([toolResult('toolu_01')])] }), expect: 'messages.1.content.0: Invalid `signature` in `thinking` block' },
  { name: 'cache_control on a thinking block', body: loop({ messages: [user('Weather?'), assistant([{ ...thinkingBlock, ...ephemeral() }, toolUse('toolu_01')]), user([toolResult('toolu_01')])] }), expect: 'messages.1.content.0.thinking.cache_control: Extra inputs are not permitted' },
  { name: 'thinking budget under 1024', body: base({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 512 } }), expect: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024' },
  { name: 'thinking budget not below max_tokens', body: base({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } }), expect: '`max_tokens` must be greater than `thinking.budget_tokens`' },
  { name: 'unknown thinking type', body: base({ thinking: { type: 'on' } }), expect: "thinking.type: Input tag 'on'" },
  { name: 'thinking with temperature 0.5', body: base({ max_tokens: 4000, temperature: 0.5, thinking: { type: 'enabled', budget_tokens: 1024 } }), expect: 'temperature: may only be set to 1 when thinking is enabled' },
  { name: 'thinking with top_k', body: base({ top_k: 5, thinking: { type: 'adaptive' } }), expect: 'top_k: is not supported when thinking is enabled' },
  { name: 'thinking with a forced tool', body: base({ tools: [WEATHER], tool_choice: { type: 'any' }, thinking: { type: 'adaptive' } }), expect: 'Thinking may not be enabled when tool_choice forces tool use.' },
  { name: 'thinking tool loop whose assistant turn lacks its thinking block', body: loop({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1024 } }), expect: 'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`' },

  // Tool definitions and tool_choice.
  { name: 'tool name with a space', body: base({ tools: [{ ...WEATHER, name: 'get weather' }] }), expect: "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'" },
  { name: 'tool name of 129 characters', body: base({ tools: [{ ...WEATHER, name: 'a'.repeat(129) }] }), expect: 'tools.0.custom.name: String should match pattern' },
  { name: 'input_schema of type array', body: base({ tools: [{ ...WEATHER, input_schema: { type: 'array', items: {} } }] }), expect: "tools.0.custom.input_schema.type: Input should be 'object'" },
  { name: 'tool without input_schema', body: base({ tools: [{ name: 'ping', description: 'p' }] }), expect: 'tools.0.custom.input_schema: Field required' },
  { name: 'OpenAI-style tool definition', body: base({ tools: [{ ...WEATHER, parameters: { type: 'object' } }] }), expect: 'tools.0.custom.parameters: Extra inputs are not permitted' },
  { name: 'two tools with one name', body: base({ tools: [WEATHER, WEATHER] }), expect: "tools: Tool names must be unique: 'get_weather'" },
  { name: 'unknown tool type', body: base({ tools: [{ type: 'browser_2020', name: 'browser' }] }), expect: "tools.0.type: Input tag 'browser_2020'" },
  { name: 'bash tool with another name', body: base({ tools: [{ type: 'bash_20250124', name: 'shell' }] }), expect: "tools.0.bash_20250124.name: Input should be 'bash'" },
  { name: 'computer tool without display size', body: base({ tools: [{ type: 'computer_20250124', name: 'computer' }] }), expect: 'tools.0.computer_20250124.display_height_px: Field required' },
  { name: 'tool_choice naming a tool not offered', body: base({ tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_time' } }), expect: "tool_choice.tool.name: Tool 'get_time' not found" },
  { name: 'unknown tool_choice type', body: base({ tools: [WEATHER], tool_choice: { type: 'required' } }), expect: "tool_choice.type: Input tag 'required'" },
  { name: 'tool_choice any without tools', body: base({ tool_choice: { type: 'any' } }), expect: 'tool_choice: tool_choice may only be specified while providing tools.' },
  { name: 'tool_choice tool without a name', body: base({ tools: [WEATHER], tool_choice: { type: 'tool' } }), expect: 'tool_choice.tool.name: Field required' },

  // tool_use ↔ tool_result across turns.
  { name: 'tool_result with no tool_use before it', body: base({ tools: [WEATHER], messages: [user([toolResult('toolu_01')])] }), expect: 'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01' },
  { name: 'tool_result answering another id', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([toolResult('toolu_99')])] }), expect: 'messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_99' },
  { name: 'tool_use left unanswered', body: loop({ messages: [user('Weather?'), assistant([text('Checking.'), toolUse('toolu_01')]), user('never mind')] }), expect: 'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01' },
  { name: 'tool_result after text', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([text('Here:'), toolResult('toolu_01')])] }), expect: 'messages.2: Did not find 1 `tool_result` block(s) at the beginning of this message' },
  { name: 'one tool_use answered, one not', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01'), toolUse('toolu_02')]), user([toolResult('toolu_01')])] }), expect: 'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_02' },
  { name: 'a tool_use id used twice', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([toolResult('toolu_01')]), assistant([toolUse('toolu_01')]), user([toolResult('toolu_01')])] }), expect: 'messages.3.content.0: `tool_use` ids must be unique' },
  { name: 'two results for one tool_use', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([toolResult('toolu_01'), toolResult('toolu_01')])] }), expect: 'messages.2.content.1: each tool_use must have a single result' },
  { name: 'a tool_result without tool_use_id', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([{ type: 'tool_result', content: '18 °C' }])] }), expect: 'messages.2.content.0.tool_result.tool_use_id: Field required' },
  { name: 'an error tool_result with empty content', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([{ ...toolResult('toolu_01', ''), is_error: true }])] }), expect: 'messages.2.content.0.tool_result: content cannot be empty if `is_error` is true' },
  { name: 'tool_use id with a dot', body: loop({ messages: [user('Weather?'), assistant([toolUse('call.1')]), user([toolResult('call.1')])] }), expect: "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'" },
  { name: 'tool_use input as a string', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01', 'get_weather', '{"city":"Paris"}')]), user([toolResult('toolu_01')])] }), expect: 'messages.1.content.0.tool_use.input: Input should be a valid dictionary' },
  { name: 'tool_result holding an unknown block', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([toolResult('toolu_01', [{ type: 'audio', data: 'x' }])])] }), expect: "messages.2.content.0.tool_result.content.0.type: Input tag 'audio'" },

  { name: 'a server-tool result without its server_tool_use', body: base({ tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [user('Search news'), assistant([{ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] }, text('Found nothing.')]), user('Thanks')] }), expect: 'messages.1.content.0: unexpected `tool_use_id` found in `web_search_tool_result` blocks: srvtoolu_01. Each `web_search_tool_result` block must have a corresponding `server_tool_use` block before it.' },

  // cache_control.
  { name: 'cache_control of an unknown type', body: base({ messages: [user([text('hi', { cache_control: { type: 'persistent' } })])] }), expect: "messages.0.content.0.text.cache_control.type: Input tag 'persistent'" },
  { name: 'cache_control ttl 10m', body: base({ messages: [user([text('hi', { cache_control: { type: 'ephemeral', ttl: '10m' } })])] }), expect: "messages.0.content.0.text.cache_control.ephemeral.ttl: Input should be '5m' or '1h'" },
  { name: 'five cache breakpoints', body: base({ tools: [{ ...WEATHER, ...ephemeral() }], system: [text('Be brief.', ephemeral())], messages: [user([text('a', ephemeral()), text('b', ephemeral()), text('c', ephemeral())])] }), expect: 'A maximum of 4 blocks with cache_control may be provided. Found 5.' },
  { name: 'a 1h breakpoint after a 5m one', body: base({ system: [text('Be brief.', ephemeral('5m'))], messages: [user([text('hi', ephemeral('1h'))])] }), expect: "messages.0.content.0.text.cache_control.ephemeral.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block" },
  { name: 'cache_control with an unknown key', body: base({ system: [text('Be brief.', { cache_control: { type: 'ephemeral', scope: 'global' } })] }), expect: 'system.0.cache_control.ephemeral.scope: Extra inputs are not permitted' },

  // Prefill.
  { name: 'prefill on Opus 4.8', body: base({ model: 'claude-opus-4-8', messages: [user('Name a colour'), assistant('The colour is')] }), expect: 'This model does not support assistant message prefill. The conversation must end with a user message.' },
  { name: 'prefill on Sonnet 4.6', body: base({ messages: [user('Name a colour'), assistant('The colour is')] }), expect: 'This model does not support assistant message prefill.' },
  { name: 'prefill ending in whitespace on Haiku 4.5', body: base({ model: 'claude-haiku-4-5', messages: [user('Name a colour'), assistant('The colour is ')] }), expect: 'messages: final assistant content cannot end with trailing whitespace' },
];

const ACCEPTED: Case[] = [
  { name: 'a plain string message', body: base() },
  { name: 'text and all four image formats', body: base({ messages: [user([image(PNG), image(JPEG, 'image/jpeg'), image(GIF, 'image/gif'), image(WEBP, 'image/webp'), text('Compare these.')])] }) },
  { name: 'an image of 8000 × 8000 px', body: base({ messages: [user([image(pngOf(8000, 8000)), text('One.')])] }) },
  { name: '21 images of 2000 px across two turns', body: base({ messages: [user([image(webpOf(2000, 2000), 'image/webp'), text('One.')]), assistant('Seen.'), user([...Array.from({ length: 20 }, () => image(jpegOf(2000, 1500), 'image/jpeg')), text('Many.')])] }) },
  { name: 'url and file image sources', body: base({ messages: [user([{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }, { type: 'image', source: { type: 'file', file_id: 'file_011' } }, text('Describe.')])] }) },
  { name: 'every document source', body: base({ messages: [user([
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Report', context: 'Q3', citations: { enabled: true } },
    { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' } },
    { type: 'document', source: { type: 'content', content: [text('Chunk one.'), text('Chunk two.')] } },
    { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
    text('Summarize.'),
  ])] }) },
  { name: 'a search_result block', body: base({ messages: [user([{ type: 'search_result', source: 'https://example.com', title: 'Example', content: [text('Result text.')], citations: { enabled: true } }, text('Use it.')])] }) },
  { name: 'system as a string and as cached blocks', body: base({ system: [text('You are terse.'), text('Answer in English.', ephemeral())] }) },
  { name: 'consecutive user messages (the API merges them)', body: base({ messages: [user('First part.'), user('Second part.')] }) },
  { name: 'a leading assistant message', body: base({ messages: [assistant('Hi! How can I help?'), user('Tell me a fact.')] }) },
  { name: 'trailing whitespace in a non-final assistant message', body: base({ messages: [user('Hi'), assistant('Hello! '), user('More?')] }) },
  { name: 'a tool loop with text after the result', body: loop({ messages: [user('Weather?'), assistant([text('Checking.'), toolUse('toolu_01')]), user([toolResult('toolu_01'), text('Thanks.')])] }) },
  { name: 'parallel tool calls answered together, with error and block content', body: loop({ messages: [user('Weather in two cities?'), assistant([toolUse('toolu_01'), toolUse('toolu_02', 'get_weather', { city: 'Rome' })]), user([toolResult('toolu_02', [text('21 °C'), image(PNG)]), { ...toolResult('toolu_01', 'timeout'), is_error: true }])] }) },
  { name: 'a tool_result with empty content (not an error) and one with none', body: loop({ messages: [user('Weather in two cities?'), assistant([toolUse('toolu_01'), toolUse('toolu_02')]), user([toolResult('toolu_01', ''), { type: 'tool_result', tool_use_id: 'toolu_02' }])] }) },
  { name: 'a tool result in its own message before the next user message', body: loop({ messages: [user('Weather?'), assistant([toolUse('toolu_01')]), user([toolResult('toolu_01')]), user('And tomorrow?')] }) },
  { name: 'a thinking tool loop that keeps its thinking block', body: loop({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [user('Weather?'), assistant([thinkingBlock, toolUse('toolu_01')]), user([toolResult('toolu_01')])] }) },
  { name: 'adaptive thinking without earlier thinking blocks', body: loop({ thinking: { type: 'adaptive' } }) },
  { name: 'tool_choice naming an offered tool', body: base({ tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } }) },
  { name: 'tool_choice none', body: base({ tools: [WEATHER], tool_choice: { type: 'none' } }) },
  { name: 'Anthropic-defined tools beside a custom one', body: base({ tools: [WEATHER, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }, { type: 'bash_20250124', name: 'bash' }, { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }] }) },
  { name: 'a server tool call and its result replayed in an assistant turn', body: base({ tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [user('Search news'), assistant([{ type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'news' } }, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] }, text('Found nothing.')]), user('Thanks')] }) },
  { name: 'a 128-character tool name with strict and input_examples', body: base({ tools: [{ ...WEATHER, name: `a-${'b_'.repeat(63)}`, strict: true, input_examples: [{ city: 'Oslo' }] }] }) },
  { name: 'four breakpoints, 1h before 5m', body: base({ tools: [{ ...WEATHER, ...ephemeral('1h') }], system: [text('Be brief.', ephemeral('1h'))], messages: [user([text('a', ephemeral()), text('b', ephemeral('5m'))])] }) },
  { name: 'metadata, stop_sequences, service_tier, inference_geo', body: base({ metadata: { user_id: 'u-123' }, stop_sequences: ['END'], service_tier: 'auto', inference_geo: 'us' }) },
  { name: 'sampling parameters on a model that takes them', body: base({ temperature: 0.5, top_p: 0.9, top_k: 40 }) },
  { name: 'temperature under 2023-06-01 on Opus 4.8', body: base({ model: 'claude-opus-4-8', temperature: 0.2 }), headers: { 'anthropic-version': '2023-06-01' } },
  { name: 'max_tokens 0 (cache pre-warming, not streamed)', body: base({ max_tokens: 0, stream: false }) },
  { name: 'prefill on Haiku 4.5', body: base({ model: 'claude-haiku-4-5', messages: [user('Name a colour'), assistant('The colour is')] }) },
  { name: 'an empty final assistant message on Haiku 4.5', body: base({ model: 'claude-haiku-4-5', messages: [user('Name a colour'), assistant('')] }) },
  { name: 'output_config with effort and a JSON schema', body: base({ output_config: { effort: 'low', format: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } } } }) },
  { name: 'a mid-conversation system message', body: base({ messages: [user('Hi'), assistant('Hello!'), { role: 'system', content: 'From now on, answer in French.' }, user('How are you?')] }) },
  { name: 'fast on Opus 4.8 with tools and a cache breakpoint', body: base({ model: 'claude-opus-4-8', speed: 'fast', tools: [{ ...WEATHER, ...ephemeral() }] }), headers: { 'anthropic-beta': FAST_BETA } },
  { name: 'a top-level cache_control (automatic caching)', body: base({ cache_control: { type: 'ephemeral', ttl: '1h' } }) },
];

/** Send through the SDK, streaming (so large max_tokens pass the SDK's own check) unless the case says `stream: false`, and drain it. */
async function send(c: Case): Promise<void> {
  const sdk = client(s.url, c.headers ? { defaultHeaders: c.headers } : {});
  if (c.body['stream'] === false) {
    await sdk.beta.messages.create(c.body as unknown as Anthropic.Beta.Messages.MessageCreateParamsNonStreaming);
    return;
  }
  const body = { stream: true, ...c.body } as unknown as Anthropic.Beta.Messages.MessageCreateParamsStreaming;
  const res = await sdk.beta.messages.create(body);
  for await (const event of res as AsyncIterable<unknown>) void event;
}

describe('refused like the real API: 400 invalid_request_error naming the path', () => {
  it('has at least 60 refused cases', () => expect(REFUSED.length).toBeGreaterThanOrEqual(60));
  for (const c of REFUSED) {
    it(c.name, async () => {
      const err = await send(c).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'the sim answered 200').toBeInstanceOf(Anthropic.BadRequestError);
      const bad = err as InstanceType<typeof Anthropic.BadRequestError>;
      expect(bad.status).toBe(400);
      const body = bad.error as { type: string; error: { type: string; message: string } };
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toContain(c.expect!);
    });
  }
});

describe('accepted like the real API: no over-rejection', () => {
  it('a thinking tool loop sent back exactly as the sim streamed it', async () => {
    const sdk = client(s.url);
    const params = { model: 'claude-sonnet-4-6', max_tokens: 4000, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, tools: [WEATHER as Anthropic.Beta.Messages.BetaTool] };
    const first = await sdk.beta.messages.stream({ ...params, messages: [{ role: 'user', content: 'Weather in Paris? [[sim:tool]]' }] }).finalMessage();
    expect(first.content[0]?.type).toBe('thinking');
    const call = first.content.find((b) => b.type === 'tool_use');
    expect(call).toBeDefined();
    const next = await sdk.beta.messages
      .stream({
        ...params,
        messages: [
          { role: 'user', content: 'Weather in Paris? [[sim:tool]]' },
          { role: 'assistant', content: first.content as Anthropic.Beta.Messages.BetaContentBlockParam[] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: (call as { id: string }).id, content: '18 °C' }] },
        ],
      })
      .finalMessage();
    expect(next.stop_reason).not.toBeNull();
  });

  it('has at least 20 accepted cases', () => expect(ACCEPTED.length).toBeGreaterThanOrEqual(20));
  for (const c of ACCEPTED) {
    it(c.name, async () => {
      await expect(send(c)).resolves.toBeUndefined();
    });
  }
});

describe('max_tokens 0: cache pre-warming, as the API documents it', () => {
  it('not streamed: 200 with no content at all and no output tokens (no empty text block)', async () => {
    const msg = await client(s.url).beta.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 0, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(msg.content).toEqual([]);
    expect(msg.usage.output_tokens).toBe(0);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
  });

  it('streamed: refused before the stream, a JSON 400 invalid_request_error as every refusal', async () => {
    const res = await post(s.url, { model: 'claude-sonnet-4-6', max_tokens: 0, stream: true, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    const requestId = res.headers.get('request-id');
    expect(requestId).toMatch(/^req_/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: must be at least 1 with streaming (max_tokens: 0 only pre-warms the prompt cache, without a response)' },
      request_id: requestId,
    });
  });
});
