/**
 * One RequestRecord → one trace (DESIGN §4 "OTel spans"). Span model (docs/telemetry.md):
 *
 *   llm_request (SERVER, arrival → finish; vLLM's span name and latency attributes)
 *   ├─ admission   arrival → admitted           (ERROR with the reason when rejected/expired)
 *   ├─ routing     admitted → routed
 *   ├─ queue       enqueued → first scheduled   (instance waiting queue)
 *   ├─ prefill     first scheduled → first token  events: prefill_chunk, preempted
 *   ├─ kv_transfer transfer start → end          (disaggregated P/D only)
 *   └─ decode      first token → finished        events: first_token, token (every Nth), preempted,
 *                  prefill_chunk (a prompt recomputed after a preemption in decode)
 *                  (disaggregated: the decode instance's first step → finished; it starts after
 *                  kv_transfer ends, and first_token is that step's token)
 *
 * The root is named `llm_request` like stock vLLM's request span (vLLM 0.x
 * vllm/tracing.py SpanAttributes) so dashboards and readers written for vLLM read blis output
 * unchanged; the instrumentation scope `blis.sim` tells the two apart. A phase is emitted when
 * its start happened; a phase that started but never ended (the request was rejected, timed out
 * or unfinished) ends when the request left the system (`endedUs`) with status ERROR.
 *
 * A phase that took no simulated time (admission and routing with zero latency, a queue with no
 * wait) is by default not a span but an event of the same name on the root, carrying the same
 * attributes: zero-length spans are noise in a waterfall (about two in five spans of a default
 * run) and trace backends treat them as suspect. `instantPhases: 'span'` keeps them as spans.
 */
import type { RequestRecord } from '../cluster/record.js';
import { outermostPrefixParent, type ArrivalRequest } from '../workload/request.js';
import { spanIdFor, traceIdFor } from './ids.js';
import type { Telemetry } from './options.js';
import {
  SpanKind, StatusCode, SEMCONV_SCHEMA_URL, SPAN_FLAGS_SAMPLED_LOCAL, dbl, int, str, strs, bool,
  type KeyValue, type Resource, type Span, type SpanEvent, type InstrumentationScope,
} from './otlp-types.js';
import { SimClock } from './time.js';
import { usToS } from '../kernel/units.js';

export const ROOT_SPAN_NAME = 'llm_request';
export const SCOPE_NAME = 'blis.sim';
/**
 * `gen_ai.provider.name`: what is simulated is a self-hosted vLLM engine, which the GenAI
 * conventions' list of well-known providers does not name; the conventions allow a custom value.
 */
export const PROVIDER_NAME = 'vllm';
/** `server.port` of every simulated instance: vLLM's OpenAI-compatible server default (`vllm serve --port`). */
export const SIMULATED_SERVER_PORT = 8000;

/** `server.address` of a simulated instance: a stable host name per pool and instance id. */
export function simulatedServerAddress(pool: string, instance: number): string {
  return `${pool || 'instance'}-${instance}.blis.sim`;
}

/** Span numbers (the third input of the span id): stable across versions, never reused. */
const enum SpanNo {
  Root = 0,
  Admission = 1,
  Routing = 2,
  Queue = 3,
  Prefill = 4,
  KvTransfer = 5,
  Decode = 6,
}

export function buildResource(t: Telemetry): Resource {
  const attributes: KeyValue[] = [str('service.name', t.serviceName), str('service.version', t.version)];
  for (const key of Object.keys(t.config).sort()) {
    const v = t.config[key];
    if (v === undefined) continue;
    const name = `blis.config.${key}`;
    if (typeof v === 'string') attributes.push(str(name, v));
    else if (typeof v === 'boolean') attributes.push(bool(name, v));
    else attributes.push(Number.isInteger(v) ? int(name, v) : dbl(name, v));
  }
  return { attributes };
}

export { SEMCONV_SCHEMA_URL };

export function buildScope(t: Telemetry): InstrumentationScope {
  return { name: SCOPE_NAME, version: t.version };
}

