/**
 * OTLP spans → arrival stream (for `blis replay --format otlp`). Pure: takes OTLP messages
 * already parsed (OTLP/JSON as parsed, or protobuf messages as protobufjs decodes them; ids may
 * be hex strings or bytes, 64-bit ints strings, numbers or Long-like {low, high}).
 *
 * One request per trace, from (in order of preference):
 * - an `llm_request` span: stock vLLM's request span (start = arrival; tokens from
 *   gen_ai.usage.prompt_tokens/completion_tokens or input_tokens/output_tokens; observed TTFT
 *   and E2E from gen_ai.latency.* seconds) or blis's own root span (same name, scope
 *   `blis.sim`, plus blis.* attributes: requested output length, prefix group, session, turn);
 * - an llm-d `gateway.request` span when the trace has no vLLM span.
 * When both exist the earlier start (the gateway's) is the arrival. Several `llm_request` spans in
 * one trace (llm-d P/D: prefill then decode vLLM) make one request (see `disaggregated`).
 * Arrivals are relative to the earliest request start in the input; requests come out sorted
 * by arrival (ties: blis's `blis.request.index`, then input order).
 * Spans of one request split across messages (OTLP file exporters) are merged by span id.
 * The journey-tracing vLLM fork is read too: its `llm_core` child span's `journey.*` events
 * (possibly split across lines, out of order) supply token counts (`prefill.total_tokens`,
 * `decode.max_tokens`) and observed TTFT/E2E (`journey.FIRST_TOKEN`/`journey.FINISHED` times)
 * when the `llm_request` span lacks the gen_ai attributes.
 */
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest, ObservedLatency, PrefixRef } from '../workload/request.js';
import { toHex } from './ids.js';
import { sToUs } from '../kernel/units.js';

type Prim = string | number | boolean;

interface SpanInfo {
  spanId: string;
  startNs: bigint;
  endNs: bigint;
  readonly attrs: Map<string, Prim>;
}

interface JourneyEvent {
  readonly name: string;
  readonly timeNs: bigint;
  readonly attrs: Map<string, Prim>;
}

interface TraceAcc {
  readonly order: number;
  readonly traceId: string;
  /** Where the trace's first span was read (OtlpReadIssue.at). */
  readonly at: number | string | undefined;
  /** The trace's earliest `llm_request` span. */
  llm?: SpanInfo;
  /** Its other `llm_request` spans: llm-d P/D sends one request to a prefill and a decode vLLM. */
  moreLlm?: SpanInfo[];
  gateway?: SpanInfo;
  /** Journey-tracing fork: events of the `llm_core` child span(s), merged across lines. */
  journey?: JourneyEvent[];
  coreStart?: bigint;
}

export interface OtlpReadIssue {
  readonly code: string;
  /** What is wrong, without the location. */
  readonly message: string;
  /**
   * Where, within the file: the JSON Lines line (a number), `byte N` (a protobuf message's
   * offset), or `trace <id>` when the whole file is one document.
   */
  readonly at: number | string;
}

type Obj = Record<string, unknown>;

/** The attributes toRequest reads; others are not kept (memory stays ~proportional to requests). */
const WANTED = new Set([
  'gen_ai.request.id', 'gen_ai.response.id', 'llm_d.request.id',
  'gen_ai.usage.prompt_tokens', 'gen_ai.usage.input_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.usage.output_tokens',
  'gen_ai.request.max_tokens', 'blis.request.output_tokens', 'gen_ai.latency.time_to_first_token', 'gen_ai.latency.e2e',
  'blis.status', 'blis.request.index', 'blis.prefix.group', 'blis.prefix.tokens', 'blis.prefix.parent_group', 'blis.prefix.parent_tokens', 'session.id', 'gen_ai.conversation.id', 'blis.turn',
  'gen_ai.request.model', 'gen_ai.response.model', 'blis.tenant', 'blis.slo_class', 'blis.priority', 'blis.stage',
  'prefill.total_tokens', 'decode.done_tokens', 'decode.max_tokens',
]);

