/**
 * The flags every simulating command shares (run, replay): model, hardware, engine knobs,
 * routing. Commander options carry no defaults; resolveClusterConfig applies them and records
 * each value's source.
 */
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { resolveClusterConfig, type ClusterConfig, type ClusterOptions, type FieldSource } from '../cluster/config.js';
import { ROUTING_POLICIES } from '../cluster/routing.js';
import { SCORERS } from '../cluster/scorers/registry.js';
import { hardwareSpecFromJson } from '../model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../model/hf-config.js';
import { STEP_TIME_MODELS, getStepTimeModel } from '../model/registry.js';
import { coefficientsFromJson } from '../model/fitted.js';
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import { ZERO_OVERHEADS } from '../engine/config.js';
import { readJson, resolvePath } from './files.node.js';
import type { CliIO } from './io.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';

export function addClusterFlags(cmd: Command): Command {
  return cmd
    .option('--model <name>', 'model from the catalog (blis models), case-insensitive (default qwen/qwen3-14b)')
    .option('--model-config <file>', 'Hugging Face config.json of a model not in the catalog')
    .option('--hardware <gpu>', 'GPU from the catalog (blis hardware) (default H100)')
    .option('--hardware-config <file>', 'JSON with a GPU\'s datasheet figures (see docs/model.md)')
    .option('--tp <n>', 'tensor-parallel degree per instance (default 1)', intFlag('--tp'))
    .option('--num-instances <n>', 'engine instances behind the router (default 1)', intFlag('--num-instances'))
    .option('--latency-model <name>', `step-time model: ${STEP_TIME_MODELS.map((e) => e.name).join(', ')} (default: fitted when fitted coefficients ship, else roofline)`)
    .option('--latency-coefficients <file>', 'coefficients file for --latency-model fitted (written by blis calibrate)')
    .option('--max-num-batched-tokens <n>', 'token budget per engine step (default 2048)', intFlag('--max-num-batched-tokens'))
    .option('--max-num-seqs <n>', 'requests per engine step (default 256)', intFlag('--max-num-seqs'))
    .option('--long-prefill-token-threshold <n>', 'cap on one prefill chunk, 0 = off (default 0)', intFlag('--long-prefill-token-threshold'))
    .option('--scheduler <policy>', 'waiting-queue order: fcfs or priority (default fcfs)', choiceFlag('--scheduler', ['fcfs', 'priority']))
    .option('--block-size <tokens>', 'KV block size in tokens (default 16)', intFlag('--block-size'))
    .option('--total-kv-blocks <n>', 'KV blocks per instance (default: derived from GPU memory)', intFlag('--total-kv-blocks'))
    .option('--gpu-memory-utilization <f>', 'fraction of GPU memory vLLM may use (default 0.9)', numFlag('--gpu-memory-utilization'))
    .option('--max-model-len <tokens>', 'longest prompt + output (default: the model config\'s)', intFlag('--max-model-len'))
    .option('--no-enable-prefix-caching', 'turn off automatic prefix caching')
    .option('--routing-policy <name>', `router policy: ${ROUTING_POLICIES.map((p) => p.name).join(', ')} (default round-robin)`)
    .option('--routing-scorers <list>', `weighted scorers "name:weight,...": ${SCORERS.map((s) => s.name).join(', ')}`)
    .option('--snapshot-refresh-interval <ms>', 'how often the router scrapes instance metrics, 0 = live (default 50)', numFlag('--snapshot-refresh-interval'))
    .option('--no-in-flight-tracking', 'router does not count its own dispatches between scrapes')
    .option('--client-timeout <s>', 'requests not finished this long after arrival time out (default: none)', numFlag('--client-timeout'))
    .option('--seed <n>', 'seed for every random choice (default 0)', intFlag('--seed'));
}

const KEYS: ReadonlyArray<[string, keyof ClusterOptions]> = [
  ['model', 'model'], ['hardware', 'hardware'], ['tp', 'tp'], ['numInstances', 'numInstances'],
  ['latencyModel', 'latencyModel'], ['maxNumBatchedTokens', 'maxNumBatchedTokens'], ['maxNumSeqs', 'maxNumSeqs'],
  ['longPrefillTokenThreshold', 'longPrefillTokenThreshold'], ['scheduler', 'scheduler'], ['blockSize', 'blockSize'],
  ['totalKvBlocks', 'totalKvBlocks'], ['gpuMemoryUtilization', 'gpuMemoryUtilization'], ['maxModelLen', 'maxModelLen'],
  ['enablePrefixCaching', 'enablePrefixCaching'], ['routingPolicy', 'routingPolicy'], ['routingScorers', 'routingScorers'],
  ['snapshotRefreshInterval', 'snapshotRefreshIntervalMs'], ['inFlightTracking', 'inFlightTracking'],
  ['clientTimeout', 'clientTimeoutS'], ['seed', 'seed'],
];

/** Options the user actually set on the command line (commander's value source 'cli'). */
export function clusterOptionsFromFlags(cmd: Command, io: CliIO): ClusterOptions {
  const o = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const [flag, key] of KEYS) {
    if (cmd.getOptionValueSource(flag) === 'cli' && o[flag] !== undefined) out[key] = o[flag];
  }
  if (typeof o['modelConfig'] === 'string') {
    const path = resolvePath(io.cwd, o['modelConfig']);
    const name = typeof o['model'] === 'string' ? o['model'] : path.replace(/^.*\//, '').replace(/\.json$/, '');
    out['modelSpec'] = modelSpecFromHfConfig(readJson(path, 'model config') as object, name.toLowerCase(), path);
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

/** The step-time model for a resolved cluster (`default` = fitted when fitted coefficients ship). */
export function createStepTime(config: ClusterConfig, cmd: Command | null, io: CliIO): StepTimeSetup {
  const o = cmd?.opts<Record<string, unknown>>() ?? {};
  let name = config.latencyModel;
  const options: Record<string, unknown> = {};
  if (typeof o['latencyCoefficients'] === 'string') {
    const path = resolvePath(io.cwd, o['latencyCoefficients']);
    options['coefficients'] = coefficientsFromJson(readJson(path, 'coefficients file'), path);
    if (name === 'default') name = 'fitted';
  }
  if (name === 'default') name = defaultLatencyModel();
  const model = getStepTimeModel(name, '--latency-model').create({ model: config.model, hardware: config.hardware, tp: config.tp }, options);
  return { stepTime: model, overheads: model.overheads ?? ZERO_OVERHEADS, name };
}

/** `fitted` when the embedded coefficients are fitted, else `roofline`. */
export function defaultLatencyModel(): string {
  return embeddedCoefficientsFitted() ? 'fitted' : 'roofline';
}

function embeddedCoefficientsFitted(): boolean {
  const require = createRequire(import.meta.url);
  const file = require('../model/coefficients/default.json') as { provenance?: { status?: string } };
  return file.provenance?.status === 'fitted';
}
