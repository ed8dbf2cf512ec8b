import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configVocabSize, familyGenerationDefaults } from '../../src/model/generation-families.js';
import { generationDefaultsFromJson, samplerPasses } from '../../src/model/generation-config.js';

const catalog = JSON.parse(readFileSync(new URL('../../src/model/models.json', import.meta.url), 'utf8')) as {
  models: Array<{ name: string; config: Record<string, unknown>; generation_config?: object }>;
};
const values = (g: object): Record<string, unknown> => Object.fromEntries(Object.entries(g).filter(([k]) => k !== 'source'));

describe("an uncatalogued model's sampling defaults, from its family", () => {
  it('gives the family file to every size and variant of a release that ships one', () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, number>]> = [
      ['Qwen/Qwen3-8B', { model_type: 'qwen3', vocab_size: 151936 }, { temperature: 0.6, topP: 0.95, topK: 20 }],
      ['Qwen/Qwen3-235B-A22B', { model_type: 'qwen3_moe', vocab_size: 151936 }, { temperature: 0.6, topP: 0.95, topK: 20 }],
      ['Qwen/Qwen2.5-14B-Instruct', { model_type: 'qwen2', vocab_size: 152064 }, { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 }],
      ['meta-llama/Llama-3.2-3B-Instruct', { model_type: 'llama', vocab_size: 128256 }, { temperature: 0.6, topP: 0.9 }],
      ['meta-llama/Llama-4-Maverick-17B-128E-Instruct', { model_type: 'llama4', text_config: { vocab_size: 202048 } }, { temperature: 0.6, topP: 0.9 }],
    ];
    for (const [name, config, expected] of cases) {
      const g = familyGenerationDefaults(name, config);
      expect([name, values(g)]).toEqual([name, expected]);
      expect(g.source).toMatch(/^inferred from the .* family .*this checkpoint's file not read$/);
    }
  });

  it('gives nothing where the family has no one file or none was read (base checkpoints, Llama 2 under the llama type, Mistral, malformed configs)', () => {
    const none: Array<[string, unknown]> = [
      ['Qwen/Qwen3-14B-Base', { model_type: 'qwen3', vocab_size: 151936 }],
      ['Qwen/Qwen2.5-14B', { model_type: 'qwen2', vocab_size: 152064 }],
      ['Qwen/Qwen2-7B-Instruct', { model_type: 'qwen2', vocab_size: 152064 }],
      ['meta-llama/Llama-2-13b-chat-hf', { model_type: 'llama', vocab_size: 32000 }],
      ['meta-llama/Llama-3.1-8B', { model_type: 'llama', vocab_size: 128256 }],
      ['mistralai/Mistral-7B-Instruct-v0.3', { model_type: 'mistral', vocab_size: 32768 }],
      ['x', null],
      ['x', [1, 2]],
    ];
    for (const [name, config] of none) expect([name, familyGenerationDefaults(name, config).source]).toEqual([name, 'none']);
  });

  it('agrees with the catalog on every catalogued model a family rule covers, and covers none the catalog gives no defaults', () => {
    let covered = 0;
    for (const m of catalog.models) {
      const family = familyGenerationDefaults(m.name, m.config);
      if (m.generation_config === undefined) {
        expect([m.name, family.source]).toEqual([m.name, 'none']);
        continue;
      }
      if (family.source === 'none') continue; // a catalog entry read or inferred where no family rule reaches (Llama 2)
      covered++;
      expect([m.name, values(family)]).toEqual([m.name, values(generationDefaultsFromJson(m.generation_config, m.name))]);
    }
    expect(covered).toBeGreaterThanOrEqual(6);
  });

  it('switches on the passes that cost the step: a Qwen2.5 Instruct sorts and applies penalties over its vocabulary', () => {
    const config = { model_type: 'qwen2', vocab_size: 152064 };
    expect(samplerPasses(familyGenerationDefaults('qwen/qwen2.5-32b-instruct', config), configVocabSize(config))).toEqual({ sort: true, topK: true, penalties: true });
  });
});
