/**
 * Routing policies (a registry; the name exists only in its entry). A policy picks one eligible
 * instance for a request from the router's view. Ties are broken deterministically by a
 * start that moves one eligible instance per pick, so equal instances share load evenly instead
 * of the lowest id taking it all.
 */
import { InputError, closeNames } from '../kernel/errors.js';
import type { Random } from '../kernel/random.js';
import { SCORERS, findScorer, parseScorerWeights, refuseRetiredOptions, type WeightedScorerSpec } from './scorers/registry.js';
import { isRoutingObserver, type RoutingObserver, type Scorer, type ScorerEntry } from './scorers/scorer.js';
import type { RouterView, RoutingRequest } from './view.js';

export interface RoutingPolicy {
  /** Returns the chosen instance id, or -1 when no instance is eligible. */
  pick(view: RouterView, req: RoutingRequest, nowUs: number): number;
  /** Tells learning scorers where the request went (`view` as it was for the pick). */
  onRouted?(view: RouterView, req: RoutingRequest, instance: number, nowUs: number): void;
  /** Scores of the last pick by scorer name (weighted policy only), for the request record. */
  lastScores?(instance: number): Record<string, number>;
  /** The instance left the fleet: learning scorers forget it. */
  onInstanceGone?(instance: number): void;
}

export interface RoutingContext {
  readonly numInstances: number;
  readonly scorers: readonly WeightedScorerSpec[];
  readonly random: Random;
  /**
   * vLLM API server processes in front of the ranks, each its own balancer (vllm-dp): vLLM 0.15's
   * `vllm serve` defaults --api-server-count to --data-parallel-size (entrypoints/cli/serve.py,
   * "Defaulting api_server_count to data_parallel_size"); default 1.
   */
  readonly apiServers?: number;
  readonly scorerOptions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The run's scorer registry (SCORERS and a library caller's plug-ins); default SCORERS. */
  readonly scorerRegistry?: readonly ScorerEntry[];
}

export interface RoutingPolicyEntry {
  readonly name: string;
  readonly describe: string;
  /**
   * Present when the policy reads --routing-scorers: the scorers it uses when none are given.
   * Giving scorers to a policy without it is refused (they would change nothing); giving them
   * with no policy picks the policy that reads them.
   */
  readonly scorers?: { readonly defaults: string };
  create(ctx: RoutingContext): RoutingPolicy;
}

class RoundRobin implements RoutingPolicy {
  private next = 0;
  pick(view: RouterView): number {
    for (let k = 0; k < view.numInstances; k++) {
      const i = (this.next + k) % view.numInstances;
      if (view.eligible[i] !== 0) {
        this.next = (i + 1) % view.numInstances;
        return i;
      }
    }
    return -1;
  }
}

/**
 * argmax of `value` over eligible instances; ties go to the first at or after a start that moves
 * one eligible instance per pick (the `turn`-th pick starts at the (turn mod eligible)-th eligible
 * instance), so equal instances share picks evenly, as llm-d's max-score picker's shuffle does on
 * average. (A start moving over every id instead gave, with the prefill pod 0 ineligible for a
 * decode pick, the first decode pod two ties in three.) With every instance eligible the start is
 * instance turn mod n.
 */
function argmaxRotating(view: RouterView, value: Float64Array, turn: number): number {
  const n = view.numInstances;
  let eligible = 0;
  for (let i = 0; i < n; i++) eligible += view.eligible[i] === 0 ? 0 : 1;
  if (eligible === 0) return -1;
  let skip = turn % eligible;
  let start = 0;
  while (view.eligible[start] === 0 || skip-- > 0) start++;
  let best = -1;
  let bestValue = -Infinity;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    if (view.eligible[i] === 0) continue;
    if (value[i]! > bestValue) {
      bestValue = value[i]!;
      best = i;
    }
  }
  return best;
}

class LeastLoaded implements RoutingPolicy {
  private readonly load: Float64Array;
  /** Picks so far: their tie-break start (argmaxRotating). */
  private turn = 0;
  constructor(n: number) {
    this.load = new Float64Array(n);
  }
  pick(view: RouterView): number {
    for (let i = 0; i < view.numInstances; i++) this.load[i] = -(view.waiting[i]! + view.running[i]! + view.inFlight[i]!);
    return argmaxRotating(view, this.load, this.turn++);
  }
}

