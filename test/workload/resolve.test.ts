import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { PRESETS, calibrationClient } from '../../src/workload/presets.js';
import { WORKLOAD_DEFAULTS, parseArrivalFlag, resolveWorkload } from '../../src/workload/resolve.js';
import { parseWorkloadSpec } from '../../src/workload/spec.js';
import { Rng } from '../../src/kernel/rng.js';

const DOCUMENTED_MEDIANS: Record<string, [number, number]> = {
  chatbot: [580, 250],
  codegen: [2500, 40],
  summarization: [5050, 200],
  reasoning: [300, 2500],
};

describe('resolveWorkload', () => {
  it('applies the defaults once: chatbot at 10 requests/s, 1,000 requests, seed 0, Poisson', () => {
    const w = resolveWorkload({});
    expect(w).toMatchObject({ seed: 0, rateRps: 10, numRequests: 1000, durationS: null, stages: [] });
    expect(w.clients.map((c) => c.name)).toEqual(['chatbot']);
    expect(w.clients[0]!.arrival.process).toBe('poisson');
    expect(Object.values(w.sources).every((s) => s === 'default')).toBe(true);
    expect(Object.isFrozen(w) && Object.isFrozen(w.clients) && Object.isFrozen(w.sources)).toBe(true);
    expect(WORKLOAD_DEFAULTS.numRequests).toBe(1000);
  });

  it('a duration alone bounds the workload (no default count)', () => {
    expect(resolveWorkload({ durationS: 60 })).toMatchObject({ durationS: 60, numRequests: null });
  });

  it('records flags over spec over defaults', () => {
    const spec = parseWorkloadSpec('seed: 5\nrate: 20\nnum_requests: 50\n', 's.yaml');
    const w = resolveWorkload({ spec, preset: 'codegen', rate: 30, arrival: 'gamma:cv=3' });
    expect(w).toMatchObject({ seed: 5, rateRps: 30, numRequests: 50 });
    expect(w.clients[0]!.arrival).toEqual({ process: 'gamma', options: { cv: 3 } });
    expect(w.sources).toEqual({ seed: 'spec', rateRps: 'flag', numRequests: 'spec', durationS: 'default', clients: 'flag', stages: 'default', arrival: 'flag' });
  });

  it.each(PRESETS.map((p) => [p.name]))('preset %s loads and generates requests within its documented shape', (name) => {
    const w = resolveWorkload({ preset: name, rate: 20, numRequests: 3000 });
    const rs = [...generateArrivals(w, new Rng(1))];
    expect(rs).toHaveLength(3000);
    expect(rs.every((r) => r.inputTokens >= 1 && r.outputTokens >= 1 && r.prefix !== undefined)).toBe(true);
    // Medians as documented in docs/workloads.md (within 10%).
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const [inMedian, outMedian] = DOCUMENTED_MEDIANS[name]!;
    expect(median(rs.map((r) => r.inputTokens)) / inMedian).toBeGreaterThan(0.9);
    expect(median(rs.map((r) => r.inputTokens)) / inMedian).toBeLessThan(1.1);
    expect(median(rs.map((r) => r.outputTokens)) / outMedian).toBeGreaterThan(0.9);
    expect(median(rs.map((r) => r.outputTokens)) / outMedian).toBeLessThan(1.1);
  });

  it('the calibration client reproduces an experiment file\'s shared_prefix_effective', () => {
    const client = calibrationClient({ num_groups: 10, prompts_per_group: 10, system_prompt_len: 150, question_len: 600, output_len: 251 });
    expect(client.prefix).toEqual({ groups: 10, tokens: 150, select: 'cycled', promptsPerGroup: 10 });
    expect(client.arrival!.process).toBe('exact-count');
    expect(client.input).toEqual({ dist: 'constant', options: { value: 600 } });
    expect(calibrationClient({ num_groups: 10, prompts_per_group: 10, system_prompt_len: 150, question_len: 600, output_len: 251 }, 785.84).input)
      .toEqual({ dist: 'constant', options: { value: 636 } });
  });

  it('exact-count without a duration gets one stage of count / rate seconds', () => {
    const w = resolveWorkload({ preset: 'reasoning', arrival: 'exact-count', rate: 4, numRequests: 100 });
    expect(w.durationS).toBe(25);
    expect([...generateArrivals(w, new Rng(2))]).toHaveLength(100);
  });

  it('a spec without clients takes them from the preset; with clients and a preset it is a conflict', () => {
    const stagesOnly = parseWorkloadSpec('stages:\n  - {scale: 1, duration_s: 10}\n', 's.yaml');
    expect(resolveWorkload({ spec: stagesOnly, preset: 'summarization' }).clients[0]!.name).toBe('summarization');
    const withClients = parseWorkloadSpec('clients:\n  - {name: a, input: 1, output: 1}\n', 's.yaml');
    expect(() => resolveWorkload({ spec: withClients, preset: 'chatbot' })).toThrow(InputError);
  });

  it.each([
    [{ rate: -1 }, '--rate'],
    [{ numRequests: 2.5 }, '--num-requests'],
    [{ durationS: 0 }, '--duration'],
    [{ preset: 'chatbott' }, '--workload'],
    [{ arrival: 'gamma:cv=-1' }, '--arrival'],
    [{ arrival: 'weibull' }, '--arrival'],
  ])('rejects %j naming the flag %s', (options, flag) => {
    try {
      resolveWorkload(options);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).where).toBe(flag);
    }
  });

  it('refuses a rate so low that a count-bound workload would run past 10^9 s, naming --rate', () => {
    try {
      resolveWorkload({ rate: 1e-12, numRequests: 3 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).where).toBe('--rate');
      expect((e as InputError).message).toMatch(/3e\+12 s/);
    }
    expect(resolveWorkload({ rate: 1e-6, numRequests: 900 }).rateRps).toBe(1e-6);
    // A duration bounds the arrivals itself.
    expect(resolveWorkload({ rate: 1e-12, durationS: 100 }).durationS).toBe(100);
  });

  it('suggests close names for a mistyped preset', () => {
    expect(() => resolveWorkload({ preset: 'chatbott' })).toThrow(/did you mean chatbot/);
  });

  it('parses the arrival flag syntax', () => {
    expect(parseArrivalFlag('gamma')).toEqual({ process: 'gamma', options: { cv: 2 } });
    expect(parseArrivalFlag('gamma:cv=0.5')).toEqual({ process: 'gamma', options: { cv: 0.5 } });
  });

  it.each(['gamma:cv', 'gamma:cv=2,cv=3'])('refuses the arrival flag %s (an option without a value, or given twice) instead of applying a default', (text) => {
    expect(() => parseArrivalFlag(text)).toThrow(InputError);
    try {
      parseArrivalFlag(text);
    } catch (e) {
      expect((e as InputError).code).toBe('FLAG_MALFORMED');
      expect((e as InputError).where).toBe('--arrival');
      expect((e as InputError).message).toMatch(/cv/);
    }
  });

  it('client rates: absolute rates set the total and the shares; --rate scales them together', () => {
    const spec = parseWorkloadSpec('clients:\n  - {name: a, input: 1, output: 1, rate: 6}\n  - {name: b, input: 1, output: 1, rate: 2}\n', 's.yaml');
    expect(resolveWorkload({ spec }).rateRps).toBe(8);
    expect(resolveWorkload({ spec }).clients.map((c) => c.share)).toEqual([0.75, 0.25]);
    expect(resolveWorkload({ spec, rate: 16 }).rateRps).toBe(16);
  });
});
