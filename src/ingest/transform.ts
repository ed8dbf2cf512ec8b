/**
 * Stream transformations, composed in this fixed order (each a small push stage):
 * order (bounded reorder window, or a full sort for completion-ordered sources) → rebase
 * (first arrival = 0) → window [from, to) → sample → rateScale → speedup → maxModelLen clip →
 * limit. See docs/ingest.md for the semantics.
 */
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { IssueLog } from './issues.js';
import type { Random } from '../kernel/random.js';
import { Rng } from '../kernel/rng.js';
import { sToUs } from '../kernel/units.js';

export interface TransformOptions {
  /** `auto`: rebase absolute-time formats only; `first`: always; `none`: never. */
  rebase?: 'auto' | 'first' | 'none';
  /** Rows held to repair local disorder (default 10,000); later stragglers are skipped. */
  reorderWindow?: number;
  /** Keep arrivals in [fromS, toS) seconds after the (rebased) start; times shift by -fromS. */
  fromS?: number;
  toS?: number;
  /** The flag that set toS, for messages (`--to`; `convert` calls it `--until`, its `--to` being the output). */
  toFlag?: string;
  /** Divide arrival times by this factor (> 0); latencies are unchanged. */
  speedup?: number;
  /** Thin (< 1) or duplicate (> 1) arrivals, keeping the burst structure. */
  rateScale?: number;
  /** Keep each request with this probability, in (0, 1]. */
  sample?: number;
  /** Stop after this many requests. */
  limit?: number;
  /** Clip input + output to this many tokens. */
  maxModelLen?: number;
  /** Which side maxModelLen clips first (default output). */
  clip?: 'output' | 'input';
  /** Randomness for sample and rateScale; else the kernel's generator seeded with `seed` (default 0). */
  random?: Random;
  seed?: number;
}

export interface Transform {
  readonly rebase: boolean;
  readonly fullSort: boolean;
  readonly reorderWindow: number;
  readonly fromUs: number;
  readonly toUs: number;
  readonly speedup: number;
  readonly rateScale: number;
  readonly sample: number;
  readonly limit: number;
  readonly maxModelLen: number;
  readonly clip: 'output' | 'input';
  readonly random: Random;
}

const positive = (v: number | undefined, flag: string, dflt: number, max = Infinity): number => {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0 || v > max) {
    throw new InputError('FLAG_OUT_OF_RANGE', flag, `is ${v}, expected a number in (0, ${max === Infinity ? '∞' : max}]`);
  }
  return v;
};

export function resolveTransform(o: TransformOptions, source: { timeBase: 'absolute' | 'relative'; order: 'arrival' | 'completion' }): Transform {
  const fromS = o.fromS ?? 0;
  if (!Number.isFinite(fromS) || fromS < 0) throw new InputError('FLAG_OUT_OF_RANGE', '--from', `is ${fromS}, expected seconds ≥ 0`);
  const toS = o.toS ?? Infinity;
  if (!(toS > fromS)) throw new InputError('FLAG_OUT_OF_RANGE', o.toFlag ?? '--to', `is ${toS}, expected seconds > --from (${fromS})`);
  const limit = o.limit ?? Infinity;
  if (!(limit >= 1) || (limit !== Infinity && !Number.isInteger(limit))) throw new InputError('FLAG_OUT_OF_RANGE', '--limit', `is ${limit}, expected an integer ≥ 1`);
  const maxModelLen = o.maxModelLen ?? Infinity;
  // --clip picks the side a request longer than --max-model-len loses; without a limit nothing is clipped.
  if (o.clip !== undefined && o.maxModelLen === undefined) throw new InputError('FLAG_CONFLICT', '--clip', 'needs --max-model-len (it chooses which side of a longer request is shortened)');
  if (!(maxModelLen >= 2)) throw new InputError('FLAG_OUT_OF_RANGE', '--max-model-len', `is ${maxModelLen}, expected tokens ≥ 2`);
  const reorderWindow = o.reorderWindow ?? 10_000;
  if (!Number.isInteger(reorderWindow) || reorderWindow < 0) throw new InputError('FLAG_OUT_OF_RANGE', '--reorder-window', `is ${reorderWindow}, expected an integer ≥ 0`);
  const resolved: Transform = {
    rebase: o.rebase === 'first' || ((o.rebase ?? 'auto') === 'auto' && source.timeBase === 'absolute'),
    fullSort: source.order === 'completion',
    reorderWindow,
    fromUs: sToUs(fromS),
    toUs: toS === Infinity ? Infinity : sToUs(toS),
    speedup: positive(o.speedup, '--speedup', 1),
    rateScale: positive(o.rateScale, '--rate-scale', 1),
    sample: positive(o.sample, '--sample', 1, 1),
    limit,
    maxModelLen,
    clip: o.clip ?? 'output',
    random: o.random ?? new Rng(o.seed ?? 0),
  };
  return Object.freeze(resolved);
}

