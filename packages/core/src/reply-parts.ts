/**
 * The parts and steps of one streamed reply, accumulated for the store: ordered text, thinking and
 * tool-call parts keyed by (step, index), tool results attached to their calls, and per-step and
 * per-part metrics.
 *
 * Performance: appending a delta pushes onto the part's chunk list and marks it dirty, nothing more.
 * A snapshot joins each dirty part's chunks once and rebuilds only dirty parts; a part that did not
 * change keeps its identity, so a UI can memoize per part.
 *
 * @module
 */
import { effectiveOtps, headlineOtps, type Metric, type MetricsRecorder, type StreamMetrics } from './metrics.ts';
import { parsePartialJson } from './partial-json.ts';
import type {
  JsonValue,
  PendingToolCall,
  RateLimitEvent,
  StepFinishEvent,
  StepStartEvent,
  ThinkingSignatureEvent,
  ToolCallEvent,
  ToolCallStartEvent,
  ToolResultEvent,
} from './protocol.ts';
import type { PartMetrics, ReplyPart, ReplyStep, ReplyToolCallPart, StepMetrics, ToolCallState } from './stream-state.ts';

interface TextSlot {
  kind: 'text';
  step: number;
  index: number;
  chunks: string[];
  text: string;
  dirty: boolean;
  snap: ReplyPart | undefined;
}

interface ThinkingSlot {
  kind: 'thinking';
  step: number;
  index: number;
  chunks: string[];
  text: string;
  signature: string | null;
  redacted: boolean;
  rec: MetricsRecorder;
  recVersion: number;
  ended: boolean;
  dirty: boolean;
  snap: ReplyPart | undefined;
}

interface ToolSlot {
  kind: 'tool_call';
  step: number;
  index: number;
  toolCallId: string;
  name: string;
  chunks: string[];
  inputText: string;
  input: JsonValue | undefined;
  /** `input` is the edge's parsed input (from `tool_call`), not a tolerant parse. */
  inputFinal: boolean;
  state: ToolCallState;
  execution: ReplyToolCallPart['execution'];
  needsApproval: boolean;
  output?: JsonValue;
  error?: string;
  durationMs?: number;
  rec: MetricsRecorder;
  recVersion: number;
  ended: boolean;
  dirty: boolean;
  snap: ReplyToolCallPart | undefined;
}

type Slot = TextSlot | ThinkingSlot | ToolSlot;

interface StepSlot {
  step: number;
  data: Omit<ReplyStep, 'metrics'>;
  rec: MetricsRecorder;
  recVersion: number;
  dirty: boolean;
  snap: ReplyStep | undefined;
  slots: Slot[];
}

/** Content kinds whose deltas count as output tokens. */
export type DeltaKind = 'text' | 'thinking' | 'tool_input';

const SETTLED: ReadonlySet<ToolCallState> = new Set(['output-available', 'output-error', 'awaiting-approval', 'awaiting-client', 'cancelled']);

const EMPTY: readonly never[] = Object.freeze([]);

/** Accumulates one reply. A new one per reply. */
export class ReplyParts {
  readonly #newRecorder: () => MetricsRecorder;
  readonly #slots: Slot[] = [];
  readonly #byKey = new Map<string, Slot>();
  readonly #calls = new Map<string, ToolSlot>();
  readonly #steps: StepSlot[] = [];
  readonly #earlier: ToolResultEvent[] = [];
  #sentAt: number | null = null;
  /** Arrival of the last event that lets the edge start the next step (a step_finish or a tool_result). */
  #boundaryAt: number | null = null;
  /** Fast headers read while no step streamed (before `start`, or a refused attempt's): the next step's. */
  #pendingFast: RateLimitEvent | undefined;

  #partsDirty = false;
  #parts: readonly ReplyPart[] = EMPTY;
  #stepsDirty = false;
  #stepsSnap: readonly ReplyStep[] = EMPTY;
  #earlierSnap: readonly ToolResultEvent[] = EMPTY;

