/**
 * The arrival stream contract (DESIGN §4): what every workload generator and every ingest
 * reader produces, and what the cluster consumes. Plain data, and one accessor that the files
 * writing it (arrival CSV/JSONL, request records, spans) share.
 */

/** A shared prompt prefix: requests with the same `group` share their first `tokens` tokens. */
export interface PrefixRef {
  /** Group identity (a system prompt, a session's accumulated context, ...). */
  readonly group: string;
  /** Length of the shared part in tokens (clipped to the request's input length). */
  readonly tokens: number;
  /**
   * An enclosing shared prefix (optional; added by the workload generator): the first
   * `parent.tokens` tokens are also shared with every request whose prefix or parent names
   * `parent.group` (a system prompt under a session's context, a group's system prompt under
   * one cycled full prompt). Consumers that ignore it lose only that outer level of sharing.
   */
  readonly parent?: PrefixRef;
  /**
   * Only the requests of one session carry this group (the generator's per-session context). A
   * hint for speed, never for results: the KV pool keeps the blocks it covers in a per-group list
   * instead of its shared hash index (engine/block-hash.ts). Dropping it changes nothing but cost.
   */
  readonly exclusive?: boolean;
  /**
   * No request arriving after this one carries this group (a session's last turn; set with
   * `exclusive`). A hint for speed, never for results: once no earlier request of the group is
   * left either, the request's blocks of the group can only ever be looked up by itself, so the KV
   * pool registers them only if it is preempted (engine/kv-cache-manager.ts registerFullBlocks).
   */
  readonly final?: boolean;
}

/**
 * Explicit prefix-block identities from a source that carries them (Mooncake `hash_ids`):
 * block i covers tokens [i*blockTokens, (i+1)*blockTokens); equal leading ids mean a shared prefix.
 */
export interface HashIdsRef {
  readonly ids: readonly number[];
  readonly blockTokens: number;
}

/** Latencies observed in the source (ground truth for per-request comparison). */
export interface ObservedLatency {
  readonly ttftUs?: number;
  readonly e2eUs?: number;
  /** Mean inter-token latency when the source only has a summary. */
  readonly itlMeanUs?: number;
}

export interface ArrivalRequest {
  /** Stable identifier (source id or generated `r<N>`). */
  readonly id: string;
  /** Arrival time, integer microseconds since the start of the stream. */
  readonly arrivalUs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly prefix?: PrefixRef;
  readonly hashIds?: HashIdsRef;
  readonly sessionId?: string;
  readonly turn?: number;
  readonly model?: string;
  readonly tenant?: string;
  readonly sloClass?: string;
  /** Scheduling priority; lower value is served first (vLLM's convention). */
  readonly priority?: number;
  /** Workload stage index, when the workload has stages. */
  readonly stage?: number;
  readonly observed?: ObservedLatency;
}

/**
 * The outermost enclosing prefix of a request's prefix chain (a session's system prompt): the
 * flat file forms carry one enclosing level, and a deeper chain keeps its outermost parent.
 */
export function outermostPrefixParent(prefix: PrefixRef | undefined): PrefixRef | undefined {
  let p = prefix?.parent;
  while (p?.parent !== undefined) p = p.parent;
  return p;
}

/** Streams are async iterables so that a 10-million-row log replays in bounded memory. */
export type ArrivalStream = AsyncIterable<ArrivalRequest>;

/** Column names of the normalised arrival CSV (header in exactly this order). */
export const ARRIVAL_CSV_COLUMNS = [
  'id', 'arrival_us', 'input_tokens', 'output_tokens', 'prefix_group', 'prefix_tokens',
  'prefix_parent_group', 'prefix_parent_tokens',
  'hash_ids', 'hash_block_tokens', 'session_id', 'turn', 'model', 'tenant', 'slo_class',
  'priority', 'stage', 'ttft_us', 'e2e_us',
] as const;