/**
 * vLLM's own data-parallel load balancer (v1/engine/core_client.py DPLBAsyncMPClient
 * get_core_engine_for_request): the engine with the lowest waiting · 4 + running, from the counts
 * the DP coordinator publishes (at most every 100 ms, v1/engine/coordinator.py) plus the requests
 * the balancer sent since (it adds each to its copy of that engine's waiting count until the next
 * counts arrive: here, the next scrape). vLLM 0.15 runs one API server per rank by default
 * (RoutingContext.apiServers), each a balancer of its own: server c of C scans from rank
 * ⌊ranks · c / C⌋ (eng_start_index, the first lowest score wins) and counts each of its sends as
 * C waiting (`current_counts[eng_index][0] += self.client_count`); every server gets the same
 * published counts. The kernel hands each connection to one of the servers' shared sockets
 * (SO_REUSEPORT): here each request reaches a server drawn uniformly from the routing stream.
 */
class VllmDataParallel implements RoutingPolicy {
  /** Per API server, its sends since the last counts, as waiting requests (servers each). */
  private readonly sent: Float64Array[];
  private countsUs = -1;
  constructor(n: number, private readonly servers: number, private readonly random: Random) {
    this.sent = Array.from({ length: servers }, () => new Float64Array(n));
  }
  pick(view: RouterView): number {
    if (view.scrapedUs !== this.countsUs) {
      for (const s of this.sent) s.fill(0);
      this.countsUs = view.scrapedUs;
    }
    const server = this.servers === 1 ? 0 : Math.floor(this.random.next() * this.servers);
    const sent = this.sent[server]!;
    const n = view.numInstances;
    const start = Math.floor((n * server) / this.servers);
    let best = -1;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (view.eligible[i] === 0) continue;
      const score = (view.waiting[i]! + sent[i]!) * 4 + view.running[i]!;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best >= 0) sent[best]! += this.servers;
    return best;
  }
}

class RandomPick implements RoutingPolicy {
  constructor(private readonly random: Random) {}
  pick(view: RouterView): number {
    let count = 0;
    for (let i = 0; i < view.numInstances; i++) count += view.eligible[i]!;
    if (count === 0) return -1;
    let k = Math.floor(this.random.next() * count);
    for (let i = 0; i < view.numInstances; i++) {
      if (view.eligible[i] === 0) continue;
      if (k-- === 0) return i;
    }
    return -1;
  }
}

class Weighted implements RoutingPolicy {
  private readonly scorers: Array<Scorer & Partial<RoutingObserver>>;
  private readonly observers: RoutingObserver[];
  private readonly names: string[];
  private readonly weights: Float64Array;
  private readonly perScorer: Float64Array[];
  private readonly total: Float64Array;
  /** Picks so far: their tie-break start (argmaxRotating). */
  private turn = 0;

  constructor(ctx: RoutingContext) {
    if (ctx.scorers.length === 0) {
      throw new InputError('FLAG_MISSING', '--routing-scorers', `the weighted policy needs scorers, e.g. "prefix-affinity:2,queue-depth:1"; known: ${(ctx.scorerRegistry ?? SCORERS).map((s) => s.name).join(', ')}`);
    }
    this.scorers = ctx.scorers.map((s) => {
      refuseRetiredOptions(s.name, ctx.scorerOptions?.[s.name], ctx.scorerRegistry);
      return findScorer(s.name, ctx.scorerRegistry).create({ numInstances: ctx.numInstances }, ctx.scorerOptions?.[s.name]);
    });
    this.observers = this.scorers.filter(isRoutingObserver);
    this.names = ctx.scorers.map((s) => s.name);
    this.weights = Float64Array.from(ctx.scorers.map((s) => s.weight));
    this.perScorer = ctx.scorers.map(() => new Float64Array(ctx.numInstances));
    this.total = new Float64Array(ctx.numInstances);
  }

  pick(view: RouterView, req: RoutingRequest): number {
    const n = view.numInstances;
    this.total.fill(0);
    for (let s = 0; s < this.scorers.length; s++) {
      const out = this.perScorer[s]!;
      this.scorers[s]!.score(view, req, out);
      const w = this.weights[s]!;
      for (let i = 0; i < n; i++) this.total[i]! += w * out[i]!;
    }
    return argmaxRotating(view, this.total, this.turn++);
  }

  onRouted(view: RouterView, req: RoutingRequest, instance: number, nowUs: number): void {
    for (const o of this.observers) o.onRouted(view, req, instance, nowUs);
  }
  onInstanceGone(instance: number): void {
    for (const o of this.observers) o.onInstanceGone?.(instance);
  }


  lastScores(instance: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (let s = 0; s < this.names.length; s++) out[this.names[s]!] = Math.round(this.perScorer[s]![instance]! * 1e6) / 1e6;
    return out;
  }
}

