/**
 * The protocol of `saplab reproduce`: which models, defenses, attacks, eps values and sample
 * counts make up the experiment. Every choice is a key with a documented default; `--quick`,
 * the default and `--full` are presets; a JSON config file overrides keys of the preset.
 */
import { DEFAULT_SEED } from '../seed';
import { DATASETS, DatasetName, isDatasetName } from '../data/datasets';
import { checkInputConventions, PixelRange } from '../models/input_conventions';
import type { OutputKind } from '../models/logits';
import type { BaselineKind } from '../defenses/baselines';
import { adversarialTrainingPreset, baselinesPreset, defenseSpecProblem, DEFENSE_SPEC_KEYS, hasBpda, heldOutProblem, isStochasticKind } from './stochastic_defenses';

/** A defense evaluated in the grid. */
export interface DefenseSpec {
  /** Row label in tables and figures, e.g. `SAP-100`. */
  name: string;
  /**
   * `dense` (the pretrained model as is), `sap`, `random` (uniform random pruning), or a
   * stochastic baseline: `dropout`, `activation-noise`, `weight-noise`, `weight-pruning`,
   * `stochastic-weight-pruning` (see `lib/reproduce/stochastic_defenses.ts`).
   */
  kind: 'dense' | 'sap' | 'random' | BaselineKind;
  /** r / N for `sap`, `random` and `stochastic-weight-pruning`. */
  sampleFraction?: number;
  /** Dropout rate in [0, 1) (`dropout`). */
  rate?: number;
  /** Noise scale relative to the std of the activations or weights (`activation-noise`, `weight-noise`). */
  sigma?: number;
  /** Fraction of each kernel's smallest weights removed, in [0, 1) (`weight-pruning`). */
  fraction?: number;
  /** A baseline's strength is calibrated so that its held-out clean accuracy matches this defense's. */
  matchTo?: string;
  /** Shipped pretrained model of this row (default: the config's `model`), e.g. `fashion-cnn-pgd-at`. */
  model?: string;
}

/** An attack evaluated in the grid. */
export interface AttackSpec {
  /** Column label, e.g. `PGD-EOT`. */
  name: string;
  /** `fgsm`, `pgd`, `apgd` or `square` (the lib's attacks). */
  method: 'fgsm' | 'pgd' | 'apgd' | 'square';
  /** Gradient steps (pgd, apgd). */
  steps?: number;
  /** Monte-Carlo gradient samples per step (EOT); the paper's FGSM averages 100. */
  eotSamples?: number;
  /** Loss for gradient attacks: `ce`, `margin` or `dlr`. */
  loss?: 'ce' | 'margin' | 'dlr';
  /** Random restarts (pgd). */
  restarts?: number;
  /** Step size relative to eps (pgd). */
  relStepsize?: number;
  /** Backpropagate through SAP as the identity (BPDA) instead of through its mask. */
  bpda?: boolean;
  /** Query budget (square). */
  queries?: number;
  /** Forward passes averaged per score of a stochastic model (square). Default 1. */
  predictSamples?: number;
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
}

/**
 * A named protocol. `quick`, `default` and `full` size the main job; further presets (e.g. the
 * paper's other experiments) register themselves in `PRESETS`.
 */
export type Preset = string;

const DEFENSES: DefenseSpec[] = [
  { name: 'dense', kind: 'dense' },
  { name: 'SAP-10', kind: 'sap', sampleFraction: 0.1 },
  { name: 'SAP-50', kind: 'sap', sampleFraction: 0.5 },
  { name: 'SAP-100', kind: 'sap', sampleFraction: 1 },
  { name: 'random-100', kind: 'random', sampleFraction: 1 },
];

/**
 * The attacks the robustness checklist needs (`lib/reproduce/checks.ts`), derived from the
 * preset's PGD-EOT settings: `PGD-EOT-2x-steps` and `PGD-EOT-2x-EOT` (the convergence check,
 * on a subset of defenses and eps), `PGD-EOT-large-eps` (eps 0.5: every defense should fall to
 * about 0%) and `Transfer-PGD` (PGD crafted on `dense`, evaluated on the defenses). `...On` lists
 * restrict the defenses (default: all); `transferEps` defaults to the grid's eps.
 */
