/**
 * What an experiment file states that blis does not read, said rather than dropped: a `vllm` key
 * outside those experiment.ts reads (its hints and sources, and the provenance text, aside) is
 * listed as a note with its value, since the run it describes may have set something the
 * simulation then does not (enforce_eager, speculative decoding, expert parallelism); and pipeline
 * parallelism, which would put a different share of the weights and KV cache on each GPU, is
 * refused rather than simulated as tensor parallelism alone.
 */
import type { Assumption } from './assumptions.js';
import type { Reader } from './experiment-reader.js';

type Obj = Record<string, unknown>;

/** `vllm` keys experiment.ts reads, or that only describe the file (provenance, notes). */
const READ_VLLM_KEYS: ReadonlySet<string> = new Set([
  'version', 'max_num_seqs', 'max_num_batched_tokens', 'max_model_len', 'gpu_memory_utilization', 'block_size',
  'total_kv_blocks_gpu', 'enable_prefix_caching', 'enable_chunked_prefill', 'cpu_offload', 'async_scheduling',
  'kv_cache_dtype', 'disable_hybrid_kv_cache_manager', 'quantization', 'tensor_parallel_size', 'data_parallel_size', 'enable_expert_parallel', 'provenance', 'note', 'notes',
]);

/** Notes each `vllm` key blis does not read whose value is set (null and false are vLLM's defaults, said by omission). */
export function noteUnreadVllmKeys(v: Obj, notes: Assumption[]): void {
  for (const [key, value] of Object.entries(v)) {
    if (READ_VLLM_KEYS.has(key) || /_(likely|alt|source)$/.test(key) || value === null || value === false) continue;
    notes.push({ field: `vllm.${key}`, value, kind: 'noted', why: 'not read by blis: the simulated server runs without it, as vLLM 0.15 does by default' });
  }
}

/** Refuses pipeline parallelism (top-level `pp` or `vllm.pipeline_parallel_size` above 1). */
export function refusePipelineParallel(r: Reader, json: Obj, v: Obj): void {
  for (const [field, value] of [['pp', json['pp']], ['vllm.pipeline_parallel_size', v['pipeline_parallel_size']]] as const) {
    if (value === undefined || value === null || value === 1) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) r.fail(field, `expected a positive integer, found ${JSON.stringify(value)}`);
    r.fail(field, `pipeline parallelism (${value} stages) is not modelled: blis splits a model over tensor-parallel ranks only, and each pipeline stage would hold a different share of the weights and KV cache`, 'EXPERIMENT_UNSUPPORTED');
  }
}

/**
 * An hf_config without model_type (transformers and vLLM select the architecture by it) is read
 * by the rules for an unnamed decoder (hf-config.ts): a gated MLP, a stated sliding_window on
 * every layer, no family's own rule (Gemma's alternating windows, a two-matrix MLP, a class's
 * default vocabulary, family sampling defaults). Said, since those rules might read it otherwise.
 */
export function noteAbsentModelType(hfConfig: Obj, notes: Assumption[]): void {
  if (Object.keys(hfConfig).length === 0) return;
  const text = hfConfig['text_config'];
  const inner = typeof text === 'object' && text !== null ? (text as Obj)['model_type'] : undefined;
  if (typeof hfConfig['model_type'] === 'string' || typeof inner === 'string') return;
  notes.push({ field: 'hf_config.model_type', value: null, kind: 'assumed', why: 'absent: read by the rules for an unnamed decoder (a gated MLP; a stated sliding_window on every layer), with no model family\'s own rule' });
}
