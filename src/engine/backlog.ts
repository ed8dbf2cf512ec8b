/**
 * The backlog level of one instance and the step stretch it causes (model/step-time.ts
 * BacklogSlowdown). The level b follows db/dt = (q − b)/τ, where q is 1 while requests wait
 * that the scheduler could not admit and 0 otherwise; q is sampled at each step's formation and
 * held until the next, so the level is exact for that piecewise-constant signal. O(1) per step.
 */
import type { BacklogSlowdown } from '../model/step-time.js';

export class BacklogTracker {
  private readonly slowdown: number;
  private readonly tauUs: number;
  private lastUs = 0;
  private queued = 0;
  /** b ∈ [0, 1] as of the last step formed. */
  level = 0;

  constructor(b: BacklogSlowdown) {
    this.slowdown = b.slowdown;
    this.tauUs = b.tauUs;
  }

  /**
   * The duration of a step formed at `nowUs` whose unstretched duration is `baseUs`;
   * `queued`: requests still wait after this step's scheduling.
   */
  stretch(nowUs: number, baseUs: number, queued: boolean): number {
    const dt = nowUs - this.lastUs;
    if (dt > 0) {
      // At its target the level stays put (the update would add 0): skip the exponential.
      if (this.queued !== this.level) this.level += (this.queued - this.level) * -Math.expm1(-dt / this.tauUs);
      this.lastUs = nowUs;
    }
    this.queued = queued ? 1 : 0;
    return this.level === 0 ? baseUs : Math.max(1, Math.round(baseUs * (1 + this.slowdown * this.level)));
  }
}
