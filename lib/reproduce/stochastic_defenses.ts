/**
 * The reproduction grid's defense kinds: which are stochastic, where BPDA differs, how the
 * report names them, and validation of their keys. The presets of the SAP paper's remaining
 * classification experiments (`--preset baselines`, `--preset adversarial-training`) are in
 * `presets.ts`.
 *
 * Defense kinds and keys (next to `dense`, `sap` and `random` with `sampleFraction`):
 *
 * | kind | strength key | |
 * |---|---|---|
 * | `dropout` | `rate` in [0, 1) | dropout at inference after every ReLU |
 * | `activation-noise` | `sigma` >= 0 | `h + sigma · std(h) · ε` after every ReLU |
 * | `weight-noise` | `sigma` >= 0 | fresh Gaussian weight noise per pass (RNW) |
 * | `weight-pruning` | `fraction` in [0, 1) | smallest-magnitude weights removed (DWP) |
 * | `stochastic-weight-pruning` | `sampleFraction` > 0 | SAP's rule on the weights (SWP) |
 * | `smoothed` | `sigma` > 0 | Gaussian noise on the input (randomized smoothing), certified |
 *
 * Instead of its strength key a baseline may give `matchTo: "<defense name>"`: the strength is
 * then calibrated before the grid so that its clean accuracy on a held-out slice (the last
 * `heldOut.n` images of the test split, never among the `n` evaluated) matches that defense's,
 * and the report states the value found. Any defense may give `model`: a shipped pretrained
 * model (`fashion-cnn`, `fashion-cnn-fgsm-at`, `fashion-cnn-pgd-at`) used instead of the
 * config's `model` for that row.
 */
import { BASELINE_KINDS, BASELINE_PARAMETERS, isBaselineKind } from '../defenses/baselines';
import { checkPruneFraction } from '../defenses/weight_perturbation';
import { checkSampleFraction } from '../defenses/sap';
import { checkRate, checkSigma } from '../defenses/activation_noise';
import { PRETRAINED } from '../models/pretrained';
import { checkSmoothingSigma } from '../defenses/smoothing';
import type { DefenseSpec, ReproduceConfig } from './spec';

/** Every defense kind the grid knows. */
const DEFENSE_KINDS = ['dense', 'sap', 'random', ...BASELINE_KINDS, 'smoothed'] as const;

/** Keys a defense entry may have. */
export const DEFENSE_SPEC_KEYS = ['name', 'kind', 'sampleFraction', 'rate', 'sigma', 'fraction', 'matchTo', 'model'];

/** Held-out images used by `matchTo` when the config does not say. */
export const DEFAULT_HELD_OUT = 1000;

/** `false` for kinds whose forward pass is deterministic (`dense`, `weight-pruning`). */
export function isStochasticKind(kind: DefenseSpec['kind']): boolean {
  return kind !== 'dense' && kind !== 'weight-pruning';
}

/**
 * Whether BPDA (the perturbation as the identity in the backward pass) differs from the plain
 * gradient for this kind: not for `dense`, nor for `activation-noise`, whose backward pass is
 * already the identity, nor for `smoothed` (its noise is added to the input, outside the model).
 */
export function hasBpda(kind: DefenseSpec['kind']): boolean {
  return kind !== 'dense' && kind !== 'activation-noise' && kind !== 'smoothed';
}

/** Whether a kind is certified (a certification cell and PREDICT's decisions): `smoothed`. */
export function isCertifiedKind(kind: DefenseSpec['kind']): boolean {
  return kind === 'smoothed';
}

/** The strength of a baseline spec (its parameter key), or undefined when it is matched. */
export function baselineStrength(d: DefenseSpec): number | undefined {
  if (!isBaselineKind(d.kind)) return undefined;
  return d[BASELINE_PARAMETERS[d.kind].key];
}

/** A defense as the report's protocol paragraph names it. */
export function describeDefense(d: DefenseSpec): string {
  const on = d.model ? `, on ${d.model}` : '';
  if (d.kind === 'dense') return `${d.name} (the pretrained model as is${on})`;
  if (d.kind === 'sap' || d.kind === 'random') return `${d.name} (${d.kind === 'sap' ? 'SAP' : 'uniform random pruning'}, r/N = ${d.sampleFraction}${on})`;
  if (d.kind === 'smoothed') return `${d.name} (randomized smoothing, Gaussian input noise σ = ${d.sigma}${on})`;
  const key = BASELINE_PARAMETERS[d.kind].key;
  return `${d.name} (${d.kind}, ${d.matchTo !== undefined ? `${key} matched to ${d.matchTo}'s clean accuracy` : `${key} = ${d[key]}`}${on})`;
}

