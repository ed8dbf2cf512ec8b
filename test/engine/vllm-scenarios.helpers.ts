/**
 * Runs a hand-computed vLLM scheduler scenario on one instance, once stepping request by request
 * (`--no-leap`) and once with event leaping, and checks both give the same steps and request
 * times before the test compares them with the derivation.
 */
import { expect } from 'vitest';
import type { InstanceOptions } from '../../src/engine/config.js';
import { EventPriority, type SimEvent } from '../../src/kernel/events.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { Harness, recordSteps } from './helpers.js';

export type ScenarioRequest = Partial<ArrivalRequest> & { id: string; inputTokens: number; outputTokens: number };

export interface RequestResult {
  firstTokenUs: number;
  finishedUs: number;
  preemptions: number;
  /** Prompt tokens served from the GPU prefix cache at first scheduling (-1: never scheduled). */
  cachedTokens: number;
  /** Prompt tokens loaded from the CPU tier at first scheduling. */
  cpuCachedTokens: number;
}

export interface ScenarioResult {
  /** Every committed step: `id:newTokens` in batch order. */
  batches: string[][];
  /** When each committed step ended (µs). */
  stepEndsUs: number[];
  reqs: Record<string, RequestResult>;
  /** Listener calls in order (`first id t`, `finish id t`, `drop id reason t`). */
  events: string[];
}

/** A client timeout: the request is aborted at `atUs`, as the cluster does (its Timeout priority). */
export interface ScenarioAbort {
  id: string;
  atUs: number;
}

/** Step time is the harness default, 1000 µs + 10 µs per batched token, all of it GPU time. */
export function runScenario(opts: Partial<InstanceOptions>, reqs: ScenarioRequest[], aborts: ScenarioAbort[] = []): ScenarioResult {
  const run = (leap: boolean): ScenarioResult => {
    const t = new Harness({ ...opts, leap });
    const steps = recordSteps(t);
    const added = reqs.map((r) => t.add(r));
    const aborter = { handle: (ev: SimEvent) => t.inst.abort(added[ev.a]!, t.sim.nowUs) };
    for (const a of aborts) t.sim.schedule(a.atUs, EventPriority.Timeout, aborter, added.findIndex((r) => r.src.id === a.id));
    t.run();
    const out: Record<string, RequestResult> = {};
    for (const r of added) out[r.src.id] = { firstTokenUs: r.firstTokenUs, finishedUs: r.finishedUs, preemptions: r.preemptions, cachedTokens: r.cachedTokens, cpuCachedTokens: r.cpuCachedTokens };
    return { batches: steps.map((s) => s.batch), stepEndsUs: steps.map((s) => s.endUs), reqs: out, events: t.events };
  };
  const stepped = run(false);
  expect(run(true), 'leap and --no-leap agree').toEqual(stepped);
  return stepped;
}
