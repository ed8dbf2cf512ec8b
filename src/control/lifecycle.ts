/**
 * A replica's lifecycle, as the autoscaler drives it and the router respects it:
 * provisioning (node/VM and pod scheduling) → loading (weights into GPU memory) → warming
 * (CUDA graphs, first batches) → ready (routable) → draining (not routable; running and
 * queued requests finish) → gone (GPUs released). A replica removed before it is ready skips
 * straight to gone: it holds no requests.
 */
export const ReplicaState = {
  Provisioning: 'provisioning',
  Loading: 'loading',
  Warming: 'warming',
  Ready: 'ready',
  Draining: 'draining',
  Gone: 'gone',
} as const;
export type ReplicaState = (typeof ReplicaState)[keyof typeof ReplicaState];

/** States in lifecycle order (timeline columns, summaries). */
export const REPLICA_STATES: readonly ReplicaState[] = ['provisioning', 'loading', 'warming', 'ready', 'draining', 'gone'];

/** Started and not yet ready: counts as capacity on the way (WVA blocks cascade scale-up on these). */
export function isPending(s: ReplicaState): boolean {
  return s === 'provisioning' || s === 'loading' || s === 'warming';
}

/** Counts towards a model's replica total: everything but draining and gone. */
export function isActive(s: ReplicaState): boolean {
  return s !== 'draining' && s !== 'gone';
}

/** Holds GPUs: everything but gone (a draining replica keeps its GPUs until it is empty). */
export function holdsGpus(s: ReplicaState): boolean {
  return s !== 'gone';
}

const NEXT: Readonly<Record<ReplicaState, readonly ReplicaState[]>> = {
  provisioning: ['loading', 'gone'],
  loading: ['warming', 'gone'],
  warming: ['ready', 'gone'],
  ready: ['draining'],
  draining: ['gone'],
  gone: [],
};

/** True when `to` may follow `from` (a replica never goes back to an earlier state). */
export function canTransition(from: ReplicaState, to: ReplicaState): boolean {
  return NEXT[from].includes(to);
}