class SpecError extends Error {}

/**
 * Checks kind, strength keys, `matchTo` and `model` of `defenses[i]`; returns a message naming
 * the key, or undefined when the entry is valid.
 */
export function defenseSpecProblem(d: DefenseSpec, i: number, all: DefenseSpec[]): string | undefined {
  try {
    if (!(DEFENSE_KINDS as readonly string[]).includes(d.kind)) throw new SpecError(`defenses[${i}].kind must be one of ${DEFENSE_KINDS.join(', ')}, got ${JSON.stringify(d.kind)}`);
    if (d.model !== undefined && !(d.model in PRETRAINED)) throw new SpecError(`defenses[${i}].model must name a shipped model (${Object.keys(PRETRAINED).join(', ')}), got ${JSON.stringify(d.model)}`);
    const own = isBaselineKind(d.kind) ? BASELINE_PARAMETERS[d.kind].key : d.kind === 'dense' ? undefined : d.kind === 'smoothed' ? 'sigma' : 'sampleFraction';
    for (const k of ['sampleFraction', 'rate', 'sigma', 'fraction'] as const) {
      if (d[k] !== undefined && k !== own) throw new SpecError(`defenses[${i}].${k} does not apply to kind ${d.kind}${own ? ` (its key is ${own})` : ''}`);
    }
    if (d.matchTo !== undefined) {
      if (!isBaselineKind(d.kind)) throw new SpecError(`defenses[${i}].matchTo applies to the baselines (${BASELINE_KINDS.join(', ')}), not to ${d.kind}`);
      if (d[own as 'rate'] !== undefined) throw new SpecError(`defenses[${i}] gives both ${own} and matchTo; give one`);
      const target = all.find((o) => o.name === d.matchTo);
      if (!target) throw new SpecError(`defenses[${i}].matchTo names an unknown defense ${JSON.stringify(d.matchTo)}`);
      if (target.matchTo !== undefined) throw new SpecError(`defenses[${i}].matchTo must name a defense with a fixed strength, but ${JSON.stringify(d.matchTo)} is matched itself`);
      if (target.kind === 'smoothed') throw new SpecError(`defenses[${i}].matchTo cannot name the smoothed defense ${JSON.stringify(d.matchTo)} (its decisions are PREDICT's, not averaged softmaxes)`);
      return undefined;
    }
    if (!own) return undefined;
    const v = d[own as 'rate'];
    const where = `defenses[${i}].${own}`;
    if (typeof v !== 'number') throw new SpecError(`${where} must be a number${isBaselineKind(d.kind) ? ' (or give matchTo)' : ' > 0'}`);
    try {
      if (d.kind === 'smoothed') checkSmoothingSigma(v);
      else if (own === 'rate') checkRate(v);
      else if (own === 'sigma') checkSigma(v);
      else if (own === 'fraction') checkPruneFraction(v);
      else checkSampleFraction(v);
    } catch (e) {
      throw new SpecError(`${where}: ${(e as Error).message}`);
    }
    return undefined;
  } catch (e) {
    if (e instanceof SpecError) return e.message;
    throw e;
  }
}

/** Checks `heldOut` against `n`; a message or undefined. */
export function heldOutProblem(c: ReproduceConfig): string | undefined {
  if (c.defenses.some((d) => d.matchTo !== undefined) && c.dataset !== 'fashion-mnist') return `matchTo calibrates on the Fashion-MNIST test split; dataset ${c.dataset} is not supported for it`;
  if (c.heldOut === undefined) return undefined;
  const h = c.heldOut as { n?: unknown };
  if (typeof h !== 'object' || h === null || Object.keys(h).some((k) => k !== 'n')) return 'heldOut must be an object { n }';
  if (typeof h.n !== 'number' || !Number.isInteger(h.n) || h.n < 1) return `heldOut.n must be a positive integer, got ${JSON.stringify(h.n)}`;
  if (c.defenses.some((d) => d.matchTo !== undefined) && c.n + h.n > 10000) return `n + heldOut.n must be at most 10000 (the evaluated and the held-out images must not overlap), got ${c.n} + ${h.n}`;
  return undefined;
}