/** A JSON object (not an array), or undefined. */
export function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}
/** A JSON array, or an empty one. */
export function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * A trace or span id as lowercase hex ('' when absent). OTLP/JSON writes ids as hex (OTLP spec,
 * "JSON Protobuf Encoding"); protobuf-to-JSON marshallers write the base64 of plain proto3 JSON
 * instead: Grafana Tempo's /api/traces answer (gogo jsonpb; grafana/tempo issue "Return Trace
 * ID and Span ID hex-encoded"), Jaeger's Kafka JSON. The two cannot be confused (a 16-byte id is
 * 32 hex or 24 base64 characters, an 8-byte one 16 or 12), so base64 is decoded.
 */
function idHex(v: unknown, bytes: number, field: string, where: string): string {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v !== 'string' || v === '') return '';
  if (v.length === 2 * bytes && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  if (v.length === 4 * Math.ceil(bytes / 3) && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
    const bin = atob(v);
    if (bin.length === bytes) {
      let hex = '';
      for (let i = 0; i < bin.length; i++) hex += bin.charCodeAt(i).toString(16).padStart(2, '0');
      return hex;
    }
  }
  throw new InputError('OTLP_BAD_ID', where, `${field} '${v}' is neither ${2 * bytes} hex characters (OTLP/JSON) nor the base64 of ${bytes} bytes (proto3 JSON)`);
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  // A JSON number is a valid int64 in OTLP/JSON (the JS SDK writes them) only when it is a whole,
  // non-negative count: 1.5 or -5 nanoseconds are values of the wrong kind, not rounded.
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  const o = asObj(v);
  if (o && typeof o['low'] === 'number' && typeof o['high'] === 'number') {
    return (BigInt((o['high'] as number) >>> 0) << 32n) | BigInt((o['low'] as number) >>> 0);
  }
  return undefined;
}

/**
 * A field by its OTLP/JSON name (lowerCamelCase) or else its proto field name (`trace_id`). The
 * OTLP spec allows only the first in JSON, but proto3 JSON printers write the second on request
 * (protobuf's preserving_proto_field_name) and the Collector's JSON unmarshaler takes both
 * (opentelemetry-collector pdata/ptrace: `case "resourceSpans", "resource_spans"`, and so on for
 * every field), so files keyed either way, or both, exist.
 */
export function field(o: Obj | undefined, camel: string, snake: string): unknown {
  if (o === undefined) return undefined;
  const v = o[camel];
  return v !== undefined && v !== null ? v : o[snake];
}

