/**
 * `--autoscaler-config FILE` and `--timeline-out FILE`: autoscaling for the simulating
 * commands. The policy's models and variants become the cluster's pools (`model@GPUxTP`, the
 * first variant holding the initial replicas); the autoscaler taps the arrival stream, attaches
 * to the cluster when it exists, and adds an `autoscaler` block to the metrics JSON.
 */
import type { Command } from 'commander';
import { CLUSTER_DEFAULTS, type ClusterOptions, type FieldSource } from '../cluster/config.js';
import type { SimulateInput, SimulateResult } from '../cluster/simulate.js';
import { AutoscalerAttachment } from '../control/attach.js';
import { variantPoolName } from '../control/cluster-adapter.js';
import { resolveAutoscalerConfig, type AutoscalerConfig, type AutoscalerOptions } from '../control/policy.js';
import { ACTUATORS, ANALYZERS, COLLECTORS, OPTIMIZERS } from '../control/stages.js';
import { timelineCsv } from '../control/timeline.js';
import { renderTimelineHtml } from '../report/timeline-html.js';
import { InputError } from '../kernel/errors.js';
import { getModel } from '../model/catalog.js';
import { validateTp } from '../model/kv-sizing.js';
import { getHardware } from '../model/hardware-catalog.js';
import { readText, resolvePath, writeTextTo } from './files.node.js';
import type { OutputFiles } from './output-files.node.js';
import type { CliIO } from './io.js';
import { usToS } from '../kernel/units.js';

/**
 * Instance ids are never reused, so the cluster needs room for every replica started during the
 * run: by default 4 x the models' max_replicas, at least 64 (--max-instances overrides). Not
 * more: some routing scorers work in proportion to this capacity on every request.
 */
function addedInstanceRoom(maxReplicas: number): number {
  return Math.max(64, 4 * maxReplicas);
}

const names = (r: ReadonlyArray<{ name: string }>): string => r.map((e) => e.name).join(', ');

export function addAutoscalerFlags(cmd: Command): Command {
  return cmd
    .option('--autoscaler-config <file>', `YAML autoscaler policy (docs/autoscaling.md); stages: collector ${names(COLLECTORS)}; analyzer ${names(ANALYZERS)}; optimizer ${names(OPTIMIZERS)}; actuator ${names(ACTUATORS)}`)
    .option('--timeline-out <file>', 'autoscaler timeline: .csv (a row per model per decision: replicas per state, arrival rate, queue, p99 TTFT, decisions with reasons) or .html (the same as charts, self-contained)');
}

export interface AutoscaledRun {
  /** The cluster options with the pools the policy needs. */
  clusterOptions(o: ClusterOptions): ClusterOptions;
  /** Sources of the cluster fields clusterOptions filled in from the policy (after it ran). */
  derivedSources(): Readonly<Record<string, FieldSource>>;
  /** The simulation input with the autoscaler tapped in. */
  wrap(input: SimulateInput): SimulateInput;
  /** Adds the `autoscaler` block to the metrics and writes the timeline (a planned output). */
  finish(result: SimulateResult, files?: OutputFiles): void;
}

const NONE: AutoscaledRun = { clusterOptions: (o) => o, derivedSources: () => ({}), wrap: (i) => i, finish: () => {} };