  /** @param newRecorder - Makes a metrics recorder configured like the reply's own. */
  constructor(newRecorder: () => MetricsRecorder) {
    this.#newRecorder = newRecorder;
  }

  /** The request was sent at `at`: step 0's TTFT starts here. */
  markSent(at: number): void {
    this.#sentAt = at;
    const first = this.#steps[0];
    if (first !== undefined) first.rec.markSent(at);
  }

  stepStart(d: StepStartEvent, at: number): void {
    const s = this.#step(d.step, at);
    s.data = { ...s.data, messageId: d.messageId, model: d.model, requestedSpeed: d.requestedSpeed };
    s.dirty = true;
  }

  /**
   * A `ratelimit` event. One with the fast budget belongs to the step streaming now (a later step's
   * headers follow its `step_start`), else to the next step to start (step 0's come before `start`; a
   * refused attempt's before the step its fallback leads to).
   */
  rateLimit(d: RateLimitEvent): void {
    if (d.fast === undefined) return;
    const last = this.#steps[this.#steps.length - 1];
    if (last === undefined || last.data.status !== 'streaming') {
      this.#pendingFast = d;
      return;
    }
    last.data = { ...last.data, fastRateLimit: d };
    last.dirty = true;
    this.#stepsDirty = true;
  }

  stepFinish(d: StepFinishEvent, at: number): ReplyStep {
    const s = this.#step(d.step, at);
    s.data = {
      ...s.data,
      servedSpeed: d.speed,
      stopReason: d.stopReason,
      usage: d.usage,
      cost: d.cost,
      edge: d.timings,
      status: 'done',
    };
    const exact = typeof d.usage?.outputTokens === 'number' ? d.usage.outputTokens : undefined;
    s.rec.finish(exact);
    const streamed = s.slots.filter((x): x is ThinkingSlot | ToolSlot => x.kind !== 'text');
    // A part's exact token count is known only when it is its step's only content.
    const alone = s.slots.length === 1 ? exact : undefined;
    for (const slot of streamed) this.#endSlot(slot, alone);
    for (const slot of s.slots) {
      // Server tools run after their step finishes (their results follow `step_finish`).
      if (slot.kind === 'tool_call' && slot.state === 'input-available' && slot.execution === 'server' && !slot.needsApproval) {
        slot.state = 'running';
        this.#touch(slot);
      }
    }
    s.dirty = true;
    this.#stepsDirty = true;
    this.#boundaryAt = at;
    return this.#stepSnapshot(s);
  }

