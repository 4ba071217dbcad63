/**
 * `createChatHandler(options)`: the Hono app serving `POST /api/chat` (path configurable), mountable
 * with `app.route()`, with a Web-standard `fetch`.
 *
 * Order of checks: CORS → authorize → per-client rate limit → content type (415) → body cap (413) →
 * JSON and fields (400) → `tool_choice` and the conversation against the edge's tools (400) → speed
 * policy (400 for `fast` on a model without it) → 200 event stream.
 *
 * With resumable replies (`resume`), also `GET {path}/{replyId}` (resume, with `Last-Event-ID`) and
 * `POST {path}/{replyId}/stop`: CORS → authorize (a reply bound to a user answers only that user) →
 * reply id → 200 event stream / `{ stopped }`, or 404 `not_found`.
 *
 * @module
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BetaTextBlockParam, BetaToolChoice } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import {
  cost,
  getModelCapability,
  LAST_EVENT_ID_HEADER,
  MODEL_CAPABILITIES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ChatRequest,
  type ErrorBody,
  type ErrorEvent,
  type Speed,
  type StopResponse,
  type ToolChoice,
  type Usage,
} from '@slipstream/core';
import { validateChatRequest } from '@slipstream/core/validate';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { checkConversation } from './conversation.ts';
import { createEventStream, type EventStream } from './event-stream.ts';
import { createMemoryCalibrationTable, createStoreCalibrationTable, type CalibrationTable } from './calibration.ts';
import { createMemoryFallbackStore, fallbackStoreFrom, hashKey, memoryKeys, type FallbackStore } from './fallback-store.ts';
import { DEFAULTS, type ChatHandlerOptions, type EdgeLogEvent, type EnvBindings, type FromEnv, type ResolvedOptions, type SystemPromptOption } from './options.ts';
import { decideSpeed } from './policy.ts';
import { runReply } from './loop.ts';
import { readJsonBody } from './read-body.ts';
import { isReplyId, newReplyId, notResumable, ReplyProducer, resolveResumeOptions, tailReply, type ResumeSettings } from './resume.ts';
import { allowsConnectionHeader, readEnv } from './runtime.ts';
import { estimateInputTokens, spendMeter, spendRefusal, worstCaseUsage, type SpendMeter, type SpendReservation } from './spend.ts';
import { createMemoryStore } from './state/memory.ts';
import { withLocalFallback } from './state/resilient.ts';
import type { ReplyLog, StateStore } from './state/store.ts';
import { prepareTools, type ToolSet } from './tools.ts';
import type { BaseParams } from './upstream.ts';

/** The headers of every protocol stream. Never compressed; survives buffering proxies. */
export function streamHeaders(): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
  };
  if (allowsConnectionHeader()) h['connection'] = 'keep-alive';
  return h;
}

/**
 * Keep `work` running after the response ends, where the runtime needs telling (Workers:
 * `executionCtx.waitUntil`). Hono throws when the request has no execution context (Node, tests).
 */
function keepAlive(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // no execution context: the process keeps running on its own
  }
}

function errorResponse(error: ErrorEvent, status: number, headers: Record<string, string> = {}): Response {
  const body: ErrorBody = { error: { ...error, status } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION), ...headers },
  });
}

/** What a request gets when no API key is configured. */
const NO_KEY_MESSAGE =
  'The edge has no Anthropic API key: set ANTHROPIC_API_KEY or pass `apiKey` to createChatHandler. ' +
  'To run without one, start the simulator (npx slipstream-sim) and pass its URL as `baseURL` with any key.';

function fromEnv(source: FromEnv | undefined, env: EnvBindings, name: string): string | undefined {
  if (typeof source === 'function') return source(env);
  if (typeof source === 'string') return source;
  return readEnv(env, name);
}

