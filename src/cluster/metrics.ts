/**
 * The metrics collector: consumes per-request records and per-step statistics as the run goes,
 * and produces the blis.metrics/v1 document (DESIGN §4), overall, per stage and per instance.
 * Nothing here reads the wall clock: the document is byte-identical across runs.
 */
import type { RequestRecord } from './record.js';
import { claimedModelName } from './served-models.js';
import { Group, type MetricsBlock } from './metrics-group.js';
import { GROUP_EXACT_SAMPLES } from './duration-histogram.js';
import { round } from './summary.js';
import { TransferStats, type TransferBlock } from './transfer-stats.js';
import { NO_SLO, type SloSpec } from '../workload/slo.js';
import { RegimeMonitor, type KernelCompiles, type RegimeBlock } from './regime.js';
import { SloCollector, type SloBlock } from './slo.js';
import { usToS } from '../kernel/units.js';
import type { Instance, StepListener } from '../engine/instance.js';

export const METRICS_SCHEMA = 'blis.metrics/v1';

export type { MetricsBlock, RequestCounts } from './metrics-group.js';

/** Who an instance row is (filled by the run: pool, model, hardware, TP, final lifecycle state). */
export interface InstanceMeta {
  pool?: string;
  role?: string;
  model?: string;
  hardware?: string;
  tp?: number;
  state?: string;
}

/** A pool's or a role's figures: every request that passed through it (a P/D request counts in both its pools). */
export interface PoolBlock extends MetricsBlock {
  name: string;
  role: string;
}

export interface MetricsDocument extends MetricsBlock {
  schema: typeof METRICS_SCHEMA;
  /** The resolved configuration, enough to rerun (config-echo.ts): flat fields by their flag names in snake_case, `sources`, `derivations`, `workload`. */
  config: Record<string, unknown>;
  stages?: Array<{ index: number; start_s: number; end_s: number } & MetricsBlock>;
  instances: Array<{ id: number } & InstanceMeta & MetricsBlock>;
  /** Per pool (when the run has more than one) and per role (unified, prefill, decode). */
  pools?: PoolBlock[];
  roles?: Record<string, MetricsBlock>;
  /** KV transfers of disaggregated requests (runs with prefill pools). */
  kv_transfer?: TransferBlock;
  sim: { simulated_s: number; events: number };
  /** Per model, when the run serves more than one (latencies are never mixed across models). */
  models?: Record<string, MetricsBlock>;
  /** SLO attainment, goodput and checks, when the run has targets (--slo, slo_classes). */
  slo?: SloBlock;
  regime?: RegimeBlock;
  [extra: string]: unknown;
}

/** What the run is judged by: SLO targets, and what the regime needs to know of the engine. */
export interface MetricsOptions {
  readonly slo?: SloSpec;
  /** The model of requests that name none (the cluster's model). */
  readonly defaultModel?: string;
  /**
   * The fleet's models (canonical names): a record is filed under the model it claims spelled
   * one way (served-models.ts claimedModelName: `Qwen/Qwen3-14B` is qwen/qwen3-14b, as instance
   * steps name it); a trace's label (`ChatGPT`) keeps its name. Without it, records are filed by
   * the name they carry.
   */
  readonly servedModels?: readonly string[];
  /** Steps between an arrival and the first step that can take it beyond the running one (1 with async scheduling). */
  readonly schedulingLagSteps?: number;
}

/** An instance's queue and batch as a step ended (the regime's signs). */
export interface StepState {
  readonly waiting: number;
  readonly running: number;
  readonly maxNumSeqs: number;
  readonly kvUtilization: number;
}

/** What the collector needs to know of the run's layout for per-pool, per-role and transfer figures. */
export interface MetricsLayout {
  readonly pools: ReadonlyArray<{ readonly name: string; readonly role: string }>;
  /** The KV-transfer link (set when the run has prefill pools). */
  readonly link?: { readonly bytesPerS: number; readonly latencyUs: number };
}

export interface StageWindow {
  readonly index: number;
  readonly startUs: number;
  readonly endUs: number;
}

/** Fewest samples an instance's group keeps exact, however many instances share the budget. */
const INSTANCE_EXACT_MIN = 8192;