export function checkAttacks(o: {
  /** The strongest gradient attack the variants repeat (its name in the preset). Default `PGD-EOT`. */
  base?: string;
  /** The defense the transfer attack is crafted on. Default `dense`. */
  source?: string;
  steps: number;
  relStepsize: number;
  eotSamples: number;
  effortEps: number[];
  transferEps?: number[];
  effortOn?: string[];
  largeOn?: string[];
  transferOn?: string[];
}): AttackSpec[] {
  const pgdEot = { method: 'pgd', relStepsize: o.relStepsize } as const;
  const only = (names?: string[]) => (names ? { only: names } : {});
  const base = o.base ?? 'PGD-EOT';
  return [
    { name: `${base}-2x-steps`, ...pgdEot, steps: 2 * o.steps, eotSamples: o.eotSamples, eps: o.effortEps, variantOf: base, ...only(o.effortOn) },
    { name: `${base}-2x-EOT`, ...pgdEot, steps: o.steps, eotSamples: 2 * o.eotSamples, eps: o.effortEps, variantOf: base, ...only(o.effortOn) },
    { name: `${base}-large-eps`, ...pgdEot, steps: o.steps, eotSamples: o.eotSamples, eps: [0.5], ...only(o.largeOn) },
    { name: 'Transfer-PGD', ...pgdEot, steps: o.steps, transferFrom: o.source ?? 'dense', ...(o.transferEps ? { eps: o.transferEps } : {}), ...only(o.transferOn) },
  ];
}