  /** A text, thinking or tool-input delta. */
  delta(kind: DeltaKind, step: number, index: number, delta: string, at: number, t: number, toolCallId?: string): void {
    const s = this.#step(step, at);
    feed(s.rec, at, delta, t, kind, index);
    s.dirty = true;
    this.#stepsDirty = true;
    if (kind === 'tool_input') {
      const slot = (toolCallId !== undefined ? this.#calls.get(toolCallId) : undefined) ?? this.#toolSlot(step, index, toolCallId ?? '', '', at);
      slot.chunks.push(delta);
      feed(slot.rec, at, delta, t, kind, index);
      this.#touch(slot);
      return;
    }
    const slot = this.#slot(kind, step, index, at);
    slot.chunks.push(delta);
    if (slot.kind === 'thinking') feed(slot.rec, at, delta, t, kind, index);
    this.#touch(slot);
  }

  signature(d: ThinkingSignatureEvent, at: number): void {
    const slot = this.#slot('thinking', d.step, d.index, at) as ThinkingSlot;
    slot.signature = d.signature;
    if (d.redacted === true) slot.redacted = true;
    this.#endSlot(slot, undefined);
    this.#touch(slot);
  }

  toolCallStart(d: ToolCallStartEvent, at: number): void {
    const slot = this.#toolSlot(d.step, d.index, d.toolCallId, d.name, at);
    if (slot.name === '') slot.name = d.name;
    this.#touch(slot);
  }

  /** The call is complete. Returns its part as it now stands. */
  toolCall(d: ToolCallEvent, at: number): ReplyToolCallPart {
    const slot = this.#calls.get(d.toolCallId) ?? this.#toolSlot(d.step, d.index, d.toolCallId, d.name, at);
    slot.name = d.name;
    slot.input = d.input;
    slot.inputFinal = true;
    // An edge may send a call whole, without streaming its input.
    if (slot.chunks.length === 0 && slot.inputText === '') slot.inputText = JSON.stringify(d.input);
    slot.execution = d.execution;
    slot.needsApproval = d.needsApproval === true;
    if (!SETTLED.has(slot.state)) slot.state = 'input-available';
    this.#endSlot(slot, undefined);
    this.#touch(slot);
    return this.#partSnapshot(slot) as ReplyToolCallPart;
  }

  /**
   * A tool result. Attached to its call when the call is part of this reply; otherwise (step -1: a call
   * of an earlier reply the user approved) kept in {@link earlierToolResults}. Returns the call's part,
   * or `undefined` for an earlier reply's call.
   */
  toolResult(d: ToolResultEvent, at: number): ReplyToolCallPart | undefined {
    if (d.step >= 0) this.#boundaryAt = at;
    const slot = d.step >= 0 ? this.#calls.get(d.toolCallId) : undefined;
    if (slot === undefined) {
      this.#earlier.push(d);
      this.#earlierSnap = Object.freeze(this.#earlier.slice());
      return undefined;
    }
    if (d.error !== undefined) {
      slot.error = d.error;
      slot.state = 'output-error';
    } else {
      slot.output = d.output ?? null;
      slot.state = 'output-available';
    }
    if (typeof d.durationMs === 'number') slot.durationMs = d.durationMs;
    this.#touch(slot);
    return this.#partSnapshot(slot) as ReplyToolCallPart;
  }

  /** The reply finished: calls it waits for change state; every part and step ends. */
  done(pending: readonly PendingToolCall[] | undefined): void {
    for (const p of pending ?? EMPTY) {
      const slot = this.#calls.get(p.toolCallId);
      if (slot === undefined) continue;
      slot.state = p.awaiting === 'approval' ? 'awaiting-approval' : 'awaiting-client';
      this.#touch(slot);
    }
    this.#endAll('done');
  }

  /** The reply stopped (user stop) or failed: unfinished calls are cancelled, open steps marked. */
  end(status: 'aborted' | 'error'): void {
    for (const slot of this.#calls.values()) {
      if (!SETTLED.has(slot.state)) {
        slot.state = 'cancelled';
        this.#touch(slot);
      }
    }
    this.#endAll(status);
  }

  /** The ordered parts; the same array until a part changes. */
  parts(): readonly ReplyPart[] {
    if (!this.#partsDirty) return this.#parts;
    this.#partsDirty = false;
    this.#parts = Object.freeze(this.#slots.map((slot) => this.#partSnapshot(slot)));
    return this.#parts;
  }

  /** The steps; the same array until a step changes. */
  steps(): readonly ReplyStep[] {
    if (!this.#stepsDirty && !this.#steps.some((s) => s.rec.version !== s.recVersion)) return this.#stepsSnap;
    this.#stepsDirty = false;
    this.#stepsSnap = Object.freeze(this.#steps.map((s) => this.#stepSnapshot(s)));
    return this.#stepsSnap;
  }

  /** Results of calls made in an earlier reply (step -1), in arrival order. */
  earlierToolResults(): readonly ToolResultEvent[] {
    return this.#earlierSnap;
  }

  /**
   * The reply's headline and effective OTPS over several steps, leaving out the time between steps
   * (tool execution, the next step's wait): headline = Σ(tokens − 1) ÷ Σ(last − first delta), effective
   * = Σ tokens ÷ Σ(last delta − step start). `undefined` for a one-step reply (the recorder's own
   * figures are exactly these then).
   */
  replyRates(): Pick<StreamMetrics, 'otps' | 'effectiveOtps'> | undefined {
    if (this.#steps.length < 2) return undefined;
    let afterFirst = 0;
    let tokens = 0;
    let streaming = 0;
    let waiting = 0;
    let estimate = false;
    let any = false;
    for (const s of this.#steps) {
      const m = s.rec.snapshot();
      const n = m.outputTokens.value;
      if (n === null || m.firstDeltaAt === null || m.lastDeltaAt === null) continue;
      any = true;
      estimate ||= m.outputTokens.isEstimate;
      tokens += n;
      afterFirst += Math.max(0, n - 1);
      streaming += m.lastDeltaAt - m.firstDeltaAt;
      if (m.sentAt !== null) waiting += m.lastDeltaAt - m.sentAt;
    }
    if (!any) return undefined;
    // Feed the pure definitions sums shaped like one stream: (n, 0, span).
    const otps = headlineOtps(afterFirst + 1, 0, streaming);
    const eff = effectiveOtps(tokens, 0, waiting);
    return { otps: metric(otps, estimate), effectiveOtps: metric(eff, estimate) };
  }

  // ---- internals ------------------------------------------------------------------------------

  #step(step: number, at: number): StepSlot {
    const n = Number.isInteger(step) && step >= 0 ? step : 0;
    let s = this.#steps.find((x) => x.step === n);
    if (s !== undefined) return s;
    const rec = this.#newRecorder();
    // Step 0 waits from the request; a later step from when the edge could send its request: the
    // arrival of the previous step's last event (its step_finish or last tool result).
    const origin = n === 0 ? this.#sentAt : (this.#boundaryAt ?? at);
    if (origin !== null) rec.markSent(origin);
    s = {
      step: n,
      data: {
        step: n,
        messageId: '',
        model: '',
        requestedSpeed: 'standard',
        servedSpeed: null,
        stopReason: null,
        usage: null,
        cost: null,
        edge: null,
        status: 'streaming',
        ...(this.#pendingFast !== undefined ? { fastRateLimit: this.#pendingFast } : {}),
      },
      rec,
      recVersion: -1,
      dirty: true,
      snap: undefined,
      slots: [],
    };
    this.#pendingFast = undefined;
    this.#steps.push(s);
    this.#steps.sort((a, b) => a.step - b.step);
    this.#stepsDirty = true;
    return s;
  }

  #slot(kind: 'text' | 'thinking', step: number, index: number, at: number): TextSlot | ThinkingSlot {
    const key = `${step}:${index}`;
    const found = this.#byKey.get(key);
    if (found !== undefined && found.kind === kind) return found;
    const slot: TextSlot | ThinkingSlot =
      kind === 'text'
        ? { kind, step, index, chunks: [], text: '', dirty: true, snap: undefined }
        : {
            kind,
            step,
            index,
            chunks: [],
            text: '',
            signature: null,
            redacted: false,
            rec: this.#partRecorder(),
            recVersion: -1,
            ended: false,
            dirty: true,
            snap: undefined,
          };
    this.#add(key, slot, at);
    return slot;
  }

  #toolSlot(step: number, index: number, toolCallId: string, name: string, at: number): ToolSlot {
    const existing = this.#calls.get(toolCallId);
    if (existing !== undefined) return existing;
    const slot: ToolSlot = {
      kind: 'tool_call',
      step,
      index,
      toolCallId,
      name,
      chunks: [],
      inputText: '',
      input: undefined,
      inputFinal: false,
      state: 'input-streaming',
      execution: null,
      needsApproval: false,
      rec: this.#partRecorder(),
      recVersion: -1,
      ended: false,
      dirty: true,
      snap: undefined,
    };
    this.#calls.set(toolCallId, slot);
    this.#add(`${step}:${index}`, slot, at);
    return slot;
  }

  #add(key: string, slot: Slot, at: number): void {
    this.#byKey.set(key, slot);
    this.#slots.push(slot);
    this.#step(slot.step, at).slots.push(slot);
    this.#partsDirty = true;
  }

  #partRecorder(): MetricsRecorder {
    return this.#newRecorder();
  }

