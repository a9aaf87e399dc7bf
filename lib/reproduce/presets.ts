/**
 * The named protocols of `saplab reproduce` (`--quick`, the default, `--full`, the paper's CIFAR-10
 * protocol, the stochastic baselines and the adversarially trained models): every experiment is a
 * preset, and a JSON config file overrides keys of one.
 */
import { DEFAULT_SEED } from '../seed';
import type { BaselineKind } from '../defenses/baselines';
import { ConfigError, MODEL_INPUT_DEFAULTS, type AttackSpec, type DefenseSpec, type Preset, type ReproduceConfig } from './spec';
import { hasBpda, isStochasticKind } from './stochastic_defenses';
import { validateConfig } from './validate';

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

/** A preset with keys of `overrides` replaced (a shallow merge: lists replace lists). */
export function buildConfig(preset: Preset, overrides: Partial<ReproduceConfig> = {}): ReproduceConfig {
  return validateConfig({ ...presetConfig(preset), ...overrides });
}

