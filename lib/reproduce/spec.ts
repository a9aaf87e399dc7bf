/**
 * The spec of a `saplab reproduce` protocol: which models, defenses, attacks, eps values and
 * sample counts make up the experiment (its types, the model and data defaults, and an attack
 * entry's options as the attack resolves them). Presets
 * are in `presets.ts`, validation in `validate.ts`, the cells and their cost in `grid.ts`.
 */
import type { DatasetName } from '../data/datasets';
import type { PixelRange } from '../models/input_conventions';
import type { OutputKind } from '../models/logits';
import type { BaselineKind } from '../defenses/baselines';
import type { AttackName } from '../attacks/factory';
import type { AttackLoss, AttackNorm } from '../attacks/types';
import { resolveAttackOptions, type ResolvedOptionsByName } from '../attacks/options';
import type { ResolvedFgsmOptions } from '../attacks/fgsm';
import type { ResolvedPgdOptions } from '../attacks/pgd';
import type { ResolvedApgdOptions } from '../attacks/apgd';
import type { ResolvedSquareOptions } from '../attacks/square';
import type { AutoAttackVersion, SuiteAttackName } from '../attacks/suite';
import type { ResolvedSmoothAdvOptions } from '../attacks/smooth_adv';

/** A defense evaluated in the grid. */
export interface DefenseSpec {
  /** Row label in tables and figures, e.g. `SAP-100`. */
  name: string;
  /**
   * `dense` (the pretrained model as is), `sap`, `random` (uniform random pruning), or a
   * stochastic baseline: `dropout`, `activation-noise`, `weight-noise`, `weight-pruning`,
   * `stochastic-weight-pruning` (see `lib/reproduce/stochastic_defenses.ts`), or `smoothed`: the
   * Gaussian-smoothed classifier of `model` at noise level `sigma` (Cohen et al. 2019), certified
   * by a certification cell (`certify`) and judged by PREDICT in its other cells.
   */
  kind: 'dense' | 'sap' | 'random' | 'smoothed' | BaselineKind;
  /** r / N for `sap`, `random` and `stochastic-weight-pruning`. */
  sampleFraction?: number;
  /** Dropout rate in [0, 1) (`dropout`). */
  rate?: number;
  /**
   * Noise scale relative to the std of the activations or weights (`activation-noise`,
   * `weight-noise`); for `smoothed`, the std of the Gaussian noise on the input pixels ([0, 1]), `> 0`.
   */
  sigma?: number;
  /** Fraction of each kernel's smallest weights removed, in [0, 1) (`weight-pruning`). */
  fraction?: number;
  /** A baseline's strength is calibrated so that its held-out clean accuracy matches this defense's. */
  matchTo?: string;
  /** Shipped pretrained model of this row (default: the config's `model`), e.g. `fashion-cnn-pgd-at`. */
  model?: string;
}

/**
 * The options a protocol may fix for an attack, as the attacks declare them
 * (`lib/attacks/options.ts`): each method takes its own subset (`ATTACK_OPTION_KEYS`), a key left
 * out takes the attack's own default (e.g. `steps`: pgd 40, apgd 100; `queries`: square 5000),
 * and a bad value fails with the attack's own message. The grid is untargeted and its norm is the
 * config's (`norm`), so `targeted` and `norm` are not among them.
 */
export type AttackSpecOptions = Partial<Omit<ResolvedFgsmOptions & ResolvedPgdOptions & ResolvedApgdOptions & ResolvedSquareOptions & ResolvedSmoothAdvOptions, 'loss' | 'targeted' | 'norm'>> & {
  /** Loss for the attack: `ce`, `margin` or `dlr` (square: `margin` or `ce`). Default: the attack's. */
  loss?: AttackLoss;
};

/** The keys of an attack entry that belong to the grid, not to the attack's options. */
export const GRID_ATTACK_KEYS = ['name', 'method', 'bpda', 'only', 'eps', 'transferFrom', 'variantOf', 'budgetOf'] as const;

