/**
 * Linear (α/β) step time, as in BLIS's blackbox model and Vidur-style regressions:
 * α0 + α1 · prefill tokens + α2 · decode tokens + α3 · context tokens (Σ context of the batch).
 * Coefficients absent from the options are derived by linearising the roofline for the
 * (model, hardware, tp) at hand, so the model is usable before any fit.
 */
import type { BatchShape, StepTimeContext, StepTimeModel } from './step-time.js';
import { createRoofline } from './roofline.js';
import { type StepTimeOption, readNumericOptions } from './roofline-params.js';

export const LINEAR_OPTIONS: Readonly<Record<string, StepTimeOption>> = Object.freeze({
  alpha0Us: { default: undefined, unit: 'us', describe: 'fixed cost per step (default: roofline step with one decode)' },
  alpha1UsPerPrefillToken: { default: undefined, unit: 'us/token', describe: 'cost per prefill token (default: roofline slope at a 2048-token prefill)' },
  alpha2UsPerDecodeToken: { default: undefined, unit: 'us/token', describe: 'cost per decode token (default: roofline slope over 64 decodes)' },
  alpha3UsPerContextToken: { default: undefined, unit: 'us/token', describe: 'cost per attended context token (default: roofline KV-read slope)' },
});

function shape(n: number, newTokens: number, context: number, prefill: boolean): BatchShape {
  const b: BatchShape = { size: n, newTokens: new Int32Array(n).fill(newTokens), contextTokens: new Int32Array(n).fill(context), isPrefill: new Uint8Array(n).fill(prefill ? 1 : 0), totalNewTokens: n * newTokens, numPrefill: prefill ? n : 0 };
  return b;
}

/** The roofline's linearisation around small batches (used for defaults). */
export function linearFromRoofline(ctx: StepTimeContext): { alpha0Us: number; alpha1UsPerPrefillToken: number; alpha2UsPerDecodeToken: number; alpha3UsPerContextToken: number } {
  const r = createRoofline(ctx);
  const one = r.stepTimeUs(shape(1, 1, 0, false));
  const alpha2 = Math.max(0, (r.stepTimeUs(shape(64, 1, 0, false)) - one) / 63);
  const alpha1 = Math.max(0, (r.stepTimeUs(shape(1, 2048, 0, true)) - one) / 2047);
  const alpha3 = Math.max(0, (r.stepTimeUs(shape(1, 1, 4096, false)) - one) / 4096);
  return { alpha0Us: Math.max(1, one - alpha2), alpha1UsPerPrefillToken: alpha1, alpha2UsPerDecodeToken: alpha2, alpha3UsPerContextToken: alpha3 };
}

/**
 * The config echo's sentence for the coefficients `options` leave out (null when all four are
 * given): their values from linearFromRoofline for this (model, GPU, TP), which createLinear uses.
 * A step worked by hand from α0 and α1 alone would otherwise be off by a decode and context cost
 * nobody wrote down.
 */
export function linearDerivation(ctx: StepTimeContext, options?: Record<string, unknown>): string | null {
  const given = readNumericOptions(options, LINEAR_OPTIONS, 'linear');
  const missing = Object.keys(LINEAR_OPTIONS).filter((k) => !(k in given)) as (keyof ReturnType<typeof linearFromRoofline>)[];
  if (missing.length === 0) return null;
  const derived = linearFromRoofline(ctx);
  const values = missing.map((k) => `${k} ${Number(derived[k].toPrecision(4))}`).join(', ');
  return `${values}: not given, so derived by linearising the roofline for ${ctx.model.name} on ${ctx.hardware.name}, TP ${ctx.tp} (give all four for a step worked by hand)`;
}

/** The four coefficients createLinear uses: the options', the rest linearised from the roofline. */
export function linearCoefficients(ctx: StepTimeContext, options?: Record<string, unknown>): ReturnType<typeof linearFromRoofline> {
  const given = readNumericOptions(options, LINEAR_OPTIONS, 'linear');
  const complete = Object.keys(LINEAR_OPTIONS).every((k) => k in given);
  return { ...(complete ? {} : linearFromRoofline(ctx)), ...given } as ReturnType<typeof linearFromRoofline>;
}

export function createLinear(ctx: StepTimeContext, options?: Record<string, unknown>): StepTimeModel {
  const c = linearCoefficients(ctx, options);
  const a0 = c.alpha0Us;
  const a1 = c.alpha1UsPerPrefillToken;
  const a2 = c.alpha2UsPerDecodeToken;
  const a3 = c.alpha3UsPerContextToken;
  return {
    stepTimeUs(batch: BatchShape): number {
      // Leading one-token decodes given by their sums (BatchShape.decodePrefix): integers, exact.
      const p = batch.decodePrefix ?? 0;
      let pre = 0;
      let dec = p;
      let ctxTokens = p > 0 ? batch.decodePrefixContext! : 0;
      for (let i = p; i < batch.size; i++) {
        const t = batch.newTokens[i]!;
        if (batch.isPrefill[i] === 1) pre += t;
        else dec += t;
        ctxTokens += batch.contextTokens[i]!;
      }
      return Math.max(1, Math.round(a0 + a1 * pre + a2 * dec + a3 * ctxTokens));
    },
    decode: {
      // The loop above with no prefill slot: pre = 0, dec = requests, ctxTokens = the context sum (integers, exact).
      decodeStepUs(requests: number, contextTokens: number): number {
        return Math.max(1, Math.round(a0 + a1 * 0 + a2 * requests + a3 * contextTokens));
      },
      decodePrefix: true,
    },
  };
}