const own = (o: Obj, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== null && o[k] !== undefined;
/** The key of an own property present under either name (own: see anyValue), or undefined. */
const ownKey = (o: Obj, camel: string, snake: string): string | undefined => (own(o, camel) ? camel : own(o, snake) ? snake : undefined);

/** AnyValue → primitive. Own properties only: protobufjs-decoded messages keep defaults on the prototype. */
function anyValue(v: unknown): Prim | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const str = ownKey(o, 'stringValue', 'string_value');
  if (str !== undefined && typeof o[str] === 'string') return o[str];
  const int = ownKey(o, 'intValue', 'int_value');
  if (int !== undefined) {
    const raw = o[int];
    const big = typeof raw === 'object' ? toBigInt(raw) : undefined;
    const n = big !== undefined ? Number(BigInt.asIntN(64, big)) : Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  const dbl = ownKey(o, 'doubleValue', 'double_value');
  if (dbl !== undefined) {
    const n = Number(o[dbl]);
    return Number.isFinite(n) ? n : undefined;
  }
  const bool = ownKey(o, 'boolValue', 'bool_value');
  if (bool !== undefined && typeof o[bool] === 'boolean') return o[bool];
  return undefined;
}

const NUM = (m: Map<string, Prim>, ...keys: string[]): number | undefined => {
  for (const k of keys) {
    const v = m.get(k);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
};
const STR = (m: Map<string, Prim>, ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = m.get(k);
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
};

/** Accumulates OTLP messages; `finish()` returns the arrival stream in arrival order. */
export class OtlpRequestCollector {
  private readonly traces = new Map<string, TraceAcc>();
  spansSeen = 0;

  constructor(private readonly onIssue: (issue: OtlpReadIssue) => void = () => {}) {}

  /**
   * One TracesData / ExportTraceServiceRequest as a plain object; `where` names it in errors,
   * `at` in skipped spans' issues (a JSON Lines line, `byte N`; OtlpReadIssue.at).
   */
  addMessage(message: unknown, where = 'OTLP message', at?: number | string): void {
    for (const rs of asArr(field(asObj(message), 'resourceSpans', 'resource_spans'))) {
      const r = asObj(rs);
      // OTLP/JSON before opentelemetry-proto v0.15 (collectors and SDKs of 2021-22; Tempo 1.x's
      // /api/traces answer) names this level `instrumentationLibrarySpans` (scope:
      // `instrumentationLibrary`); in protobuf the old message has scope_spans' field number 2,
      // so only JSON needs the second name.
      const scopes = [...asArr(field(r, 'scopeSpans', 'scope_spans')), ...asArr(field(r, 'instrumentationLibrarySpans', 'instrumentation_library_spans'))];
      for (const ss of scopes) {
        for (const sp of asArr(asObj(ss)?.['spans'])) this.addSpan(asObj(sp), where, at);
      }
    }
  }

  private addSpan(s: Obj | undefined, where: string, at: number | string | undefined): void {
    if (!s) return;
    this.spansSeen++;
    const traceId = idHex(field(s, 'traceId', 'trace_id'), 16, 'traceId', where);
    const spanId = idHex(field(s, 'spanId', 'span_id'), 8, 'spanId', where);
    const name = s['name'];
    const kind = name === 'llm_request' || name === 'llm_core' ? 'llm' : name === 'gateway.request' ? 'gateway' : undefined;
    if (!kind) return;
    const startRaw = field(s, 'startTimeUnixNano', 'start_time_unix_nano');
    const start = toBigInt(startRaw);
    const end = toBigInt(field(s, 'endTimeUnixNano', 'end_time_unix_nano'));
    if (traceId.length !== 32 || start === undefined) {
      const bad = traceId.length !== 32 ? `traceId ${JSON.stringify(field(s, 'traceId', 'trace_id'))}` : `startTimeUnixNano ${JSON.stringify(startRaw)}`;
      const expected = traceId.length !== 32 ? '16 bytes' : 'whole nanoseconds ≥ 0, as a decimal string or integer';
      this.onIssue({ code: 'OTLP_BAD_SPAN', at: at ?? `span ${spanId || '(no span id)'}`, message: `span '${String(name)}' ${spanId || '(no span id)'}: ${bad}; expected ${expected}` });
      return;
    }
    let acc = this.traces.get(traceId);
    if (!acc) {
      acc = { order: this.traces.size, traceId, at };
      this.traces.set(traceId, acc);
    }
    if (name === 'llm_core') {
      this.addJourney(acc, s, start);
      return;
    }
    const prev = acc[kind];
    let info: SpanInfo;
    const again = kind === 'llm' ? acc.moreLlm?.find((x) => x.spanId === spanId) : undefined;
    if (again) {
      info = again;
    } else if (prev && prev.spanId === spanId) {
      info = prev; // the same span seen again (split export): merge
    } else if (prev && prev.startNs <= start) {
      if (kind === 'gateway') return; // a second gateway span: the first is the arrival
      info = { spanId, startNs: start, endNs: end ?? start, attrs: new Map() };
      (acc.moreLlm ??= []).push(info);
    } else {
      info = { spanId, startNs: start, endNs: end ?? start, attrs: new Map() };
      if (prev && kind === 'llm') (acc.moreLlm ??= []).push(prev);
      acc[kind] = info;
    }
    if (end !== undefined && end > info.endNs) info.endNs = end;
    for (const kv of asArr(s['attributes'])) {
      const o = asObj(kv);
      const key = o?.['key'];
      if (typeof key !== 'string' || !WANTED.has(key)) continue;
      const v = anyValue(o?.['value']);
      if (v !== undefined) info.attrs.set(key, v);
    }
  }

  private addJourney(acc: TraceAcc, s: Obj, start: bigint): void {
    const events = (acc.journey ??= []);
    for (const e of asArr(s['events'])) {
      const o = asObj(e);
      const t = toBigInt(field(o, 'timeUnixNano', 'time_unix_nano'));
      if (!o || typeof o['name'] !== 'string' || t === undefined) continue;
      const attrs = new Map<string, Prim>();
      for (const kv of asArr(o['attributes'])) {
        const a = asObj(kv);
        if (typeof a?.['key'] !== 'string' || !WANTED.has(a['key'])) continue;
        const v = anyValue(a['value']);
        if (v !== undefined) attrs.set(a['key'], v);
      }
      if (attrs.size > 0 || o['name'] === 'journey.FIRST_TOKEN' || o['name'] === 'journey.FINISHED') events.push({ name: o['name'], timeNs: t, attrs });
    }
    acc.coreStart = acc.coreStart === undefined || start < acc.coreStart ? start : acc.coreStart;
  }

  finish(): ArrivalRequest[] {
    let minStart: bigint | undefined;
    const rows: { acc: TraceAcc; start: bigint; index: number }[] = [];
    for (const acc of this.traces.values()) {
      const a = acc.llm?.startNs ?? acc.coreStart, g = acc.gateway?.startNs;
      const start = a !== undefined && g !== undefined ? (a < g ? a : g) : (a ?? g)!;
      // blis writes a trace when its request leaves, so requests that arrived at the same instant
      // come in the order they finished; blis.request.index restores the run's own order.
      const index = acc.llm ? NUM(acc.llm.attrs, 'blis.request.index') : undefined;
      rows.push({ acc, start, index: index ?? Number.MAX_SAFE_INTEGER });
      if (minStart === undefined || start < minStart) minStart = start;
    }
    rows.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : x.index - y.index || x.acc.order - y.acc.order));
    const out: ArrivalRequest[] = [];
    for (const { acc, start } of rows) {
      const req = this.toRequest(acc, start, Number((start - minStart!) / 1000n));
      if (req) out.push(req);
    }
    return out;
  }

  private toRequest(acc: TraceAcc, startNs: bigint, arrivalUs: number): ArrivalRequest | undefined {
    const pd = acc.llm && acc.moreLlm ? disaggregated(acc.llm, acc.moreLlm) : undefined;
    const m = new Map<string, Prim>([...(acc.gateway?.attrs ?? []), ...(acc.llm?.attrs ?? []), ...(pd?.decode.attrs ?? [])]);
    const id = STR(m, 'gen_ai.request.id', 'gen_ai.response.id', 'llm_d.request.id') ?? acc.traceId;
    const j = acc.journey ?? [];
    const jMax = (key: string): number | undefined => {
      let best: number | undefined;
      for (const e of j) {
        const v = e.attrs.get(key);
        if (typeof v === 'number' && (best === undefined || v > best)) best = v;
      }
      return best;
    };
    const jFirst = (name: string): bigint | undefined => {
      let best: bigint | undefined;
      for (const e of j) if (e.name === name && (best === undefined || e.timeNs < best)) best = e.timeNs;
      return best;
    };
    const input = NUM(m, 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.input_tokens') ?? jMax('prefill.total_tokens');
    const output = NUM(m, 'blis.request.output_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.usage.output_tokens')
      ?? jMax('decode.done_tokens') ?? NUM(m, 'gen_ai.request.max_tokens') ?? jMax('decode.max_tokens');
    if (input === undefined || output === undefined) {
      const label = `trace ${acc.traceId}${id !== acc.traceId ? ` (request ${id})` : ''}`;
      const message = 'no prompt/completion token counts';
      this.onIssue({ code: 'OTLP_MISSING_TOKENS', at: acc.at ?? label, message: acc.at !== undefined ? `${label}: ${message}` : message });
      return undefined;
    }
    // Several vLLM spans (P/D): the latencies are measured across them (disaggregated below).
    const observed: { ttftUs?: number; e2eUs?: number } = pd ? pd.observed : {};
    if (!pd) {
      const ttft = NUM(m, 'gen_ai.latency.time_to_first_token');
      const firstTokenNs = jFirst('journey.FIRST_TOKEN');
      const finishedNs = jFirst('journey.FINISHED');
      const e2e = NUM(m, 'gen_ai.latency.e2e');
      if (ttft !== undefined) observed.ttftUs = sToUs(ttft);
      else if (firstTokenNs !== undefined) observed.ttftUs = Number((firstTokenNs - startNs) / 1000n);
      if (e2e !== undefined) observed.e2eUs = sToUs(e2e);
      else if (finishedNs !== undefined) observed.e2eUs = Number((finishedNs - startNs) / 1000n);
      else if (acc.llm && !m.has('blis.status')) observed.e2eUs = Number((acc.llm.endNs - acc.llm.startNs) / 1000n);
    }
    const group = STR(m, 'blis.prefix.group');
    const prefixTokens = NUM(m, 'blis.prefix.tokens');
    const parentGroup = STR(m, 'blis.prefix.parent_group');
    const parentTokens = NUM(m, 'blis.prefix.parent_tokens');
    const parent = parentGroup !== undefined && parentTokens !== undefined ? { parent: { group: parentGroup, tokens: parentTokens } } : {};
    const prefix: PrefixRef | undefined = group !== undefined && prefixTokens !== undefined ? { group, tokens: prefixTokens, ...parent } : undefined;
    const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]: V }));
    return {
      id, arrivalUs, inputTokens: Math.round(input), outputTokens: Math.round(output),
      ...opt('prefix', prefix),
      ...opt('sessionId', STR(m, 'session.id', 'gen_ai.conversation.id')),
      ...opt('turn', NUM(m, 'blis.turn')),
      ...opt('model', STR(m, 'gen_ai.request.model', 'gen_ai.response.model')),
      ...opt('tenant', STR(m, 'blis.tenant')),
      ...opt('sloClass', STR(m, 'blis.slo_class')),
      ...opt('priority', NUM(m, 'blis.priority')),
      ...opt('stage', NUM(m, 'blis.stage')),
      ...opt<'observed', ObservedLatency>('observed', Object.keys(observed).length > 0 ? observed : undefined),
    };
  }
}

