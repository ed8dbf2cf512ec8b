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

/** `remote`: a P/D decode-side request (do_remote_prefill), its prompt's KV read from a prefill instance. */
export type ScenarioRequest = Partial<ArrivalRequest> & { id: string; inputTokens: number; outputTokens: number; remote?: boolean; prefillOnly?: boolean };

/** P/D reads, as the differential test's driver lands them: 3 µs + usPerBlock per fresh block after the read starts. */
export interface ScenarioRemote {
  usPerBlock: number;
}

export interface RequestResult {
  firstTokenUs: number;
  finishedUs: number;
  preemptions: number;
  /** Prompt tokens served from the GPU prefix cache at first scheduling (-1: never scheduled). */
  cachedTokens: number;
  /** Prompt tokens loaded from the CPU tier at first scheduling. */
  cpuCachedTokens: number;
  /** Blocks a P/D read filled (0: none). */
  remoteBlocks: number;
  /** When a step first computed tokens for it (-1: never). */
  firstScheduledUs: number;
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
export function runScenario(opts: Partial<InstanceOptions>, reqs: ScenarioRequest[], aborts: ScenarioAbort[] = [], remote?: ScenarioRemote): ScenarioResult {
  const run = (leap: boolean): ScenarioResult => {
    const t = new Harness({ ...opts, leap });
    const steps = recordSteps(t);
    const added = reqs.map((r) => t.add(r));
    for (let k = 0; k < reqs.length; k++) {
      if (reqs[k]!.remote === true) added[k]!.remotePrefill = true;
      if (reqs[k]!.prefillOnly === true) added[k]!.prefillOnly = true;
    }
    if (remote !== undefined) {
      // The cluster's part: a read started now lands after the scenario's link time.
      const heard = t.onRemoteLoad.bind(t);
      t.onRemoteLoad = (req, blocks) => {
        heard(req, blocks);
        t.sim.schedule(t.sim.nowUs + 3 + blocks * remote.usPerBlock, EventPriority.TransferEnd, { handle: () => t.inst.remoteLanded(req) });
      };
      // A prefill-only request's held blocks are read by the decode side as long after it finished.
      const finished = t.onFinished.bind(t);
      t.onFinished = (req, tUs) => {
        finished(req, tUs);
        if (req.prefillOnly) t.sim.schedule(t.sim.nowUs + 3 + req.numBlocks * remote.usPerBlock, EventPriority.TransferEnd, { handle: () => t.inst.sendDone(req) });
      };
    }
    const aborter = { handle: (ev: SimEvent) => t.inst.abort(added[ev.a]!, t.sim.nowUs) };
    for (const a of aborts) t.sim.schedule(a.atUs, EventPriority.Timeout, aborter, added.findIndex((r) => r.src.id === a.id));
    t.run();
    const out: Record<string, RequestResult> = {};
    for (const r of added) out[r.src.id] = { firstTokenUs: r.firstTokenUs, finishedUs: r.finishedUs, preemptions: r.preemptions, cachedTokens: r.cachedTokens, cpuCachedTokens: r.cpuCachedTokens, remoteBlocks: r.remoteBlocks, firstScheduledUs: r.firstScheduledUs };
    return { batches: steps.map((s) => s.batch), stepEndsUs: steps.map((s) => s.endUs), reqs: out, events: t.events };
  };
  const stepped = run(false);
  expect(run(true), 'leap and --no-leap agree').toEqual(stepped);
  return stepped;
}
