/**
 * Validation of a `saplab reproduce` protocol: unknown keys and bad values throw `ConfigError`
 * naming the key, before anything is loaded or written.
 */
import { DATASETS, isDatasetName } from '../data/datasets';
import { checkInputConventions } from '../models/input_conventions';
import { checkSeed } from '../seed';
import { checkEpsList } from '../attacks/validate';
import { ATTACK_OPTION_KEYS, resolveAttackOptions, type ResolvableAttack } from '../attacks/options';
import { CERTIFY_DEFAULTS, ConfigError, configCheck, GRID_ATTACK_KEYS, MODEL_INPUT_DEFAULTS, type AttackSpec, type CertifySpec, type ModelInputConfig, type ReproduceConfig, type ReproduceConfigInput } from './spec';
import { defenseSpecProblem, DEFENSE_SPEC_KEYS, heldOutProblem, isCertifiedKind } from './stochastic_defenses';
import { AUTOATTACK_VERSIONS, SUITE_ATTACKS } from '../attacks/suite';

const TOP_KEYS: (keyof ReproduceConfig)[] = ['model', 'dataset', 'dataDir', 'inputRange', 'mean', 'std', 'outputs', 'n', 'seed', 'eps', 'predictSamples', 'batchSize', 'defenses', 'attacks', 'calibrationBins', 'heldOut', 'norm', 'certify'];
const CERTIFY_KEYS: (keyof CertifySpec)[] = ['n0', 'n', 'alpha', 'predictN'];
const DEFENSE_KEYS = DEFENSE_SPEC_KEYS;
/** Attack options the grid sets itself (untargeted, the config's norm), so a protocol may not. */
const GRID_OWNED = ['targeted', 'norm'];
/** The keys an `autoattack` entry may give besides the grid's. */
const AUTOATTACK_KEYS = ['steps', 'eotSamples', 'loss', 'restarts', 'queries', 'predictSamples', 'version', 'suite', 'targetClasses', 'earlyStop', 'stopAt', 'eotAverage', 'surrogate', 'surrogateSteps'];

function posInt(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}


/**
 * Checks the method and the attack's own options of an attack entry of a protocol (`where`, e.g.
 * `attacks[2]`): the keys the attack takes (`ATTACK_OPTION_KEYS`, but for `targeted` and `norm`,
 * which the grid sets) besides the protocol's own `gridKeys`, and their values through the
 * attack's resolver, whose message the `ConfigError` carries. `methods` are the attacks allowed.
 */
export function checkAttackEntry(entry: { name?: unknown; method: string }, where: string, gridKeys: readonly string[], methods: readonly ResolvableAttack[] = ['fgsm', 'pgd', 'apgd', 'square', 'smoothAdv']): void {
  if (!(methods as readonly string[]).includes(entry.method)) throw new ConfigError(`${where}.method must be ${methods.join(', ')}, got ${JSON.stringify(entry.method)}`);
  const method = entry.method as ResolvableAttack;
  const own = ATTACK_OPTION_KEYS[method].filter((k) => !GRID_OWNED.includes(k));
  const options: Record<string, unknown> = { ...entry };
  for (const k of gridKeys) delete options[k];
  for (const k of Object.keys(options)) {
    if (!own.includes(k)) throw new ConfigError(`unknown key "${k}" in ${where} (${method} takes ${own.join(', ')}; every attack: ${gridKeys.join(', ')})`);
  }
  configCheck(() => resolveAttackOptions(method, options, { stochastic: true }), `${where} (${String(entry.name)})`);
}

/** Checks an `autoattack` entry: the suite's keys and values (its attacks check their own when it runs). */
function checkAutoAttackEntry(a: AttackSpec, i: number): void {
  for (const k of Object.keys(a)) if (!(GRID_ATTACK_KEYS as readonly string[]).includes(k) && !AUTOATTACK_KEYS.includes(k)) throw new ConfigError(`unknown key "${k}" in attacks[${i}] (autoattack takes ${AUTOATTACK_KEYS.join(', ')}; every attack: ${GRID_ATTACK_KEYS.join(', ')})`);
  if (a.surrogate !== undefined && typeof a.surrogate !== 'boolean') throw new ConfigError(`attacks[${i}].surrogate must be true or false, got ${JSON.stringify(a.surrogate)}`);
  if (a.surrogateSteps !== undefined && !a.surrogate) throw new ConfigError(`attacks[${i}].surrogateSteps is only used with surrogate: true`);
  for (const k of ['steps', 'eotSamples', 'restarts', 'queries', 'predictSamples', 'targetClasses', 'surrogateSteps'] as const) if (a[k] !== undefined) posInt(a[k], `attacks[${i}].${k}`);
  if (a.version !== undefined && !(a.version in AUTOATTACK_VERSIONS)) throw new ConfigError(`attacks[${i}].version must be standard or rand, got ${JSON.stringify(a.version)}`);
  if (a.suite !== undefined && (!Array.isArray(a.suite) || a.suite.length === 0 || a.suite.some((s) => !SUITE_ATTACKS.includes(s)) || new Set(a.suite).size !== a.suite.length)) {
    throw new ConfigError(`attacks[${i}].suite must be a non-empty list of distinct attacks among ${SUITE_ATTACKS.join(', ')}, got ${JSON.stringify(a.suite)}`);
  }
  if (a.suite?.includes('transfer') && (!a.surrogate || a.suite[0] !== 'transfer')) throw new ConfigError(`attacks[${i}].suite: 'transfer' needs surrogate: true and comes first`);
  if (a.transferFrom !== undefined || a.bpda) throw new ConfigError(`attacks[${i}]: autoattack runs white-box on each defense (no transferFrom or bpda)`);
  if (a.loss !== undefined && !['ce', 'margin', 'dlr'].includes(a.loss)) throw new ConfigError(`attacks[${i}].loss must be ce, margin or dlr`);
  if (a.earlyStop !== undefined && typeof a.earlyStop !== 'boolean') throw new ConfigError(`attacks[${i}].earlyStop must be true or false, got ${JSON.stringify(a.earlyStop)}`);
  if (a.eotAverage !== undefined && a.eotAverage !== 'loss' && a.eotAverage !== 'probs') throw new ConfigError(`attacks[${i}].eotAverage must be loss or probs, got ${JSON.stringify(a.eotAverage)}`);
  if (a.stopAt !== undefined && !(typeof a.stopAt === 'number' && a.stopAt > 0 && a.stopAt <= 1)) throw new ConfigError(`attacks[${i}].stopAt must be in (0, 1], got ${JSON.stringify(a.stopAt)}`);
}