export class MetricsCollector {
  private readonly all = new Group();
  private readonly perInstance: Group[] = [];
  private readonly perStage: Group[] = [];
  private readonly perPool = new Map<string, Group>();
  private readonly perRole = new Map<string, Group>();
  private readonly roleOf = new Map<string, string>();
  private readonly transfers: TransferStats | null;
  private readonly perModel = new Map<string, Group>();
  /**
   * While every record so far is of one model, that model's group would hold what the run's
   * does: it is not kept (one group update less per request) until a second model appears or
   * the figures are folded, when it is made as a copy of the run's (splitSoleModel).
   */
  private soleModel: string | null = null;
  private readonly defaultModel: string;
  private readonly servedModels: readonly string[] | undefined;
  /** Model name as records spell it → the model its figures are filed under. */
  private readonly filedUnder = new Map<string, string>();
  private readonly slo: SloCollector;
  private readonly regime: RegimeMonitor;
  /** Each instance's pool and model as its steps report them (its ITL and KV peak fold into theirs at the end). */
  private readonly stepPool: Array<string | undefined> = [];
  private readonly stepModel: Array<string | undefined> = [];
  private folded = false;

  /**
   * Samples each instance's group keeps exact: the instances share the whole run's budget
   * (GROUP_EXACT_SAMPLES over the starting instances, at least INSTANCE_EXACT_MIN), so the
   * exact samples a run holds stay bounded however long it runs: about twice the run group's
   * (more beyond 30 instances, 8,192 each; instances an autoscaler adds get as many). Beyond
   * that an instance's percentiles come from its histogram (within 0.05 %); a one-hour run of
   * the seed's 8 instances (22,500 requests each) stays exact.
   */
  private readonly instanceExact: number;

  constructor(numInstances: number, private readonly stages: readonly StageWindow[] = [], private readonly layout: MetricsLayout = { pools: [] }, options: MetricsOptions = {}) {
    this.defaultModel = options.defaultModel ?? '';
    this.servedModels = options.servedModels;
    this.slo = new SloCollector(options.slo ?? NO_SLO, this.defaultModel);
    this.regime = new RegimeMonitor(options.schedulingLagSteps ?? 0, layout.link);
    this.instanceExact = Math.max(INSTANCE_EXACT_MIN, Math.floor(GROUP_EXACT_SAMPLES / Math.max(1, numInstances)));
    for (let i = 0; i < numInstances; i++) this.perInstance.push(new Group(this.instanceExact));
    for (let i = 0; i < stages.length; i++) this.perStage.push(new Group());
    // Pools and roles get blocks of their own only when there are several (document()); with one,
    // its group would repeat the run's, so none is kept (two fewer group updates per request).
    const pools = new Set(layout.pools.map((p) => p.name));
    const roles = new Set(layout.pools.map((p) => p.role));
    for (const p of layout.pools) {
      if (pools.size > 1) this.perPool.set(p.name, new Group());
      if (roles.size > 1) {
        this.roleOf.set(p.name, p.role);
        if (!this.perRole.has(p.role)) this.perRole.set(p.role, new Group());
      }
    }
    this.transfers = layout.link !== undefined ? new TransferStats(layout.link) : null;
  }

  /** A request left the system (any status). */
  addRecord(r: RequestRecord): void {
    const model = this.modelOf(r.model);
    if (this.soleModel !== null && model !== this.soleModel) this.splitSoleModel();
    else if (this.soleModel === null && this.perModel.size === 0) this.soleModel = model;
    this.all.add(r);
    if (model !== this.soleModel) this.modelGroup(model).add(r);
    if (this.slo.enabled) this.slo.add(r, model);
    this.regime.addRecord(r);
    if (r.instance >= 0) this.instanceGroup(r.instance).add(r);
    const d = r.disagg;
    // A disaggregated request was served by two instances: each shows it (the decode one completed it).
    if (d !== undefined && d.decodeInstance >= 0 && d.decodeInstance !== r.instance) this.instanceGroup(d.decodeInstance).add(r);
    this.addToPools(r.pool, d?.decodePool, r);
    this.transfers?.add(r);
    if (this.perStage.length > 0) {
      const s = r.stage ?? this.stageAt(r.arrivalUs);
      if (s >= 0 && s < this.perStage.length) this.perStage[s]!.add(r);
    }
  }

  private addToPools(pool: string, decodePool: string | undefined, r: RequestRecord): void {
    if (pool === '') return;
    this.perPool.get(pool)?.add(r);
    const role = this.roleOf.get(pool);
    if (role !== undefined) this.perRole.get(role)!.add(r);
    if (decodePool === undefined || decodePool === '' || decodePool === pool) return;
    this.perPool.get(decodePool)?.add(r);
    const decodeRole = this.roleOf.get(decodePool);
    if (decodeRole !== undefined && decodeRole !== role) this.perRole.get(decodeRole)!.add(r);
  }

