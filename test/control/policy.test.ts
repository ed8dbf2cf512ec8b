import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import { AUTOSCALER_DEFAULTS, resolveAutoscalerConfig } from '../../src/control/policy.js';
import { parseAutoscalerPolicy } from '../../src/control/policy-yaml.js';
import { inputErrorOf } from '../kernel/helpers.js';

const fleet = { model: 'qwen/qwen3-14b', hardware: 'H100', tp: 2, initialReplicas: 3 };
const resolve = (text: string) => resolveAutoscalerConfig(parseAutoscalerPolicy(text, 'p.yaml'), fleet);

const errorOf = (text: string): InputError => inputErrorOf(() => resolve(text));

describe('autoscaler policy file', () => {
  test('an empty file gives the documented defaults and the cluster flags as the one model', () => {
    const c = resolve('');
    expect(c.intervalUs).toBe(AUTOSCALER_DEFAULTS.intervalS * 1e6);
    expect([c.collector.name, c.analyzer.name, c.optimizer.name, c.actuator.name]).toEqual(['prometheus', 'saturation', 'priority-round-robin', 'delayed']);
    expect(c.analyzer.options).toEqual({ kv_cache_threshold: 0.8, queue_length_threshold: 5, kv_spare_trigger: 0.1, queue_spare_trigger: 3 });
    expect(c.scaleDownStabilizationUs).toBe(300e6);
    expect(c.limited).toBe(false);
    expect(c.models).toEqual([expect.objectContaining({ name: 'qwen/qwen3-14b', initialReplicas: 3, variants: [{ hardware: 'H100', tp: 2 }] })]);
  });

  test('a full file resolves every field', () => {
    const c = resolve(`
interval_s: 15
collector: {name: prometheus, scrape_interval_s: 5, lag_s: 30}
analyzer: {name: queueing, target_utilization: 0.7}
optimizer: priority-exhaustive
actuator: {name: delayed, provision_s: 60, load_s: 20, warmup_s: 5}
stabilization: {scale_up_s: 30, scale_down_s: 120}
cooldown: {scale_down_s: 60}
inventory:
  - {hardware: H100, count: 8, cost_per_gpu_hour: 4.5}
models:
  - name: qwen/qwen3-14b
    priority: 1
    ttft_ms: 500
    variants: [{hardware: H100, tp: 1}]
`);
    expect(c.collector.options).toEqual({ scrape_interval_s: 5, lag_s: 30, rate_window_s: 60, peak_window_s: 60 });
    expect(c.analyzer.options['target_utilization']).toBe(0.7);
    expect(c.optimizer.name).toBe('priority-exhaustive');
    expect([c.scaleUpStabilizationUs, c.scaleDownStabilizationUs, c.scaleUpCooldownUs, c.scaleDownCooldownUs]).toEqual([30e6, 120e6, 0, 60e6]);
    expect(c.inventory).toEqual([{ hardware: 'H100', count: 8, costPerGpuHour: 4.5 }]);
    expect(c.models[0]).toMatchObject({ ttftMs: 500, minReplicas: 1, initialReplicas: 1 });
  });

  test('an unknown field names file:line and suggests the close name', () => {
    const e = errorOf('interval_s: 10\nstabilisation: {scale_up_s: 1}\n');
    expect(e.code).toBe('POLICY_UNKNOWN_FIELD');
    expect(e.message).toMatch(/^p\.yaml:2 stabilisation: unknown field 'stabilisation' \(did you mean stabilization\?\)/);
  });

  test('an unknown stage names the registry', () => {
    const e = errorOf('\nanalyzer: {name: saturaton}\n');
    expect(e.code).toBe('POLICY_UNKNOWN_STAGE');
    expect(e.message).toMatch(/^p\.yaml:2 analyzer\.name: unknown analyzer 'saturaton' \(did you mean saturation\?\); known: saturation, queueing/);
  });

  test('a bad stage option names its line and the field', () => {
    const e = errorOf('collector:\n  name: prometheus\n  lag_s: -3\n');
    expect(e.message).toMatch(/^p\.yaml:3 collector\.lag_s: expected lag_s >= 0; found -3/);
  });

  test('a variant on hardware missing from the inventory is an error at its line', () => {
    const e = errorOf('inventory:\n  - {hardware: H100, count: 2}\nmodels:\n  - name: a\n    variants:\n      - {hardware: L40S, tp: 1}\n');
    expect(e.code).toBe('POLICY_UNKNOWN_HARDWARE');
    expect(e.message).toMatch(/^p\.yaml:6 models\[0\]\.variants\[0\]\.hardware: variant hardware 'L40S' is not in the inventory/);
  });

  test('an initial fleet larger than the inventory is refused at the inventory count (it ran holding GPUs the inventory lacks)', () => {
    const e = errorOf('inventory:\n  - {hardware: H100, count: 2}\nmodels:\n  - {name: a, min_replicas: 4, max_replicas: 8, variants: [{hardware: H100, tp: 1}]}\n');
    expect(e.code).toBe('POLICY_OUT_OF_RANGE');
    expect(e.message).toMatch(/^p\.yaml:2 inventory\[0\]\.count: the initial replicas need 4 H100 GPUs \(a: 4 x TP1, on each model's first variant\); the inventory has 2/);
    // Without a models list the command line's fleet (3 instances of TP 2) is the initial one.
    expect(errorOf('inventory:\n  - {hardware: H100, count: 5}\n').message).toMatch(/inventory\[0\]\.count: the initial replicas need 6 H100 GPUs \(qwen\/qwen3-14b: 3 x TP2/);
    expect(resolve('inventory:\n  - {hardware: H100, count: 6}\n').limited).toBe(true);
  });

  test('a GPU listed twice in the inventory is refused at its second entry (the optimizer counted the last entry\'s GPUs at the first entry\'s price)', () => {
    const e = errorOf('inventory:\n  - {hardware: H100, count: 1, cost_per_gpu_hour: 4}\n  - {hardware: H100, count: 6, cost_per_gpu_hour: 1}\n');
    expect(e.code).toBe('POLICY_DUPLICATE_HARDWARE');
    expect(e.message).toMatch(/p\.yaml:3 inventory\[1\]\.hardware/);
  });
  test('a variant listed twice for one model is refused at its line (it was refused later as a duplicate pool the user never wrote)', () => {
    const e = errorOf('models:\n  - name: a\n    variants:\n      - {hardware: H100, tp: 1}\n      - {hardware: H100, tp: 1}\n');
    expect(e.code).toBe('POLICY_DUPLICATE_VARIANT');
    expect(e.message).toMatch(/p\.yaml:5 models\[0\]\.variants\[1\]/);
    expect(resolve('models:\n  - name: a\n    variants: [{hardware: H100, tp: 1}, {hardware: H100, tp: 2}]\n').models[0]!.variants).toHaveLength(2);
  });
  test('a KV spare trigger above the KV threshold is refused at its line, as WVA\'s config validation refuses it (the model would scale up at every decision)', () => {
    const e = errorOf('analyzer:\n  name: saturation\n  kv_cache_threshold: 0.5\n  kv_spare_trigger: 0.6\n');
    expect(e.code).toBe('POLICY_OUT_OF_RANGE');
    expect(e.message).toMatch(/p\.yaml:4 analyzer\.kv_spare_trigger: .*0\.6.*kv_cache_threshold \(0\.5\)/);
    expect(resolve('analyzer: {name: saturation, kv_cache_threshold: 0.5, kv_spare_trigger: 0.5}\n').analyzer.options['kv_spare_trigger']).toBe(0.5);
  });
  test('wrong types and ranges say what was expected', () => {
    expect(errorOf('models:\n  - {name: a, min_replicas: 3, max_replicas: 2}\n').message).toMatch(/^p\.yaml:2 models\[0\]\.min_replicas: expected min_replicas <= max_replicas/);
    expect(errorOf('interval_s: soon\n').message).toMatch(/^p\.yaml:1 interval_s: expected a number > 0; found string "soon"/);
    expect(errorOf('models:\n  - {priority: 1}\n').code).toBe('POLICY_MISSING_FIELD');
    expect(errorOf('models: [{name: a}, {name: a}]\n').code).toBe('POLICY_DUPLICATE_MODEL');
    expect(errorOf('interval_s: [1\n').code).toBe('POLICY_YAML');
  });

  test('a time in seconds past 1e9 s (an interval of 1e12 s) is refused at its key, in every part of the policy', () => {
    const cases: Array<[string, RegExp]> = [
      ['interval_s: 1.0e+12\n', /^p\.yaml:1 interval_s: found 1000000000000 s; expected at most 1000000000 s/],
      ['stabilization: {scale_up_s: 0, scale_down_s: 1.0e+15}\n', /^p\.yaml:1 stabilization\.scale_down_s: found 1000000000000000 s; expected at most/],
      ['cooldown: {scale_up_s: 1.0e+10}\n', /^p\.yaml:1 cooldown\.scale_up_s: found 10000000000 s; expected at most/],
      ['collector:\n  name: prometheus\n  scrape_interval_s: 1.0e+12\n', /^p\.yaml:3 collector\.scrape_interval_s: found scrape_interval_s 1000000000000 s; expected at most 1000000000 s/],
      ['actuator:\n  name: delayed\n  provision_s: 1.0e+14\n', /^p\.yaml:3 actuator\.provision_s: found provision_s 100000000000000 s; expected at most/],
      ['models:\n  - {name: a, load_s: 1.0e+10}\n', /^p\.yaml:2 models\[0\]\.load_s: expected a number >= 0 and <= 1000000000/],
    ];
    for (const [text, message] of cases) {
      const e = inputErrorOf(() => resolve(text));
      expect(e.code, text).toMatch(/^(POLICY|SPEC)_OUT_OF_RANGE$/);
      expect(e.message, text).toMatch(message);
    }
    expect(resolve('interval_s: 1.0e+9\n').intervalUs).toBe(1e15);
  });

  test('a fraction option past 1 (a KV share of 1e12) is refused at its key, for every analyzer', () => {
    for (const text of ['analyzer:\n  name: saturation\n  kv_cache_threshold: 1.0e+12\n', 'analyzer:\n  name: queueing\n  target_utilization: 1.5\n']) {
      const e = inputErrorOf(() => resolveAutoscalerConfig(parseAutoscalerPolicy(text, 'p.yaml'), { model: 'qwen/qwen3-14b', hardware: 'H100', tp: 1, numInstances: 1 } as never));
      expect(e.message).toMatch(/p\.yaml:3 analyzer\.(kv_cache_threshold|target_utilization): expected .* as a fraction <= 1/);
    }
  });
});

