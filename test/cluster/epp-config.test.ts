/**
 * An llm-d / GIE EndpointPickerConfig as blis routing (src/cluster/epp-config.ts). The configs are
 * written here in the shapes llm-d-inference-scheduler's deploy/config samples and GIE's docs use.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eppRouting } from '../../src/cluster/epp-config.js';

const at = (p: readonly (string | number)[]): string => `epp.yaml ${p.join('.')}`;
const read = (text: string) => eppRouting(parse(text), at);
const fail = (text: string): { code: string; where: string; message: string } => {
  try {
    read(text);
  } catch (e) {
    return e as { code: string; where: string; message: string };
  }
  throw new Error('expected an error');
};

const ESTIMATE = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: single-profile-handler
- type: decode-filter
- type: prefix-cache-scorer
  parameters: {hashBlockSize: 64, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250}
- type: load-aware-scorer
  parameters: {threshold: 64}
- type: max-score-picker
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: decode-filter
  - pluginRef: prefix-cache-scorer
    weight: 2.0
  - pluginRef: load-aware-scorer
  - pluginRef: max-score-picker
`;

describe('EndpointPickerConfig → routing', () => {
  it('passes the active-request scorer\'s idleThreshold and maxBusyScore through', () => {
    const r = read(`plugins:
- type: active-request-scorer
  parameters: {idleThreshold: 2, maxBusyScore: 0.5}
- type: max-score-picker
`);
    expect(r.scorers).toEqual([{ name: 'active-requests', weight: 1 }]);
    expect(r.scorerOptions).toEqual({ 'active-requests': { idleThreshold: 2, maxBusyScore: 0.5 } });
  });

  it('takes the profile\'s scorers and weights (1 when unset), the load threshold; notes the rest', () => {
    const r = read(ESTIMATE);
    expect(r.scorers).toEqual([{ name: 'prefix-affinity', weight: 2 }, { name: 'load-aware', weight: 1 }]);
    // autoTune is on by default: each pod's LRU is its KV size, so lruCapacityPerServer changes nothing.
    expect(r.scorerOptions).toEqual({ 'prefix-affinity': { maxPrefixBlocks: 256 }, 'load-aware': { threshold: 64 } });
    expect(r.notes.join('\n')).toMatch(/lruCapacityPerServer not used: with autoTune each pod's LRU holds its KV cache's blocks/);
    expect(r.notes.join('\n')).toMatch(/single-profile-handler/);
    expect(r.notes.join('\n')).toMatch(/decode-filter/);
    expect(r.notes.join('\n')).toMatch(/hashBlockSize not modelled/);
  });

  it('a load-aware threshold ≤ 0 falls back to 128, as llm-d\'s NewLoadAware does, and the note says so (not "not modelled")', () => {
    const r = read(`plugins:\n- type: load-aware-scorer\n  parameters: {threshold: 0}\n- type: max-score-picker\n`);
    expect(r.scorerOptions).toEqual({});
    expect(r.notes.join('\n')).toMatch(/load-aware-scorer: threshold 0 is not positive: the EPP uses its default 128, and so does blis/);
    expect(r.notes.join('\n')).not.toMatch(/not modelled/);
  });

  it('sizes each pod\'s LRU by lruCapacityPerServer only with autoTune off (31250 when unset, llm-d types.go defaultLRUCapacityPerServer)', () => {
    const scorer = (params: string) => read(`plugins:\n- type: prefix-cache-scorer\n  parameters: ${params}\n- type: max-score-picker\n`);
    expect(scorer('{autoTune: false, lruCapacityPerServer: 1000}').scorerOptions).toEqual({ 'prefix-affinity': { lruCapacityPerServer: 1000 } });
    expect(scorer('{autoTune: false}').scorerOptions).toEqual({ 'prefix-affinity': { lruCapacityPerServer: 31_250 } });
    const auto = scorer('{autoTune: true}');
    expect(auto.scorerOptions).toEqual({});
    expect(auto.notes.join('\n')).not.toMatch(/autoTune/);
    // Not defaulted past: a capacity that is no positive whole number is named at its line.
    for (const bad of ['0', '-5', '12.5', '"lots"']) {
      expect(() => scorer(`{autoTune: false, lruCapacityPerServer: ${bad}}`), bad).toThrow(/epp\.yaml plugins\.0\.parameters\.lruCapacityPerServer: found .*; expected a positive whole number of blocks per pod/);
    }
  });

  it('reads llm-d\'s older short names and named plugins; cache_tracking mode is the precise scorer', () => {
    const r = read(`plugins:
- {type: prefix-cache, name: pc, parameters: {mode: cache_tracking}}
- {type: queue-scorer}
- {type: kv-cache-scorer}
- {type: max-score}
- {type: single-profile}
schedulingProfiles:
- name: default
  plugins: [{pluginRef: pc, weight: 3}, {pluginRef: queue-scorer}, {pluginRef: kv-cache-scorer, weight: 0.5}, {pluginRef: max-score}]
`);
    expect(r.scorers).toEqual([{ name: 'precise-prefix-cache', weight: 3 }, { name: 'queue-depth', weight: 1 }, { name: 'kv-utilization', weight: 0.5 }]);
    // The mode chose the scorer: it is read, not noted as a parameter blis ignores.
    expect(r.notes.join('\n')).not.toMatch(/parameter mode/);
  });

  it('without schedulingProfiles, one default profile holds every plugin (weights 1); a plugin no profile uses is noted', () => {
    const r = read('plugins: [{type: queue-scorer}, {type: kv-cache-utilization-scorer}, {type: max-score-picker}]\n');
    expect(r.scorers).toEqual([{ name: 'queue-depth', weight: 1 }, { name: 'kv-utilization', weight: 1 }]);
    expect(r.notes.join('\n')).toMatch(/one default profile/);
    const unused = read(ESTIMATE.replace('  - pluginRef: load-aware-scorer\n', ''));
    expect(unused.notes.join('\n')).toMatch(/load-aware-scorer: defined but in no scheduling profile/);
  });

  it('refuses by its field what blis has no counterpart for, and names bad references', () => {
    expect(fail(ESTIMATE.replace('- type: single-profile-handler', '- type: prefill-header-handler'))).toMatchObject({ code: 'EPP_UNSUPPORTED', where: 'epp.yaml plugins.0' });
    const random = fail(ESTIMATE.replace('- type: max-score-picker', '- type: random-picker').replace('- pluginRef: max-score-picker', '- pluginRef: random-picker'));
    expect(random).toMatchObject({ code: 'EPP_UNSUPPORTED', where: 'epp.yaml schedulingProfiles.0.plugins.3.pluginRef', message: expect.stringMatching(/random-picker.*highest score/) });
    expect(fail(ESTIMATE.replace('- type: single-profile-handler', '- type: pd-profile-handler'))).toMatchObject({ code: 'EPP_UNSUPPORTED', message: expect.stringMatching(/--prefill-instances/) });
    expect(fail(`${ESTIMATE}- name: other\n  plugins: [{pluginRef: load-aware-scorer}]\n`)).toMatchObject({ code: 'EPP_UNSUPPORTED', where: 'epp.yaml schedulingProfiles' });
    expect(fail(ESTIMATE.replace('- pluginRef: load-aware-scorer', '- pluginRef: load-awre-scorer'))).toMatchObject({ code: 'EPP_CONFIG_INVALID', message: expect.stringMatching(/did you mean load-aware-scorer/) });
    expect(fail(ESTIMATE.replace('- type: decode-filter', '- type: low-queue-filter').replace('- pluginRef: decode-filter', '- pluginRef: low-queue-filter'))).toMatchObject({ code: 'EPP_UNSUPPORTED', message: expect.stringMatching(/filters pods by role only/) });
    expect(fail('kind: InferencePool\nplugins: [{type: queue-scorer}]\n')).toMatchObject({ code: 'EPP_CONFIG_INVALID', where: 'epp.yaml kind' });
    expect(fail(ESTIMATE.replace('weight: 2.0', 'weight: -1'))).toMatchObject({ code: 'EPP_CONFIG_INVALID', where: 'epp.yaml schedulingProfiles.0.plugins.1.weight' });
    expect(fail('plugins: [{type: max-score-picker}]\nschedulingProfiles: [{name: d, plugins: [{pluginRef: max-score-picker}]}]\n')).toMatchObject({ message: expect.stringMatching(/no scorer/) });
  });
});
