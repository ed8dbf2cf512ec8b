/**
 * The contract checks a library caller's plug-in runs under (plugins.ts). The built-in entries
 * are held to the same contracts by their conformance suites and run unwrapped; a caller's entry
 * gets none of that, so every call is checked where it returns: a throw, a score outside [0, 1]
 * (NaN included), an instance that is not a whole eligible id, an admission answer that is not
 * null or a reason, a step time that is not whole microseconds ≥ 1. Each stops the run with
 * InputError PLUGIN_FAILED naming the plug-in and what it returned; nothing is clamped, skipped
 * or replaced by a default.
 */
import { InputError } from '../kernel/errors.js';
import type { StepTimeEntry } from '../model/registry.js';
import type { BatchShape, RequestOverheads, StepTimeContext, StepTimeModel } from '../model/step-time.js';
import type { AdmissionEntry, AdmissionPolicy, AdmissionSettings } from './admission/admission.js';
import type { RoutingContext, RoutingPolicy, RoutingPolicyEntry } from './routing.js';
import type { RoutingObserver, Scorer, ScorerContext, ScorerEntry } from './scorers/scorer.js';
import type { RouterView, RoutingRequest } from './view.js';

/** A caller's scorer: a ScorerEntry whose description and option table may be left out. */
export type ScorerPlugin = Omit<ScorerEntry, 'describe' | 'options' | 'aliases' | 'retired'> & Partial<Pick<ScorerEntry, 'describe' | 'options'>>;
/** A caller's routing policy: picks the instance itself (reading no routingScorers). */
export type RoutingPolicyPlugin = Omit<RoutingPolicyEntry, 'describe' | 'scorers'> & Partial<Pick<RoutingPolicyEntry, 'describe'>>;
/** A caller's admission policy; `queueable` (default false) lets flow control hold its refusals. */
export type AdmissionPlugin = Omit<AdmissionEntry, 'describe' | 'queueable' | 'reads'> & Partial<Pick<AdmissionEntry, 'describe' | 'queueable' | 'reads'>>;
/** A caller's step-time model: `stepTimeUs` (and optional `overheads`); its options come from latencyCoefficients. */
export type StepTimePlugin = Omit<StepTimeEntry, 'describe' | 'options' | 'derivation'> & Partial<Pick<StepTimeEntry, 'describe' | 'options'>>;

function failed(who: string, message: string, cause?: unknown): InputError {
  return new InputError('PLUGIN_FAILED', who, message, cause === undefined ? undefined : { cause });
}

/** A throw from the plug-in, reported as its own (an InputError it raised is kept as it is). */
function threw(who: string, what: string, e: unknown): Error {
  if (e instanceof InputError) return e;
  return failed(who, `${what} threw: ${e instanceof Error ? e.message : String(e)}`, e);
}

/** `fn()` with threw's reporting, for calls made once per run or per routed request's side path. */
function call<T>(who: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw threw(who, what, e);
  }
}

function guardObserver(who: string, inner: Partial<RoutingObserver>): Partial<RoutingObserver> {
  const onRouted = inner.onRouted;
  const onGone = inner.onInstanceGone;
  return {
    ...(onRouted ? { onRouted: (view: RouterView, req: RoutingRequest, instance: number, nowUs: number) => call(who, 'onRouted', () => onRouted.call(inner, view, req, instance, nowUs)) } : {}),
    ...(onGone ? { onInstanceGone: (instance: number) => call(who, 'onInstanceGone', () => onGone.call(inner, instance)) } : {}),
  };
}

export function guardScorer(entry: ScorerPlugin): ScorerEntry {
  const who = `scorer '${entry.name}'`;
  return Object.freeze({
    ...entry,
    describe: entry.describe ?? 'a library caller\'s scorer',
    options: entry.options ?? {},
    create(ctx: ScorerContext, options?: Readonly<Record<string, number>>): Scorer & Partial<RoutingObserver> {
      const inner = call(who, 'create', () => entry.create(ctx, options));
      if (typeof inner?.score !== 'function') throw failed(who, 'create returned no score(view, request, out) method');
      return {
        score(view: RouterView, req: RoutingRequest, out: Float64Array): void {
          try {
            inner.score(view, req, out);
          } catch (e) {
            throw threw(who, 'score', e);
          }
          for (let i = 0; i < view.numInstances; i++) {
            if (view.eligible[i] === 0) continue;
            const v = out[i]!;
            if (!(v >= 0 && v <= 1)) throw failed(who, `gave instance ${i} the score ${v} for request ${req.index}; expected a score in [0, 1] (1 = most preferred) in out[${i}]`);
          }
        },
        ...guardObserver(who, inner),
      };
    },
  });
}