/** The main job's presets. `default` is sized to finish in under 10 minutes on a 2-core machine. */
function mainPreset(preset: 'quick' | 'default' | 'full'): ReproduceConfig {
  switch (preset) {
    case 'quick':
      return {
        ...MODEL_INPUT_DEFAULTS,
        n: 64,
        seed: DEFAULT_SEED,
        eps: [0, 0.05, 0.1, 0.2],
        predictSamples: 4,
        batchSize: 64,
        calibrationBins: 15,
        defenses: [DEFENSES[0], DEFENSES[3], DEFENSES[4]],
        attacks: [
          { name: 'FGSM', method: 'fgsm' },
          { name: 'FGSM-MC', method: 'fgsm', eotSamples: 4 },
          { name: 'PGD', method: 'pgd', steps: 5, relStepsize: 0.25 },
          { name: 'PGD-EOT', method: 'pgd', steps: 5, relStepsize: 0.25, eotSamples: 2, only: ['SAP-100', 'random-100'] },
          { name: 'BPDA', method: 'pgd', steps: 5, relStepsize: 0.25, bpda: true, only: ['SAP-100', 'random-100'] },
          { name: 'Square', method: 'square', queries: 50, predictSamples: 1 },
          ...checkAttacks({ steps: 5, relStepsize: 0.25, eotSamples: 2, effortEps: [0.1], transferEps: [0.05, 0.1], effortOn: ['SAP-100'], largeOn: ['dense', 'SAP-100', 'random-100'], transferOn: ['SAP-100', 'random-100'] }),
        ],
      };
    case 'default':
      return {
        ...MODEL_INPUT_DEFAULTS,
        n: 150,
        seed: DEFAULT_SEED,
        eps: [0, 0.02, 0.05, 0.1, 0.2],
        predictSamples: 8,
        batchSize: 75,
        calibrationBins: 15,
        defenses: DEFENSES,
        attacks: [
          { name: 'FGSM', method: 'fgsm' },
          { name: 'FGSM-MC', method: 'fgsm', eotSamples: 8 },
          { name: 'PGD', method: 'pgd', steps: 10, relStepsize: 0.25, only: ['dense', 'SAP-100', 'random-100'] },
          { name: 'PGD-EOT', method: 'pgd', steps: 10, relStepsize: 0.25, eotSamples: 4, only: ['SAP-100', 'random-100'] },
          { name: 'BPDA', method: 'pgd', steps: 10, relStepsize: 0.25, bpda: true, only: ['SAP-100', 'random-100'] },
          { name: 'Square', method: 'square', queries: 100, predictSamples: 1, only: ['dense', 'SAP-100'] },
          ...checkAttacks({ steps: 10, relStepsize: 0.25, eotSamples: 4, effortEps: [0.05], transferEps: [0.05, 0.1], effortOn: ['SAP-100'], largeOn: ['dense', 'SAP-100', 'random-100'], transferOn: ['SAP-100', 'random-100'] }),
        ],
      };
    case 'full':
      return {
        ...MODEL_INPUT_DEFAULTS,
        n: 10000,
        seed: DEFAULT_SEED,
        eps: [0, 1 / 255, 2 / 255, 4 / 255, 8 / 255, 16 / 255, 32 / 255, 0.1, 0.2],
        predictSamples: 100,
        batchSize: 128,
        calibrationBins: 15,
        defenses: [...DEFENSES, { name: 'SAP-200', kind: 'sap', sampleFraction: 2 }],
        attacks: [
          { name: 'FGSM', method: 'fgsm' },
          { name: 'FGSM-MC', method: 'fgsm', eotSamples: 100 },
          { name: 'PGD', method: 'pgd', steps: 40, relStepsize: 0.1 },
          { name: 'PGD-EOT', method: 'pgd', steps: 40, relStepsize: 0.1, eotSamples: 20 },
          { name: 'BPDA', method: 'pgd', steps: 40, relStepsize: 0.1, bpda: true },
          { name: 'APGD-CE-EOT', method: 'apgd', steps: 100, loss: 'ce', eotSamples: 20 },
          { name: 'APGD-DLR-EOT', method: 'apgd', steps: 100, loss: 'dlr', eotSamples: 20 },
          { name: 'Square', method: 'square', queries: 1000, predictSamples: 10 },
          ...checkAttacks({ steps: 40, relStepsize: 0.1, eotSamples: 20, effortEps: [8 / 255, 0.1], effortOn: ['SAP-100', 'random-100'] }),
        ],
      };
  }
}

/**
 * The paper's CIFAR-10 protocol (Dhillon et al. 2018, section 4, and its tutorial): the whole test
 * split, lambda in {0, 1, 2, 4, 8, 16, 32, 64} on the 0–255 scale, dense vs SAP-100, 100-pass
 * predictions, the paper's FGSM with a 100-sample Monte-Carlo gradient, then the adaptive attacks.
 * Needs the user's CIFAR-10 model (`--model`): the package ships none.
 */
function paperCifar10Preset(): ReproduceConfig {
  const sap = ['SAP-100'];
  return {
    ...MODEL_INPUT_DEFAULTS,
    dataset: 'cifar10',
    n: 10000,
    seed: DEFAULT_SEED,
    eps: [0, 1, 2, 4, 8, 16, 32, 64].map((l) => l / 255),
    predictSamples: 100,
    batchSize: 128,
    calibrationBins: 15,
    defenses: [DEFENSES[0], DEFENSES[3]],
    attacks: [
      { name: 'FGSM', method: 'fgsm' },
      { name: 'FGSM-MC', method: 'fgsm', eotSamples: 100 },
      { name: 'PGD', method: 'pgd', steps: 40, relStepsize: 0.1 },
      { name: 'PGD-EOT', method: 'pgd', steps: 40, relStepsize: 0.1, eotSamples: 20, only: sap },
      { name: 'BPDA', method: 'pgd', steps: 40, relStepsize: 0.1, bpda: true, only: sap },
      { name: 'APGD-CE-EOT', method: 'apgd', steps: 100, loss: 'ce', eotSamples: 20, only: sap },
      { name: 'Square', method: 'square', queries: 1000, predictSamples: 10 },
      ...checkAttacks({ steps: 40, relStepsize: 0.1, eotSamples: 20, effortEps: [8 / 255], effortOn: sap, largeOn: ['dense', ...sap], transferOn: sap }),
    ],
  };
}

