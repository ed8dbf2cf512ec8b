/**
 * A model-based analyzer in the spirit of WVA's queueing-model path (docs/modeling-optimization.md:
 * ITL linear in batch size, α + β·b, and target sizing to SLOs). Per model:
 *
 * 1. ITL profile: ITL(b) = α·(1 + b / itl_batch_half). α is re-anchored on every window with
 *    completions from the observed mean ITL at the observed mean batch (running per replica).
 * 2. Batch slots per replica: the largest b with ITL(b) <= the SLO's ITL target, capped by
 *    max_batch (vLLM max_num_seqs) and by the KV cache (kv_cache_threshold × blocks per replica
 *    / observed blocks per running request).
 * 3. Service time of a slot at that batch: observed prefill time + (output tokens − 1) · ITL(b*).
 * 4. M/M/c over all slots (c = replicas × slots): the fewest replicas with utilisation <=
 *    target_utilization and P(queueing wait > TTFT target − prefill time) <= 1 − percentile.
 *
 * Approximations (docs/autoscaling.md): slots are independent exponential servers; prefill
 * interference with decode and prefix-cache effects are only seen through the observed means.
 */
import { fmt, holdSignal, type Analyzer, type AnalyzerContext, type AnalyzerEntry } from './analyzer.js';
import { waitTailProbability } from './erlang.js';
import type { ModelMetrics, ScalingSignal } from './metrics-types.js';
import { opt } from './registry.js';
import { msToS } from '../kernel/units.js';

interface QueueingOptions {
  readonly targetUtilization: number;
  readonly percentile: number;
  readonly itlBatchHalf: number;
  readonly maxBatch: number;
  readonly kvThreshold: number;
  readonly blockSize: number;
  readonly searchLimit: number;
}

interface Learned {
  alphaMs: number;
  blocksPerRequest: number;
  kvBlocksPerReplica: number;
  prefillS: number;
  outputTokens: number;
}

class QueueingAnalyzer implements Analyzer {
  private readonly learned = new Map<string, Learned>();
  constructor(private readonly o: QueueingOptions) {}

  analyze(m: ModelMetrics | null, ctx: AnalyzerContext): ScalingSignal {
    const name = ctx.policy.name;
    if (m === null) return holdSignal(m, ctx, 'no metrics yet');
    const l = this.learn(m, name);
    const lambda = m.arrivalRps;
    // No traffic needs no replica, profile or not (a model whose requests were all rejected has none).
    if (lambda <= 0) {
      // Requests already waiting at the gateway for a model with no replica still need one.
      if (ctx.active === 0 && m.gatewayWaiting > 0) return holdSignal(m, ctx, 'requests waiting at the gateway');
      return { model: name, desired: 0, reason: 'no arrivals in the window' };
    }
    if (l === null) return holdSignal(m, ctx, 'no completions observed yet');
    const o = this.o;
    const itlTarget = ctx.policy.itlMs > 0 ? ctx.policy.itlMs : Infinity;
    const itlBound = Math.floor(o.itlBatchHalf * (itlTarget / l.alphaMs - 1));
    const kvBound = Math.floor((o.kvThreshold * l.kvBlocksPerReplica) / Math.max(1, l.blocksPerRequest));
    const slots = Math.max(1, Math.min(o.maxBatch, kvBound, itlBound));
    const itlAtSlots = l.alphaMs * (1 + slots / o.itlBatchHalf);
    const serviceS = l.prefillS + msToS(Math.max(0, l.outputTokens - 1) * itlAtSlots);
    const mu = 1 / serviceS;
    const budgetS = Math.max(0, msToS(ctx.policy.ttftMs) - l.prefillS);
    const tail = 1 - o.percentile;
    let n = 1;
    for (; n < o.searchLimit; n++) {
      const c = n * slots;
      if (lambda / (c * mu) > o.targetUtilization) continue;
      if (waitTailProbability(c, lambda, mu, budgetS) <= tail) break;
    }
    return {
      model: name,
      desired: n,
      reason: `λ ${fmt(lambda)}/s, ${slots} slots x ${fmt(serviceS)} s per replica (${fmt(slots / serviceS)}/s) -> ${n}`,
    };
  }

  private learn(m: ModelMetrics, name: string): Learned | null {
    let l = this.learned.get(name) ?? null;
    let running = 0;
    let used = 0;
    let total = 0;
    for (const r of m.replicas) {
      running += r.running;
      used += r.kvUsedBlocks;
      total += r.kvTotalBlocks;
    }
    const haveWindow = Number.isFinite(m.meanServiceS) && Number.isFinite(m.meanItlMs);
    if (l === null) {
      if (!haveWindow || m.replicas.length === 0) return null;
      l = { alphaMs: 0, blocksPerRequest: 0, kvBlocksPerReplica: 0, prefillS: 0, outputTokens: 0 };
      this.learned.set(name, l);
    }
    if (m.replicas.length > 0) l.kvBlocksPerReplica = total / m.replicas.length;
    if (haveWindow) {
      const batch = m.replicas.length > 0 ? running / m.replicas.length : 1;
      l.alphaMs = m.meanItlMs / (1 + Math.max(1, batch) / this.o.itlBatchHalf);
      l.prefillS = m.meanPrefillS;
      l.outputTokens = m.meanOutputTokens;
      // Blocks a request holds on average over its life: its prompt plus half its output.
      l.blocksPerRequest = (m.meanInputTokens + m.meanOutputTokens / 2) / this.o.blockSize;
    }
    if (running > 0) l.blocksPerRequest = used / running;
    return l;
  }
}

export const queueingAnalyzer: AnalyzerEntry = {
  name: 'queueing',
  describe: 'M/M/c over batch slots with a linear ITL-vs-batch profile: fewest replicas that hold the TTFT/ITL SLO at the observed arrival rate',
  options: {
    target_utilization: { describe: 'highest slot utilisation allowed (headroom for bursts)', unit: 'fraction', default: 0.8, positive: true },
    percentile: { describe: 'fraction of requests whose queueing wait must fit in the TTFT target', unit: 'fraction', default: 0.99, positive: true },
    itl_batch_half: { describe: 'batch size at which ITL is twice its batch-1 value (α/β of the linear profile)', unit: 'requests', default: 128, positive: true },
    max_batch: { describe: 'cap on batch slots per replica (vLLM max_num_seqs)', unit: 'requests', default: 256, positive: true },
    kv_cache_threshold: { describe: 'fraction of KV blocks the slots may fill', unit: 'fraction', default: 0.8, positive: true },
    block_size: { describe: 'KV block size used before a running request has been observed', unit: 'tokens', default: 16, positive: true },
    search_limit: { describe: 'most replicas the search considers for one model', unit: 'replicas', default: 1024, positive: true },
  },
  create: (o) => new QueueingAnalyzer({
    targetUtilization: opt(o, 'target_utilization'), percentile: Math.min(opt(o, 'percentile'), 0.999999),
    itlBatchHalf: opt(o, 'itl_batch_half'), maxBatch: opt(o, 'max_batch'), kvThreshold: opt(o, 'kv_cache_threshold'),
    blockSize: opt(o, 'block_size'), searchLimit: Math.floor(opt(o, 'search_limit')),
  }),
};
