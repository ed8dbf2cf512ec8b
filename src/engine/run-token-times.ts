/**
 * Token times under detail recording. A step-by-step commit stamps a request's output token o at
 * the commit's end plus the client-side overheads, and records it when o falls on the recording
 * grid (every `tokenEvery`-th token from the first). A decode run commits without touching its
 * requests, so it keeps each commit's time here and writes the times a request missed when the
 * request is materialised (decode-run.ts); both paths stamp with `tokenTimeUs`.
 */
import type { RequestOverheads } from '../model/step-time.js';
import type { InstanceConfig } from './config.js';
import type { EngineRequest } from './engine-request.js';

/** When the client sees output token `o` (1-based) of a step committed at `commitUs`. */
export function tokenTimeUs(commitUs: number, o: number, ov: RequestOverheads): number {
  return commitUs + ov.firstTokenUs + (o - 1) * ov.perOutputTokenUs;
}

export class RunTokenTimes {
  /** Detail recording is on (otherwise nothing here is kept). */
  readonly enabled: boolean;
  /** Commits whose token times were written to the requests already. */
  synced = 0;
  private readonly every: number;
  private readonly overheads: RequestOverheads;
  /** End time of each of the run's commits (index = commit number). */
  private commitUs = new Float64Array(64);

  constructor(cfg: InstanceConfig) {
    this.enabled = cfg.detail.enabled;
    this.every = cfg.detail.tokenEvery;
    this.overheads = cfg.overheads;
  }

  /** Output token `o` is recorded (step-by-step commits push its time). */
  onGrid(o: number): boolean {
    return (o - 1) % this.every === 0;
  }

  /** Keeps commit `c`'s end time. */
  noteCommit(c: number, nowUs: number): void {
    if (c >= this.commitUs.length) {
      const grown = new Float64Array(this.commitUs.length * 2);
      grown.set(this.commitUs);
      this.commitUs = grown;
    }
    this.commitUs[c] = nowUs;
  }

  /** Records output token `o` committed at `nowUs` if it is on the grid (a request's last token, committed alone). */
  recordOne(r: EngineRequest, o: number, nowUs: number): void {
    if (this.onGrid(o)) r.tokenTimesUs!.push(tokenTimeUs(nowUs, o, this.overheads));
  }

  /** Pushes the times step-by-step commits would have recorded for commits (synced, c] of a request with `o0` outputs at commit 0. */
  record(r: EngineRequest, o0: number, c: number): void {
    const times = r.tokenTimesUs!;
    // A first token (o = 1) is always recorded by a step-by-step commit (o ≤ 0: before it joined).
    for (let i = this.synced + 1; i <= c; i++) {
      const o = o0 + i;
      if (o < 2 || !this.onGrid(o)) continue;
      times.push(tokenTimeUs(this.commitUs[i]!, o, this.overheads));
    }
  }
}