/** A named protocol of `PRESETS`. */
export interface PresetEntry {
  /** One line for `--help`. */
  description: string;
  /** Builds the preset's protocol. */
  config: () => ReproduceConfig;
}

/** Every preset by name, with a one-line description for `--help`. */
export const PRESETS: Record<string, PresetEntry> = {
  quick: { description: 'small protocol for CI (under 2 minutes)', config: () => mainPreset('quick') },
  default: { description: 'the main job (under 10 minutes on 2 cores)', config: () => mainPreset('default') },
  full: { description: 'paper scale: 10k images, 100-sample predictions and gradients, EOT 20 (hours to days)', config: () => mainPreset('full') },
  'paper-cifar10': { description: "the paper's CIFAR-10 protocol on your ResNet-20 (--model): lambda 0–64/255, dense vs SAP-100, 100-sample FGSM, adaptive attacks (days on CPU)", config: paperCifar10Preset },
  baselines: { description: "SAP-100 against the paper's stochastic baselines matched to its clean accuracy, under the paper's attack, PGD-EOT and BPDA", config: baselinesPreset },
  'adversarial-training': { description: 'dense, FGSM- and PGD-trained CNNs, each with and without SAP-100, under the paper\'s attack and the adaptive ones', config: adversarialTrainingPreset },
};

