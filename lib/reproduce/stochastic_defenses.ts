/**
 * The reproduction grid's stochastic baselines and adversarially trained models: validation of
 * their defense keys, and the two presets of the SAP paper's remaining classification experiments
 * (`--preset baselines`, `--preset adversarial-training`).
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
 *
 * Instead of its strength key a baseline may give `matchTo: "<defense name>"`: the strength is
 * then calibrated before the grid so that its clean accuracy on a held-out slice (the last
 * `heldOut.n` images of the test split, never among the `n` evaluated) matches that defense's,
 * and the report states the value found. Any defense may give `model`: a shipped pretrained
 * model (`fashion-cnn`, `fashion-cnn-fgsm-at`, `fashion-cnn-pgd-at`) used instead of the
 * config's `model` for that row.
 */
import { BASELINE_KINDS, BASELINE_PARAMETERS, isBaselineKind, type BaselineKind } from '../defenses/baselines';
import { checkPruneFraction } from '../defenses/weight_perturbation';
import { checkRate, checkSigma } from '../defenses/activation_noise';
import { PRETRAINED } from '../models/pretrained';
import { DEFAULT_SEED } from '../seed';
import { checkAttacks, MODEL_INPUT_DEFAULTS, type AttackSpec, type DefenseSpec, type ReproduceConfig } from './config';

/** Every defense kind the grid knows. */
export const DEFENSE_KINDS = ['dense', 'sap', 'random', ...BASELINE_KINDS] as const;

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
 * already the identity.
 */