  /**
   * The step figures of instance `instance` (pool `pool`, serving `model`): its steps go to the
   * returned recorder, one call each, with the groups and owners bound once.
   */
  instanceSteps(instance: number, pool: string, model: string): InstanceSteps {
    return new InstanceSteps(this, this.regime, this.instanceGroup(instance), instance, pool, model);
  }

  /** The workload has stages (steps then go to stageStep). */
  get staged(): boolean {
    return this.perStage.length !== 0;
  }

  /** A step's decode tokens in its stage's ITL (stages are few: a linear scan). */
  stageStep(startUs: number, durationUs: number, decodeTokens: number): void {
    if (this.perStage.length === 0) return;
    const s = this.stageAt(startUs);
    if (s >= 0) this.perStage[s]!.addStep(durationUs, decodeTokens);
  }

  /** Output tokens of the completed requests so far. */
  get completedOutputTokens(): number {
    return this.all.outputTokens;
  }

  /** The pool and model an instance's steps fold into (the first ones reported stay). */
  noteStepOwner(instance: number, pool: string | undefined, model: string | undefined): void {
    if (pool !== undefined && this.stepPool[instance] === undefined) this.stepPool[instance] = pool;
    if (model !== undefined && this.stepModel[instance] === undefined) this.stepModel[instance] = model;
  }

  /** Folds the instances' step figures (ITL, KV peak) into the run's, models', pools' and roles' (once). */
  private foldSteps(): void {
    if (this.folded) return;
    this.folded = true;
    // Before the run's group takes the steps' figures: the model's group holds records only.
    this.splitSoleModel();
    this.perInstance.forEach((g, i) => {
      const targets = [this.all];
      // An instance's steps belong to a model's block only when every request it served was filed
      // there: a fleet of several models routes by model, while one model serves every name (a
      // trace's labels, an allowed mismatch) and its steps would mix them. No block is made for
      // steps alone (a model no record is filed under).
      const model = this.stepModel[i];
      const own = model !== undefined && (this.servedModels === undefined || this.servedModels.length > 1) ? this.modelGroupOrNull(model) : null;
      if (own !== null) targets.push(own);
      const pool = this.stepPool[i];
      if (pool !== undefined) {
        const p = this.perPool.get(pool);
        if (p !== undefined) targets.push(p);
        const role = this.roleOf.get(pool);
        if (role !== undefined) targets.push(this.perRole.get(role)!);
      }
      for (const t of targets) {
        t.itl.addAll(g.itl);
        // Models have no KV peak of their own (notePeakKv never raised theirs).
        if (t !== this.modelGroupOrNull(model) && g.peakKvUtilization > t.peakKvUtilization) t.peakKvUtilization = g.peakKvUtilization;
      }
    });
  }

  /** The model a record's figures are filed under. */
  private modelOf(name: string | undefined): string {
    if (name === undefined) return this.defaultModel;
    const served = this.servedModels;
    if (served === undefined) return name;
    let m = this.filedUnder.get(name);
    if (m === undefined) this.filedUnder.set(name, (m = claimedModelName(served, name)));
    return m;
  }

  /** The sole model so far gets its group, a copy of the run's (which holds exactly its records). */
  private splitSoleModel(): void {
    if (this.soleModel === null) return;
    this.perModel.set(this.soleModel, this.all.clone());
    this.soleModel = null;
  }

  private modelGroupOrNull(model: string | undefined): Group | null {
    return model === undefined ? null : this.perModel.get(model) ?? null;
  }

