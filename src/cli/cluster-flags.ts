/**
 * The flags every simulating command shares (run, replay): model, hardware, engine knobs,
 * routing. Commander options carry no defaults; resolveClusterConfig applies them and records
 * each value's source.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { resolveClusterConfig, type ClusterConfig, type ClusterOptions, type FieldSource } from '../cluster/config.js';
import { ADMISSION_POLICIES } from '../cluster/admission/admission.js';
import { PD_DECIDERS } from '../cluster/pd-decider.js';
import { ROUTING_POLICIES, findRoutingPolicy } from '../cluster/routing.js';
import { SCORERS } from '../cluster/scorers/registry.js';
import { hardwareSpecFromJson } from '../model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../model/hf-config.js';
import { KV_CACHE_DTYPES } from '../model/kv-sizing.js';
import { generationDefaultsFromJson } from '../model/generation-config.js';
import { familyGenerationDefaults } from '../model/generation-families.js';
import { STEP_TIME_MODELS, createStepTimeModel } from '../model/registry.js';
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import { ZERO_OVERHEADS } from '../engine/config.js';
import { readJson, resolvePath } from './files.node.js';
import type { CliIO } from './io.js';
import { bytesFlag, choiceFlag, intFlag, numFlag, seedFlag } from './parse.js';
import { userSet } from './config-file.js';
import { topStepTimeContext } from '../cluster/moe-parallel-config.js';

export function addClusterFlags(cmd: Command): Command {
  return cmd
    .option('--model <name>', 'model from the catalog (blis models), case-insensitive (default qwen/qwen3-14b)')
    .option('--model-config <file>', 'Hugging Face config.json of a model not in the catalog')
    .option('--generation-config <source>', "the model's default sampling parameters, as vLLM's flag: auto (the catalog's generation_config, or generation_config.json beside --model-config), vllm (none: plain sampling), or a generation_config.json; top_p < 1 makes vLLM sort the vocabulary every step (default auto)")
    .option('--allow-model-mismatch', 'serve requests that name another catalogued model with the fleet\'s model (refused by default: its latencies are not theirs)')
    .option('--hardware <gpu>', 'GPU from the catalog (blis hardware), by name, alias or the name the GPU reports, e.g. "NVIDIA A100-SXM4-80GB" (default H100)')
    .option('--hardware-config <file>', 'JSON with a GPU\'s datasheet figures (see docs/model.md)')
    .option('--tp <n>', 'tensor-parallel degree per instance (default 1)', intFlag('--tp'))
    .option('--num-instances <n>', 'engine instances behind the router (default 1, or --data-parallel-size)', intFlag('--num-instances'))
    .option('--data-parallel-size <n>', 'vLLM --data-parallel-size: the instances are servers of n engine ranks each; an MoE model\'s routed experts are spread over all n x TP GPUs and every MoE layer runs on all ranks\' tokens, the ranks stepping together (a dense model\'s ranks are independent engines) (default 1)', intFlag('--data-parallel-size'))
    .option('--enable-expert-parallel', 'vLLM --enable-expert-parallel: an MoE model\'s GPUs hold whole experts instead of a shard of each (default off)')
    .option('--latency-model <name>', `step-time model: ${STEP_TIME_MODELS.map((e) => e.name).join(', ')} (default: fitted when fitted coefficients ship, else roofline)`)
    .option('--latency-coefficients <file>', 'coefficients file: for fitted (the default), one blis calibrate wrote; with --latency-model linear or roofline, a JSON object of that model\'s options, e.g. {"alpha0Us": 5000, "alpha1UsPerPrefillToken": 20, "alpha2UsPerDecodeToken": 30, "alpha3UsPerContextToken": 0}: µs per step, per prompt token computed, per decoding request and per token already in the batch\'s KV; one left out is derived from the roofline, as the metrics JSON\'s config.derivations says (docs/model.md)')
    .option('--max-num-batched-tokens <n>', 'token budget per engine step, vLLM\'s: prompt chunks plus one per decoding request (default: vLLM serve\'s for the GPU: 8192 on >= 70 GiB GPUs other than A100, else 2048)', intFlag('--max-num-batched-tokens'))
    .option('--max-num-seqs <n>', 'requests per engine step (default: vLLM serve\'s for the GPU: 1024 on >= 70 GiB GPUs other than A100, else 256)', intFlag('--max-num-seqs'))
    .option('--no-async-scheduling', 'schedule each step after the previous one ends (vLLM --no-async-scheduling; default: async, as vLLM >= 0.14)')
    .option('--no-leap', 'step every request through every engine step instead of leaping over decode-only stretches (slower; identical outputs, for checking)')
    .option('--kv-cpu-bytes <size>', 'CPU KV offload tier per GPU, e.g. 8GiB (vLLM OffloadingConnector; vLLM\'s --kv-offloading-size is this times TP) (default: none)', bytesFlag('--kv-cpu-bytes'))
    .option('--kv-cpu-blocks <n>', 'CPU KV offload tier in blocks per instance (instead of --kv-cpu-bytes)', intFlag('--kv-cpu-blocks'))
    .option('--long-prefill-token-threshold <n>', 'cap on one prefill chunk, 0 = off (default 0)', intFlag('--long-prefill-token-threshold'))
    .option('--scheduler <policy>', 'waiting-queue order and preemption victim: fcfs or priority (the requests\' priority, lower first, as vLLM) (default fcfs)', choiceFlag('--scheduler', ['fcfs', 'priority']))
    .option('--block-size <tokens>', 'KV block size in tokens; vLLM takes 1, 8, 16, 32, 64, 128, 256, another size is simulated as given, noted in the metrics JSON\'s config.derivations (default: vLLM\'s, 16; an MLA model such as DeepSeek-V2-Lite gets the size its attention backend forces: 64 on Hopper, 16 on A100 and L40S, also over a given size that backend cannot page)', intFlag('--block-size'))
    .option('--total-kv-blocks <n>', 'KV blocks per instance, as vLLM logs num_gpu_blocks: one is its null block, so N - 1 hold KV (default: derived from GPU memory)', intFlag('--total-kv-blocks'))
    .option('--gpu-memory-utilization <f>', 'fraction of GPU memory vLLM may use (default 0.9)', numFlag('--gpu-memory-utilization'))
    .option('--max-model-len <tokens>', 'longest prompt + output (default: the model config\'s; a longer one, which vLLM takes only with VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, is simulated, noted in the metrics JSON\'s config.derivations); as vLLM, refused when a derived KV cache cannot hold one request this long (the error names the longest that fits)', intFlag('--max-model-len'))
    .option('--no-enable-prefix-caching', 'turn off automatic prefix caching')
    .option('--kv-cache-dtype <dtype>', `KV cache element type (vLLM --kv-cache-dtype): ${Object.keys(KV_CACHE_DTYPES).join(', ')}; fp8 stores one byte, so blocks hold twice the tokens and decode reads half the bytes; on a sparse-attention model (GLM-5.2) any fp8 choice is vLLM's fp8_ds_mla, 656 bytes per token instead of 1152 (default auto: the model's 16-bit dtype)`, choiceFlag('--kv-cache-dtype', Object.keys(KV_CACHE_DTYPES)))
    .option('--warm-kernel-cache', "assume vLLM's Triton cache already holds every fused-MoE kernel variant (a server restarted on the same disk): no step waits for a first-use compile (default: a fresh server; bf16 MoE models compile the variants start-up did not reach, about 1 s each, when a step first needs them)")
    .option('--disable-hybrid-kv-cache-manager', "keep every layer's KV blocks for whole contexts in a model with sliding-window layers (vLLM --disable-hybrid-kv-cache-manager; default: vLLM's hybrid manager groups the layers and frees blocks that left a window; off by itself with --kv-cpu-bytes or P/D, as vLLM turns it off behind a KV connector)")
    .option('--no-enable-chunked-prefill', "schedule each prompt whole: a waiting request is admitted only when its whole prompt fits the step's remaining token budget (vLLM --no-enable-chunked-prefill; needs --max-num-batched-tokens >= --max-model-len, and raises a derived one to it)")
    .option('--routing-policy <name>', `router policy: ${ROUTING_POLICIES.map((p) => p.name).join(', ')} (default round-robin; vllm-dp for one server of --data-parallel-size ranks)`)
    .option('--routing-scorers <list>', `weighted scorers "name:weight,...": ${SCORERS.map((s) => s.name).join(', ')} (implies --routing-policy weighted; refused with another policy; default with weighted: ${findRoutingPolicy('weighted').scorers?.defaults}, the EPP's default profile)`)
    .option('--snapshot-refresh-interval <ms>', 'how often the router scrapes instance metrics, 0 = live (default 50)', numFlag('--snapshot-refresh-interval'))
    .option('--no-in-flight-tracking', 'router does not count its own dispatches between scrapes')
    .option('--client-timeout <s>', 'requests not finished this long after arrival time out (default: none)', numFlag('--client-timeout'))
    .option('--seed <n>', 'seed for every random choice (default 0)', seedFlag('--seed'))
    .option('--admission-policy <name>', `gateway admission: ${ADMISSION_POLICIES.map((p) => p.name).join(', ')} (default always-admit)`)
    .option('--queue-depth-threshold <n>', 'saturation: waiting requests at which an instance counts as full (score waiting/threshold; default 5, > 0)', numFlag('--queue-depth-threshold'))
    .option('--kv-cache-util-threshold <f>', 'saturation: KV utilisation (0..1] at which an instance counts as full (score KV/threshold; default 0.8)', numFlag('--kv-cache-util-threshold'))
    .option('--metrics-staleness-threshold <ms>', 'saturation: metrics older than this count as no capacity (default 200)', numFlag('--metrics-staleness-threshold'))
    .option('--token-bucket-rate <rps>', 'token-bucket admission: refill rate in requests/s', numFlag('--token-bucket-rate'))
    .option('--token-bucket-burst <requests>', 'token-bucket admission: bucket size in requests (default: one second of rate)', numFlag('--token-bucket-burst'))
    .option('--flow-control', 'with --admission-policy saturation: hold saturated requests in a gateway queue (priority bands, FIFO) instead of rejecting them')
    .option('--request-ttl <s>', 'flow control: a queued request expires after this long (default: none)', numFlag('--request-ttl'))
    .option('--max-gateway-queue <n>', 'flow control: queued requests beyond this are rejected (default: unbounded)', intFlag('--max-gateway-queue'))
    .option('--cache-signal-delay <ms>', 'KV-cache events reach the router this late (precise-prefix-cache; the pd prefix-threshold decider under it) (default 2000)', numFlag('--cache-signal-delay'))
    .option('--admission-latency <ms>', 'gateway time spent on admission per request (default 0)', numFlag('--admission-latency'))
    .option('--routing-latency <ms>', 'gateway time spent on routing per request (default 0)', numFlag('--routing-latency'))
    .option('--prefill-instances <n>', 'P/D: instances in the prefill pool (with --decode-instances; they must add up to --num-instances)', intFlag('--prefill-instances'))
    .option('--decode-instances <n>', 'P/D: instances in the decode pool', intFlag('--decode-instances'))
    .option('--prefill-hardware <gpu>', 'P/D: GPU of the prefill pool (default --hardware)')
    .option('--decode-hardware <gpu>', 'P/D: GPU of the decode pool (default --hardware)')
    .option('--prefill-tp <n>', 'P/D: TP of the prefill pool (default --tp)', intFlag('--prefill-tp'))
    .option('--decode-tp <n>', 'P/D: TP of the decode pool (default --tp)', intFlag('--decode-tp'))
    .option('--pd-decider <name>', `P/D: which requests to disaggregate: ${PD_DECIDERS.map((d) => d.name).join(', ')} (default always with P/D pools)`)
    .option('--pd-prefix-threshold <tokens>', 'P/D prefix-threshold: disaggregate when the uncached prompt is at least this (default 256)', intFlag('--pd-prefix-threshold'))
    .option('--pd-transfer-bandwidth <GB/s>', 'P/D: KV-transfer link bandwidth per prefill instance, shared fairly (default 50)', numFlag('--pd-transfer-bandwidth'))
    .option('--pd-transfer-latency <ms>', 'P/D: base latency per KV transfer (default 1)', numFlag('--pd-transfer-latency'))
    .option('--max-instances <n>', 'room for instances an autoscaler adds (default --num-instances)', intFlag('--max-instances'));
}

const KEYS: ReadonlyArray<[string, keyof ClusterOptions]> = [
  ['model', 'model'], ['hardware', 'hardware'], ['tp', 'tp'], ['numInstances', 'numInstances'], ['dataParallelSize', 'dataParallelSize'], ['enableExpertParallel', 'enableExpertParallel'],
  ['latencyModel', 'latencyModel'], ['maxNumBatchedTokens', 'maxNumBatchedTokens'], ['maxNumSeqs', 'maxNumSeqs'],
  ['longPrefillTokenThreshold', 'longPrefillTokenThreshold'], ['scheduler', 'scheduler'], ['blockSize', 'blockSize'],
  ['asyncScheduling', 'asyncScheduling'], ['kvCpuBytes', 'kvCpuBytes'], ['kvCpuBlocks', 'kvCpuBlocks'],
  ['totalKvBlocks', 'totalKvBlocks'], ['gpuMemoryUtilization', 'gpuMemoryUtilization'], ['maxModelLen', 'maxModelLen'],
  ['enablePrefixCaching', 'enablePrefixCaching'], ['enableChunkedPrefill', 'enableChunkedPrefill'], ['kvCacheDtype', 'kvCacheDtype'], ['disableHybridKvCacheManager', 'disableHybridKvCacheManager'], ['warmKernelCache', 'warmKernelCache'], ['routingPolicy', 'routingPolicy'], ['routingScorers', 'routingScorers'],
  ['snapshotRefreshInterval', 'snapshotRefreshIntervalMs'], ['inFlightTracking', 'inFlightTracking'],
  ['clientTimeout', 'clientTimeoutS'], ['seed', 'seed'],
  ['admissionPolicy', 'admissionPolicy'], ['queueDepthThreshold', 'queueDepthThreshold'], ['kvCacheUtilThreshold', 'kvCacheUtilThreshold'],
  ['metricsStalenessThreshold', 'metricsStalenessThresholdMs'], ['tokenBucketRate', 'tokenBucketRate'], ['tokenBucketBurst', 'tokenBucketBurst'],
  ['flowControl', 'flowControl'], ['requestTtl', 'requestTtlS'], ['maxGatewayQueue', 'maxGatewayQueue'],
  ['cacheSignalDelay', 'cacheSignalDelayMs'], ['admissionLatency', 'admissionLatencyMs'], ['routingLatency', 'routingLatencyMs'],
  ['prefillInstances', 'prefillInstances'], ['decodeInstances', 'decodeInstances'], ['prefillHardware', 'prefillHardware'],
  ['decodeHardware', 'decodeHardware'], ['prefillTp', 'prefillTp'], ['decodeTp', 'decodeTp'], ['pdDecider', 'pdDecider'],
  ['pdPrefixThreshold', 'pdPrefixThreshold'], ['pdTransferBandwidth', 'pdTransferBandwidthGBs'], ['pdTransferLatency', 'pdTransferLatencyMs'],
  ['maxInstances', 'maxInstances'],
];

/** Options the user actually set (command line or --config file; not commander defaults). */
/** Event leaping in the engines: on unless --no-leap (a speed knob, not part of the resolved config: outputs are identical). */
export function leapFromFlags(cmd: Command): boolean {
  return cmd.opts<Record<string, unknown>>()['leap'] !== false;
}

