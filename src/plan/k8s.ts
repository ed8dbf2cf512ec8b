/**
 * A sweep as a Kubernetes Indexed Job (batch/v1, completionMode: Indexed): pod I of N runs
 * `blis sweep SPEC --shard I/N` (Kubernetes expands `$(JOB_COMPLETION_INDEX)` in args from
 * the env var the Job controller sets in every indexed pod) and writes its results under a
 * shared volume; a ConfigMap carries the spec and the files it names. Afterwards `blis sweep
 * merge` joins the shards. Field names follow the batch/v1 Job and core/v1 ConfigMap schemas
 * (checked in test/plan against the published Kubernetes OpenAPI schema).
 */
import { stringify } from 'yaml';
import { InputError } from '../kernel/errors.js';

export interface K8sFile {
  /** Path relative to the spec's folder, as the spec names it. */
  readonly path: string;
  readonly content: string;
}

export interface K8sOptions {
  /** Job and ConfigMap name stem (DNS-1123). */
  readonly name: string;
  readonly shards: number;
  readonly image: string;
  readonly specName: string;
  readonly specText: string;
  readonly files: readonly K8sFile[];
  /** PersistentVolumeClaim (ReadWriteMany) mounted at /results in every pod. */
  readonly resultsClaim: string;
  /** Worker threads per pod. */
  readonly jobsPerPod: number;
}

export interface K8sConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; labels: Record<string, string> };
  data: Record<string, string>;
}

export interface K8sJob {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    completionMode: 'Indexed';
    completions: number;
    parallelism: number;
    backoffLimit: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        restartPolicy: 'Never';
        containers: Array<{
          name: string;
          image: string;
          command: string[];
          args: string[];
          resources: { requests: Record<string, string> };
          volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
        }>;
        volumes: Array<
          | { name: string; configMap: { name: string; items: Array<{ key: string; path: string }> } }
          | { name: string; persistentVolumeClaim: { claimName: string } }
        >;
      };
    };
  };
}

/** ConfigMap keys allow [-._a-zA-Z0-9]; a file's key is its path with anything else as '_'. */
function keyOf(path: string): string {
  return path.replace(/[^-._a-zA-Z0-9]/g, '_');
}

/** ConfigMaps hold at most 1 MiB (etcd's object limit). */
const CONFIGMAP_LIMIT = 1024 * 1024;

export const SPEC_MOUNT = '/spec';
export const RESULTS_MOUNT = '/results';

export function dnsName(s: string): string {
  const n = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 52).replace(/-+$/, '');
  return n === '' ? 'blis-sweep' : n;
}

export function k8sManifests(o: K8sOptions): { configMap: K8sConfigMap; job: K8sJob } {
  if (!Number.isInteger(o.shards) || o.shards < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--shards', `expected an integer >= 1; found ${o.shards}`);
  for (const f of o.files) {
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) {
      throw new InputError('K8S_FILE_OUTSIDE_SPEC', f.path, 'a file the spec names must sit in the spec\'s folder (or below) to travel in the ConfigMap; expected a relative path without ..');
    }
  }
  const labels = { 'app.kubernetes.io/name': 'blis', 'app.kubernetes.io/component': 'sweep', 'app.kubernetes.io/instance': o.name };
  const specKey = keyOf(o.specName);
  const data: Record<string, string> = { [specKey]: o.specText };
  const items = [{ key: specKey, path: o.specName }];
  for (const f of o.files) {
    const key = keyOf(f.path);
    if (data[key] !== undefined) throw new InputError('K8S_FILE_KEY_CLASH', f.path, `maps to ConfigMap key '${key}' like another file; rename one of them`);
    data[key] = f.content;
    items.push({ key, path: f.path });
  }
  const size = Object.entries(data).reduce((a, [k, v]) => a + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > CONFIGMAP_LIMIT) {
    throw new InputError('K8S_CONFIGMAP_TOO_LARGE', o.specName, `the spec and its files come to ${size} bytes; a ConfigMap holds at most ${CONFIGMAP_LIMIT} (put large traces in the image or a volume)`);
  }
  const configMap: K8sConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${o.name}-spec`, labels }, data };
  const job: K8sJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, labels },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // A shard that fails is retried (it resumes from its own results.jsonl), twice per shard overall.
      backoffLimit: 2 * o.shards,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'blis',
            image: o.image,
            command: ['blis'],
            args: ['sweep', `${SPEC_MOUNT}/${o.specName}`, '--shard', `$(JOB_COMPLETION_INDEX)/${o.shards}`,
              '--out', `${RESULTS_MOUNT}/shard-$(JOB_COMPLETION_INDEX)`, '--jobs', String(o.jobsPerPod)],
            // One core and 1 GiB per worker thread: a 2,000-request run peaks near 230 MB RSS (bench/sweep-200.yaml).
            resources: { requests: { cpu: String(o.jobsPerPod), memory: `${o.jobsPerPod}Gi` } },
            volumeMounts: [{ name: 'spec', mountPath: SPEC_MOUNT, readOnly: true }, { name: 'results', mountPath: RESULTS_MOUNT }],
          }],
          volumes: [
            { name: 'spec', configMap: { name: configMap.metadata.name, items } },
            { name: 'results', persistentVolumeClaim: { claimName: o.resultsClaim } },
          ],
        },
      },
    },
  };
  return { configMap, job };
}

/** Both objects as one multi-document YAML stream (`kubectl apply -f -`). */
export function manifestYaml(m: { configMap: K8sConfigMap; job: K8sJob }, header: string): string {
  const comment = header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n');
  return `${comment}\n---\n${stringify(m.configMap, { lineWidth: 0 })}---\n${stringify(m.job, { lineWidth: 0 })}`;
}