export async function autoscalerFromFlags(cmd: Command, io: CliIO): Promise<AutoscaledRun> {
  const o = cmd.opts<Record<string, unknown>>();
  const file = o['autoscalerConfig'];
  if (typeof file !== 'string') {
    if (typeof o['timelineOut'] === 'string') throw new InputError('FLAG_CONFLICT', '--timeline-out', 'needs --autoscaler-config (the timeline is the autoscaler\'s)');
    return NONE;
  }
  const path = resolvePath(io.cwd, file);
  // The YAML reader loads only for runs that have a policy file.
  const { parseAutoscalerPolicy } = await import('../control/policy-yaml.js');
  const parsed = parseAutoscalerPolicy(readText(path, 'autoscaler config'), path);
  let policy: AutoscalerConfig | null = null;
  let attachment: AutoscalerAttachment | null = null;
  let derived: Partial<ClusterOptions> = {};
  return {
    clusterOptions(c: ClusterOptions): ClusterOptions {
      if (c.pools !== undefined || c.prefillInstances !== undefined || c.decodeInstances !== undefined) {
        throw new InputError('FLAG_CONFLICT', '--autoscaler-config', 'the autoscaler builds unified pools from its policy; drop --prefill-instances/--decode-instances');
      }
      const model = c.modelSpec?.name ?? getModel(c.model ?? CLUSTER_DEFAULTS.model).name;
      const hardware = c.hardwareSpec?.name ?? getHardware(c.hardware ?? CLUSTER_DEFAULTS.hardware).name;
      policy = resolveAutoscalerConfig(canonical(parsed), { model, hardware, tp: c.tp ?? CLUSTER_DEFAULTS.tp, initialReplicas: c.numInstances ?? CLUSTER_DEFAULTS.numInstances });
      // A model the user named must be one the policy scales: its pools are the only instances, so
      // requests for another model would all be rejected (no eligible instance).
      if ((c.model !== undefined || c.modelSpec !== undefined) && !policy.models.some((m) => m.name === model)) {
        throw new InputError('FLAG_CONFLICT', c.modelSpec !== undefined ? '--model-config' : '--model', `'${model}' is not among the models ${file} scales (${policy.models.map((m) => m.name).join(', ')}); name it there, or drop the flag`);
      }
      if (parsed.models !== undefined) checkVariantTp(policy, c, parsed.where ?? ((f: string) => f));
      attachment = new AutoscalerAttachment(policy);
      // A --model-config or --hardware-config part is handed to the pools that name it (the catalog has neither).
      const pools = policy.models.flatMap((m) => m.variants.map((v, k) => ({
        name: variantPoolName(m.name, v), role: 'unified' as const, tp: v.tp, count: k === 0 ? m.initialReplicas : 0,
        ...(c.modelSpec !== undefined && m.name === c.modelSpec.name ? { modelSpec: c.modelSpec } : { model: m.name }),
        ...(c.hardwareSpec !== undefined && v.hardware === c.hardwareSpec.name ? { hardwareSpec: c.hardwareSpec } : { hardware: v.hardware }),
      })));
      const initial = pools.reduce((a, p) => a + p.count, 0);
      const room = addedInstanceRoom(policy.models.reduce((x, m) => x + m.maxReplicas, 0));
      derived = fleetDefaults(policy, parsed, c);
      return { ...c, ...derived, pools, maxInstances: c.maxInstances ?? initial + room };
    },
    derivedSources: () => Object.fromEntries(Object.keys(derived).map((k) => [k, 'derived' as const])),
    wrap(input: SimulateInput): SimulateInput {
      const a = attachment;
      if (a === null) throw new Error('clusterOptions() must run before wrap()');
      const prior = input.onCluster;
      return {
        ...input,
        arrivals: a.tap(input.arrivals),
        sinks: [...(input.sinks ?? []), a],
        // Replicas are billed from start (provisioning included) until gone, as the autoscaler block bills them.
        billing: (endUs) => {
          const until = a.autoscaler.billedUntilUs(endUs);
          return a.autoscaler.fleet.all.map((e) => ({
            hardware: e.hardware, tp: e.tp, billedUs: Math.max(0, (e.goneUs >= 0 ? e.goneUs : until) - e.startUs), initial: e.startUs === 0,
          }));
        },
        onCluster: (cluster) => {
          prior?.(cluster);
          a.attach(cluster);
        },
      };
    },
    finish(result: SimulateResult, files?: OutputFiles): void {
      const a = attachment!;
      const summary = a.summary(result.cluster.sim.nowUs);
      (result.metrics as Record<string, unknown>)['autoscaler'] = summary;
      if (typeof o['timelineOut'] === 'string') {
        const path = resolvePath(io.cwd, o['timelineOut']);
        const text = /\.html?$/i.test(path)
          ? renderTimelineHtml({ rows: a.timeline, summary, endS: usToS(result.cluster.sim.nowUs), ttftSloMs: Object.fromEntries(policy!.models.map((m) => [m.name, m.ttftMs])) })
          : timelineCsv(a.timeline);
        writeTextTo(files?.writePathFor(path) ?? path, text, path);
      }
      const gh = Object.entries(summary.gpu_hours).map(([h, v]) => `${v} ${h}`).join(', ') || '0';
      if (o['quiet'] !== true) io.err(`autoscaler: ${summary.scaling_actions.scale_up} scale-ups, ${summary.scaling_actions.scale_down} scale-downs, GPU-hours ${gh}, cost ${summary.cost}, SLO attainment ${summary.slo_attainment.overall}\n`);
    },
  };
}

/**
 * Each variant's TP must shard its model (vLLM's head-divisibility checks); checked here, where
 * the policy file's lines are known, rather than when the pools built from it are resolved.
 */
function checkVariantTp(policy: AutoscalerConfig, c: ClusterOptions, where: (field: string) => string): void {
  policy.models.forEach((m, i) => {
    const spec = c.modelSpec !== undefined && c.modelSpec.name === m.name ? c.modelSpec : getModel(m.name);
    m.variants.forEach((v, k) => validateTp(spec, v.tp, where(`models[${i}].variants[${k}].tp`)));
  });
}

/**
 * With a `models` list the pools are the fleet: the cluster's own model, GPU and TP (what flags
 * left unsaid) become the first model's first variant, so that a model too large for the
 * command line's defaults (70B on one H100) is not refused for a fleet no replica runs.
 */
function fleetDefaults(policy: AutoscalerConfig, parsed: AutoscalerOptions, c: ClusterOptions): Partial<ClusterOptions> {
  if (parsed.models === undefined) return {};
  const first = policy.models[0]!;
  const v = first.variants[0]!;
  return {
    ...(c.model === undefined && c.modelSpec === undefined ? { model: first.name } : {}),
    ...(c.hardware === undefined && c.hardwareSpec === undefined ? { hardware: v.hardware } : {}),
    ...(c.tp === undefined ? { tp: v.tp } : {}),
  };
}

/** Model and GPU names as the catalogs spell them (the router matches models that way). */
function canonical(p: AutoscalerOptions): AutoscalerOptions {
  const where = p.where ?? ((f: string) => f);
  return {
    ...p,
    ...(p.models !== undefined ? {
      models: p.models.map((m, i) => ({
        ...m,
        ...(m.name !== undefined ? { name: getModel(m.name, where(`models[${i}].name`)).name } : {}),
        ...(m.variants !== undefined ? { variants: m.variants.map((v, k) => ({ ...v, hardware: getHardware(v.hardware, where(`models[${i}].variants[${k}].hardware`)).name })) } : {}),
      })),
    } : {}),
    ...(p.inventory !== undefined ? { inventory: p.inventory.map((e, k) => ({ ...e, hardware: getHardware(e.hardware, where(`inventory[${k}].hardware`)).name })) } : {}),
  };
}