/**
 * Where the root and unfinished phases end: the finish, else when the request left the system
 * (`endedUs`), else (records built without it) the last time the record knows of.
 */
function terminalUs(r: RequestRecord): number {
  if (r.finishedUs >= 0) return r.finishedUs;
  let t = Math.max(r.arrivalUs, r.endedUs ?? -1);
  for (const v of [r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs, r.firstTokenUs]) if (v > t) t = v;
  if (r.disagg) for (const v of [r.disagg.transferEndUs, r.disagg.decodeEnqueuedUs]) if (v > t) t = v;
  if (r.tokenTimesUs && r.tokenTimesUs.length > 0) t = Math.max(t, r.tokenTimesUs[r.tokenTimesUs.length - 1]!);
  return t;
}

function rootAttributes(r: RequestRecord, t: Telemetry, req: ArrivalRequest | undefined): KeyValue[] {
  const model = r.model ?? (typeof t.config['model'] === 'string' ? (t.config['model'] as string) : undefined);
  const a: KeyValue[] = [
    str('gen_ai.operation.name', 'text_completion'),
    str('gen_ai.provider.name', PROVIDER_NAME),
    str('gen_ai.request.id', r.id),
    str('gen_ai.response.id', r.id),
    int('gen_ai.usage.input_tokens', r.inputTokens),
    int('gen_ai.usage.output_tokens', r.producedTokens),
    // vLLM's own names for the same counts (vllm/tracing.py).
    int('gen_ai.usage.prompt_tokens', r.inputTokens),
    int('gen_ai.usage.completion_tokens', r.producedTokens),
    int('gen_ai.request.max_tokens', r.outputTokens),
    // Prompt tokens served from the prefix cache; the conventions count them in input_tokens too.
    int('gen_ai.usage.cache_read.input_tokens', r.cachedTokens),
  ];
  if (model !== undefined) a.push(str('gen_ai.request.model', model), str('gen_ai.response.model', model));
  // A completed request ran until it produced its output length: the simulated end of generation
  // (vLLM's finish_reason "stop"). Requests that never completed have no response to describe.
  if (r.status === 'completed') a.push(strs('gen_ai.response.finish_reasons', ['stop']));
  else a.push(str('error.type', r.reason ?? r.status));
  if (r.instance >= 0) a.push(str('server.address', simulatedServerAddress(r.pool, r.instance)), int('server.port', SIMULATED_SERVER_PORT));
  // vLLM latency attributes: double seconds (vllm/tracing.py, v1 engine output processor).
  if (r.firstTokenUs >= 0) a.push(dbl('gen_ai.latency.time_to_first_token', usToS(r.firstTokenUs - r.arrivalUs)));
  if (r.finishedUs >= 0) a.push(dbl('gen_ai.latency.e2e', usToS(r.finishedUs - r.arrivalUs)));
  if (r.enqueuedUs >= 0 && r.firstScheduledUs >= 0) a.push(dbl('gen_ai.latency.time_in_queue', usToS(r.firstScheduledUs - r.enqueuedUs)));
  if (r.firstScheduledUs >= 0 && r.firstTokenUs >= 0) a.push(dbl('gen_ai.latency.time_in_model_prefill', usToS(r.firstTokenUs - r.firstScheduledUs)));
  if (r.firstTokenUs >= 0 && r.finishedUs >= 0) a.push(dbl('gen_ai.latency.time_in_model_decode', usToS(r.finishedUs - r.firstTokenUs)));
  if (r.firstScheduledUs >= 0 && r.finishedUs >= 0) a.push(dbl('gen_ai.latency.time_in_model_inference', usToS(r.finishedUs - r.firstScheduledUs)));

  a.push(
    int('blis.request.index', r.index),
    int('blis.request.output_tokens', r.outputTokens),
    str('blis.status', r.status),
    str('blis.admission.decision', r.admission),
    int('blis.instance.id', r.instance),
    str('blis.pool', r.pool),
    int('blis.prefix.cached_tokens', r.cachedTokens),
    int('blis.preemptions', r.preemptions),
  );
  if (r.reason !== undefined) a.push(str('blis.reason', r.reason));
  if (r.tenant !== undefined) a.push(str('blis.tenant', r.tenant));
  if (r.sloClass !== undefined) a.push(str('blis.slo_class', r.sloClass));
  if (r.sessionId !== undefined) a.push(str('session.id', r.sessionId));
  if (r.priority !== undefined) a.push(int('blis.priority', r.priority));
  if (r.stage !== undefined) a.push(int('blis.stage', r.stage));
  if (req?.turn !== undefined) a.push(int('blis.turn', req.turn));
  if (req?.prefix) a.push(str('blis.prefix.group', req.prefix.group), int('blis.prefix.tokens', req.prefix.tokens));
  const parent = outermostPrefixParent(req?.prefix);
  if (parent) a.push(str('blis.prefix.parent_group', parent.group), int('blis.prefix.parent_tokens', parent.tokens));
  if (r.routingScores) {
    for (const name of Object.keys(r.routingScores).sort()) a.push(dbl(`blis.routing.score.${name}`, r.routingScores[name]!));
  }
  if (r.disagg) a.push(int('blis.decode.instance.id', r.disagg.decodeInstance));
  return a;
}