  #touch(slot: Slot): void {
    slot.dirty = true;
    this.#partsDirty = true;
  }

  #endSlot(slot: ThinkingSlot | ToolSlot, exactTokens: number | undefined): void {
    if (slot.ended) {
      if (exactTokens !== undefined) slot.rec.setOutputTokens(exactTokens);
      return;
    }
    slot.ended = true;
    slot.rec.finish(exactTokens);
    this.#touch(slot);
  }

  #endAll(status: 'done' | 'aborted' | 'error'): void {
    for (const slot of this.#slots) if (slot.kind !== 'text') this.#endSlot(slot, undefined);
    for (const s of this.#steps) {
      s.rec.finish();
      if (s.data.status === 'streaming') {
        s.data = { ...s.data, status };
        s.dirty = true;
        this.#stepsDirty = true;
      }
    }
  }

  #partSnapshot(slot: Slot): ReplyPart {
    const recChanged = slot.kind !== 'text' && slot.rec.version !== slot.recVersion;
    if (!slot.dirty && !recChanged && slot.snap !== undefined) return slot.snap;
    if (slot.chunks.length > 0) {
      const joined = slot.chunks.join('');
      slot.chunks = [];
      if (slot.kind === 'tool_call') slot.inputText += joined;
      else slot.text += joined;
    }
    let snap: ReplyPart;
    switch (slot.kind) {
      case 'text':
        snap = { type: 'text', step: slot.step, index: slot.index, text: slot.text };
        break;
      case 'thinking':
        snap = {
          type: 'thinking',
          step: slot.step,
          index: slot.index,
          thinking: slot.text,
          signature: slot.signature,
          redacted: slot.redacted,
          metrics: partMetrics(slot.rec, slot.ended),
        };
        slot.recVersion = slot.rec.version;
        break;
      case 'tool_call': {
        if (!slot.inputFinal) slot.input = parsePartialJson(slot.inputText);
        const part: ReplyToolCallPart = {
          type: 'tool_call',
          step: slot.step,
          index: slot.index,
          toolCallId: slot.toolCallId,
          name: slot.name,
          inputText: slot.inputText,
          input: slot.input,
          state: slot.state,
          execution: slot.execution,
          needsApproval: slot.needsApproval,
          metrics: partMetrics(slot.rec, slot.ended),
        };
        if (slot.output !== undefined) part.output = slot.output;
        if (slot.error !== undefined) part.error = slot.error;
        if (slot.durationMs !== undefined) part.durationMs = slot.durationMs;
        slot.recVersion = slot.rec.version;
        snap = part;
        break;
      }
    }
    slot.dirty = false;
    slot.snap = Object.freeze(snap) as never;
    return snap;
  }

  #stepSnapshot(s: StepSlot): ReplyStep {
    if (!s.dirty && s.rec.version === s.recVersion && s.snap !== undefined) return s.snap;
    const m = s.rec.snapshot();
    const metrics: StepMetrics = {
      ttftMs: m.ttftMs,
      otps: m.otps,
      effectiveOtps: m.effectiveOtps,
      liveOtps: m.liveOtps,
      outputTokens: m.outputTokens,
    };
    s.snap = Object.freeze({ ...s.data, metrics });
    s.dirty = false;
    s.recVersion = s.rec.version;
    return s.snap;
  }
}

/** While a part streams: its rolling live rate. Once it ended: its own headline rate over its span. */
function partMetrics(rec: MetricsRecorder, ended: boolean): PartMetrics {
  const m = rec.snapshot();
  return { firstDeltaAt: m.firstDeltaAt, lastDeltaAt: m.lastDeltaAt, liveOtps: ended ? m.otps : m.liveOtps };
}

/** The one place a delta reaches a recorder (its estimator is the meter's business). */
function feed(rec: MetricsRecorder, at: number, delta: string, t: number, kind: DeltaKind, index: number): void {
  // Each content block is its own stream for the token counter (a word cut between deltas counts once).
  rec.recordDelta(at, delta, Number.isFinite(t) ? t : Number.NaN, kind, `${kind}:${index}`);
}

function metric(value: number | null, isEstimate: boolean): Metric {
  return { value, isEstimate: value !== null && isEstimate };
}
