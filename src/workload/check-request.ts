/**
 * What makes an ArrivalRequest simulable, checked once where requests enter a run (every ingest
 * reader through its session, and the cluster for any other source): integer times, token
 * counts that are integers within a bound no served model exceeds, non-negative observed
 * latencies. A value outside these is a damaged row, not a request: readers skip and count it,
 * the cluster refuses it with an InputError.
 */
import type { ArrivalRequest } from './request.js';

/**
 * The most tokens a prompt or an output may have: 2^24 = 16,777,216. The longest context window
 * served today is Llama 4 Scout's 10M tokens (Meta, April 2025); anything longer is a damaged
 * count (a unit mix-up, `1e20`), and would cost the simulator memory in proportion.
 */
export const MAX_TOKENS_PER_REQUEST = 1 << 24;

/**
 * The highest request rate a workload may ask for: a million requests a second, past any served
 * fleet. A session workload also generates, before t = 0, the sessions already in progress, in
 * proportion to the rate (a typo of 1e18 ran the generator out of memory).
 */
export const MAX_RATE_RPS = 1e6;

/**
 * The longest workload or stage: a billion seconds (32 years), so that its end in microseconds
 * stays an exact integer (2^53 µs is 285 years); a typo of 1e30 s ran the generator out of memory.
 */
export const MAX_DURATION_S = 1e9;

export interface RequestProblem {
  /** Stable code (counted per code by ingest). */
  readonly code: 'TOKENS_OUT_OF_RANGE' | 'ARRIVAL_NOT_FINITE' | 'OBSERVED_OUT_OF_RANGE' | 'FIELD_OUT_OF_RANGE';
  readonly message: string;
}

const isTokenCount = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS_PER_REQUEST;

function tokens(field: string, n: number): RequestProblem | null {
  if (isTokenCount(n)) return null;
  const what = !Number.isFinite(n) ? 'not a finite number' : !Number.isInteger(n) ? 'not an integer' : n < 0 ? 'negative' : `more than ${MAX_TOKENS_PER_REQUEST} (no served model has a longer context)`;
  return { code: 'TOKENS_OUT_OF_RANGE', message: `${field} is ${n}: ${what}; expected an integer token count in [0, ${MAX_TOKENS_PER_REQUEST}]` };
}

function latency(field: string, us: number | undefined): RequestProblem | null {
  if (us === undefined || (Number.isFinite(us) && us >= 0)) return null;
  return { code: 'OBSERVED_OUT_OF_RANGE', message: `observed ${field} is ${us} µs; expected a duration ≥ 0` };
}

const notFinite = (v: number | undefined): boolean => v !== undefined && !Number.isFinite(v);

/** The first problem of `r`, or null when it can be simulated. */
export function requestProblem(r: ArrivalRequest): RequestProblem | null {
  if (!Number.isSafeInteger(r.arrivalUs)) {
    return { code: 'ARRIVAL_NOT_FINITE', message: `arrival is ${r.arrivalUs} µs; expected a whole number of microseconds below 2^53 (9007199254740992), where doubles stop counting every microsecond` };
  }
  const p = tokens('input_tokens', r.inputTokens) ?? tokens('output_tokens', r.outputTokens);
  if (p !== null) return p;
  for (let ref = r.prefix; ref !== undefined; ref = ref.parent) {
    const q = tokens('prefix tokens', ref.tokens);
    if (q !== null) return q;
  }
  if (r.hashIds !== undefined) {
    const b = r.hashIds.blockTokens;
    if (!(Number.isInteger(b) && b >= 1 && b <= MAX_TOKENS_PER_REQUEST)) return { code: 'FIELD_OUT_OF_RANGE', message: `hash block size is ${b}; expected a positive integer` };
    if (r.hashIds.ids.length > Math.ceil(MAX_TOKENS_PER_REQUEST / b)) return { code: 'FIELD_OUT_OF_RANGE', message: `${r.hashIds.ids.length} hash ids exceed the longest prompt` };
  }
  const o = r.observed;
  if (o !== undefined) {
    const q = latency('TTFT', o.ttftUs) ?? latency('E2E', o.e2eUs) ?? latency('ITL mean', o.itlMeanUs);
    if (q !== null) return q;
  }
  // Checked for every arrival of a run: no temporary arrays.
  const bad = notFinite(r.turn) ? 'turn' : notFinite(r.priority) ? 'priority' : notFinite(r.stage) ? 'stage' : null;
  if (bad !== null) return { code: 'FIELD_OUT_OF_RANGE', message: `${bad} is ${r[bad]}; expected a finite number` };
  if (r.stage !== undefined && !(Number.isInteger(r.stage) && r.stage >= 0)) return { code: 'FIELD_OUT_OF_RANGE', message: `stage is ${r.stage}; expected an integer ≥ 0` };
  return null;
}
