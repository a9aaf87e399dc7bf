/**
 * Validation of a `saplab reproduce` protocol: unknown keys and bad values throw `ConfigError`
 * naming the key, before anything is loaded or written.
 */
import { DATASETS, isDatasetName } from '../data/datasets';
import { checkInputConventions } from '../models/input_conventions';
import { ConfigError, MODEL_INPUT_DEFAULTS, type ModelInputConfig, type ReproduceConfig, type ReproduceConfigInput } from './spec';
import { defenseSpecProblem, DEFENSE_SPEC_KEYS, heldOutProblem } from './stochastic_defenses';
import { AUTOATTACK_VERSIONS, SUITE_ATTACKS } from '../attacks/suite';

const TOP_KEYS: (keyof ReproduceConfig)[] = ['model', 'dataset', 'dataDir', 'inputRange', 'mean', 'std', 'outputs', 'n', 'seed', 'eps', 'predictSamples', 'batchSize', 'defenses', 'attacks', 'calibrationBins', 'heldOut'];
const DEFENSE_KEYS = DEFENSE_SPEC_KEYS;
const ATTACK_KEYS = ['name', 'method', 'steps', 'eotSamples', 'loss', 'restarts', 'relStepsize', 'bpda', 'queries', 'predictSamples', 'only', 'eps', 'transferFrom', 'variantOf', 'version', 'suite', 'targetClasses', 'budgetOf'];

function posInt(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}


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
    if (!['fgsm', 'pgd', 'apgd', 'square', 'autoattack'].includes(a.method)) throw new ConfigError(`attacks[${i}].method must be fgsm, pgd, apgd, square or autoattack, got ${JSON.stringify(a.method)}`);
    for (const k of ['steps', 'eotSamples', 'restarts', 'queries', 'predictSamples', 'targetClasses'] as const) if (a[k] !== undefined) posInt(a[k], `attacks[${i}].${k}`);
    for (const k of ['version', 'suite', 'targetClasses'] as const) if (a[k] !== undefined && a.method !== 'autoattack') throw new ConfigError(`attacks[${i}].${k} is only used with method autoattack`);
    if (a.version !== undefined && !(a.version in AUTOATTACK_VERSIONS)) throw new ConfigError(`attacks[${i}].version must be standard or rand, got ${JSON.stringify(a.version)}`);
    if (a.suite !== undefined && (!Array.isArray(a.suite) || a.suite.length === 0 || a.suite.some((s) => !SUITE_ATTACKS.includes(s)) || new Set(a.suite).size !== a.suite.length)) {
      throw new ConfigError(`attacks[${i}].suite must be a non-empty list of distinct attacks among ${SUITE_ATTACKS.join(', ')}, got ${JSON.stringify(a.suite)}`);
    }
    if (a.method === 'autoattack' && (a.transferFrom !== undefined || a.bpda)) throw new ConfigError(`attacks[${i}]: autoattack runs white-box on each defense (no transferFrom or bpda)`);
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
    if (a.budgetOf !== undefined && (!attackNames.has(a.budgetOf) || a.budgetOf === a.name || a.variantOf !== undefined)) throw new ConfigError(`attacks[${i}].budgetOf names an unknown attack "${a.budgetOf}" (or is combined with variantOf)`);
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