export const ROUTING_POLICIES: readonly RoutingPolicyEntry[] = [
  { name: 'round-robin', describe: 'cycles through eligible instances in id order', create: () => new RoundRobin() },
  { name: 'least-loaded', describe: 'fewest waiting + running + in-flight requests (as last seen)', create: (ctx) => new LeastLoaded(ctx.numInstances) },
  { name: 'vllm-dp', describe: "vLLM's data-parallel balancer: lowest 4 x waiting + running (as last seen, plus what it sent since), behind one API server per --data-parallel-size rank (a random one per request), each scanning from its own rank", create: (ctx) => new VllmDataParallel(ctx.numInstances, ctx.apiServers ?? 1, ctx.random) },
  { name: 'random', describe: 'uniformly random eligible instance (seeded)', create: (ctx) => new RandomPick(ctx.random) },
  {
    name: 'weighted',
    describe: 'highest weighted sum of --routing-scorers scores',
    // The EPP's default scheduling profile (llm-d-inference-scheduler pkg/epp/config/loader/
    // defaults.go loadDefaultConfig, and the chart's config/charts/epplib/templates/_config.yaml):
    // queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3, in that order.
    scorers: { defaults: 'queue-depth:2,kv-utilization:2,prefix-affinity:3' },
    create: (ctx) => new Weighted(ctx),
  },
];

/** The routing decision of a run: the policy and the scorers it reads (none for a policy that reads none). */
export interface RoutingChoice {
  readonly policy: string;
  readonly scorers: readonly WeightedScorerSpec[];
  /** given: as asked; derived: implied by --routing-scorers; default: the caller's default policy. */
  readonly policyFrom: 'given' | 'derived' | 'default';
  /** given, default (the policy's own defaults) or none (the policy reads no scorers). */
  readonly scorersFrom: 'given' | 'default' | 'none';
}

/**
 * Decides the policy and its scorers once. Scorers without a policy pick the policy that reads
 * scorers; scorers with a policy that reads none are refused rather than silently ignored.
 */
export function resolveRouting(policy: string | undefined, scorers: string | undefined, defaultPolicy: string, registries: RoutingRegistries = BUILT_IN_ROUTING): RoutingChoice {
  let entry = findRoutingPolicy(policy ?? defaultPolicy, registries.routingPolicies);
  let policyFrom: RoutingChoice['policyFrom'] = policy !== undefined ? 'given' : 'default';
  if (scorers !== undefined && entry.scorers === undefined) {
    const readers = registries.routingPolicies.filter((p) => p.scorers !== undefined);
    if (policy !== undefined || readers.length !== 1) {
      throw new InputError('FLAG_CONFLICT', '--routing-scorers', `only --routing-policy ${readers.map((p) => p.name).join(' or ')} uses scorers; ${entry.name} would ignore them: pass --routing-policy ${readers[0]!.name}, or drop --routing-scorers`);
    }
    entry = readers[0]!;
    policyFrom = 'derived';
  }
  if (entry.scorers === undefined) return { policy: entry.name, scorers: [], policyFrom, scorersFrom: 'none' };
  if (scorers !== undefined) return { policy: entry.name, scorers: parseScorerWeights(scorers, registries.scorers), policyFrom, scorersFrom: 'given' };
  return { policy: entry.name, scorers: parseScorerWeights(entry.scorers.defaults, registries.scorers), policyFrom, scorersFrom: 'default' };
}

/** The registries routing names are looked up in: the built-in ones, or with a library caller's plug-ins. */
export interface RoutingRegistries {
  readonly routingPolicies: readonly RoutingPolicyEntry[];
  readonly scorers: readonly ScorerEntry[];
}

const BUILT_IN_ROUTING: RoutingRegistries = Object.freeze({ routingPolicies: ROUTING_POLICIES, scorers: SCORERS });

export function findRoutingPolicy(name: string, policies: readonly RoutingPolicyEntry[] = ROUTING_POLICIES): RoutingPolicyEntry {
  const n = name.trim().toLowerCase();
  const hit = policies.find((p) => p.name === n);
  if (hit === undefined) {
    const known = policies.map((p) => p.name);
    const close = closeNames(n, known);
    throw new InputError('UNKNOWN_ROUTING_POLICY', '--routing-policy',
      `unknown routing policy '${name}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; known: ${known.join(', ')}`);
  }
  return hit;
}

/**
 * The routing policies of a cluster, one per request phase it routes, indexed by Phase (whole;
 * with prefill pools also prefill and decode): separate state, like llm-d's scheduling profiles,
 * drawing on one shared `ctx.random`, created in phase order.
 */
export function phasePolicies(name: string, ctx: RoutingContext, phases: 1 | 3, policies: readonly RoutingPolicyEntry[] = ROUTING_POLICIES): RoutingPolicy[] {
  const entry = findRoutingPolicy(name, policies);
  return Array.from({ length: phases }, () => entry.create(ctx));
}
