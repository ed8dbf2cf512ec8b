/**
 * An experiment's cluster config, resolved once before any simulation: what the file states and
 * the simulator cannot take (a GPU the catalog does not hold, a TP size that does not divide the
 * attention heads, weights that leave no room for KV blocks, a model whose layers are not
 * attention) is then reported against the file and its field, and `blis validate` exits 2 as for
 * a malformed file, instead of a failed simulation whose message names `blis run`'s flags.
 */
import { resolveClusterConfig } from '../cluster/config.js';
import { InputError } from '../kernel/errors.js';
import type { ExperimentPlan } from './plan.js';
import { planClusterOptions } from './simulate-plan.js';

/** The experiment-file field each cluster flag is read from (simulate-plan.ts planClusterOptions; knobs.ts names the vllm fields). */
const FIELD_OF_FLAG: Readonly<Record<string, string>> = {
  '--model': 'model',
  '--hardware': 'hardware.gpu',
  '--tp': 'tp',
  '--num-instances': 'dp',
  '--data-parallel-size': 'dp',
  '--enable-expert-parallel': 'vllm.enable_expert_parallel',
  '--max-num-seqs': 'vllm.max_num_seqs',
  '--max-num-batched-tokens': 'vllm.max_num_batched_tokens',
  '--max-model-len': 'vllm.max_model_len',
  '--gpu-memory-utilization': 'vllm.gpu_memory_utilization',
  '--block-size': 'vllm.block_size',
  '--total-kv-blocks': 'vllm.total_kv_blocks_gpu',
  '--kv-cache-dtype': 'vllm.kv_cache_dtype',
  '--kv-cpu-blocks': 'vllm.cpu_offload.cpu_kv_blocks',
  '--kv-cpu-bytes': 'vllm.cpu_offload.cpu_bytes_per_gpu_gib',
  '--disable-hybrid-kv-cache-manager': 'vllm.disable_hybrid_kv_cache_manager',
};

/** Resolves the plan's cluster config (InputError on what cannot be simulated, named by the file's fields). */
export function checkPlanConfig(plan: ExperimentPlan): void {
  try {
    const { options } = planClusterOptions(plan);
    resolveClusterConfig({ ...options, seed: 0 }, { model: 'experiment', hardware: 'experiment', tp: 'experiment' });
  } catch (e) {
    throw e instanceof InputError ? asFileError(e, plan.file) : e;
  }
}

/**
 * The error as the experiment file's: its `where` and the flags its message names become the
 * file's fields; the `--hardware-config` remedy becomes the catalog listing or validate's own
 * --hardware-config. An error that already names the file (its hf_config) keeps its place.
 */
export function asFileError(e: InputError, file: string): InputError {
  const body = e.where !== '' && e.message.startsWith(`${e.where}: `) ? e.message.slice(e.where.length + 2) : e.message;
  const where = e.where.startsWith(file) ? e.where : `${file}: ${FIELD_OF_FLAG[e.where] ?? e.where}`;
  const text = body
    .replace(/\(or pass --hardware-config FILE\)|describe it with --hardware-config FILE/g, 'spell hardware.gpu as one of them (`blis hardware` lists the catalog and its aliases), or describe the GPU in a file given as blis validate --hardware-config FILE')
    .replace(/(?<!validate )--[a-z][a-z-]*/g, (flag) => FIELD_OF_FLAG[flag] ?? flag);
  return new InputError(e.code, where, text);
}