/** The protocol of a preset; an unknown name throws `ConfigError` listing the known ones. */
export function presetConfig(preset: Preset): ReproduceConfig {
  const p = PRESETS[preset];
  if (!p) throw new ConfigError(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  return p.config();
}

/** An error in a config file or flag value: the message names the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const TOP_KEYS: (keyof ReproduceConfig)[] = ['model', 'dataset', 'dataDir', 'inputRange', 'mean', 'std', 'outputs', 'n', 'seed', 'eps', 'predictSamples', 'batchSize', 'defenses', 'attacks', 'calibrationBins', 'heldOut'];
const DEFENSE_KEYS = DEFENSE_SPEC_KEYS;
const ATTACK_KEYS = ['name', 'method', 'steps', 'eotSamples', 'loss', 'restarts', 'relStepsize', 'bpda', 'queries', 'predictSamples', 'only', 'eps', 'transferFrom', 'variantOf'];

function posInt(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A protocol as written by hand or in a file: the model and data keys (`ModelInputConfig`) may be
 * left out and then take `MODEL_INPUT_DEFAULTS`.
 */
export type ReproduceConfigInput = Omit<ReproduceConfig, keyof ModelInputConfig> & Partial<ModelInputConfig>;

/**
 * Checks a config and returns it with the defaults of left-out model and data keys filled in;
 * unknown keys and bad values throw `ConfigError` naming the key.
 */
export function validateConfig(input: ReproduceConfigInput): ReproduceConfig {
  // Model and data keys left out take their defaults (the shipped CNN on Fashion-MNIST).
  const c = { ...MODEL_INPUT_DEFAULTS, ...input } as ReproduceConfig;
  for (const k of Object.keys(c)) if (!TOP_KEYS.includes(k as keyof ReproduceConfig)) throw new ConfigError(`unknown config key "${k}" (known: ${TOP_KEYS.join(', ')})`);
  validateModelInput(c);
  posInt(c.n, 'n');
  if (!Number.isInteger(c.seed)) throw new ConfigError(`seed must be an integer, got ${JSON.stringify(c.seed)}`);
  if (!Array.isArray(c.eps) || c.eps.length === 0 || c.eps.some((e) => typeof e !== 'number' || !(e >= 0) || e > 1)) {
    throw new ConfigError(`eps must be a non-empty list of numbers in [0, 1], got ${JSON.stringify(c.eps)}`);
  }
  posInt(c.predictSamples, 'predictSamples');
  posInt(c.batchSize, 'batchSize');
  posInt(c.calibrationBins, 'calibrationBins');
  if (!Array.isArray(c.defenses) || c.defenses.length === 0) throw new ConfigError('defenses must be a non-empty list');
  const names = new Set<string>();
  c.defenses.forEach((d, i) => {
    for (const k of Object.keys(d)) if (!DEFENSE_KEYS.includes(k)) throw new ConfigError(`unknown key "${k}" in defenses[${i}] (known: ${DEFENSE_KEYS.join(', ')})`);
    if (typeof d.name !== 'string' || !d.name) throw new ConfigError(`defenses[${i}].name must be a non-empty string`);
    if (names.has(d.name)) throw new ConfigError(`defenses[${i}].name "${d.name}" is used twice`);
    names.add(d.name);
    const problem = defenseSpecProblem(d, i, c.defenses);
    if (problem) throw new ConfigError(problem);
  });
  const heldOut = heldOutProblem(c);
  if (heldOut) throw new ConfigError(heldOut);
  if (!Array.isArray(c.attacks)) throw new ConfigError('attacks must be a list');
  const attackNames = new Set<string>();
  c.attacks.forEach((a, i) => {
    for (const k of Object.keys(a)) if (!ATTACK_KEYS.includes(k)) throw new ConfigError(`unknown key "${k}" in attacks[${i}] (known: ${ATTACK_KEYS.join(', ')})`);
    if (typeof a.name !== 'string' || !a.name) throw new ConfigError(`attacks[${i}].name must be a non-empty string`);
    if (attackNames.has(a.name) || a.name === 'clean') throw new ConfigError(`attacks[${i}].name "${a.name}" is reserved or used twice`);
    attackNames.add(a.name);
    if (!['fgsm', 'pgd', 'apgd', 'square'].includes(a.method)) throw new ConfigError(`attacks[${i}].method must be fgsm, pgd, apgd or square, got ${JSON.stringify(a.method)}`);
    for (const k of ['steps', 'eotSamples', 'restarts', 'queries', 'predictSamples'] as const) if (a[k] !== undefined) posInt(a[k], `attacks[${i}].${k}`);
    if (a.loss !== undefined && !['ce', 'margin', 'dlr'].includes(a.loss)) throw new ConfigError(`attacks[${i}].loss must be ce, margin or dlr`);
    if (a.relStepsize !== undefined && !(a.relStepsize > 0)) throw new ConfigError(`attacks[${i}].relStepsize must be > 0`);
    if (a.only) for (const o of a.only) if (!names.has(o)) throw new ConfigError(`attacks[${i}].only names an unknown defense "${o}"`);
    if (a.eps !== undefined && (!Array.isArray(a.eps) || a.eps.length === 0 || a.eps.some((e) => typeof e !== 'number' || !(e > 0) || e > 1))) {
      throw new ConfigError(`attacks[${i}].eps must be a non-empty list of numbers in (0, 1], got ${JSON.stringify(a.eps)}`);
    }
    if (a.transferFrom !== undefined && !names.has(a.transferFrom)) throw new ConfigError(`attacks[${i}].transferFrom names an unknown defense "${a.transferFrom}"`);
    if (a.transferFrom !== undefined && (a.method === 'square' || a.bpda)) throw new ConfigError(`attacks[${i}].transferFrom needs a gradient attack without bpda`);
  });
  c.attacks.forEach((a, i) => {
    if (a.variantOf !== undefined && (!attackNames.has(a.variantOf) || a.variantOf === a.name)) throw new ConfigError(`attacks[${i}].variantOf names an unknown attack "${a.variantOf}"`);
  });
  return c;
}

/** Checks the model/data keys of a config; throws `ConfigError` naming the key. */
export function validateModelInput(c: ModelInputConfig): void {
  if (typeof c.model !== 'string' || !c.model) throw new ConfigError(`model must be "fashion-cnn" or a path/URL of a TF.js layers model, got ${JSON.stringify(c.model)}`);
  if (!isDatasetName(c.dataset)) throw new ConfigError(`dataset must be one of ${Object.keys(DATASETS).join(', ')}, got ${JSON.stringify(c.dataset)}`);
  if (c.dataDir !== null && (typeof c.dataDir !== 'string' || !c.dataDir)) throw new ConfigError(`dataDir must be a folder or null, got ${JSON.stringify(c.dataDir)}`);
  if (c.dataset === 'idx' && !c.dataDir) throw new ConfigError('dataset "idx" needs dataDir (--data DIR)');
  if (c.model === 'fashion-cnn' && c.dataset !== 'fashion-mnist') throw new ConfigError(`the shipped fashion-cnn is a Fashion-MNIST model; give your own model (--model) for dataset ${c.dataset}`);
  if (!['auto', 'logits', 'probs'].includes(c.outputs)) throw new ConfigError(`outputs must be auto, logits or probs, got ${JSON.stringify(c.outputs)}`);
  try {
    checkInputConventions({ range: c.inputRange, mean: c.mean, std: c.std });
  } catch (e) {
    throw new ConfigError((e as Error).message.replace(/^input range/, 'inputRange'));
  }
}

/** A preset with keys of `overrides` replaced (a shallow merge: lists replace lists). */
export function buildConfig(preset: Preset, overrides: Partial<ReproduceConfig> = {}): ReproduceConfig {
  return validateConfig({ ...presetConfig(preset), ...overrides });
}

/** Every (defense, attack) pair the grid runs, `clean` included once per defense. */
export function gridPairs(c: ReproduceConfig): { defense: DefenseSpec; attack?: AttackSpec }[] {
  const out: { defense: DefenseSpec; attack?: AttackSpec }[] = [];
  for (const d of c.defenses) {
    out.push({ defense: d });
    for (const a of c.attacks) {
      if (a.only && !a.only.includes(d.name)) continue;
      if (a.bpda && !hasBpda(d.kind)) continue; // BPDA differs from PGD only through the defense's backward
      if (a.transferFrom === d.name) continue; // transfer to the source itself is the white-box attack
      out.push({ defense: d, attack: a });
    }
  }
  return out;
}

/**
 * Work units of one cell (one eps) of `defense` under `attack` (none: the clean cell), in
 * forward-pass equivalents (a gradient counts about 3 passes).
 */
export function cellCost(c: ReproduceConfig, defense: DefenseSpec, attack?: AttackSpec | null): number {
  const samples = isStochasticKind(defense.kind) ? c.predictSamples : 1;
  if (!attack) return c.n * samples;
  let perImage = 0;
  const crafter = attack.transferFrom ? c.defenses.find((d) => d.name === attack.transferFrom) ?? defense : defense;
  const eot = isStochasticKind(crafter.kind) ? attack.eotSamples ?? 1 : 1;
  if (attack.method === 'fgsm') perImage = 3 * eot;
  else if (attack.method === 'pgd') perImage = 3 * eot * (attack.steps ?? 10) * (attack.restarts ?? 1);
  else if (attack.method === 'apgd') perImage = 3 * eot * (attack.steps ?? 100);
  else perImage = (attack.queries ?? 1000) * (isStochasticKind(defense.kind) ? attack.predictSamples ?? 1 : 1);
  return c.n * (perImage + samples);
}

/**
 * Work units of the grid, in forward-pass equivalents (a gradient counts about 3 passes), used
 * for the time estimate printed before a run.
 */
export function gridCost(c: ReproduceConfig): number {
  let cost = 0;
  for (const { defense, attack } of gridPairs(c)) cost += (attack ? attackEps(c, attack).length : 1) * cellCost(c, defense, attack);
  return cost;
}

/** The eps values an attack runs at: its own `eps` if set, else the grid's non-zero eps. */
export function attackEps(c: ReproduceConfig, attack: AttackSpec): number[] {
  return attack.eps ?? c.eps.filter((e) => e > 0);
}
