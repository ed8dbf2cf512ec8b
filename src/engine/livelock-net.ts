/**
 * The livelock net: an instance that has been busy for `limitUs` without sampling a token, and
 * has preempted meanwhile, is stuck, and stops stepping (its requests stay where they are; a
 * cluster run then ends as `stalled`, simulate.ts). vLLM 0.15 has such a state: the one running
 * request needs a block it cannot get, is its own victim ("Cannot schedule this request"),
 * recomputes from token 0 with the whole budget and needs the block again, while a request parked
 * behind it (a landed P/D read, a reported CPU-tier load) is never reached (docs/engine.md,
 * *Livelock guard*). vLLM goes round for ever, or until a client abort frees blocks, which the
 * differential scenarios show within milliseconds; blis follows it round for round for an hour of
 * simulated time (default), then stops instead of never returning. A long prefill alone does not
 * trip it (no preemption), nor does anything that samples a token in the hour.
 */

/** Busy time without a sampled token, with preemptions in it, after which an instance is stuck: one simulated hour. */
export const LIVELOCK_US = 3_600_000_000;

export class LivelockNet {
  /** When the instance last sampled a token or became busy (−1 while idle), and the preemptions counted then. */
  private sinceUs = -1;
  private preemptions = 0;

  constructor(private readonly limitUs: number) {}

  /** A step starts: the start of a busy spell unless one is running. */
  busy(nowUs: number, preemptions: number): void {
    if (this.sinceUs >= 0) return;
    this.sinceUs = nowUs;
    this.preemptions = preemptions;
  }

  /** A committed step sampled a token. */
  sampled(nowUs: number, preemptions: number): void {
    this.sinceUs = nowUs;
    this.preemptions = preemptions;
  }

  /** Nothing left to run. */
  idle(): void {
    this.sinceUs = -1;
  }

  /** Stuck: busy for the limit with no token sampled and a preemption since. */
  tripped(nowUs: number, preemptions: number): boolean {
    return this.sinceUs >= 0 && nowUs - this.sinceUs >= this.limitUs && preemptions !== this.preemptions;
  }
}