/** The transformations `o` asks for, as the metrics JSON records them (what was not given is not applied). */
export function describeTransform(o: TransformOptions): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const put = (k: string, v: number | string | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  put('rebase', o.rebase ?? 'auto');
  put('from_s', o.fromS);
  put('to_s', o.toS);
  put('sample', o.sample);
  put('rate_scale', o.rateScale);
  put('speedup', o.speedup);
  put('max_model_len', o.maxModelLen);
  if (o.maxModelLen !== undefined) put('clip', o.clip ?? 'output');
  put('limit', o.limit);
  put('reorder_window', o.reorderWindow ?? 10_000);
  if (o.sample !== undefined || o.rateScale !== undefined) put('seed', o.seed ?? 0);
  return out;
}

export interface Pipeline {
  /** `order`: the source's own order of the request, for ties of arrival time (ReaderContext.emit). */
  push(request: ArrivalRequest, order?: number): void;
  end(): void;
  /** True once no further input can produce output (limit reached, past the window). */
  readonly done: boolean;
}

type Emit = (r: ArrivalRequest) => void;

/** A binary min-heap on (arrivalUs, seq): the bounded reorder buffer. */
class ArrivalHeap {
  private readonly items: { r: ArrivalRequest; seq: number }[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: { r: ArrivalRequest; seq: number }, b: { r: ArrivalRequest; seq: number }): boolean {
    return a.r.arrivalUs < b.r.arrivalUs || (a.r.arrivalUs === b.r.arrivalUs && a.seq < b.seq);
  }
  push(r: ArrivalRequest, seq: number): void {
    const h = this.items;
    const item = { r, seq };
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(item, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }
  peek(): { r: ArrivalRequest; seq: number } {
    return this.items[0]!;
  }
  pop(): ArrivalRequest {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && this.less(h[l + 1]!, h[l]!) ? l + 1 : l;
        if (!this.less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top.r;
  }
}

/**
 * The reorder buffer: a FIFO for the rows that arrive in order (the common case costs O(1)) and a
 * heap for the ones that do not; the minimum is the smaller of the two heads, ties by the order
 * the source states (`order`), else by read order.
 */
class ReorderBuffer {
  private readonly fifo: ArrivalRequest[] = [];
  private readonly fifoSeq: number[] = [];
  private head = 0;
  private readonly heap = new ArrivalHeap();
  private seq = 0;

  get size(): number {
    return this.fifo.length - this.head + this.heap.size;
  }

  push(r: ArrivalRequest, order?: number): void {
    const n = this.fifo.length;
    const key = order ?? this.seq++;
    const tail = n === this.head ? undefined : this.fifo[n - 1]!;
    if (tail === undefined || r.arrivalUs > tail.arrivalUs || (r.arrivalUs === tail.arrivalUs && key >= this.fifoSeq[n - 1]!)) {
      this.fifo.push(r);
      this.fifoSeq.push(key);
    } else {
      this.heap.push(r, key);
    }
  }

  pop(): ArrivalRequest {
    const hasFifo = this.head < this.fifo.length;
    if (hasFifo && this.heap.size > 0) {
      const f = this.fifo[this.head]!;
      const h = this.heap.peek();
      if (h.r.arrivalUs < f.arrivalUs || (h.r.arrivalUs === f.arrivalUs && h.seq < this.fifoSeq[this.head]!)) return this.heap.pop();
    } else if (!hasFifo) {
      return this.heap.pop();
    }
    const r = this.fifo[this.head++]!;
    if (this.head >= 65536 && this.head * 2 >= this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.fifoSeq.splice(0, this.head);
      this.head = 0;
    }
    return r;
  }
}

/**
 * A gap between consecutive arrivals longer than this is reported (a typo'd year or month in one
 * row makes a trace span decades). Production logs pause for hours, a weekend, an outage; a
 * week without a single request is worth a look, and the idle time is skipped cheaply anyway.
 */
export const FAR_GAP_US = 7 * 86_400e6;

function formatGap(us: number): string {
  const days = us / 86_400e6;
  return days >= 365 ? `${(days / 365.25).toFixed(1)} years` : `${days.toFixed(1)} days`;
}

/** A time difference in µs in the largest fitting unit (`1.5 s`, `250 ms`, `12 µs`). */
function formatLateness(us: number): string {
  if (us >= 1_000_000) return `${+(us / 1_000_000).toPrecision(4)} s`;
  if (us >= 1000) return `${+(us / 1000).toPrecision(4)} ms`;
  return `${us} µs`;
}

/**
 * Reorder: a full sort (completion order) or a bounded window; stragglers beyond it are skipped.
 * A straggler is seen as it is pushed, so `at()` (the row being read) locates it.
 */
function orderStage(t: Transform, issues: IssueLog, source: string, next: Emit, at?: () => string | undefined): { push: (r: ArrivalRequest, order?: number) => void; end(): void } {
  const buffer = new ReorderBuffer();
  let lastOut = -Infinity;
  let lastId: string | undefined;
  const out = (r: ArrivalRequest): void => {
    if (lastId !== undefined && r.arrivalUs - lastOut > FAR_GAP_US) {
      issues.warn('ARRIVAL_FAR_GAP', `${source} request ${r.id}`,
        `arrives ${formatGap(r.arrivalUs - lastOut)} after the previous request (${lastId}); a mistyped date? Replayed as is (idle time costs nothing)`);
    }
    lastOut = r.arrivalUs;
    lastId = r.id;
    next(r);
  };
  if (t.fullSort) {
    const all: { r: ArrivalRequest; key: number }[] = [];
    return {
      push: (r, order) => void all.push({ r, key: order ?? all.length }),
      end() {
        all.sort((a, b) => a.r.arrivalUs - b.r.arrivalUs || a.key - b.key);
        for (const { r } of all) out(r);
      },
    };
  }
  return {
    push(r, order) {
      if (r.arrivalUs < lastOut) {
        issues.skip('ARRIVAL_OUT_OF_ORDER', at?.() ?? `${source} request ${r.id}`,
          `request ${r.id} arrives ${formatLateness(lastOut - r.arrivalUs)} before a request already passed on (more than ${t.reorderWindow} rows out of order; --reorder-window holds more)`);
        return;
      }
      if (t.reorderWindow === 0) return out(r);
      buffer.push(r, order);
      if (buffer.size > t.reorderWindow) out(buffer.pop());
    },
    end() {
      while (buffer.size > 0) out(buffer.pop());
    },
  };
}

/** `at`: where the row being read is (`file:line`), for the skips seen as a row is pushed. */
export function createPipeline(t: Transform, issues: IssueLog, source: string, sink: Emit, at?: () => string | undefined): Pipeline {
  let emitted = 0;
  let done = false;
  /** Why nothing more passes (every row that reaches the pipeline after that is counted under it). */
  let doneCode = '';
  let origin: number | undefined;
  const stop = (code: string): void => {
    done = true;
    doneCode = code;
  };

  const final = (r: ArrivalRequest): void => {
    if (done) return issues.adjust(doneCode);
    let q = r;
    const total = q.inputTokens + q.outputTokens;
    if (total > t.maxModelLen) {
      const problem = maxModelLenProblem(q, t);
      if (problem !== null) return issues.skip(problem.code, `${source} request ${q.id}`, problem.message);
      q = clipRequest(q, t, issues);
    }
    emitted++;
    issues.emitted++;
    sink(q);
    if (emitted >= t.limit) stop('LIMIT_REACHED');
  };
  const speed = t.speedup === 1 ? final : (r: ArrivalRequest) => final({ ...r, arrivalUs: Math.round(r.arrivalUs / t.speedup) });
  const scale = t.rateScale === 1 ? speed : (r: ArrivalRequest) => {
    const x = t.rateScale;
    if (x < 1) {
      if (t.random.next() < x) speed(r);
      else issues.adjust('RATE_THINNED');
      return;
    }
    speed(r);
    let copies = Math.floor(x) - 1 + (t.random.next() < x - Math.floor(x) ? 1 : 0);
    for (let k = 1; copies > 0; k++, copies--) {
      issues.adjust('RATE_DUPLICATED');
      speed({ ...r, id: `${r.id}#${k}`, ...(r.sessionId !== undefined ? { sessionId: `${r.sessionId}#${k}` } : {}) });
    }
  };
  const sample = t.sample === 1 ? scale : (r: ArrivalRequest) => {
    if (t.random.next() < t.sample) scale(r);
    else issues.adjust('SAMPLED_OUT');
  };
  const windowed = (r: ArrivalRequest): void => {
    if (done) return issues.adjust(doneCode);
    if (origin === undefined) origin = t.rebase ? r.arrivalUs : 0;
    const at = r.arrivalUs - origin;
    if (at < 0) {
      // Only a relative-time source without rebasing gets here: its clock starts at 0.
      issues.skip('ARRIVAL_NEGATIVE', `${source} request ${r.id}`, `arrival is ${at} µs, before the stream's start at 0 (relative times must be ≥ 0; --rebase first shifts them)`);
      return;
    }
    if (at < t.fromUs) return issues.adjust('WINDOW_BEFORE');
    if (at >= t.toUs) {
      stop('WINDOW_AFTER');
      return issues.adjust('WINDOW_AFTER');
    }
    const outAt = at - t.fromUs;
    sample(outAt === r.arrivalUs ? r : { ...r, arrivalUs: outAt });
  };
  const order = orderStage(t, issues, source, windowed, at);
  return {
    push: (r, key) => {
      if (!done) order.push(r, key);
      else issues.adjust(doneCode);
    },
    end: () => order.end(),
    get done() {
      return done;
    },
  };
}

/**
 * A request that `maxModelLen` cannot clip into shape: the side that is not clipped already
 * fills the context. vLLM rejects such a request (the prompt alone is longer than the model's
 * context, or max_tokens is), so it is a row to skip, not one to shorten into something invented.
 */
export function maxModelLenProblem(r: ArrivalRequest, t: Transform): { code: string; message: string } | null {
  const L = t.maxModelLen;
  if (r.inputTokens + r.outputTokens <= L) return null;
  const kept = t.clip === 'output' ? r.inputTokens : r.outputTokens;
  if (kept < L) return null;
  const side = t.clip === 'output' ? 'input' : 'output';
  return { code: 'TOKENS_EXCEED_MAX_MODEL_LEN', message: `${side}_tokens ${kept} alone fill --max-model-len ${L}; clipping the ${t.clip} cannot fit it (vLLM rejects it)` };
}

function clipRequest(r: ArrivalRequest, t: Transform, issues: IssueLog): ArrivalRequest {
  const L = t.maxModelLen;
  let input = r.inputTokens;
  let output = r.outputTokens;
  // maxModelLenProblem() skipped the rows whose kept side reaches L: clipping the other suffices.
  if (t.clip === 'output') output = Math.min(output, L - input);
  else input = Math.min(input, L - output);
  issues.adjust('CLIPPED_MAX_MODEL_LEN');
  const hashIds = r.hashIds !== undefined && input < r.inputTokens
    ? { ids: r.hashIds.ids.slice(0, Math.ceil(input / r.hashIds.blockTokens)), blockTokens: r.hashIds.blockTokens }
    : r.hashIds;
  const prefix = r.prefix !== undefined && r.prefix.tokens > input ? { group: r.prefix.group, tokens: input } : r.prefix;
  return { ...r, inputTokens: input, outputTokens: output, ...(hashIds ? { hashIds } : {}), ...(prefix ? { prefix } : {}) };
}
