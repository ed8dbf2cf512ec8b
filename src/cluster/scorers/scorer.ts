/**
 * The scorer plug-in contract. A scorer writes a score in [0, 1] per instance into a
 * caller-owned array (1 = most preferred); the weighted router sums weight × score.
 */
import type { RouterView, RoutingRequest } from '../view.js';

export interface Scorer {
  score(view: RouterView, req: RoutingRequest, out: Float64Array): void;
}

/**
 * Optional capability: a scorer that learns from routing decisions (the prefix index), told after
 * the pick with the view the pick read (llm-d's PreRequest reads the chosen endpoint's metrics).
 */
export interface RoutingObserver {
  onRouted(view: RouterView, req: RoutingRequest, instance: number, nowUs: number): void;
  /** The instance left the fleet (an autoscaler's scale-down): what the scorer learned of it goes. */
  onInstanceGone?(instance: number): void;
}

export interface ScorerContext {
  readonly numInstances: number;
}

export interface ScorerOption {
  readonly describe: string;
  readonly default: number;
  readonly unit?: string;
}

export interface ScorerEntry {
  readonly name: string;
  /** llm-d's plugin type names that mean the same scorer. */
  readonly aliases?: readonly string[];
  readonly describe: string;
  readonly options: Readonly<Record<string, ScorerOption>>;
  /** Options the scorer no longer takes → why, and what replaces them: refused with that text, never reinterpreted. */
  readonly retired?: Readonly<Record<string, string>>;
  /** Reads the router's delayed KV-event index (view.kvIndex): the cluster then feeds it the instances' KV events. */
  readonly needsCacheView?: boolean;
  create(ctx: ScorerContext, options?: Readonly<Record<string, number>>): Scorer & Partial<RoutingObserver>;
}

export function isRoutingObserver(s: Scorer): s is Scorer & RoutingObserver {
  return typeof (s as Partial<RoutingObserver>).onRouted === 'function';
}