function systemBlocks(edge: string | SystemPromptOption | undefined, client: string | undefined): BetaTextBlockParam[] | undefined {
  const blocks: BetaTextBlockParam[] = [];
  if (edge !== undefined) {
    const { text, cache } = typeof edge === 'string' ? { text: edge, cache: undefined } : edge;
    const block: BetaTextBlockParam = { type: 'text', text };
    if (cache === true || cache === '5m') block.cache_control = { type: 'ephemeral' };
    else if (cache === '1h') block.cache_control = { type: 'ephemeral', ttl: '1h' };
    blocks.push(block);
  }
  if (client !== undefined && client !== '') blocks.push({ type: 'text', text: client });
  return blocks.length > 0 ? blocks : undefined;
}

/**
 * Build the chat handler.
 *
 * @example
 * ```ts
 * import { createChatHandler } from '@slipstream/edge';
 * export default createChatHandler({ cors: ['https://app.example.com'] }); // a Workers/Bun/Deno fetch handler
 * ```
 */
export function createChatHandler(options: ChatHandlerOptions = {}): Hono {
  const opts: ResolvedOptions = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    // Without a `store`, the fallback memory stays apart from `localState` (spend counters, reply logs):
    // folded in through `fallbackStoreFrom` its writes would merge (`standardUntil` only moving later, a
    // TTL only growing) where this store replaces, and its entries, keyed by client-chosen conversation
    // ids, would share one eviction bound with the spend counters and could push them out.
    fallbackStore: options.fallbackStore ?? createMemoryFallbackStore(10_000, options.now ?? DEFAULTS.now),
    calibration: options.calibration === false ? undefined : (options.calibration ?? createMemoryCalibrationTable()),
  } as ResolvedOptions;
  if (!(Number.isSafeInteger(opts.maxSteps) && opts.maxSteps >= 1)) throw new TypeError('maxSteps must be a positive integer.');
  const tools: ToolSet | undefined = opts.tools && opts.tools.length > 0 ? prepareTools(opts.tools, opts.toolTimeoutMs) : undefined;
  if (opts.toolChoice !== undefined) {
    const problem = checkToolChoice(opts.toolChoice, tools, undefined);
    if (problem) throw new TypeError(`toolChoice: ${problem.message}`);
  }
  const cacheBreakpoints = opts.cacheBreakpoints ?? tools !== undefined;
  const resume: ResumeSettings | undefined = options.resume === false ? undefined : resolveResumeOptions(options.resume);
  const localState = createMemoryStore({ now: opts.now });
  // `{path}/{replyId}` as core's resumePath builds it (a trailing slash on `path` is not doubled).
  const replyRoute = opts.path.replace(/\/+$/, '');
  /** Replies this isolate is producing, for a stop asked here. */
  const producers = new Map<string, ReplyProducer>();
  const resilientStores = new WeakMap<StateStore, StateStore>();
  const sharedFallback = new WeakMap<StateStore, FallbackStore>();
  /** This request's state store: the shared `store` behind its local-memory fallback, or this isolate's memory. */
  const stateFor = (env: EnvBindings): StateStore => {
    if (opts.store === undefined) return localState;
    const store = typeof opts.store === 'function' ? opts.store(env) : opts.store;
    let resilient = resilientStores.get(store);
    if (resilient === undefined) {
      resilient = withLocalFallback(store, {
        timeoutMs: opts.storeTimeoutMs,
        now: opts.now,
        onHealth: (e) => log({ kind: 'network', message: e.message, phase: 'store', recovered: e.state === 'recovered' }),
      });
      resilientStores.set(store, resilient);
    }
    return resilient;
  };
  const sharedCalibration = new WeakMap<StateStore, CalibrationTable>();
  /** Calibrations for this request: an explicit table, the shared `store`, or this isolate's memory. */
  const calibrationFor = (env: EnvBindings): CalibrationTable | undefined => {
    if (options.calibration !== undefined || opts.store === undefined) return opts.calibration;
    const state = stateFor(env);
    let table = sharedCalibration.get(state);
    if (table === undefined) {
      table = createStoreCalibrationTable(state, { now: opts.now });
      sharedCalibration.set(state, table);
    }
    return table;
  };
  /** The fallback memory for this request: an explicit `fallbackStore`, the shared `store`, or this isolate's. */
  const fallbackStoreFor = (env: EnvBindings): FallbackStore => {
    if (options.fallbackStore !== undefined || opts.store === undefined) return opts.fallbackStore;
    const state = stateFor(env);
    let memory = sharedFallback.get(state);
    if (memory === undefined) {
      memory = fallbackStoreFrom(state);
      sharedFallback.set(state, memory);
    }
    return memory;
  };
  /** Where this request's replies are logged for resuming, if anywhere: the shared store's log, or this isolate's. */
  const replyLogFor = (env: EnvBindings): ReplyLog | undefined => {
    if (resume === undefined) return undefined;
    if (opts.store !== undefined) {
      const shared = stateFor(env).replies;
      if (shared !== undefined) return shared;
    }
    return options.resume !== undefined ? localState.replies : undefined;
  };
  const clients = new Map<string, Anthropic>();
  const allowedModels = opts.allowedModels ?? [...Object.keys(MODEL_CAPABILITIES), ...Object.keys(opts.models ?? {})];
  // An allow-list without the built-in default (and no explicit default) defaults to its first model.
  const defaultModel =
    options.defaultModel === undefined && !allowedModels.includes(opts.defaultModel) && allowedModels[0] !== undefined
      ? allowedModels[0]
      : opts.defaultModel;
  const log = (event: EdgeLogEvent) => {
    try {
      opts.onError?.(event);
    } catch {
      // a logging hook must never break a reply
    }
  };
  const refuse = (error: ErrorEvent, status: number, headers?: Record<string, string>) => {
    log({ kind: error.kind, message: error.message, status, phase: 'request' });
    return errorResponse(error, status, headers);
  };

  const clientFor = (apiKey: string, keyHash: string, baseURL: string | undefined): Anthropic => {
    const id = `${baseURL ?? ''}\n${keyHash}`;
    let client = clients.get(id);
    if (!client) {
      // logLevel 'off': on an unparseable upstream event the SDK logs the raw SSE data (reply text, and
      // whatever a gateway echoes, keys included) to the console. Failures reach users as typed events
      // and through `onError` instead. An explicit level also overrides ANTHROPIC_LOG.
      client = opts.createClient ? opts.createClient({ apiKey, baseURL }) : new Anthropic({ apiKey, baseURL: baseURL ?? null, maxRetries: 0, logLevel: 'off' });
      if (clients.size >= 16) clients.delete(clients.keys().next().value as string);
      clients.set(id, client);
    }
    return client;
  };

  const app = new Hono();
  const allowed = opts.cors;
  if (allowed !== undefined) {
    app.use(
      opts.path,
      cors({
        origin: allowed === '*' ? '*' : [...allowed],
        allowMethods: ['POST', 'OPTIONS'],
        allowHeaders: ['content-type', 'authorization', PROTOCOL_HEADER],
        exposeHeaders: [PROTOCOL_HEADER, 'retry-after'],
        maxAge: 600,
      }),
    );
    const resumeCors = cors({
      origin: allowed === '*' ? '*' : [...allowed],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['content-type', 'authorization', PROTOCOL_HEADER, LAST_EVENT_ID_HEADER],
      exposeHeaders: [PROTOCOL_HEADER, 'retry-after'],
      maxAge: 600,
    });
    app.use(`${replyRoute}/:replyId`, resumeCors);
    app.use(`${replyRoute}/:replyId/stop`, resumeCors);
  }

  /** Origin and `authorize`: the user id, or the refusal. The first checks of every route. */
  const admit = async (c: Context): Promise<{ userId: string | undefined } | Response> => {
    const origin = c.req.header('origin');
    if (allowed !== undefined && allowed !== '*' && origin !== undefined && !allowed.includes(origin)) {
      return refuse({ kind: 'forbidden', message: 'This origin may not call the chat endpoint.', retryable: false }, 403);
    }
    let userId: string | undefined;
    if (opts.authorize) {
      const verdict = await opts.authorize(c);
      if (verdict instanceof Response) return verdict;
      if (typeof verdict === 'object' && verdict !== null && typeof verdict.userId === 'string') userId = verdict.userId;
      else if (verdict !== true) return refuse({ kind: 'unauthorized', message: 'Not authorized.', retryable: false }, 401);
    }
    return { userId };
  };
  /** The 400 for a client speaking another protocol version, or `undefined`. */
  const versionRefusal = (c: Context): Response | undefined => {
    const clientVersion = c.req.header(PROTOCOL_HEADER);
    if (clientVersion === undefined || clientVersion.trim() === String(PROTOCOL_VERSION)) return undefined;
    return refuse(
      {
        kind: 'invalid_request',
        message: `This edge speaks Slipstream protocol ${PROTOCOL_VERSION}; the client sent protocol ${clientVersion.trim().slice(0, 16)}. Upgrade the older side.`,
        retryable: false,
        field: PROTOCOL_HEADER,
      },
      400,
    );
  };
  /** Origin, authorize and protocol version, as for the POST: the user id, or the refusal. */
  const gate = async (c: Context): Promise<{ userId: string | undefined } | Response> => {
    const admitted = await admit(c);
    return admitted instanceof Response ? admitted : (versionRefusal(c) ?? admitted);
  };
  const notFound = (message: string) => refuse({ kind: 'not_found', message, retryable: false }, 404);
  const UNKNOWN = 'This reply is unknown or expired.';

  app.post(opts.path, async function handleChat(c: Context) {
    const t0 = performance.now();
    const t = () => Math.round(performance.now() - t0);

    const admitted = await admit(c);
    if (admitted instanceof Response) return admitted;
    const { userId } = admitted;
    if (opts.rateLimit) {
      const limited = await opts.rateLimit(c);
      if (limited) {
        const retryAfterMs = Math.max(0, limited.retryAfterMs);
        return refuse(
          { kind: 'rate_limited', message: 'Too many requests from this client.', retryable: true, retryAfterMs },
          429,
          { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) },
        );
      }
    }

    const wrongVersion = versionRefusal(c);
    if (wrongVersion) return wrongVersion;
    const body = await readJsonBody(c.req.raw, opts.maxBodyBytes);
    if (!body.ok) return refuse(body.error, body.status);
    const checked = validateChatRequest(body.value, {
      maxMessages: opts.maxMessages,
      maxMessageChars: opts.maxMessageChars,
      maxSystemChars: opts.maxSystemChars,
      maxTokensCap: opts.maxTokensCap,
      maxConversationIdChars: opts.maxConversationIdChars,
      maxImageBytes: opts.maxImageBytes,
      maxDocumentBytes: opts.maxDocumentBytes,
      maxDocumentPages: opts.maxDocumentPages,
      maxAttachments: opts.maxAttachments,
      allowedModels,
    });
    if (!checked.ok) {
      return refuse({ kind: 'invalid_request', message: checked.message, retryable: false, field: checked.field }, 400);
    }
    const request = checked.value;
    if (request.system !== undefined && !opts.allowClientSystem) {
      return refuse(
        { kind: 'invalid_request', message: 'This edge does not take a system prompt from the client (allowClientSystem is off).', retryable: false, field: 'system' },
        400,
      );
    }
    const model = request.model ?? defaultModel;
    if (!allowedModels.includes(model)) {
      return refuse({ kind: 'invalid_request', message: `Model "${model}" is not allowed here.`, retryable: false, field: 'model' }, 400);
    }
    const choice = request.tool_choice ?? opts.toolChoice;
    if (choice !== undefined) {
      const problem = checkToolChoice(choice, tools, request.thinking?.type);
      if (problem) return refuse(problem, 400);
    }
    const conversation = await checkConversation(request.messages, tools);
    if (!conversation.ok) return refuse(conversation.error, 400);
    const capability = getModelCapability(model, opts.models);
    const maxTokens = resolveMaxTokens(request, model, capability?.maxOutputTokens, opts);
    if (typeof maxTokens !== 'number') return refuse(maxTokens, 400);

    const env = c.env as EnvBindings;
    const apiKey = fromEnv(opts.apiKey, env, 'ANTHROPIC_API_KEY');
    if (apiKey === undefined || apiKey === '') {
      // A deploy without a key is a server misconfiguration (500), said so plainly with the fix: the
      // published edge has no embedded sim to fall back on.
      return refuse({ kind: 'upstream', message: NO_KEY_MESSAGE, retryable: false }, 500);
    }
    const baseURL = fromEnv(opts.baseURL, env, 'ANTHROPIC_BASE_URL');
    const keyHash = await hashKey(apiKey);
    const storeKeys = memoryKeys(keyHash, request.conversationId);

    const policy = request.speed ?? opts.defaultSpeedPolicy;
    const fallbackStore = fallbackStoreFor(env);
    let keyMemory;
    let conversationMemory;
    if (policy === 'auto') {
      [keyMemory, conversationMemory] = await Promise.all([
        fallbackStore.get(storeKeys.key).catch(() => undefined),
        storeKeys.conversation !== undefined ? fallbackStore.get(storeKeys.conversation).catch(() => undefined) : undefined,
      ]);
    }
    let decision = decideSpeed({
      policy,
      fastCapable: capability?.fast === true,
      maxTokens,
      keyMemory,
      conversationMemory,
      now: opts.now(),
    });
    if ('refuse' in decision) return refuse(decision.refuse, 400);

    // Spend limits: the first step's worst case is reserved before anything goes upstream.
    let spend: SpendMeter | undefined;
    let firstReservation: SpendReservation | undefined;
    if (opts.spendLimits !== undefined) {
      const pricing = opts.pricing;
      const priced = (usage: Usage, speed: Speed) => (typeof pricing === 'function' ? pricing(usage, model, speed) : cost(usage, model, speed, pricing));
      spend = spendMeter(stateFor(env), opts.spendLimits, `spend:${keyHash}:${userId ?? 'anonymous'}`, priced);
      const worst = worstCaseUsage(maxTokens, requestInputTokens(request, tools));
      let reserved = await spend.reserve(decision.speed, worst).catch(() => undefined);
      if (reserved !== undefined && !reserved.ok && reserved.exhausted === 'fast' && policy === 'auto') {
        decision = { speed: 'standard', fallback: { reason: 'spend_limit', until: reserved.resetAt } };
        reserved = await spend.reserve('standard', worst).catch(() => undefined);
      }
      if (reserved !== undefined && !reserved.ok) {
        const { message, retryAfterMs, code } = spendRefusal(reserved, opts.now());
        return refuse({ kind: 'rate_limited', code, message, retryable: true, retryAfterMs }, 429, { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) });
      }
      firstReservation = reserved?.reservation;
    }

    // `messages`, `system`, tools and breakpoints are set per step by the loop.
    const params: BaseParams = { model, max_tokens: maxTokens, messages: [] };
    if (request.thinking) params.thinking = request.thinking as BaseParams['thinking'];
    if (request.effort) params.output_config = { effort: request.effort };

    const replyLog = replyLogFor(env);
    let producer: ReplyProducer | undefined;
    let out: EventStream;
    if (replyLog !== undefined && resume !== undefined) {
      const replyId = newReplyId();
      out = createEventStream({
        heartbeatMs: opts.heartbeatMs,
        requestSignal: c.req.raw.signal,
        resumable: { record: (seq, frame, name) => producer?.record(seq, frame, name), onClientGone: () => producer?.clientGone() },
      });
      const stream = out;
      producer = new ReplyProducer(
        replyLog,
        replyId,
        resume,
        {
          stop: () => {
            stream.send('error', { kind: 'aborted', message: 'The reply was stopped.', retryable: false, t: t() });
            stream.abort(new Error('stopped'));
          },
          detach: () => stream.abort(new Error('no client attached for the detach time')),
          now: opts.now,
        },
        userId,
      );
      const registered = producer;
      producers.set(replyId, registered);
      void registered.settled.then(() => producers.delete(replyId));
    } else {
      out = createEventStream({ heartbeatMs: opts.heartbeatMs, requestSignal: c.req.raw.signal });
    }
    const running = runReply({
      client: clientFor(apiKey, keyHash, baseURL),
      params,
      messages: request.messages,
      verdicts: conversation.verdicts,
      system: systemBlocks(opts.system, request.system),
      tools,
      toolChoice: tools ? upstreamToolChoice(choice, opts.disableParallelToolUse) : undefined,
      cache: cacheBreakpoints,
      maxSteps: opts.maxSteps,
      policy,
      decision,
      out,
      opts,
      conversationId: request.conversationId,
      t,
      store: fallbackStore,
      storeKeys,
      calibration: calibrationFor(env),
      keyMemory,
      log,
      ...(spend !== undefined ? { spend: { meter: spend, first: firstReservation, maxTokens } } : {}),
      ...(producer !== undefined ? { replyId: producer.id } : {}),
    });
    if (producer !== undefined) {
      const recorded = producer;
      // The reply outlives its response: on Workers the isolate must be told to keep running it.
      keepAlive(
        c,
        running.finally(() => recorded.finish()).then(() => recorded.settled),
      );
    }
    return new Response(out.body, { status: 200, headers: streamHeaders() });
  });

  /** What the resume and stop routes act on: the caller (gate), the store's reply log and a well-formed reply id; or the refusal. */
  const replyTarget = async (c: Context) => {
    const gated = await gate(c);
    if (gated instanceof Response) return gated;
    const log = replyLogFor(c.env as EnvBindings);
    if (log === undefined || resume === undefined) return notFound('This edge does not keep replies (resume is off).');
    const replyId = c.req.param('replyId') ?? '';
    if (!isReplyId(replyId)) return notFound(UNKNOWN);
    return { gated, log, replyId, resume };
  };

  app.get(`${replyRoute}/:replyId`, async function handleResume(c: Context) {
    const target = await replyTarget(c);
    if (target instanceof Response) return target;
    const { gated, log, replyId, resume } = target;
    const header = c.req.header(LAST_EVENT_ID_HEADER)?.trim() ?? '';
    if (header !== '' && !/^\d{1,15}$/.test(header)) {
      return refuse({ kind: 'invalid_request', message: 'last-event-id must be the id (a whole number) of the last event received.', retryable: false, field: LAST_EVENT_ID_HEADER }, 400);
    }
    const after = header === '' ? 0 : Number(header);
    let first;
    try {
      first = await log.read(replyId, after, { touchReader: true, limit: 512 });
    } catch {
      return notFound('The reply store is unreachable, so this reply cannot be resumed now.');
    }
    const why = notResumable(first?.meta, gated.userId, resume);
    if (why !== undefined || first === undefined) return notFound(why ?? UNKNOWN);
    const out = createEventStream({ heartbeatMs: opts.heartbeatMs, requestSignal: c.req.raw.signal });
    void tailReply(out, log, replyId, after, first, resume, opts.now);
    return new Response(out.body, { status: 200, headers: streamHeaders() });
  });

  app.post(`${replyRoute}/:replyId/stop`, async function handleStop(c: Context) {
    const target = await replyTarget(c);
    if (target instanceof Response) return target;
    const { gated, log, replyId, resume } = target;
    const answer = (stopped: boolean) => {
      const body: StopResponse = { stopped };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) } });
    };
    const local = producers.get(replyId);
    if (local !== undefined) {
      // Produced here: stop at once, whatever the store says (it may be the one that is down).
      if (local.userId !== undefined && local.userId !== gated.userId) return notFound(UNKNOWN);
      const running = local.running;
      local.stop();
      return answer(running);
    }
    let meta;
    try {
      meta = (await log.read(replyId, Number.MAX_SAFE_INTEGER, { limit: 0 }))?.meta;
      if (meta === undefined || (meta.userId !== undefined && meta.userId !== gated.userId) || meta.status === 'detached') return notFound(UNKNOWN);
      meta = await log.requestStop(replyId);
    } catch {
      return notFound('The reply store is unreachable, so this reply cannot be stopped from here now.');
    }
    if (meta === undefined || meta.status === 'detached') return notFound(UNKNOWN);
    return answer(meta.status === 'running');
  });
  app.all(`${replyRoute}/:replyId`, () =>
    refuse({ kind: 'invalid_request', message: 'Use GET to resume a reply.', retryable: false }, 405, { allow: allowed === undefined ? 'GET' : 'GET, OPTIONS' }),
  );
  app.all(`${replyRoute}/:replyId/stop`, () =>
    refuse({ kind: 'invalid_request', message: 'Use POST to stop a reply.', retryable: false }, 405, { allow: allowed === undefined ? 'POST' : 'POST, OPTIONS' }),
  );

  app.all(opts.path, () =>
    refuse({ kind: 'invalid_request', message: 'Use POST.', retryable: false }, 405, { allow: allowed === undefined ? 'POST' : 'POST, OPTIONS' }),
  );
  app.onError((err, c) => {
    void err;
    void c;
    return refuse({ kind: 'upstream', message: 'The edge failed to handle the request.', retryable: true }, 500);
  });
  return app;
}