/**
 * Checks `certify` and returns it with its defaults (`CERTIFY_DEFAULTS`) filled in: positive
 * integer sample counts, `n0 <= n`, `alpha` in (0, 1). Throws `ConfigError` naming the key.
 */
export function checkCertifySpec(input: unknown): CertifySpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(`certify must be an object { ${CERTIFY_KEYS.join(', ')} }, got ${JSON.stringify(input)}`);
  for (const k of Object.keys(input)) if (!(CERTIFY_KEYS as string[]).includes(k)) throw new ConfigError(`unknown key "${k}" in certify (known: ${CERTIFY_KEYS.join(', ')})`);
  const c = { ...CERTIFY_DEFAULTS, ...(input as Partial<CertifySpec>) };
  posInt(c.n0, 'certify.n0');
  posInt(c.n, 'certify.n');
  posInt(c.predictN, 'certify.predictN');
  if (c.n0 > c.n) throw new ConfigError(`certify.n0 (${c.n0}) must not exceed certify.n (${c.n})`);
  if (typeof c.alpha !== 'number' || !(c.alpha > 0 && c.alpha < 1)) throw new ConfigError(`certify.alpha must be in (0, 1), got ${JSON.stringify(c.alpha)}`);
  return c;
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
  configCheck(() => checkSeed(c.seed));
  // L-inf radii are at most 1 on pixels in [0, 1]; L2 radii may be larger.
  const epsMax = c.norm === 'l2' ? Infinity : 1;
  configCheck(() => checkEpsList(c.eps, 'eps', { max: epsMax }));
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
  if (c.norm !== undefined && c.norm !== 'linf' && c.norm !== 'l2') throw new ConfigError(`norm must be linf or l2, got ${JSON.stringify(c.norm)}`);
  const certified = new Set(c.defenses.filter((d) => isCertifiedKind(d.kind)).map((d) => d.name));
  if (c.certify !== undefined || certified.size) c.certify = checkCertifySpec(c.certify ?? {});
  if (!Array.isArray(c.attacks)) throw new ConfigError('attacks must be a list');
  const attackNames = new Set<string>();
  c.attacks.forEach((a, i) => {
    if (typeof a.name !== 'string' || !a.name) throw new ConfigError(`attacks[${i}].name must be a non-empty string`);
    if (attackNames.has(a.name) || ['clean', 'certify', 'certified'].includes(a.name)) throw new ConfigError(`attacks[${i}].name "${a.name}" is reserved or used twice`);
    attackNames.add(a.name);
    for (const k of ['version', 'suite', 'targetClasses', 'surrogate', 'surrogateSteps'] as const) if (a[k] !== undefined && a.method !== 'autoattack') throw new ConfigError(`attacks[${i}].${k} is only used with method autoattack`);
    if (!['fgsm', 'pgd', 'apgd', 'square', 'smoothAdv', 'autoattack'].includes(a.method)) throw new ConfigError(`attacks[${i}].method must be fgsm, pgd, apgd, square, smoothAdv or autoattack, got ${JSON.stringify(a.method)}`);
    if (c.norm === 'l2' && (a.method === 'square' || a.method === 'autoattack')) throw new ConfigError(`attacks[${i}] (${a.name}): ${a.method} is L-inf only, but the config's norm is l2`);
    if (a.method === 'smoothAdv') {
      // SmoothAdv attacks the soft smoothed classifier: it runs on the smoothed defenses only, in L2.
      if (c.norm !== 'l2') throw new ConfigError(`attacks[${i}] (${a.name}): smoothAdv is an L2 attack; set the config's norm to l2`);
      const on = a.only ?? [...names];
      if (!on.some((o) => certified.has(o))) throw new ConfigError(`attacks[${i}] (${a.name}): smoothAdv runs on smoothed defenses, and none is among ${a.only ? 'its only' : 'the defenses'}`);
      if (a.transferFrom !== undefined || a.bpda) throw new ConfigError(`attacks[${i}] (${a.name}): smoothAdv runs white-box on each smoothed defense (no transferFrom or bpda)`);
    }
    if (a.method === 'autoattack') checkAutoAttackEntry(a, i);
    else checkAttackEntry(a, `attacks[${i}]`, GRID_ATTACK_KEYS);
    if (a.only) for (const o of a.only) if (!names.has(o)) throw new ConfigError(`attacks[${i}].only names an unknown defense "${o}"`);
    if (a.eps !== undefined) configCheck(() => checkEpsList(a.eps, `attacks[${i}].eps`, { positive: true, max: epsMax }));
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

