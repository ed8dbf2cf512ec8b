/**
 * Anti-flapping between the analyzer and the optimizer, as Kubernetes' HPA does it
 * (pkg/controller/podautoscaler, behavior.scaleUp/scaleDown.stabilizationWindowSeconds): every
 * recommendation is remembered; a scale-up follows the lowest recommendation of the up window
 * and a scale-down the highest of the down window, so a move needs the whole window to agree.
 * A window of W seconds holds the recommendations made in (now − W, now]: HPA's
 * `stabilizeRecommendationWithBehaviors` (pkg/controller/podautoscaler/horizontal.go) keeps
 * those whose timestamp is strictly after now − W, so one made exactly W ago has left it.
 * Cooldowns then forbid a move in the same direction too soon after the last one.
 */
import { usToS } from '../kernel/units.js';

interface Rec {
  readonly tUs: number;
  readonly desired: number;
}

export interface StabilizerSettings {
  readonly upWindowUs: number;
  readonly downWindowUs: number;
  readonly upCooldownUs: number;
  readonly downCooldownUs: number;
}

export interface Stabilized {
  readonly desired: number;
  /** Why the recommendation was changed, or '' when it passed through. */
  readonly note: string;
}

export class Stabilizer {
  private readonly recs = new Map<string, Rec[]>();
  private readonly lastUp = new Map<string, number>();
  private readonly lastDown = new Map<string, number>();

  constructor(private readonly s: StabilizerSettings) {}

  /** Records `recommended` for `model` and returns the replica count to aim for. */
  stabilize(model: string, current: number, recommended: number, nowUs: number): Stabilized {
    let list = this.recs.get(model);
    if (list === undefined) this.recs.set(model, (list = []));
    list.push({ tUs: nowUs, desired: recommended });
    const keep = Math.max(this.s.upWindowUs, this.s.downWindowUs);
    while (list.length > 1 && list[0]!.tUs < nowUs - keep) list.shift();
    let upRec = Infinity;
    let downRec = -Infinity;
    for (const r of list) {
      // The recommendation just made always counts (HPA seeds both limits with it).
      if (r.tUs > nowUs - this.s.upWindowUs || r.tUs === nowUs) upRec = Math.min(upRec, r.desired);
      if (r.tUs > nowUs - this.s.downWindowUs || r.tUs === nowUs) downRec = Math.max(downRec, r.desired);
    }
    let desired = current;
    if (desired < upRec) desired = upRec;
    if (desired > downRec) desired = downRec;
    let note = desired !== recommended ? `stabilised ${recommended} -> ${desired}` : '';
    if (desired > current && nowUs < (this.lastUp.get(model) ?? -Infinity) + this.s.upCooldownUs) {
      note = `scale-up cooldown until ${usToS(this.lastUp.get(model)! + this.s.upCooldownUs).toFixed(1)} s`;
      desired = current;
    }
    if (desired < current && nowUs < (this.lastDown.get(model) ?? -Infinity) + this.s.downCooldownUs) {
      note = `scale-down cooldown until ${usToS(this.lastDown.get(model)! + this.s.downCooldownUs).toFixed(1)} s`;
      desired = current;
    }
    return { desired, note };
  }

  /** Tells the stabilizer a move happened (starts that direction's cooldown). */
  noteAction(model: string, direction: 'up' | 'down', nowUs: number): void {
    (direction === 'up' ? this.lastUp : this.lastDown).set(model, nowUs);
  }
}
