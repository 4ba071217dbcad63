/** Test helpers for resumable replies: read SSE with ids, drop a connection mid-reply, resume it. */
import { createSSEDecoder, LAST_EVENT_ID_HEADER, resumePath, stopPath } from '@slipstream/core';

/** One SSE event as it came over the wire, its data parsed. */
export interface WireEvent {
  id: number | undefined;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Read events from `res` until the stream ends or `dropWhen` says to drop: then the connection is
 * aborted (as a lost network would) and reading stops.
 */
export async function readWire(res: Response, controller: AbortController | undefined, dropWhen?: (e: WireEvent, all: WireEvent[]) => boolean): Promise<{ events: WireEvent[]; dropped: boolean }> {
  const events: WireEvent[] = [];
  let stop = false;
  const decoder = createSSEDecoder({
    onEvent: (e) => {
      if (stop) return;
      const w: WireEvent = { id: e.id === undefined ? undefined : Number(e.id), event: e.event ?? 'message', data: JSON.parse(e.data) as Record<string, unknown> };
      events.push(w);
      if (dropWhen?.(w, events)) stop = true;
    },
  });
  const reader = res.body!.getReader();
  const text = new TextDecoder();
  try {
    while (!stop) {
      const { done, value } = await reader.read();
      if (done) break;
      decoder.feed(text.decode(value, { stream: true }));
    }
  } catch (err) {
    if (!stop) throw err;
  }
  if (stop) {
    controller?.abort();
    await reader.cancel().catch(() => {});
  }
  return { events, dropped: stop };
}

export const textOf = (events: WireEvent[]) => events.flatMap((e) => (e.event === 'text' ? [String(e.data['delta'])] : [])).join('');

/** POST a chat; drop the connection when `dropWhen` says so. */
export async function postChat(chatUrl: string, body: unknown, dropWhen?: (e: WireEvent, all: WireEvent[]) => boolean, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(chatUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: controller.signal });
  if (res.status !== 200) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
  const read = await readWire(res, controller, dropWhen);
  const start = read.events.find((e) => e.event === 'start');
  return { ...read, replyId: start?.data['replyId'] as string | undefined, lastId: read.events.at(-1)?.id ?? 0 };
}

/** GET a resume from `lastId`; drop again when `dropWhen` says so. Non-200 answers come back as `status` with no events. */
export async function resumeChat(chatUrl: string, replyId: string, lastId: number, dropWhen?: (e: WireEvent, all: WireEvent[]) => boolean, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const url = new URL(chatUrl);
  url.pathname = resumePath(url.pathname, replyId);
  const res = await fetch(url, { headers: { [LAST_EVENT_ID_HEADER]: String(lastId), ...headers }, signal: controller.signal });
  if (res.status !== 200) return { status: res.status, body: (await res.json()) as { error: { kind: string; message: string } }, events: [] as WireEvent[], dropped: false, lastId };
  const read = await readWire(res, controller, dropWhen);
  return { status: 200, body: undefined, ...read, lastId: read.events.filter((e) => e.id !== undefined).at(-1)?.id ?? lastId };
}

export async function stopChat(chatUrl: string, replyId: string, headers: Record<string, string> = {}) {
  const url = new URL(chatUrl);
  url.pathname = stopPath(url.pathname, replyId);
  const res = await fetch(url, { method: 'POST', headers });
  return { status: res.status, body: (await res.json()) as { stopped?: boolean; error?: { kind: string; message: string } } };
}
