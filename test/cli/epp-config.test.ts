/** `--epp-config FILE` on run and replay: the same simulation as the scorers given by flag, conflicts refused. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const EXAMPLE = resolve(root, 'examples/epp-config.yaml');
const RUN = ['run', '--model', 'qwen/qwen3-14b', '--workload', 'chatbot', '--rate', '50', '--num-instances', '8', '--tp', '2', '--hardware', 'H100', '--num-requests', '300', '--output', 'json', '--quiet'];

describe('--epp-config', () => {
  it('routes as its profile\'s scorers given by flag would (autoTune sizes each LRU to the instance\'s KV blocks, as by default): same latencies, its options echoed', async () => {
    const viaEpp = await runCli([...RUN, '--epp-config', EXAMPLE], root);
    const viaFlag = await runCli([...RUN, '--routing-scorers', 'prefix-affinity:3,queue-depth:1,kv-utilization:1'], root);
    expect(viaEpp.code, viaEpp.err).toBe(0);
    expect(viaFlag.code, viaFlag.err).toBe(0);
    const a = JSON.parse(viaEpp.out);
    const b = JSON.parse(viaFlag.out);
    expect(a.config.routing_scorers).toBe('prefix-affinity:3,queue-depth:1,kv-utilization:1');
    expect(a.config.routing_scorer_options).toEqual({ 'prefix-affinity': { maxPrefixBlocks: 256 } });
    expect(b.config.routing_scorer_options).toBeUndefined();
    for (const k of ['ttft_ms', 'e2e_ms', 'requests', 'kv', 'instances']) expect(a[k], k).toEqual(b[k]);
  });

  it('is refused beside --routing-scorers or another policy, and names an unsupported plugin by file:line', async () => {
    const both = await runCli([...RUN, '--epp-config', EXAMPLE, '--routing-scorers', 'queue-depth:1'], root);
    expect([both.code, both.err]).toEqual([2, expect.stringMatching(/FLAG_CONFLICT.*--epp-config: sets the scorers itself/)]);
    const rr = await runCli([...RUN, '--epp-config', EXAMPLE, '--routing-policy', 'round-robin'], root);
    expect([rr.code, rr.err]).toEqual([2, expect.stringMatching(/FLAG_CONFLICT.*round-robin would ignore them/)]);
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(resolve(tmpdir(), 'blis-epp-'));
    writeFileSync(resolve(dir, 'r.yaml'), readFileSync(EXAMPLE, 'utf8').replaceAll('max-score-picker', 'weighted-random-picker'));
    const random = await runCli([...RUN, '--epp-config', 'r.yaml'], dir);
    expect([random.code, random.err]).toEqual([2, expect.stringMatching(/EPP_UNSUPPORTED.*r\.yaml:\d+ schedulingProfiles\[0\]\.plugins\[4\]\.pluginRef: 'weighted-random-picker'/)]);
  });

  it('says its routing and notes once in a capacity search, not once per probe', async () => {
    const r = await runCli(['capacity', '--epp-config', EXAMPLE, '--num-requests', '100', '--slo', 'ttft_p99=500', '--num-instances', '2', '--max-probes', '3'], root);
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/routing from .*epp-config\.yaml/g)).toHaveLength(1);
    expect(r.err.match(/blis capacity: probe \d/g)).toHaveLength(3);
  });

  it('says nothing in a capacity search with --quiet, as run and replay do', async () => {
    // Seen: blis capacity --epp-config F --quiet printed the routing and the file's notes (the probes' own runs were not quiet).
    const r = await runCli(['capacity', '--epp-config', EXAMPLE, '--num-requests', '100', '--slo', 'ttft_p99=500', '--num-instances', '2', '--max-probes', '2', '--quiet'], root);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
  });
});