/** Builds spans for one request; `clock` and ids are the only inputs besides the record. */
export class TraceBuilder {
  private readonly clock: SimClock;

  constructor(private readonly t: Telemetry) {
    this.clock = new SimClock(t.traceEpochNs);
  }

  build(r: RequestRecord, req?: ArrivalRequest): Span[] {
    const { t, clock } = this;
    const traceId = traceIdFor(t.seed, r.index);
    const rootId = spanIdFor(t.seed, r.index, SpanNo.Root);
    const endUs = terminalUs(r);
    const failed = r.status !== 'completed';
    const errorMessage = r.reason ?? r.status;
    const spans: Span[] = [];

    const root: Span = {
      traceId, spanId: rootId, flags: SPAN_FLAGS_SAMPLED_LOCAL, name: ROOT_SPAN_NAME, kind: SpanKind.Server,
      startTimeUnixNano: clock.at(r.arrivalUs), endTimeUnixNano: clock.at(endUs),
      attributes: rootAttributes(r, t, req),
      ...(failed ? { status: { code: StatusCode.Error, message: errorMessage } } : {}),
    };
    spans.push(root);

    const rootEvents: SpanEvent[] = [];
    const child = (no: SpanNo, name: string, startUs: number, phaseEndUs: number, attributes: KeyValue[], events?: SpanEvent[]): void => {
      if (startUs < 0) return;
      const open = phaseEndUs < 0;
      const end = open ? Math.max(startUs, endUs) : phaseEndUs;
      if (end === startUs && t.instantPhases === 'event') {
        // The phase's own events (a one-token decode's first_token) happened at the same instant.
        // An instant that ended the request (rejected at arrival, dropped on enqueue) too: the
        // root carries the ERROR and the reason, and the event the phase's attributes.
        rootEvents.push({ timeUnixNano: clock.at(startUs), name, attributes });
        if (events) for (const e of events) rootEvents.push(e);
        return;
      }
      const span: Span = {
        traceId, spanId: spanIdFor(t.seed, r.index, no), parentSpanId: rootId, flags: SPAN_FLAGS_SAMPLED_LOCAL, name, kind: SpanKind.Internal,
        startTimeUnixNano: clock.at(startUs), endTimeUnixNano: clock.at(end), attributes,
        ...(events && events.length > 0 ? { events } : {}),
        ...(open && failed ? { status: { code: StatusCode.Error, message: errorMessage } } : {}),
      };
      spans.push(span);
    };

    const admissionAttrs = [str('blis.admission.decision', r.admission)];
    if (r.reason !== undefined && r.admittedUs < 0) admissionAttrs.push(str('blis.reason', r.reason));
    child(SpanNo.Admission, 'admission', r.arrivalUs, r.admittedUs, admissionAttrs);
    if (r.admittedUs >= 0) child(SpanNo.Routing, 'routing', r.admittedUs, r.routedUs, routingAttrs(r));
    if (r.routedUs >= 0) {
      child(SpanNo.Queue, 'queue', r.enqueuedUs, r.firstScheduledUs, [int('blis.instance.id', r.instance)]);
    }

    const d = r.disagg;
    // Disaggregated, the prefill ends with the prefill instance's answer and the decode starts
    // with the decode instance's first step, after the KV transfer landed.
    const prefillEnd = d ? d.prefillDoneUs : r.firstTokenUs;
    const decodeStart = d ? d.decodeFirstScheduledUs : r.firstTokenUs;
    const preempt = r.preemptionTimesUs ?? [];
    const prefillEvents: SpanEvent[] = [];
    const decodeEvents: SpanEvent[] = [];
    if (r.prefillChunks) {
      for (let i = 0; i < r.prefillChunks.length; i++) {
        const c = r.prefillChunks[i]!;
        // A preemption after the first token recomputes the prompt and the output so far (vLLM's
        // recompute preemption): those chunks run during decode and are its events, like the preemption.
        const during = decodeStart >= 0 && c.startUs >= decodeStart ? decodeEvents : prefillEvents;
        during.push({
          timeUnixNano: clock.at(c.startUs), name: 'prefill_chunk',
          attributes: [int('blis.chunk.index', i), int('blis.chunk.tokens', c.tokens), int('blis.chunk.duration_us', c.endUs - c.startUs)],
        });
      }
    }
    if (r.firstTokenUs >= 0) decodeEvents.push({ timeUnixNano: clock.at(r.firstTokenUs), name: 'first_token', attributes: [] });
    const every = t.traceTokenEvery;
    if (every > 0 && r.tokenTimesUs) {
      // tokenTimesUs[k] is output token k·N (the first token is k = 0, already an event).
      for (let k = 1; k < r.tokenTimesUs.length; k++) {
        decodeEvents.push({ timeUnixNano: clock.at(r.tokenTimesUs[k]!), name: 'token', attributes: [int('blis.token.index', k * every)] });
      }
    }
    for (const p of preempt) {
      const ev: SpanEvent = { timeUnixNano: clock.at(p), name: 'preempted', attributes: [] };
      if (decodeStart >= 0 && p >= decodeStart) decodeEvents.push(ev);
      else prefillEvents.push(ev);
    }
    if (prefillEvents.length > 1) prefillEvents.sort(byTime);
    if (decodeEvents.length > 1) decodeEvents.sort(byTime);

    child(SpanNo.Prefill, 'prefill', r.firstScheduledUs, prefillEnd,
      [int('blis.instance.id', r.instance), int('blis.prefix.cached_tokens', r.cachedTokens), int('gen_ai.usage.input_tokens', r.inputTokens)],
      prefillEvents);
    if (d && d.transferStartUs >= 0) {
      child(SpanNo.KvTransfer, 'kv_transfer', d.transferStartUs, d.transferEndUs, [
        int('blis.kv_transfer.bytes', d.transferBytes),
        int('blis.prefill.instance.id', d.prefillInstance),
        int('blis.decode.instance.id', d.decodeInstance),
      ]);
    }
    if (decodeStart >= 0) {
      child(SpanNo.Decode, 'decode', decodeStart, r.finishedUs,
        [int('blis.instance.id', d ? d.decodeInstance : r.instance), int('gen_ai.usage.output_tokens', r.producedTokens)],
        decodeEvents);
    }
    if (rootEvents.length > 0) spans[0] = { ...root, events: rootEvents };
    return spans;
  }
}

function routingAttrs(r: RequestRecord): KeyValue[] {
  const a = [int('blis.instance.id', r.instance), str('blis.pool', r.pool)];
  if (r.routingScores) {
    for (const name of Object.keys(r.routingScores).sort()) a.push(dbl(`blis.routing.score.${name}`, r.routingScores[name]!));
  }
  return a;
}

function byTime(a: SpanEvent, b: SpanEvent): number {
  return a.timeUnixNano.high - b.timeUnixNano.high || a.timeUnixNano.low - b.timeUnixNano.low;
}