/**
 * The model a --model-config file names when --model does not. A Hugging Face checkpoint's config
 * is always `config.json` (transformers' CONFIG_NAME), so its directory names the model, as vLLM
 * names a local model by its path (`--served-model-name` defaults to `--model`); in the hub cache
 * (`models--org--name/snapshots/<commit>/config.json`, huggingface_hub's `repo_folder_name`, whose
 * repo ids cannot contain `--`) that is `org/name`. Any other file's name without `.json` is the
 * name. The name decides the family's sampling defaults when no generation_config.json is beside
 * the file (model/generation-families.ts): named `config`, a Llama 3 Instruct checkpoint sampled
 * without its top-p sort.
 */
export function modelNameFromConfigPath(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  const file = parts[parts.length - 1] ?? path;
  if (file.toLowerCase() !== 'config.json' || parts.length < 2) return file.replace(/\.json$/i, '');
  const cached = parts.length >= 4 && parts[parts.length - 3] === 'snapshots' ? /^models--(.+)$/.exec(parts[parts.length - 4]!) : null;
  return cached !== null ? cached[1]!.replace(/--/g, '/') : parts[parts.length - 2]!;
}

export function clusterOptionsFromFlags(cmd: Command, io: CliIO): ClusterOptions {
  const o = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const [flag, key] of KEYS) {
    if (userSet(cmd, flag) && o[flag] !== undefined) out[key] = o[flag];
  }
  if (typeof o['modelConfig'] === 'string') {
    const path = resolvePath(io.cwd, o['modelConfig']);
    const name = typeof o['model'] === 'string' ? o['model'] : modelNameFromConfigPath(path);
    // vLLM reads generation_config.json from the model's directory (--generation-config auto).
    const beside = join(dirname(path), 'generation_config.json');
    const config = readJson(path, 'model config');
    // Without the file, the family's (generation-families.ts), as inferred and reported in the config echo.
    const generation = existsSync(beside) ? generationDefaultsFromJson(readJson(beside, 'generation config'), beside) : familyGenerationDefaults(name, config);
    out['modelSpec'] = modelSpecFromHfConfig(config as object, name.toLowerCase(), path, generation);
  }
  const gen = o['generationConfig'];
  if (typeof gen === 'string' && gen !== 'auto') {
    out['generation'] = gen === 'vllm' ? { source: 'none (--generation-config vllm)' } : generationDefaultsFromJson(readJson(resolvePath(io.cwd, gen), 'generation config'), gen);
  }
  if (typeof o['latencyCoefficients'] === 'string') {
    const path = resolvePath(io.cwd, o['latencyCoefficients']);
    out['latencyCoefficients'] = readJson(path, 'coefficients file');
    out['latencyCoefficientsFile'] = o['latencyCoefficients'];
  }
  if (typeof o['hardwareConfig'] === 'string') {
    const path = resolvePath(io.cwd, o['hardwareConfig']);
    out['hardwareSpec'] = hardwareSpecFromJson(readJson(path, 'hardware config'), path);
  }
  return out as ClusterOptions;
}

export function resolveCluster(options: ClusterOptions, given: Readonly<Record<string, FieldSource>> = {}): ClusterConfig {
  return resolveClusterConfig(options, given);
}

export interface StepTimeSetup {
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
  readonly name: string;
}

/** The step-time model of the resolved cluster's top-level pool (the config decided which: resolveStepTime). */
export function createStepTime(config: ClusterConfig): StepTimeSetup {
  const model = createStepTimeModel(config.stepTime, topStepTimeContext(config));
  return { stepTime: model, overheads: model.overheads ?? ZERO_OVERHEADS, name: config.latencyModel };
}
