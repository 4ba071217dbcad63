/**
 * `useChat`'s request body → a Slipstream `ChatRequest`, and native refusals → the UI paths the client
 * sent, for the AI SDK bridge.
 *
 * @module
 */
import type { ChatMessage, MessagePart } from '@slipstream/core';
import { convertFilePart } from './ai-sdk-files.ts';

/** The parts of a `useChat` message this bridge reads. */
interface UIMessageLike {
  role?: unknown;
  parts?: unknown;
}

/**
 * Where each native message came from: its UI message index, and, when its content is an array, the UI
 * part index of each native part (`file` when it was a file part: native `data`/`name` are its
 * `url`/`filename`). A string content (text only) has no part map.
 */
export type UIPathMap = { message: number; parts?: { index: number; file: boolean }[] }[];

export type Translated =
  | { ok: true; body: Record<string, unknown>; paths: UIPathMap }
  | { ok: false; message: string; field: string };

/**
 * `useChat`'s request body (`{ id, messages: UIMessage[], trigger, messageId, …body }`) → a Slipstream
 * `ChatRequest`. Text parts are kept; file parts of user messages become image and document parts
 * ({@link convertFilePart}); reasoning and step markers from earlier replies are dropped (their
 * signatures are not in UI messages); other part types are refused naming the field.
 *
 * A text-only message is one string (its text parts joined, as before files were taken); a message with
 * files is an array of parts in the order sent, consecutive text parts joined, whitespace-only text
 * dropped (`sendMessage({ text: '', files })` sends an empty text part, which Anthropic refuses).
 */
export function translateRequest(raw: unknown): Translated {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, message: 'The body must be a JSON object.', field: '' };
  const body = raw as Record<string, unknown>;
  if (!Array.isArray(body['messages'])) return { ok: false, message: '`messages` must be an array of UI messages.', field: 'messages' };
  const messages: ChatMessage[] = [];
  const paths: UIPathMap = [];
  const system: string[] = [];
  for (const [i, m] of (body['messages'] as UIMessageLike[]).entries()) {
    if (typeof m !== 'object' || m === null) return { ok: false, message: 'Each message must be an object.', field: `messages[${i}]` };
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') {
      return { ok: false, message: 'role must be "user", "assistant" or "system".', field: `messages[${i}].role` };
    }
    if (!Array.isArray(m.parts)) return { ok: false, message: '`parts` must be an array.', field: `messages[${i}].parts` };
    /** Text runs and files, in order; a run remembers the UI index of its first part. */
    const pieces: ({ kind: 'text'; text: string; index: number } | { kind: 'file'; part: MessagePart; index: number })[] = [];
    let files = 0;
    for (const [j, p] of (m.parts as unknown[]).entries()) {
      const part = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
      const at = `messages[${i}].parts[${j}]`;
      if (part['type'] === 'text') {
        if (typeof part['text'] !== 'string') return { ok: false, message: 'A text part needs `text`.', field: `${at}.text` };
        const last = pieces.at(-1);
        if (last?.kind === 'text') last.text += part['text'];
        else pieces.push({ kind: 'text', text: part['text'], index: j });
      } else if (part['type'] === 'reasoning' || part['type'] === 'step-start') {
        continue;
      } else if (part['type'] === 'file' && m.role === 'user') {
        const converted = convertFilePart(part, at);
        if (!converted.ok) return converted;
        pieces.push({ kind: 'file', part: converted.part, index: j });
        files++;
      } else if (part['type'] === 'file') {
        return {
          ok: false,
          message: `${at}.type: file parts are taken on user messages only (Claude's ${m.role === 'system' ? 'system prompt' : 'replies'} hold no files).`,
          field: `${at}.type`,
        };
      } else {
        return {
          ok: false,
          message: `Part type ${JSON.stringify(part['type'])} is not supported by the AI SDK bridge (text, and files on user messages); use the native protocol for tools.`,
          field: `${at}.type`,
        };
      }
    }
    if (m.role === 'system') {
      system.push(pieces.map((p) => (p.kind === 'text' ? p.text : '')).join(''));
    } else if (files === 0) {
      if (pieces.length > 0) {
        messages.push({ role: m.role, content: pieces.map((p) => (p.kind === 'text' ? p.text : '')).join('') });
        paths.push({ message: i });
      }
    } else {
      const kept = pieces.filter((p) => p.kind === 'file' || p.text.trim() !== '');
      messages.push({ role: 'user', content: kept.map((p) => (p.kind === 'text' ? { type: 'text', text: p.text } : p.part)) });
      paths.push({ message: i, parts: kept.map((p) => ({ index: p.index, file: p.kind === 'file' })) });
    }
  }
  const out: Record<string, unknown> = { messages };
  if (system.length > 0) out['system'] = system.join('\n\n');
  if (typeof body['id'] === 'string') out['conversationId'] = body['id'];
  // Fields a transport adds through `body` pass through to the native validator, which checks them.
  for (const key of ['speed', 'model', 'max_tokens', 'effort', 'thinking', 'conversationId']) {
    if (body[key] !== undefined) out[key] = body[key];
  }
  return { ok: true, body: out, paths };
}

// `messages[k]`, then optionally `.content` or `.content[n]`, then optionally the part's key.
const NATIVE_PATH = /messages\[(\d+)\](\.content(?:\[(\d+)\](\.[A-Za-z]+)?)?)?/g;

/**
 * A native field path or message with its `messages[k].content[n].data` paths written as the UI paths
 * the client sent (`messages[i].parts[j].url`): the indices shift where system messages or empty
 * messages were left out, and a file part's `data`/`name` are its `url`/`filename`. Paths it cannot map
 * are left as they are.
 */
export function toUIPaths(text: string, paths: UIPathMap): string {
  return text.replace(NATIVE_PATH, (match, k: string, content: string | undefined, n: string | undefined, key: string | undefined) => {
    const entry = paths[Number(k)];
    if (entry === undefined) return match;
    const message = `messages[${entry.message}]`;
    if (content === undefined) return message;
    if (n === undefined || entry.parts === undefined) return `${message}.parts${n === undefined ? '' : `[${n}]`}${key ?? ''}`;
    const part = entry.parts[Number(n)];
    if (part === undefined) return match;
    const uiKey = part.file && key === '.data' ? '.url' : part.file && key === '.name' ? '.filename' : (key ?? '');
    return `${message}.parts[${part.index}]${uiKey}`;
  });
}
