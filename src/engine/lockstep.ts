/**
 * The data-parallel ranks of one vLLM MoE server step together. In vLLM 0.15 every rank of a
 * `--data-parallel-size N` MoE deployment is its own engine core with its own scheduler and KV
 * cache, but their forward passes are one collective computation: before each forward the ranks
 * all-reduce their token counts (v1/worker/dp_utils.py `coordinate_batch_across_dp`, which also
 * pads every rank to the largest count for CUDA graphs), and every MoE layer then all-gathers and
 * reduce-scatters the tokens of all ranks (the default `allgather_reducescatter` backend). A rank
 * therefore finishes a step when the slowest rank's finishes: one rank's prefill chunk stretches
 * every rank's decode step. A rank with no requests while the others have some runs dummy
 * batches to stay in the collective (v1/engine/core.py DPEngineCoreProc `run_busy_loop`,
 * `execute_dummy_batch`), so a request reaching it is scheduled at the group's next step
 * boundary, not at once. vLLM's docs/serving/data_parallel_deployment.md: for MoE models "forward
 * passes must be aligned" and idle ranks run "dummy" forward passes; a dense model's ranks are
 * independent engines (the fleet groups only the ranks of an MoE server: cluster/fleet.ts).
 *
 * The group here gathers the ranks that form a batch at the same instant (their own step times,
 * ./step-cost.ts, each already costing its MoE layers on the tokens of all ranks:
 * model/moe-parallel.ts), starts them together after every other event of that instant, and ends
 * every one of their steps after the longest. A rank that wants to start while the group's step
 * runs starts when it ends. Not costed: the dummy batches' own duration (a one-token forward,
 * shorter than any real rank's step it runs beside) and the per-step exchange of counts.
 */
import { EventPriority, type EventHandler } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';

export class Lockstep implements EventHandler {
  /** Ranks whose batch is formed and waiting for the group's step to start, and each one's step-end event tag. */
  private readonly ready: EventHandler[] = [];
  private readonly tags: number[] = [];
  private count = 0;
  private longestUs = 0;
  private startPending = false;
  /** When the group's step in flight ends (µs); at or before now: none in flight. */
  private busyUntilUs = 0;
  /** Group steps started, and the rank steps they ran (statistics for tests). */
  steps = 0;
  rankSteps = 0;

  constructor(private readonly sim: Simulator) {}

  /** When a rank that wants to start a step now may start it: the end of the group's step in flight, else now. */
  startAtUs(nowUs: number): number {
    return this.busyUntilUs > nowUs ? this.busyUntilUs : nowUs;
  }

  /**
   * A rank formed a batch of `durUs` at this instant; it starts with every rank that forms one at
   * this instant, once the instant's other events are done, and its step ends (an event tagged
   * `stepEndTag` to `rank`) when the longest of them does.
   */
  join(rank: EventHandler, durUs: number, stepEndTag: number): void {
    this.ready[this.count] = rank;
    this.tags[this.count] = stepEndTag;
    this.count++;
    if (durUs > this.longestUs) this.longestUs = durUs;
    if (this.startPending) return;
    this.startPending = true;
    this.sim.schedule(this.sim.nowUs, EventPriority.Lockstep, this, 0);
  }

  handle(): void {
    const d = this.longestUs;
    this.busyUntilUs = this.sim.nowUs + d;
    for (let i = 0; i < this.count; i++) this.sim.scheduleAfter(d, EventPriority.StepEnd, this.ready[i]!, this.tags[i]!);
    this.steps++;
    this.rankSteps += this.count;
    this.count = 0;
    this.longestUs = 0;
    this.startPending = false;
  }
}