export function hasBpda(kind: DefenseSpec['kind']): boolean {
  return kind !== 'dense' && kind !== 'activation-noise';
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
    const own = isBaselineKind(d.kind) ? BASELINE_PARAMETERS[d.kind].key : d.kind === 'dense' ? undefined : 'sampleFraction';
    for (const k of ['sampleFraction', 'rate', 'sigma', 'fraction'] as const) {
      if (d[k] !== undefined && k !== own) throw new SpecError(`defenses[${i}].${k} does not apply to kind ${d.kind}${own ? ` (its key is ${own})` : ''}`);
    }
    if (d.matchTo !== undefined) {
      if (!isBaselineKind(d.kind)) throw new SpecError(`defenses[${i}].matchTo applies to the baselines (${BASELINE_KINDS.join(', ')}), not to ${d.kind}`);
      if (d[own as 'rate'] !== undefined) throw new SpecError(`defenses[${i}] gives both ${own} and matchTo; give one`);
      const target = all.find((o) => o.name === d.matchTo);
      if (!target) throw new SpecError(`defenses[${i}].matchTo names an unknown defense ${JSON.stringify(d.matchTo)}`);
      if (target.matchTo !== undefined) throw new SpecError(`defenses[${i}].matchTo must name a defense with a fixed strength, but ${JSON.stringify(d.matchTo)} is matched itself`);
      return undefined;
    }
    if (!own) return undefined;
    const v = d[own as 'rate'];
    const where = `defenses[${i}].${own}`;
    if (typeof v !== 'number') throw new SpecError(`${where} must be a number${isBaselineKind(d.kind) ? ' (or give matchTo)' : ' > 0'}`);
    try {
      if (own === 'rate') checkRate(v);
      else if (own === 'sigma') checkSigma(v);
      else if (own === 'fraction') checkPruneFraction(v);
      else if (!(v > 0 && Number.isFinite(v))) throw new Error('must be a number > 0');
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

const ADAPTIVE_STEPS = 10;

/** The paper's attack, plain PGD, PGD with EOT and BPDA at the given sizes. */
function attacksFor(eot: number, mcSamples: number, stochastic: string[], bpda: string[], dense: string[]): AttackSpec[] {
  return [
    { name: 'FGSM-MC', method: 'fgsm', eotSamples: mcSamples },
    { name: 'PGD', method: 'pgd', steps: ADAPTIVE_STEPS, relStepsize: 0.25, only: dense },
    { name: 'PGD-EOT', method: 'pgd', steps: ADAPTIVE_STEPS, relStepsize: 0.25, eotSamples: eot, only: stochastic },
    { name: 'BPDA', method: 'pgd', steps: ADAPTIVE_STEPS, relStepsize: 0.25, eotSamples: eot, bpda: true, only: bpda },
  ];
}

/**
 * `--preset baselines`: dense, SAP-100 and the five baselines matched to SAP-100's clean accuracy
 * on 500 held-out images, under the paper's attack (FGSM with an 8-sample Monte-Carlo gradient),
 * PGD-10 (dense and the deterministic DWP), PGD-10 with EOT-2 (every stochastic defense) and
 * BPDA with EOT-2 (where the backward differs), at eps 0.1, on 100 test images (95% Wilson
 * intervals about ±4 to ±9 points), plus the checklist's attacks on SAP-100. About 7 minutes on
 * the shared 2-core machine (load ~5): 4 of calibration, 3 of grid.
 */
export function baselinesPreset(): ReproduceConfig {
  const match = (name: string, kind: BaselineKind): DefenseSpec => ({ name, kind, matchTo: 'SAP-100' });
  const defenses: DefenseSpec[] = [
    { name: 'dense', kind: 'dense' },
    { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
    match('dropout', 'dropout'),
    match('activation-noise', 'activation-noise'),
    match('weight-noise', 'weight-noise'),
    match('weight-pruning', 'weight-pruning'),
    match('stochastic-weight-pruning', 'stochastic-weight-pruning'),
  ];
  const stochastic = defenses.filter((d) => isStochasticKind(d.kind)).map((d) => d.name);
  const bpda = defenses.filter((d) => hasBpda(d.kind)).map((d) => d.name);
  return {
    ...MODEL_INPUT_DEFAULTS,
    n: 100,
    seed: DEFAULT_SEED,
    eps: [0, 0.1],
    predictSamples: 8,
    batchSize: 100,
    calibrationBins: 15,
    heldOut: { n: 500 },
    defenses,
    attacks: [
      ...attacksFor(2, 8, stochastic, bpda, ['dense', 'weight-pruning']),
      // The robustness checklist's attacks, on SAP-100 only (they multiply the cost otherwise).
      ...checkAttacks({ steps: ADAPTIVE_STEPS, relStepsize: 0.25, eotSamples: 2, effortEps: [0.1], transferEps: [0.1], effortOn: ['SAP-100'], largeOn: ['dense', 'SAP-100'], transferOn: ['SAP-100'] }),
    ],
  };
}

/**
 * `--preset adversarial-training`: the dense CNN, the FGSM-trained (the paper's recipe) and the
 * PGD-trained CNN, each as is and with SAP-100, under the paper's attack (FGSM-MC, 8 samples),
 * PGD-10 on the deterministic models, PGD-10 with EOT-2 and BPDA with EOT-2 on the SAP ones,
 * at eps 0.05 and 0.1, on 100 test images, plus the checklist's attacks on the SAP rows. About 6
 * minutes on the shared 2-core machine (load ~5).
 */
export function adversarialTrainingPreset(): ReproduceConfig {
  const defenses: DefenseSpec[] = [];
  for (const [label, model] of [['dense', 'fashion-cnn'], ['FGSM-AT', 'fashion-cnn-fgsm-at'], ['PGD-AT', 'fashion-cnn-pgd-at']] as const) {
    defenses.push({ name: label, kind: 'dense', model });
    defenses.push({ name: `${label}+SAP-100`, kind: 'sap', sampleFraction: 1, model });
  }
  const sap = defenses.filter((d) => d.kind === 'sap').map((d) => d.name);
  const plain = defenses.filter((d) => d.kind === 'dense').map((d) => d.name);
  return {
    ...MODEL_INPUT_DEFAULTS,
    n: 100,
    seed: DEFAULT_SEED,
    eps: [0, 0.05, 0.1],
    predictSamples: 8,
    batchSize: 100,
    calibrationBins: 15,
    defenses,
    attacks: [
      ...attacksFor(2, 8, sap, sap, plain),
      // The robustness checklist's attacks, on the SAP rows of the trained models only.
      ...checkAttacks({ steps: ADAPTIVE_STEPS, relStepsize: 0.25, eotSamples: 2, effortEps: [0.1], transferEps: [0.1], effortOn: ['PGD-AT+SAP-100'], largeOn: ['PGD-AT', 'PGD-AT+SAP-100'], transferOn: ['dense+SAP-100', 'PGD-AT+SAP-100'] }),
    ],
  };
}