export function guardRoutingPolicy(entry: RoutingPolicyPlugin): RoutingPolicyEntry {
  const who = `routing policy '${entry.name}'`;
  return Object.freeze({
    ...entry,
    describe: entry.describe ?? 'a library caller\'s routing policy',
    create(ctx: RoutingContext): RoutingPolicy {
      const inner = call(who, 'create', () => entry.create(ctx));
      if (typeof inner?.pick !== 'function') throw failed(who, 'create returned no pick(view, request, nowUs) method');
      const lastScores = inner.lastScores;
      return {
        pick(view: RouterView, req: RoutingRequest, nowUs: number): number {
          let i: number;
          try {
            i = inner.pick(view, req, nowUs);
          } catch (e) {
            throw threw(who, 'pick', e);
          }
          const expected = `expected the id of an eligible instance (0 to ${view.numInstances - 1} with view.eligible[id] = 1), or -1 when none is eligible`;
          if (!Number.isInteger(i) || i < -1 || i >= view.numInstances) throw failed(who, `picked ${String(i)} for request ${req.index}; ${expected}`);
          if (i >= 0 && view.eligible[i] === 0) throw failed(who, `picked instance ${i} for request ${req.index}, which is not eligible for it; ${expected}`);
          if (i === -1 && view.eligible.subarray(0, view.numInstances).includes(1)) throw failed(who, `picked -1 (no instance) for request ${req.index} while instances were eligible; ${expected}`);
          return i;
        },
        ...guardObserver(who, inner),
        ...(lastScores ? { lastScores: (instance: number) => call(who, 'lastScores', () => lastScores.call(inner, instance)) } : {}),
      };
    },
  });
}

export function guardAdmission(entry: AdmissionPlugin): AdmissionEntry {
  const who = `admission policy '${entry.name}'`;
  return Object.freeze({
    ...entry,
    describe: entry.describe ?? 'a library caller\'s admission policy',
    queueable: entry.queueable ?? false,
    reads: entry.reads ?? [],
    create(settings: AdmissionSettings): AdmissionPolicy {
      const inner = call(who, 'create', () => entry.create(settings));
      if (typeof inner?.decide !== 'function') throw failed(who, 'create returned no decide(view, request, nowUs) method');
      return {
        decide(view: RouterView, req: RoutingRequest, nowUs: number): string | null {
          let answer: unknown;
          try {
            answer = inner.decide(view, req, nowUs);
          } catch (e) {
            throw threw(who, 'decide', e);
          }
          if (answer === null || (typeof answer === 'string' && answer !== '')) return answer;
          throw failed(who, `answered ${answer === undefined ? 'undefined' : JSON.stringify(answer)} for request ${req.index}; expected null to admit or a reason code string to refuse`);
        },
      };
    },
  });
}

function checkStepUs(who: string, us: number): number {
  if (!Number.isInteger(us) || us < 1) throw failed(who, `stepTimeUs returned ${us}; expected whole microseconds ≥ 1 (round up, e.g. Math.ceil)`);
  return us;
}

export function guardStepTime(entry: StepTimePlugin): StepTimeEntry {
  const who = `step-time model '${entry.name}'`;
  return Object.freeze({
    ...entry,
    describe: entry.describe ?? 'a library caller\'s step-time model',
    options: entry.options ?? {},
    create(ctx: StepTimeContext, options?: Record<string, unknown>): StepTimeModel & Partial<{ overheads: RequestOverheads }> {
      const inner = call(who, 'create', () => entry.create(ctx, options));
      if (typeof inner?.stepTimeUs !== 'function') throw failed(who, 'create returned no stepTimeUs(batch) method');
      // The engine's fast paths trust these capabilities' numbers; a plug-in's are not taken rather than taken unchecked.
      for (const cap of ['split', 'decode'] as const) {
        if (inner[cap] !== undefined) throw failed(who, `has '${cap}', a capability the built-in models use for speed; a plug-in model gives stepTimeUs (and overheads) only`);
      }
      const overheads = inner.overheads;
      if (overheads !== undefined) {
        for (const [k, v] of Object.entries(overheads)) {
          if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw failed(who, `overheads.${k} is ${String(v)}; expected microseconds ≥ 0`);
        }
      }
      return {
        stepTimeUs(batch: BatchShape): number {
          let us: number;
          try {
            us = inner.stepTimeUs(batch);
          } catch (e) {
            throw threw(who, 'stepTimeUs', e);
          }
          return checkStepUs(who, us);
        },
        ...(overheads !== undefined ? { overheads } : {}),
      };
    },
  });
}
