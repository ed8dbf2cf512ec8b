/**
 * `blis sweep --emit k8s`: the manifests conform to the Kubernetes batch/v1 Job and core/v1
 * ConfigMap schemas (kubernetes-models: validators generated from the published OpenAPI
 * schema, run on the emitted YAML; and, at compile time, no field the schema lacks), and the
 * Job's pods, emulated as separate processes with JOB_COMPLETION_INDEX set and the ConfigMap
 * laid out as its volume, produce shards that merge to the single-machine results.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { K8sConfigMap, K8sJob } from '../../src/plan/k8s.js';
import { runCli } from '../cli/helpers.js';

/** True when every key of A, at every depth, is a key of B (the schema's type): no unknown fields. */
type AllTrue<T> = false extends T[keyof T] ? false : true;
type Strict<A, B> = A extends readonly (infer AE)[]
  ? NonNullable<B> extends readonly (infer BE)[] ? Strict<AE, BE> : false
  : A extends object
    ? [Exclude<keyof A, keyof NonNullable<B>>] extends [never]
      ? AllTrue<{ [K in keyof A]-?: K extends keyof NonNullable<B> ? Strict<A[K], NonNullable<B>[K]> : false }>
      : false
    : true;
// Compile-time checks (npm test typechecks the tests): the emitted types use schema fields only.
const jobFieldsExist: Strict<K8sJob, IJob> = true;
const configMapFieldsExist: Strict<K8sConfigMap, IConfigMap> = true;
// The check can fail: a misspelt field is caught.
const misspeltIsCaught: Strict<{ spec: { completionMod: string } }, IJob> = false;

const SPEC = [
  'base: {model: meta-llama/llama-3.1-8b-instruct, workload-spec: workloads/mix.yaml, num-requests: 120, seed: 3}',
  'grid:',
  '  rate: [4, 12, 30]',
  '  routing-policy: [round-robin, least-loaded]',
  'slo: {ttft_p99: 400}',
].join('\n') + '\n';
const WORKLOAD = 'clients:\n  - {name: chat, preset: chatbot, rate_fraction: 0.7}\n  - {name: code, preset: codegen, rate_fraction: 0.3}\n';

function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-k8s-'));
  mkdirSync(join(dir, 'workloads'));
  writeFileSync(join(dir, 'grid.yaml'), SPEC);
  writeFileSync(join(dir, 'workloads', 'mix.yaml'), WORKLOAD);
  return dir;
}

async function emit(dir: string, shards: number): Promise<{ configMap: K8sConfigMap; job: K8sJob }> {
  const r = await runCli(['sweep', 'grid.yaml', '--emit', 'k8s', '--shards', String(shards), '--image', 'registry.example/blis:0.1.0'], dir);
  expect(r.code, r.err).toBe(0);
  const docs = parseAllDocuments(r.out).map((d) => d.toJS());
  expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Job']);
  return { configMap: docs[0], job: docs[1] };
}

/** What the kubelet does with a container's args: $(VAR) from the container's environment. */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
}

function runPod(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; err: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [resolve('bin/blis.js'), ...args], { cwd, env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d) => { err += String(d); });
    child.stdout.resume();
    child.on('close', (code) => res({ code: code ?? -1, err }));
  });
}

describe('blis sweep --emit k8s', () => {
  it('emits a ConfigMap and an Indexed Job that validate against the Kubernetes schemas', async () => {
    expect([jobFieldsExist, configMapFieldsExist, misspeltIsCaught]).toEqual([true, true, false]);
    const { configMap, job } = await emit(setup(), 3);
    expect(() => new Job(job as unknown as IJob).validate()).not.toThrow();
    expect(() => new ConfigMap(configMap as unknown as IConfigMap).validate()).not.toThrow();
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    const c = job.spec.template.spec.containers[0]!;
    expect(c.image).toBe('registry.example/blis:0.1.0');
    expect(c.args).toEqual(['sweep', '/spec/grid.yaml', '--shard', '$(JOB_COMPLETION_INDEX)/3', '--out', '/results/shard-$(JOB_COMPLETION_INDEX)', '--jobs', '1']);
    // The spec and the workload file it names travel in the ConfigMap, at their relative paths.
    expect(Object.keys(configMap.data)).toEqual(['grid.yaml', 'workloads_mix.yaml']);
    expect(configMap.data['workloads_mix.yaml']).toBe(WORKLOAD);
    // The validators do reject a broken Job (so the checks above could fail).
    expect(() => new Job({ ...job, spec: { ...job.spec, completions: 'three' } } as unknown as IJob).validate()).toThrow(/completions/);
    expect(() => new Job({ ...job, spec: { ...job.spec, completionMode: 'Ordered' } } as unknown as IJob).validate()).toThrow(/completionMode/);
  });

  it('runs as pods with JOB_COMPLETION_INDEX set whose shards merge to the single-machine results, line for line', async () => {
    const dir = setup();
    const single = await runCli(['sweep', 'grid.yaml', '--out', 'single', '--jobs', '1', '--quiet'], dir);
    expect(single.code, single.err).toBe(0);
    const shards = 2;
    const { configMap, job } = await emit(dir, shards);
    // Lay out the ConfigMap volume (items: key -> path) and a shared results volume.
    const cluster = mkdtempSync(join(tmpdir(), 'blis-pods-'));
    const specVol = join(cluster, 'spec');
    const resultsVol = join(cluster, 'results');
    const volume = job.spec.template.spec.volumes.find((v) => 'configMap' in v) as { configMap: { items: Array<{ key: string; path: string }> } };
    for (const item of volume.configMap.items) {
      mkdirSync(dirname(join(specVol, item.path)), { recursive: true });
      writeFileSync(join(specVol, item.path), configMap.data[item.key]!);
    }
    const mounts = (s: string): string => s.replace(/^\/spec\//, `${specVol}/`).replace(/^\/results\//, `${resultsVol}/`);
    const container = job.spec.template.spec.containers[0]!;
    expect(container.command).toEqual(['blis']);
    const pods = await Promise.all(Array.from({ length: job.spec.completions }, (_, i) => {
      const env = { JOB_COMPLETION_INDEX: String(i) };
      return runPod(container.args.map((a) => mounts(expand(a, env))), env, cluster);
    }));
    for (const p of pods) expect(p.code, p.err).toBe(0);
    const merged = await runCli(['sweep', 'merge', ...Array.from({ length: shards }, (_, i) => join(resultsVol, `shard-${i}`)), '--out', 'merged'], dir);
    expect(merged.code, merged.err).toBe(0);
    const a = readFileSync(join(dir, 'merged', 'results.jsonl'), 'utf8').split('\n');
    const b = readFileSync(join(dir, 'single', 'results.jsonl'), 'utf8').split('\n');
    expect(a).toHaveLength(7);
    expect(a).toEqual(b);
  });

  it('refuses files outside the spec folder and asks for --shards', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'grid.yaml'), SPEC.replace('workloads/mix.yaml', '../mix.yaml'));
    writeFileSync(join(dir, '..', 'mix.yaml'), WORKLOAD);
    const outside = await runCli(['sweep', 'grid.yaml', '--emit', 'k8s', '--shards', '2'], dir);
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/K8S_FILE_OUTSIDE_SPEC/);
    const noShards = await runCli(['sweep', 'grid.yaml', '--emit', 'k8s'], setup());
    expect(noShards.err).toMatch(/--shards: how many pods/);
  });
});
