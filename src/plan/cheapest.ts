/**
 * The planner's question: of the fleets built from lists of GPU types, TP degrees and instance
 * counts, which is the cheapest that holds the SLOs at a given rate? Candidates are tried in
 * order of hourly cost (ties: fewer GPUs), so the first that holds is the answer. The cost is
 * that of the pools the candidate's run starts with, which the caller prices: with P/D pools one
 * pool's GPU or TP may be pinned while the lists vary the other, and n × TP × the price of the
 * listed GPU then ordered a dearer fleet first. Holding is taken as monotone in the instance
 * count (more replicas of the same engine never serve the same traffic worse), so a failure at n
 * instances rules out fewer of the same GPU and TP without simulating them; a configuration that
 * cannot run at all (the model does not fit) rules out its whole (GPU, TP) group.
 */
export interface FleetCandidate {
  readonly hardware: string;
  readonly tp: number;
  readonly numInstances: number;
  /** GPUs of the fleet as it starts, over every pool. */
  readonly gpus: number;
  /** Cost per hour of the fleet as it starts; null when a GPU has no price (tried last). */
  readonly fleetPerHour: number | null;
}

/** What a candidate's fleet is made of, as its run resolves it. */
export interface FleetPrice {
  readonly gpus: number;
  readonly fleetPerHour: number | null;
}

export type FleetOutcome =
  | { readonly kind: 'simulated'; readonly holds: boolean; readonly detail: Readonly<Record<string, unknown>> }
  | { readonly kind: 'infeasible'; readonly reason: string };

export interface FleetProbe {
  readonly candidate: FleetCandidate;
  /** `implied-fail`: not simulated, a larger fleet of the same GPU and TP failed or could not run. */
  readonly outcome: FleetOutcome | { readonly kind: 'implied-fail'; readonly by: FleetCandidate };
}

export interface CheapestResult {
  readonly cheapest: FleetCandidate | null;
  /** Every candidate in the order considered, up to the answer. */
  readonly probes: readonly FleetProbe[];
  readonly simulated: number;
}

export function candidates(hardware: readonly string[], tps: readonly number[], counts: readonly number[], price: (hardware: string, tp: number, numInstances: number) => FleetPrice): FleetCandidate[] {
  const out: FleetCandidate[] = [];
  for (const h of hardware) for (const tp of tps) for (const n of counts) out.push({ hardware: h, tp, numInstances: n, ...price(h, tp, n) });
  const cost = (c: FleetCandidate): number => c.fleetPerHour ?? Infinity;
  // Stable order: cost, then GPUs, then the lists' own order (two unpriced fleets compare as equal cost).
  return out.map((c, i) => ({ c, i })).sort((x, y) => (cost(x.c) === cost(y.c) ? 0 : cost(x.c) - cost(y.c)) || x.c.gpus - y.c.gpus || x.i - y.i).map((x) => x.c);
}

export async function cheapestFleet(list: readonly FleetCandidate[], probe: (c: FleetCandidate) => Promise<FleetOutcome>, onProbe?: (p: FleetProbe) => void): Promise<CheapestResult> {
  const probes: FleetProbe[] = [];
  /** Per (GPU, TP): the smallest instance count known to fail (Infinity when infeasible). */
  const failedAt = new Map<string, { n: number; by: FleetCandidate }>();
  let simulated = 0;
  const record = (p: FleetProbe): void => {
    probes.push(p);
    onProbe?.(p);
  };
  for (const c of list) {
    const key = `${c.hardware}\u0000${c.tp}`;
    const f = failedAt.get(key);
    if (f !== undefined && c.numInstances <= f.n) {
      record({ candidate: c, outcome: { kind: 'implied-fail', by: f.by } });
      continue;
    }
    const outcome = await probe(c);
    if (outcome.kind === 'simulated') simulated++;
    record({ candidate: c, outcome });
    if (outcome.kind === 'simulated' && outcome.holds) return { cheapest: c, probes, simulated };
    const n = outcome.kind === 'infeasible' ? Infinity : c.numInstances;
    if (f === undefined || n > f.n) failedAt.set(key, { n, by: c });
  }
  return { cheapest: null, probes, simulated };
}
