import { describe, expect, it } from 'vitest';
import { arrival, run } from './helpers.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

type Doc = { models?: Record<string, { requests: { injected: number }; itl_ms: { count: number } }> };

/** Requests of two models, spelled as traces and specs spell them (another case, another org prefix). */
function mixed(spellings: readonly string[]): ArrivalRequest[] {
  const out: ArrivalRequest[] = [];
  for (let i = 0; i < 24; i++) out.push(arrival(`r${i}`, i * 2000, 64, 8, { model: spellings[i % spellings.length]! }));
  return out;
}

describe('metrics by served model', () => {
  it('files a request under its model however it spells it (case, catalog alias), so its ITL and its latencies are one block', async () => {
    // Seen with `blis run --workload-spec` naming Qwen/Qwen3-14B and meta-llama/Llama-3.1-8B-Instruct
    // under an autoscaler: four blocks, the spelled ones without ITL, the canonical ones with ITL only.
    const { metrics } = await run({
      pools: [{ name: 'qwen', count: 1 }, { name: 'llama', model: 'meta-llama/llama-3.1-8b-instruct', count: 1 }],
    }, mixed(['Qwen/Qwen3-14B', 'meta-llama/Llama-3.1-8B-Instruct', 'qwen3-14b']));
    const doc = metrics as unknown as Doc;
    expect(Object.keys(doc.models!).sort()).toEqual(['meta-llama/llama-3.1-8b-instruct', 'qwen/qwen3-14b']);
    expect(doc.models!['qwen/qwen3-14b']!.requests.injected).toBe(16);
    expect(doc.models!['meta-llama/llama-3.1-8b-instruct']!.requests.injected).toBe(8);
    for (const m of Object.values(doc.models!)) expect(m.itl_ms.count).toBeGreaterThan(0);
  });

  it('a one-model fleet keeps a trace\'s labels apart (BurstGPT ChatGPT / GPT-4) and makes no block of its own model from its steps', async () => {
    // Seen replaying burstgpt1: a qwen/qwen3-14b block with 0 requests and every ITL sample beside them.
    const { metrics } = await run({ numInstances: 2 }, mixed(['ChatGPT', 'GPT-4']));
    const doc = metrics as unknown as Doc & { itl_ms: { count: number } };
    expect(Object.keys(doc.models!).sort()).toEqual(['ChatGPT', 'GPT-4']);
    expect(doc.models!['ChatGPT']!.requests.injected + doc.models!['GPT-4']!.requests.injected).toBe(24);
    // One engine served both labels: its steps mix them, so neither label claims them; the run has them.
    expect(doc.models!['ChatGPT']!.itl_ms.count).toBe(0);
    expect(doc.itl_ms.count).toBeGreaterThan(0);
  });

  it('a request naming a model no pool serves keeps its own name (it was rejected as unknown-model)', async () => {
    const { metrics } = await run({
      pools: [{ name: 'qwen', count: 1 }, { name: 'llama', model: 'meta-llama/llama-3.1-8b-instruct', count: 1 }],
    }, mixed(['qwen/qwen3-14b', 'nope/x']));
    const doc = metrics as unknown as Doc;
    expect(Object.keys(doc.models!).sort()).toEqual(['nope/x', 'qwen/qwen3-14b']);
  });
});