/**
 * A `tool_choice` the edge cannot send, as a 400 naming the field: tools the edge does not offer, or a
 * forced tool with extended thinking on (Anthropic takes only `auto` and `none` with thinking).
 */
function checkToolChoice(choice: ToolChoice, tools: ToolSet | undefined, thinking: string | undefined): ErrorEvent | undefined {
  const invalid = (field: string, message: string): ErrorEvent => ({ kind: 'invalid_request', message, retryable: false, field });
  if (tools === undefined) return invalid('tool_choice', 'tool_choice was given, but this edge offers no tools.');
  if (choice.type === 'tool' && tools.get(choice.name) === undefined) {
    const names = tools.list.map((t) => `"${t.name}"`).join(', ');
    return invalid('tool_choice.name', `tool_choice.name "${choice.name.slice(0, 128)}" is not a tool this edge offers (${names}).`);
  }
  if ((choice.type === 'any' || choice.type === 'tool') && (thinking === 'enabled' || thinking === 'adaptive')) {
    return invalid('tool_choice.type', `tool_choice.type "${choice.type}" forces tool use, which Anthropic refuses with thinking on; use "auto" or "none", or turn thinking off.`);
  }
  return undefined;
}

/** The `tool_choice` sent upstream on every step, with the edge's `disableParallelToolUse` folded in. */
function upstreamToolChoice(choice: ToolChoice | undefined, disableParallel: boolean): BetaToolChoice | undefined {
  if (choice === undefined) return disableParallel ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
  if (choice.type === 'none' || !disableParallel || choice.disable_parallel_tool_use !== undefined) return { ...choice };
  return { ...choice, disable_parallel_tool_use: true };
}

