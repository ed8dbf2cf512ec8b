/**
 * The workload's configuration as data: `ClientSpec`/`WorkloadSpec` are what presets and spec
 * files may say (all optional), `ResolvedWorkload` is what the generator runs (all required,
 * frozen, with the source of each top-level field).
 */
import type { LengthDist } from './lengths.js';
import type { OptionValues } from './options.js';
import type { SloTargets } from './slo.js';

export interface ArrivalSpec {
  readonly process: string;
  readonly options: OptionValues;
}

/**
 * Shared system prompts. `random` and `round-robin` pick one of `groups` prompts of `tokens`
 * tokens per request. `cycled` reproduces the calibration runs' effective pattern:
 * groups x promptsPerGroup unique full prompts (a group's system prompt plus a question whose
 * length is drawn once per prompt), visited round-robin over a shuffled order that starts afresh
 * at every stage.
 */
export interface PrefixSpec {
  readonly groups: number;
  readonly tokens: number;
  readonly select: 'random' | 'round-robin' | 'cycled';
  /** Only for `cycled`. */
  readonly promptsPerGroup?: number;
}

/** Multi-turn sessions: each arrival starts a session of `turns` requests separated by think time. */
export interface SessionSpec {
  /** Turns per session (a length distribution reused as an integer distribution). */
  readonly turns: LengthDist;
  /** Mean think time between a turn's arrival and the next turn's (exponential), seconds. */
  readonly thinkTimeS: number;
  /**
   * `stationary` (default): the stream opens with the sessions a running service would have in
   * progress, so the request rate is the configured one from the start; `empty`: every session
   * starts at or after time 0 (a benchmark that opens on an idle server).
   */
  readonly start?: 'stationary' | 'empty';
}

export interface ClientSpec {
  readonly name?: string;
  /** Inherit every unset field from this preset. */
  readonly preset?: string;
  /** Absolute rate (requests/s) or a fraction of the workload's rate; not both. */
  readonly rateRps?: number;
  readonly rateFraction?: number;
  readonly arrival?: ArrivalSpec;
  /** Request-specific prompt tokens (a shared prefix's tokens come on top). */
  readonly input?: LengthDist;
  readonly output?: LengthDist;
  readonly prefix?: PrefixSpec | null;
  readonly sessions?: SessionSpec | null;
  readonly model?: string;
  /** Where `model` is written (file:line field), for errors found once the fleet is known. */
  readonly modelAt?: string;
  readonly tenant?: string;
  readonly sloClass?: string;
  readonly priority?: number;
}

/** A stage's total rate is `rateRps`, or `scale` times the workload's rate. */
export interface StageSpec {
  readonly rateRps?: number;
  readonly scale?: number;
  readonly durationS: number;
}

export interface WorkloadSpec {
  readonly fileName: string;
  readonly seed?: number;
  readonly rateRps?: number;
  readonly numRequests?: number;
  readonly durationS?: number;
  /** Default arrival process for clients that do not name one. */
  readonly arrival?: ArrivalSpec;
  readonly clients?: readonly ClientSpec[];
  readonly stages?: readonly StageSpec[];
  /** SLO targets per class (clients name their class with `slo_class`). */
  readonly sloClasses?: Readonly<Record<string, SloTargets>>;
}

export interface ResolvedClient {
  readonly name: string;
  /** This client's share of the workload's request rate (shares sum to 1). */
  readonly share: number;
  readonly arrival: ArrivalSpec;
  readonly input: LengthDist;
  readonly output: LengthDist;
  readonly prefix: PrefixSpec | null;
  readonly sessions: SessionSpec | null;
  readonly model: string | null;
  readonly tenant: string | null;
  readonly sloClass: string | null;
  readonly priority: number | null;
}

export interface ResolvedStage {
  readonly index: number;
  readonly startS: number;
  readonly durationS: number;
  readonly rateRps: number;
}

export type FieldSource = 'default' | 'preset' | 'spec' | 'flag';

export interface ResolvedWorkload {
  readonly seed: number;
  /** Total request rate outside stages (and the base that stage `scale` multiplies). */
  readonly rateRps: number;
  /** Cap on generated requests; null when the duration or stages bound the workload. */
  readonly numRequests: number | null;
  /** Horizon in seconds; null when only the request count bounds the workload. */
  readonly durationS: number | null;
  readonly clients: readonly ResolvedClient[];
  /** Explicit stages (requests then carry `stage`); empty for a single-rate workload. */
  readonly stages: readonly ResolvedStage[];
  /** SLO targets per class from the spec (empty without one). */
  readonly sloClasses: Readonly<Record<string, SloTargets>>;
  readonly sources: Readonly<Record<'seed' | 'rateRps' | 'numRequests' | 'durationS' | 'clients' | 'stages' | 'arrival', FieldSource>>;
}
