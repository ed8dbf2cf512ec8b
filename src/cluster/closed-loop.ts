/**
 * Clients that hold at most N requests open at a time, as benchmark clients do:
 * `vllm bench serve --max-concurrency N` (a semaphore around every request: a request is sent at
 * its scheduled time or, when N are still open, the moment one of them ends), inference-perf's and
 * GuideLLM's concurrent load. With a request rate the workload's arrival times are when each
 * request is *due*; without one (`vllm bench serve --request-rate inf`, the default there) every
 * request is due at once and the clients form a closed loop: each sends its next request as soon
 * as its previous answer ends.
 *
 * Requests are sent in the workload's order, except that a session's next turn waits until its
 * previous turn's answer ends (a chat client does; later requests go ahead of it meanwhile). A slot
 * frees when the client has the whole answer
 * (the record's finishedUs: its last token as streamed, later than the engine's step by the
 * modelled streaming lag), or when the gateway rejects the request, or it times out; a request
 * the run ends with unfinished holds its slot. The requests' shapes (lengths, prefixes, sessions,
 * labels) are the workload's; only their arrival times change.
 */
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { ResolvedWorkload } from '../workload/types.js';
import type { Cluster } from './cluster.js';
import type { RequestRecord } from './record.js';
import type { RecordSink } from './sink.js';

export interface ConcurrencyLimit {
  /** Requests open at most (vllm bench serve --max-concurrency). */
  readonly maxConcurrency: number;
  /** No request rate: every request is due at once (a closed loop). */
  readonly closedLoop: boolean;
}

/**
 * The limit `--max-concurrency n` sets on a workload: with a request rate (flag or spec) the
 * rate's arrivals are when requests are due; without one every request is due at once (a closed
 * loop), which needs a request count, since answers, not a rate, pace the sending. An arrival
 * stream given as such (no workload) keeps its times as due times.
 */
export function concurrencyLimit(n: unknown, workload: ResolvedWorkload | undefined, where = '--max-concurrency'): ConcurrencyLimit {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InputError('FLAG_OUT_OF_RANGE', where, `found ${String(n)}; expected a positive integer`);
  const closedLoop = workload !== undefined && workload.sources.rateRps === 'default';
  if (closedLoop && workload.numRequests === null) {
    throw new InputError('FLAG_CONFLICT', where, 'without --rate the clients send each request as an answer ends, so a duration does not say how many: give --num-requests (vllm bench serve --num-prompts), or a --rate to cap');
  }
  return { maxConcurrency: n, closedLoop };
}

/** Turns held back at most, per allowed open request, before the feed stops reading ahead. */
const WAITING_TURNS_PER_SLOT = 64;

export class ClosedLoopFeed implements RecordSink {
  private open = 0;
  /** The run is closing, or a send time passed the horizon: nothing more is sent. */
  private stopped = false;
  /** The workload has no more requests. */
  private exhausted = false;
  /** Send time of the last request (the stream given to the cluster stays sorted). */
  private lastUs = 0;
  /** Sessions with a turn open: a chat client sends the next turn only after its answer. */
  private readonly busySessions = new Set<string>();
  /** Turns read while their session had one open, in workload order. */
  private readonly waitingTurns: ArrivalRequest[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly it: Iterator<ArrivalRequest>,
    private readonly limit: ConcurrencyLimit,
    private readonly horizonUs: number,
  ) {
    if (!Number.isInteger(limit.maxConcurrency) || limit.maxConcurrency < 1) throw new Error(`maxConcurrency must be a positive integer, got ${limit.maxConcurrency}`);
  }

  /** Sends the first requests (up to the limit). */
  start(): void {
    this.fill(0);
  }

  /** No request is sent after this (the run is closing: its unfinished records free no slot). */
  stop(): void {
    this.stopped = true;
  }

  add(record: RequestRecord): void {
    if (this.stopped) return;
    this.open--;
    if (record.sessionId !== undefined) this.busySessions.delete(record.sessionId);
    const now = this.cluster.sim.nowUs;
    // The client has the answer at its last streamed token; a rejection or timeout frees the slot now.
    this.fill(record.status === 'completed' && record.finishedUs > now ? Math.ceil(record.finishedUs) : now);
  }

  private fill(freeUs: number): void {
    while (!this.stopped && this.open < this.limit.maxConcurrency) {
      const src = this.next();
      if (src === null) return;
      const due = this.limit.closedLoop ? 0 : src.arrivalUs;
      let at = due > freeUs ? due : freeUs;
      if (at < this.lastUs) at = this.lastUs;
      if (at > this.horizonUs) {
        this.stopped = true;
        return;
      }
      this.lastUs = at;
      this.open++;
      if (src.sessionId !== undefined) this.busySessions.add(src.sessionId);
      this.cluster.addArrival(at === src.arrivalUs ? src : { ...src, arrivalUs: at });
    }
  }

  /**
   * The next request to send: the oldest held-back turn whose session has none open, else the
   * workload's next request; a turn of a session with one open is held back (read-ahead bounded).
   */
  private next(): ArrivalRequest | null {
    const waiting = this.waitingTurns;
    for (let i = 0; i < waiting.length; i++) {
      if (!this.busySessions.has(waiting[i]!.sessionId!)) return waiting.splice(i, 1)[0]!;
    }
    while (!this.exhausted && waiting.length < WAITING_TURNS_PER_SLOT * this.limit.maxConcurrency) {
      const n = this.it.next();
      if (n.done === true) {
        this.exhausted = true;
        return null;
      }
      const src = n.value;
      if (src.sessionId === undefined || !this.busySessions.has(src.sessionId)) return src;
      waiting.push(src);
    }
    return null;
  }
}
