/**
 * The stored form of threads, versioned, and the checks that read it back. A thread is two entries:
 * `meta:<id>` (what a list shows) and `thread:<id>` (the messages), so a list never loads messages.
 *
 * @module
 */
import type { FastChatMessage, FastChatPart } from '../chat-store.ts';
import { ThreadRecordError } from './errors.ts';
import type { ThreadSummary } from './types.ts';

/** The record version this code writes and reads. Entries of another version are skipped, not guessed at. */
export const THREAD_RECORD_VERSION = 1;

/** `meta:<id>`: the summary, versioned. */
export interface StoredMeta extends ThreadSummary {
  v: number;
}

/** `thread:<id>`: the messages, versioned. */
export interface StoredThread {
  v: number;
  id: string;
  conversationId: string;
  createdAt: number;
  updatedAt: number;
  /** Absent in entries written before revisions (read as 0). */
  rev?: number;
  messages: FastChatMessage[];
}

export const META_PREFIX = 'meta:';
export const THREAD_PREFIX = 'thread:';

const STATUSES = new Set(['submitted', 'streaming', 'done', 'error', 'aborted']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkVersion(raw: unknown, id: string | null, what: string): Record<string, unknown> {
  if (!isObject(raw)) throw new ThreadRecordError('corrupt', id, `${what} is not an object`);
  if (raw.v !== THREAD_RECORD_VERSION) {
    if (typeof raw.v === 'number') throw new ThreadRecordError('version', id, `${what} has record version ${raw.v}; this code reads version ${THREAD_RECORD_VERSION}`);
    throw new ThreadRecordError('corrupt', id, `${what} has no record version`);
  }
  return raw;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Reads a `meta:` entry; throws {@link ThreadRecordError}. */
export function parseMeta(raw: unknown, id: string | null): ThreadSummary {
  const r = checkVersion(raw, id, `thread summary ${id ?? '?'}`);
  if (typeof r.id !== 'string' || (id !== null && r.id !== id)) throw new ThreadRecordError('corrupt', id, `thread summary ${id ?? '?'}: id does not match its key`);
  if (!isTime(r.createdAt) || !isTime(r.updatedAt)) throw new ThreadRecordError('corrupt', id, `thread summary ${r.id}: createdAt/updatedAt are not times`);
  return {
    id: r.id,
    title: typeof r.title === 'string' ? r.title : null,
    preview: typeof r.preview === 'string' ? r.preview : '',
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    messageCount: typeof r.messageCount === 'number' ? r.messageCount : 0,
    costUsd: typeof r.costUsd === 'number' && Number.isFinite(r.costUsd) ? r.costUsd : 0,
    rev: revOf(r.rev),
  };
}

/** A stored revision; entries written before revisions have none and count as 0. */
function revOf(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

/** Reads a `thread:` entry; throws {@link ThreadRecordError}. Replies saved mid-stream come back `aborted`. */
export function parseThread(raw: unknown, id: string): StoredThread {
  const r = checkVersion(raw, id, `thread ${id}`);
  if (r.id !== id) throw new ThreadRecordError('corrupt', id, `thread ${id}: id does not match its key`);
  if (typeof r.conversationId !== 'string') throw new ThreadRecordError('corrupt', id, `thread ${id}: conversationId is not a string`);
  if (!isTime(r.createdAt) || !isTime(r.updatedAt)) throw new ThreadRecordError('corrupt', id, `thread ${id}: createdAt/updatedAt are not times`);
  if (!Array.isArray(r.messages)) throw new ThreadRecordError('corrupt', id, `thread ${id}: messages is not an array`);
  const messages = r.messages.map((m, i) => parseMessage(m, id, `messages[${i}]`, true));
  return { v: THREAD_RECORD_VERSION, id, conversationId: r.conversationId, createdAt: r.createdAt, updatedAt: r.updatedAt, rev: revOf(r.rev), messages };
}

function parseMessage(raw: unknown, id: string, at: string, versions: boolean): FastChatMessage {
  const bad = (why: string): ThreadRecordError => new ThreadRecordError('corrupt', id, `thread ${id}: ${at} ${why}`);
  if (!isObject(raw)) throw bad('is not an object');
  if (typeof raw.id !== 'string' || raw.id === '') throw bad('has no id');
  if (raw.role !== 'user' && raw.role !== 'assistant') throw bad('has no role');
  if (raw.parts !== undefined && (!Array.isArray(raw.parts) || !raw.parts.every((p) => isObject(p) && typeof p.type === 'string'))) throw bad('has parts that are not parts');
  if (raw.content !== undefined && typeof raw.content !== 'string') throw bad('has content that is not text');
  if (raw.parts === undefined && raw.content === undefined) throw bad('has neither parts nor content');
  if (raw.status !== undefined && !STATUSES.has(raw.status as string)) throw bad(`has an unknown status`);
  const role = raw.role;
  const parts = (raw.parts as FastChatPart[] | undefined) ?? [
    role === 'user' ? { type: 'text', text: raw.content as string } : { type: 'text', text: raw.content as string, step: 0, index: 0 },
  ];
  const content =
    typeof raw.content === 'string'
      ? raw.content
      : parts
          .filter((p): p is Extract<FastChatPart, { type: 'text' }> => p.type === 'text')
          .map((p) => p.text)
          .join('\n\n');
  // A reply cut by the page going away is what a stopped reply is: the text that arrived, kept.
  const status = raw.status === 'submitted' || raw.status === 'streaming' ? 'aborted' : ((raw.status as FastChatMessage['status'] | undefined) ?? 'done');
  const message: FastChatMessage = {
    metrics: null,
    servedSpeed: null,
    requestedSpeed: null,
    fallback: null,
    usage: null,
    cost: null,
    error: null,
    ...(raw as Partial<FastChatMessage>),
    id: raw.id,
    role,
    content,
    parts,
    steps: Array.isArray(raw.steps) ? (raw.steps as FastChatMessage['steps']) : [],
    status,
  };
  if (raw.versions !== undefined) {
    if (!versions || !Array.isArray(raw.versions)) throw bad('has versions that are not a list');
    message.versions = raw.versions.map((v, i) => parseMessage(v, id, `${at}.versions[${i}]`, false));
    if (raw.versionIndex !== undefined && (!Number.isInteger(raw.versionIndex) || (raw.versionIndex as number) < 0 || (raw.versionIndex as number) > raw.versions.length))
      throw bad('has a versionIndex out of range');
  }
  return message;
}

/** The first user message's text, for a thread list (trimmed to 120 characters). */
export function previewOf(messages: readonly FastChatMessage[]): string {
  const first = messages.find((m) => m.role === 'user');
  const text = (first?.content ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** What every reply cost, earlier versions included. */
export function costOf(messages: readonly FastChatMessage[]): number {
  let total = 0;
  for (const m of messages) {
    total += m.cost?.totalUsd ?? 0;
    for (const v of m.versions ?? []) total += v.cost?.totalUsd ?? 0;
  }
  return total;
}
