/**
 * Which model a request names, and whether the fleet serves it. A request naming a model is a
 * claim about what produced its latencies: simulating another model for it would report another
 * model's latencies as its own (a Llama-3.1-8B trace replayed on Qwen3-14B "errs" by −85 %).
 * So a catalogued model the fleet does not serve is refused, unless the caller allows serving
 * it with the fleet's one model; a name that is no model at all is a typo in a spec (refused,
 * with suggestions) and a label in a trace (BurstGPT's `ChatGPT`, `GPT-4`: nothing to simulate;
 * served by the fleet's model and said so).
 */
import { InputError, closeNames } from '../kernel/errors.js';
import { findModel, modelNames } from '../model/catalog.js';

/**
 * The catalogued model a name means, or undefined. Names are matched as the catalog matches
 * them (case-insensitive, aliases), then without the organisation prefix, the catalog's own
 * short alias (`meta-llama/Llama-3.1-8B` → `llama-3.1-8b`: the same architecture and step time).
 */
export function catalogModelName(name: string): string | undefined {
  const spec = findModel(name) ?? findModel(name.slice(name.lastIndexOf('/') + 1));
  return spec?.name;
}

export interface ModelClaim {
  /** The model as the source names it. */
  readonly name: string;
  /** Where (a spec's file:line field, a trace's request). */
  readonly where: string;
  /** A spec names models on purpose (an unknown name is a typo); a trace may carry labels. */
  readonly source: 'spec' | 'trace';
}

export interface ServedModels {
  /** The fleet's models (canonical names). */
  readonly served: readonly string[];
  /** Serve a catalogued model the fleet lacks with its only model (--allow-model-mismatch). */
  readonly allowMismatch: boolean;
}

/**
 * Checks one claim against the fleet: throws MODEL_NOT_SERVED or UNKNOWN_MODEL (with the claim's
 * location), or returns a note to print when the request will be served by another model.
 */
export function checkModelClaim(claim: ModelClaim, fleet: ServedModels): string | null {
  const served = fleet.served;
  const wanted = catalogModelName(claim.name);
  if (wanted !== undefined && served.includes(wanted)) return null;
  if (served.some((s) => s.toLowerCase() === claim.name.toLowerCase())) return null;
  const single = served.length === 1 ? served[0]! : undefined;
  if (wanted === undefined) {
    if (claim.source === 'spec') {
      const close = closeNames(claim.name, [...served, ...modelNames()]);
      throw new InputError('UNKNOWN_MODEL', claim.where, `unknown model '${claim.name}'${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''} (the fleet serves ${served.join(', ')})`);
    }
    if (single !== undefined) return `${claim.where} names '${claim.name}', not a model blis knows (a label?): its requests are served by ${single}`;
    throw new InputError('MODEL_NOT_SERVED', claim.where, `names '${claim.name}', not a model blis knows; the fleet serves ${served.join(', ')}`);
  }
  if (single !== undefined && fleet.allowMismatch) return `${claim.where} names ${wanted}: served by ${single} (--allow-model-mismatch)`;
  const fix = single !== undefined ? `pass --model ${wanted} to simulate it, or --allow-model-mismatch to serve it with ${single}` : 'add it to the fleet';
  throw new InputError('MODEL_NOT_SERVED', claim.where, `names model ${wanted}, which the fleet does not serve (it serves ${served.join(', ')}); ${fix}`);
}

/**
 * Which of the fleet's models (`served`, canonical names, the first the default) serves a request
 * naming `name`: the default when it names none, the only model of a single-model fleet whatever
 * it names (callers checked the names first: a trace's labels such as BurstGPT's ChatGPT, or an
 * allowed mismatch), else the model it spells (catalog aliases, any case); -1 when none does.
 */
export function servedModelIndex(served: readonly string[], name: string | undefined): number {
  if (name === undefined || name === '' || served.length === 1) return 0;
  const canonical = catalogModelName(name) ?? name.toLowerCase();
  const lower = name.toLowerCase();
  return served.findIndex((m) => m === canonical || m.toLowerCase() === lower);
}

/**
 * The model a request claims, spelled one way: the catalog's name for a catalogued model (any
 * case, alias or organisation prefix), a served model's name in any case, else the name as given
 * (a trace's label such as BurstGPT's ChatGPT, an unknown model). Figures per model are filed
 * under it, so `Qwen/Qwen3-14B` and `qwen/qwen3-14b` are one model, as the router takes them.
 */
export function claimedModelName(served: readonly string[], name: string): string {
  const canonical = catalogModelName(name);
  if (canonical !== undefined) return canonical;
  const lower = name.toLowerCase();
  return served.find((m) => m.toLowerCase() === lower) ?? name;
}

/** The fleet's models by index, as servedModelIndex numbers them: the run's model (the default) first, then its pools'. */
export function fleetModelsByIndex(config: { readonly model: { readonly name: string }; readonly pools: ReadonlyArray<{ readonly model: { readonly name: string } }> }): string[] {
  const out = [config.model.name];
  for (const p of config.pools) if (!out.includes(p.model.name)) out.push(p.model.name);
  return out;
}

/** The models a resolved fleet serves (its pools' models, canonical names). */
export function fleetModels(config: { readonly model: { readonly name: string }; readonly pools: ReadonlyArray<{ readonly model: { readonly name: string } }> }): string[] {
  const out: string[] = [];
  for (const p of config.pools) if (!out.includes(p.model.name)) out.push(p.model.name);
  return out.length > 0 ? out : [config.model.name];
}