  /** `instanceUs`: Σ over instances of the time each existed (utilisation's denominator; default instances × simulated time). */
  document(config: Record<string, unknown>, sim: { simulatedUs: number; events: number; instanceUs?: number; kernelCompiles?: KernelCompiles }, extra: Record<string, unknown> = {}): MetricsDocument {
    this.foldSteps();
    const all = this.all.block(this.all.windowUs());
    const doc: MetricsDocument = {
      schema: METRICS_SCHEMA,
      config,
      ...all,
      instances: this.perInstance.map((g, id) => ({ id, ...g.block(g.windowUs()) })),
      sim: { simulated_s: round(usToS(sim.simulatedUs)), events: sim.events },
      ...(this.perModel.size > 1 ? { models: Object.fromEntries([...this.perModel.keys()].sort().map((m) => [m, this.perModel.get(m)!.block(this.perModel.get(m)!.windowUs())])) } : {}),
      ...(this.slo.enabled ? { slo: this.slo.block(this.all.windowUs(), all.itl_ms) } : {}),
      regime: this.regime.block(all.requests, sim.instanceUs ?? this.perInstance.length * sim.simulatedUs, sim.kernelCompiles),
      ...extra,
    };
    if (this.perPool.size > 1) doc.pools = this.layout.pools.map((p) => ({ name: p.name, role: p.role, ...this.perPool.get(p.name)!.block(this.perPool.get(p.name)!.windowUs()) }));
    if (this.perRole.size > 1) doc.roles = Object.fromEntries([...this.perRole.entries()].map(([role, g]) => [role, g.block(g.windowUs())]));
    if (this.transfers !== null) doc.kv_transfer = this.transfers.block();
    if (this.stages.length > 0) {
      doc.stages = this.stages.map((st, i) => ({
        index: st.index,
        start_s: round(usToS(st.startUs)),
        end_s: round(usToS(st.endUs)),
        ...this.perStage[i]!.block(st.endUs - st.startUs),
      }));
    }
    return doc;
  }

  private modelGroup(model: string): Group {
    let g = this.perModel.get(model);
    if (g === undefined) this.perModel.set(model, (g = new Group()));
    return g;
  }

  private instanceGroup(i: number): Group {
    while (this.perInstance.length <= i) this.perInstance.push(new Group(this.instanceExact));
    return this.perInstance[i]!;
  }

  private stageAt(tUs: number): number {
    for (let i = 0; i < this.stages.length; i++) {
      const s = this.stages[i]!;
      if (tUs >= s.startUs && tUs < s.endUs) return i;
    }
    return this.stages.length > 0 && tUs >= this.stages[this.stages.length - 1]!.endUs ? this.stages.length - 1 : -1;
  }
}

/**
 * One instance's steps into the metrics: the regime's signs (every step), the instance's ITL
 * histogram (steps that emitted decode tokens; the run's, models', pools' and roles' are the
 * sums of their instances', folded in once by document(), exact for integer samples), its
 * stage's, and its KV peak (its pool's, role's and the run's are the maxima of their instances').
 * Called once per engine step, so the groups are bound here rather than looked up per step.
 */
export class InstanceSteps implements StepListener {
  private modelNoted = false;

  constructor(
    private readonly collector: MetricsCollector,
    private readonly regime: RegimeMonitor,
    private readonly group: Group,
    private readonly instance: number,
    private readonly pool: string,
    private readonly model: string,
  ) {
    collector.noteStepOwner(instance, pool, undefined);
  }

  /** The step ended with the instance's queue, batch and KV use as they are now. */
  onStep(inst: Instance, durationUs: number, decodeTokens: number): void {
    const kvUtilization = inst.kvUsedBlocks / inst.kvTotalBlocks;
    this.regime.addStep(durationUs, inst.waitingCount, inst.runningCount, inst.config.maxNumSeqs, kvUtilization);
    const stalls = inst.stallGapsUs;
    if (decodeTokens > 0 || stalls.length > 0) {
      // A token's gap since the previous one: the step's duration, plus the detokenising lag each
      // output token adds (tokenTimeUs); after a preemption, from its last token (Instance.stallGapsUs).
      const perTokenUs = inst.config.overheads.perOutputTokenUs;
      this.group.addStep(durationUs + perTokenUs, decodeTokens);
      for (let k = 0; k < stalls.length; k++) this.group.addStep(stalls[k]! + perTokenUs, 1);
      if (!this.modelNoted) {
        // A model is an instance's owner once it emitted decode tokens (its group exists only then).
        this.modelNoted = true;
        this.collector.noteStepOwner(this.instance, this.pool, this.model);
      }
      // Asked first: the call is not inlined, and a start past 2^31 µs passed to it is boxed every step.
      if (this.collector.staged) {
        this.collector.stageStep(inst.stepStartedUs, durationUs + perTokenUs, decodeTokens);
        for (let k = 0; k < stalls.length; k++) this.collector.stageStep(inst.stepStartedUs, stalls[k]! + perTokenUs, 1);
      }
    }
    if (kvUtilization > this.group.peakKvUtilization) this.group.peakKvUtilization = kvUtilization;
  }
}
