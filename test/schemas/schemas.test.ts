/**
 * The shipped JSON Schemas against real files: outputs of real runs, the shipped examples,
 * experiments, baseline and coefficients. Each schema also rejects a broken file, and the
 * registry-backed enums (presets, arrival processes, length distributions, autoscaler stages)
 * match the registries, so a new plug-in cannot be forgotten in the schema.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SCHEMA_NAMES, schemaPath, type SchemaName } from '../../src/api/schemas.node.js';
import { buildProgram } from '../../src/cli/main.node.js';
import { RUN_CONFIG_COMMANDS, runConfigSchema } from '../../src/cli/config-file.js';
import { ACTUATORS, ANALYZERS, COLLECTORS, OPTIMIZERS } from '../../src/control/stages.js';
import { ARRIVAL_PROCESSES } from '../../src/workload/arrival.js';
import { LENGTH_DISTRIBUTIONS } from '../../src/workload/lengths.js';
import { PRESETS } from '../../src/workload/presets.js';
import { runCli } from '../cli/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
// ajv is CommonJS: its class is the default export's `default` under NodeNext typing.
const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module.default }).default ?? Ajv2020Module;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const schema = (n: SchemaName): Record<string, any> => JSON.parse(readFileSync(schemaPath(n), 'utf8'));
const validators = Object.fromEntries(SCHEMA_NAMES.map((n) => [n, ajv.compile(schema(n))])) as Record<SchemaName, ReturnType<typeof ajv.compile>>;

function expectValid(n: SchemaName, data: unknown, what: string): void {
  const ok = validators[n](data);
  expect(ok, `${what} against ${n}: ${ajv.errorsText(validators[n].errors, { separator: '\n' })}`).toBe(true);
}
const json = (p: string): unknown => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));
const yamlFile = (p: string): unknown => parseYaml(readFileSync(join(ROOT, p), 'utf8'));

describe('JSON Schemas (schemas/, shipped)', () => {
  it('compile as strict draft 2020-12 and every one is listed in SCHEMA_NAMES', () => {
    const files = readdirSync(join(ROOT, 'schemas')).filter((f) => f.endsWith('.schema.json')).map((f) => f.replace('.schema.json', '')).sort();
    expect(files).toEqual([...SCHEMA_NAMES].sort());
  });

  it('metrics: real runs (plain, staged workload spec, P/D, autoscaled, replay --compare) are valid; broken ones are not', async () => {
    const runs = [
      ['run', '--num-requests', '100', '--num-instances', '2'],
      ['run', '--workload-spec', 'examples/workload-diurnal.yaml', '--num-requests', '200', '--client-timeout', '1'],
      ['run', '--num-requests', '100', '--num-instances', '4', '--prefill-instances', '1', '--decode-instances', '3'],
      ['run', '--workload-spec', 'examples/autoscale-diurnal.yaml', '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--routing-policy', 'weighted', '--duration', '120'],
      ['replay', 'baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.requests.csv', '--model', 'meta-llama/llama-2-7b-hf', '--limit', '100', '--compare'],
    ];
    for (const argv of runs) {
      const r = await runCli([...argv, '--output', 'json', '--quiet']);
      expect(r.code, r.err).toBe(0);
      expectValid('metrics', JSON.parse(r.out), argv.join(' '));
    }
    const doc = JSON.parse((await runCli(['run', '--num-requests', '20', '--output', 'json', '--quiet'])).out);
    expect(validators.metrics({ ...doc, requests: { ...doc.requests, completed: -1 } })).toBe(false);
    expect(validators.metrics({ ...doc, ttft_ms: { mean: 1 } })).toBe(false);
    expect(validators.metrics({ ...doc, schema: 'blis.metrics/v2' })).toBe(false);
  });

  it('request-record: every line of --requests-out .jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-schema-'));
    const r = await runCli(['run', '--num-requests', '150', '--client-timeout', '0.5', '--requests-out', 'r.jsonl', '--quiet'], dir);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.status !== 'completed')).toBe(true);
    for (const l of lines) expectValid('request-record', l, `record ${l.id}`);
    expect(validators['request-record']({ ...lines[0], status: 'done' })).toBe(false);
  });

  it('request-record: the lines of a P/D run with weighted routing (routing scores, the decode side)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-schema-'));
    const r = await runCli(['run', '--num-requests', '40', '--num-instances', '2', '--prefill-instances', '1', '--decode-instances', '1',
      '--routing-policy', 'weighted', '--requests-out', 'r.jsonl', '--quiet'], dir);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.every((l) => l.routing_scores !== undefined && l.disagg?.decode_instance === 1)).toBe(true);
    for (const l of lines) expectValid('request-record', l, `record ${l.id}`);
  });

  it('validation: the document of a real validate run and the committed example report', async () => {
    const r = await runCli(['validate', 'test/fixtures/validate/small.json', '--jobs', '1', '--output', 'json', '--quiet']);
    expectValid('validation', JSON.parse(r.out), 'blis validate small.json');
    expectValid('validation', json('reports/examples/validation/validation.json'), 'reports/examples/validation/validation.json');
    expect(validators.validation({ ...(JSON.parse(r.out) as object), gate: { passed: 'yes', failures: [] } })).toBe(false);
  });

  it('experiment, baseline, step-coefficients: every shipped file', () => {
    const dir = 'baselines/calibration-experiments';
    const exps = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.json') && f !== 'index.json' && f !== 'competitors.json');
    expect(exps.length).toBeGreaterThanOrEqual(16);
    for (const f of exps) expectValid('experiment', json(`${dir}/${f}`), f);
    const sparse = readdirSync(join(ROOT, 'baselines/trainval-experiments')).filter((f) => /^\d.*\.json$/.test(f));
    expect(sparse.length).toBeGreaterThan(0);
    for (const f of sparse) expectValid('experiment', json(`baselines/trainval-experiments/${f}`), f);
    expectValid('baseline', json('baselines/trainval.json'), 'baselines/trainval.json');
    expectValid('experiment', json('test/fixtures/validate/small.json'), 'small.json');
    const e = json(`${dir}/${exps[0]}`) as Record<string, unknown>;
    expect(validators.experiment({ ...e, tp: 'two' })).toBe(false);
    expectValid('baseline', json('baselines/calibration.json'), 'baselines/calibration.json');
    expectValid('step-coefficients', json('src/model/coefficients/default.json'), 'default coefficients');
    expect(validators['step-coefficients']({ schema: 'blis.step-coefficients/v1', entries: [] })).toBe(false);
  });

  it('step-time: the documents of fitted, roofline and linear steps, a mixed batch and data-parallel MoE ranks; broken ones are not', async () => {
    const runs = [
      ['--decodes', '64', '--context', '2048'],
      ['--model', 'meta-llama/llama-3.1-70b-instruct', '--tp', '4', '--decodes', '32', '--prefill', '2016', '--latency-model', 'roofline'],
      ['--prefill', '512', '--prefill-context', '512', '--latency-model', 'linear'],
      ['--model', 'qwen/qwen3-30b-a3b', '--data-parallel-size', '2', '--enable-expert-parallel', '--decodes', '8'],
    ];
    let doc: Record<string, any> = {};
    for (const argv of runs) {
      const r = await runCli(['step-time', ...argv, '--output', 'json']);
      expect(r.code, r.err).toBe(0);
      doc = JSON.parse(r.out);
      expectValid('step-time', doc, argv.join(' '));
    }
    expect(validators['step-time']({ ...doc, asynchronousStepUs: 10.5 })).toBe(false);
    expect(validators['step-time']({ ...doc, terms: [{ ...doc.terms[0], side: 'tpu' }] })).toBe(false);
    expect(validators['step-time']({ ...doc, batch: { ...doc.batch, decodes: -1 } })).toBe(false);
  });

  it('workload-spec and autoscaler-policy: every example; typos are caught as the parsers catch them', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
    const policies = examples.filter((f) => f.startsWith('autoscaler-'));
    // epp-config.yaml is llm-d's EndpointPickerConfig (its schema is GIE's, not blis's).
    const specs = examples.filter((f) => !f.startsWith('autoscaler-') && !f.startsWith('sweep-') && f !== 'run-config.yaml' && f !== 'replay-config.yaml' && f !== 'epp-config.yaml');
    expectValid('run-config', yamlFile('examples/run-config.yaml'), 'examples/run-config.yaml');
    expectValid('run-config', yamlFile('examples/replay-config.yaml'), 'examples/replay-config.yaml');
    expect(specs.length).toBeGreaterThanOrEqual(4);
    for (const f of specs) expectValid('workload-spec', yamlFile(`examples/${f}`), f);
    for (const f of policies) expectValid('autoscaler-policy', yamlFile(`examples/${f}`), f);
    expect(validators['workload-spec']({ clients: [{ preset: 'chatbot', rate_fractoin: 0.5 }] })).toBe(false);
    expect(validators['workload-spec']({ clients: [{ preset: 'chatbot', rate: 1, rate_fraction: 0.5 }] })).toBe(false);
    expect(validators['autoscaler-policy']({ analyzer: { name: 'magic' } })).toBe(false);
  });

  it('sweep-spec: every example sweep and the benchmark; typos are caught; a spec\'s slo_classes are workload-spec fields', () => {
    const sweeps = [...readdirSync(join(ROOT, 'examples')).filter((f) => f.startsWith('sweep-') && f.endsWith('.yaml')).map((f) => `examples/${f}`), 'bench/sweep-200.yaml'];
    expect(sweeps.length).toBeGreaterThanOrEqual(3);
    for (const f of sweeps) expectValid('sweep-spec', yamlFile(f), f);
    const ok = { base: { rate: 5 }, grid: { tp: [1, 2] }, random: { samples: 3, params: { rate: { min: 1, max: 9, log: true }, 'routing-policy': ['round-robin'] } }, slo: { ttft_p99: 200 }, halving: { eta: 3 } };
    expectValid('sweep-spec', ok, 'a full spec');
    expect(validators['sweep-spec']({ base: { rate: 5 } })).toBe(false);
    expect(validators['sweep-spec']({ gird: { tp: [1] } })).toBe(false);
    expect(validators['sweep-spec']({ grid: { '--tp': [1] } })).toBe(false);
    expect(validators['sweep-spec']({ grid: { tp: [1] }, slo: { ttft_p98: 200 } })).toBe(false);
    expect(validators['sweep-spec']({ random: { samples: 2, params: { rate: { min: 1 } } } })).toBe(false);
    expectValid('workload-spec', { rate: 5, slo_classes: { gold: { ttft_p99: 100, tpot_p50: 20 } } }, 'slo_classes');
    expect(validators['workload-spec']({ slo_classes: { gold: { ttft_p999: 100 } } })).toBe(false);
  });

  it('metrics with --slo, several models and a price override: the slo, models, regime and cost blocks are valid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-schema-'));
    const r = await runCli(['run', '--workload-spec', join(ROOT, 'examples/autoscale-multi-model.yaml'), '--num-requests', '120', '--slo', 'ttft_p99=500,itl_p50=40',
      '--slo-class', 'batch:e2e_p99=60000', '--gpu-price', 'H100=2', '--output', 'json', '--quiet', '--allow-model-mismatch'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc.models ?? {})).toHaveLength(2);
    expectValid('metrics', doc, 'multi-model run with SLOs');
    expect(validators.metrics({ ...doc, regime: { ...doc.regime, state: 'fine' } })).toBe(false);
    expect(validators.metrics({ ...doc, slo: { ...doc.slo, checks: [{ ...doc.slo.checks[0], target: 'ttft_p98' }] } })).toBe(false);
  });

  it('the registry-backed names in the schemas are the registries\' names', () => {
    const ws = schema('workload-spec');
    expect(ws['properties'].clients.items.properties.preset.enum).toEqual(PRESETS.map((p) => p.name));
    expect(ws['$defs'].arrival.oneOf[0].enum).toEqual(ARRIVAL_PROCESSES.map((p) => p.name));
    expect(Object.keys(ws['$defs'].arrival.oneOf[1].properties).filter((k) => k !== 'process').sort()).toEqual([...new Set(ARRIVAL_PROCESSES.flatMap((p) => Object.keys(p.options ?? {})))].sort());
    expect(ws['$defs'].length.oneOf[1].properties.dist.enum).toEqual(LENGTH_DISTRIBUTIONS.map((d) => d.name));
    expect(Object.keys(ws['$defs'].length.oneOf[1].properties).filter((k) => k !== 'dist').sort()).toEqual([...new Set(LENGTH_DISTRIBUTIONS.flatMap((d) => Object.keys(d.options ?? {})))].sort());
    const ap = schema('autoscaler-policy');
    for (const [key, registry] of [['collector', COLLECTORS], ['analyzer', ANALYZERS], ['optimizer', OPTIMIZERS], ['actuator', ACTUATORS]] as const) {
      const s = ap['properties'][key];
      expect(s.oneOf[0].enum).toEqual(registry.map((e) => e.name));
      expect(Object.keys(s.oneOf[1].properties).filter((k) => k !== 'name').sort()).toEqual([...new Set(registry.flatMap((e) => Object.keys(e.options ?? {})))].sort());
    }
  });

  it('run-config is current with the flags (regenerate with npm run schemas) and accepts a real config', async () => {
    const program = await buildProgram({ out: () => {}, err: () => {}, cwd: ROOT, errIsTTY: false });
    const commands = RUN_CONFIG_COMMANDS.map((n) => program.commands.find((c) => c.name() === n)!);
    expect(runConfigSchema(commands)).toEqual(schema('run-config'));
    expectValid('run-config', { $schema: '../schemas/run-config.schema.json', model: 'qwen/qwen3-14b', 'num-instances': 8, 'routing-scorers': 'prefix-affinity:2', 'otlp-header': ['a=b'], 'enable-prefix-caching': false, 'otlp-endpoint': true }, 'config');
    expect(validators['run-config']({ 'num-instance': 8 })).toBe(false);
    expect(validators['run-config']({ 'num-instances': 'eight' })).toBe(false);
    expect(validators['run-config']({ output: 'yaml' })).toBe(false);
  });
});