/**
 * A request that reached vLLM more than once in one trace: llm-d's P/D sidecar sends it to a
 * prefill vLLM with max_tokens 1, then to a decode vLLM (llm-d-inference-scheduler
 * pkg/sidecar/proxy/connector_nixlv2.go; the EPP injects the `traceparent` both requests carry,
 * pkg/epp/handlers/request.go, and vLLM parents its `llm_request` span on it). Tokens come from
 * the span that generated the most (the decode; on a tie the later); TTFT and E2E are measured
 * from the first vLLM span's start, as a single span's are from its own: the decode's start
 * offset plus its own latency.
 */
function disaggregated(first: SpanInfo, more: readonly SpanInfo[]): { decode: SpanInfo; observed: { ttftUs?: number; e2eUs?: number } } {
  const out = (x: SpanInfo): number => NUM(x.attrs, 'gen_ai.usage.completion_tokens', 'gen_ai.usage.output_tokens') ?? -1;
  let decode = first;
  for (const x of more) if (out(x) > out(decode) || (out(x) === out(decode) && x.startNs >= decode.startNs)) decode = x;
  const offsetUs = (x: SpanInfo): number => Number((x.startNs - first.startNs) / 1000n);
  const observed: { ttftUs?: number; e2eUs?: number } = {};
  const ttft = NUM(decode.attrs, 'gen_ai.latency.time_to_first_token');
  if (ttft !== undefined) observed.ttftUs = offsetUs(decode) + sToUs(ttft);
  for (const x of [first, ...more]) {
    const e2e = NUM(x.attrs, 'gen_ai.latency.e2e');
    const endUs = e2e !== undefined ? offsetUs(x) + sToUs(e2e) : Number((x.endNs - first.startNs) / 1000n);
    if (observed.e2eUs === undefined || endUs > observed.e2eUs) observed.e2eUs = endUs;
  }
  return { decode, observed };
}
