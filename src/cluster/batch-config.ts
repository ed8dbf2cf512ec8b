/**
 * The engine's batch knobs as vLLM 0.15's `vllm serve` resolves them when flags leave them unset
 * (engine/arg_utils.py get_batch_defaults, `_set_default_max_num_seqs_and_batched_tokens_args`;
 * config/scheduler.py): the per-GPU token budget and sequence cap, the budget raised to
 * max_model_len without chunked prefill and at most max_num_seqs × max_model_len, then the cap at
 * most the budget, and the combinations vLLM refuses. Each derived value is recorded with
 * its rule for the config echo.
 */
import { checkBudgetHoldsSeqs, unchunkedBudgetMessage, vllmDefaultBudget } from '../engine/config.js';
import { InputError, positiveInt } from '../kernel/errors.js';
import type { HardwareSpec } from '../model/hardware.js';
import { vllmBatchDefaults } from '../model/kv-sizing.js';
import type { ClusterOptions, FieldSource } from './config.js';

export interface BatchKnobs {
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
}

export function resolveBatchKnobs(
  options: ClusterOptions,
  hardware: HardwareSpec,
  enableChunkedPrefill: boolean,
  maxModelLen: number,
  given: Readonly<Record<string, FieldSource>>,
  sources: Record<string, FieldSource>,
  derivations: Record<string, string>,
): BatchKnobs {
  const defaults = vllmBatchDefaults(hardware);
  const knob = (key: 'maxNumBatchedTokens' | 'maxNumSeqs', flag: string): number => {
    const v = options[key];
    if (v !== undefined) {
      sources[key] = given[key] ?? 'flag';
      return positiveInt(v, flag);
    }
    sources[key] = 'derived';
    derivations[key] = defaults.rule;
    return defaults[key];
  };
  let maxNumBatchedTokens = knob('maxNumBatchedTokens', '--max-num-batched-tokens');
  let maxNumSeqs = knob('maxNumSeqs', '--max-num-seqs');
  if (options.maxNumBatchedTokens === undefined) {
    // A derived budget is at most max_num_seqs × max_model_len, and without chunked prefill at
    // least max_model_len, so every prompt fits one step (engine/arg_utils.py).
    const derived = vllmDefaultBudget(maxNumBatchedTokens, maxModelLen, maxNumSeqs, enableChunkedPrefill);
    if (!enableChunkedPrefill) {
      derivations['maxNumBatchedTokens'] = `chunked prefill off: vLLM's default budget raised to max_model_len ${maxModelLen} (at most max_num_seqs x max_model_len; engine/arg_utils.py)`;
    } else if (derived < maxNumBatchedTokens) {
      derivations['maxNumBatchedTokens'] = `${defaults.rule}, at most max_num_seqs x max_model_len = ${derived} as vLLM caps it (engine/arg_utils.py)`;
    }
    maxNumBatchedTokens = derived;
  } else if (!enableChunkedPrefill && maxNumBatchedTokens < maxModelLen) {
    // Without chunked prefill every prompt must fit one step: vLLM refuses a given budget below max_model_len.
    throw new InputError('FLAG_CONFLICT', '--max-num-batched-tokens', unchunkedBudgetMessage(maxNumBatchedTokens, maxModelLen));
  }
  // Then, as vLLM orders it, the default sequence cap is at most the token budget (min(default, max_num_batched_tokens)).
  if (options.maxNumSeqs === undefined && maxNumSeqs > maxNumBatchedTokens) {
    maxNumSeqs = maxNumBatchedTokens;
    derivations['maxNumSeqs'] = `${defaults.rule}, capped at max_num_batched_tokens ${maxNumBatchedTokens} as vLLM caps it`;
  }
  checkBudgetHoldsSeqs(maxNumBatchedTokens, maxNumSeqs, '--max-num-batched-tokens');
  return { maxNumBatchedTokens, maxNumSeqs };
}