/** The attacks a grid runs: the lib's attacks by name, and the `autoattack` suite. */
export type GridAttackMethod = 'fgsm' | 'pgd' | 'apgd' | 'square' | 'smoothAdv' | 'autoattack';

/** An attack evaluated in the grid: the grid's keys and the attack's own options. */
export interface AttackSpec extends AttackSpecOptions {
  /** Column label, e.g. `PGD-EOT`. */
  name: string;
  /**
   * `fgsm`, `pgd`, `apgd` or `square` (the lib's attacks, their options declared beside them),
   * `smoothAdv` (PGD-L2 on the soft smoothed classifier; run on `smoothed` defenses only), or
   * `autoattack`: the suite of `autoAttack` (its attacks in sequence on the images still robust; a
   * cell's accuracy is the per-image worst case, the robust accuracy).
   */
  method: GridAttackMethod;
  /** Backpropagate through SAP as the identity (BPDA) instead of through its mask. */
  bpda?: boolean;
  /** `autoattack`: `'rand'` (APGD-CE, APGD-DLR) or `'standard'` (APGD-CE, APGD-T, Square). Default `'rand'`. */
  version?: AutoAttackVersion;
  /** `autoattack`: the attacks of the suite, in order. Default the version's. */
  suite?: SuiteAttackName[];
  /** `autoattack`: APGD-T's target classes. Default 9. */
  targetClasses?: number;
  /**
   * `autoattack` on a stochastic defense: start with the suite's `transfer` stage from the row's
   * network without its randomness (`AutoAttackOptions.surrogate`), whose outputs also warm-start
   * the APGD attacks. Default `false`.
   */
  surrogate?: boolean;
  /** `autoattack` with `surrogate`: APGD-CE iterations on the surrogate. Default 100. */
  surrogateSteps?: number;
  /**
   * A cell of the budget curve of this attack (its name): the same attack at a smaller or larger
   * budget, plotted against the budget, and left out of the checks and comparisons.
   */
  budgetOf?: string;
  /** Only run against these defenses (names). Default: all. */
  only?: string[];
  /** This attack's eps values instead of the grid's `eps` (e.g. one large eps as a sanity check). */
  eps?: number[];
  /**
   * Transfer attack: craft the adversarial examples on this defense (a name in `defenses`, e.g.
   * `dense`) and evaluate them on each defense. Not run against the source itself.
   */
  transferFrom?: string;
  /**
   * The attack (name) this one repeats with more effort (e.g. 2x steps or 2x EOT samples), for
   * the convergence check; usually run on a subset of defenses and eps.
   */
  variantOf?: string;
}

/** Which model and data a run evaluates, and how the model wants its input. */
export interface ModelInputConfig {
  /**
   * The model: `fashion-cnn` (shipped) or a TF.js layers model given as a folder, its `model.json`,
   * a `file://` URL or an `http(s)://` URL. Default `fashion-cnn`.
   */
  model: string;
  /** Data set of the test images. Default `fashion-mnist`. */
  dataset: DatasetName;
  /** Folder searched first for the data set (`--data`); `null`: `$SAPLAB_DATA`, `data/`, download. Default `null`. */
  dataDir: string | null;
  /** Pixel range the model expects; images and eps stay on `[0, 1]`. Default `[0, 1]`. */
  inputRange: PixelRange;
  /** Per-channel mean subtracted inside the evaluated function (on `inputRange`). Default `null`. */
  mean: number[] | null;
  /** Per-channel std divided by inside the evaluated function (on `inputRange`). Default `null`. */
  std: number[] | null;
  /** What the model outputs: `logits`, `probs`, or `auto` (probs when it ends in a softmax). Default `auto`. */
  outputs: OutputKind;
}

/** The defaults of `ModelInputConfig`: the shipped CNN on the shipped Fashion-MNIST test split. */
export const MODEL_INPUT_DEFAULTS: ModelInputConfig = { model: 'fashion-cnn', dataset: 'fashion-mnist', dataDir: null, inputRange: [0, 1], mean: null, std: null, outputs: 'auto' };