/**
 * The `max_tokens` sent upstream, or the refusal naming the field at fault. Checked here rather than
 * upstream so an impossible request costs no round trip: the model's own output limit, and a thinking
 * budget that must leave room for a reply within the `max_tokens` the edge fills in.
 */
function resolveMaxTokens(
  request: ChatRequest,
  model: string,
  modelLimit: number | undefined,
  opts: Pick<ResolvedOptions, 'defaultMaxTokens' | 'maxTokensCap'>,
): number | ErrorEvent {
  const ceiling = Math.min(opts.maxTokensCap, modelLimit ?? Infinity);
  const invalid = (field: string, message: string): ErrorEvent => ({ kind: 'invalid_request', message, retryable: false, field });
  if (request.max_tokens !== undefined && request.max_tokens > ceiling) {
    return invalid('max_tokens', `max_tokens must be at most ${ceiling} for ${model}.`);
  }
  const budget = request.thinking?.type === 'enabled' ? request.thinking.budget_tokens : 0;
  // With no max_tokens given, a thinking budget gets the default reply room on top of it.
  const maxTokens = request.max_tokens ?? Math.min(ceiling, opts.defaultMaxTokens + budget);
  if (budget >= maxTokens) {
    const given = request.max_tokens === undefined ? `, the most this edge allows for ${model}` : '';
    return invalid('thinking.budget_tokens', `thinking.budget_tokens (${budget}) must be less than max_tokens (${maxTokens}${given}).`);
  }
  return maxTokens;
}

/** Input tokens of what goes upstream, estimated high, for the spend limit. */
function requestInputTokens(request: ChatRequest, tools: ToolSet | undefined): number {
  const toolChars = tools === undefined ? 0 : JSON.stringify(tools.list.map((t) => t.definition)).length;
  return estimateInputTokens(request.messages) + Math.ceil(((request.system?.length ?? 0) + toolChars) / 3);
}