export interface ReproduceConfig extends ModelInputConfig {
  /** Number of test images (the first n of the test split). */
  n: number;
  /** The user seed every random choice derives from. Default 1803. */
  seed: number;
  /** Perturbation radii (L-inf, pixel scale [0, 1]); 0 is clean accuracy. */
  eps: number[];
  /** Softmax passes averaged per prediction of a stochastic model (the paper uses 100). */
  predictSamples: number;
  /** Images per attack batch. */
  batchSize: number;
  defenses: DefenseSpec[];
  attacks: AttackSpec[];
  /** Reliability bins for calibration (Guo et al. use 15). */
  calibrationBins: number;
  /** Held-out images for `matchTo` calibration: the last `n` of the test split. Default `{ n: 1000 }`. */
  heldOut?: { n: number };
  /**
   * The norm of every attack of the grid: `linf` or `l2`; `eps` are radii in it (pixels in [0, 1]).
   * Default `linf`. Square and the `autoattack` suite are L-inf only.
   */
  norm?: AttackNorm;
  /** Certification of the `smoothed` defenses (see `CertifySpec`); filled with `CERTIFY_DEFAULTS` when a smoothed defense is present. */
  certify?: CertifySpec;
}

/**
 * How the `smoothed` defenses are certified and judged (Cohen, Rosenfeld & Kolter 2019,
 * `lib/defenses/smoothing_certify.ts`): one certification cell per smoothed defense runs CERTIFY
 * on the `n` images (certified accuracy at every radius of the grid's `eps`, abstentions as
 * errors); its clean and attacked cells are decided by PREDICT, abstentions as errors.
 */
export interface CertifySpec {
  /** CERTIFY's selection samples. Default 100. */
  n0: number;
  /** CERTIFY's estimation samples (the paper's 100,000 bounds the radius at about 3.8σ; 10,000 at about 3.2σ). Default 10,000. */
  n: number;
  /** Failure probability of CERTIFY and of PREDICT, in (0, 1). Default 0.001. */
  alpha: number;
  /** PREDICT's samples per image in the clean and attacked cells. Default 1000. */
  predictN: number;
}

/** The defaults of `CertifySpec`. */
export const CERTIFY_DEFAULTS: CertifySpec = { n0: 100, n: 10_000, alpha: 0.001, predictN: 1000 };

/**
 * A named protocol. `quick`, `default` and `full` size the main job; further presets (e.g. the
 * paper's other experiments) register themselves in `PRESETS`.
 */
export type Preset = string;

/**
 * A protocol as written by hand or in a file: the model and data keys (`ModelInputConfig`) may be
 * left out and then take `MODEL_INPUT_DEFAULTS`.
 */
export type ReproduceConfigInput = Omit<ReproduceConfig, keyof ModelInputConfig> & Partial<ModelInputConfig>;

/** An error in a config file or flag value: the message names the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Runs a check and rethrows its error as a `ConfigError` with the same message, prefixed by
 * `where` when given: the message a user sees is the one of the function that owns the rule.
 */
export function configCheck<T>(check: () => T, where = ''): T {
  try {
    return check();
  } catch (e) {
    throw new ConfigError(`${where ? `${where}: ` : ''}${(e as Error).message}`);
  }
}

/** The attack's own options of a spec (the spec without the grid's keys). */
export function attackOptions(spec: AttackSpec): Record<string, unknown> {
  const o: Record<string, unknown> = { ...spec };
  for (const k of GRID_ATTACK_KEYS) delete o[k];
  return o;
}

/**
 * The options the attack of a spec runs with: the spec's own, the attack's defaults for the keys
 * it leaves out (`stochastic`: against a stochastic model). Throws the attack's error for a bad one.
 */
export function resolvedAttack<N extends Exclude<GridAttackMethod, 'autoattack'>>(spec: AttackSpec & { method: N }, stochastic: boolean): ResolvedOptionsByName[N] {
  return resolveAttackOptions(spec.method, attackOptions(spec), { stochastic });
}
