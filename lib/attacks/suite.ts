/**
 * `autoAttack`: an AutoAttack-style suite with per-image worst-case bookkeeping, the headline
 * robust accuracy of a defense at one eps.
 *
 * Croce, Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, https://arxiv.org/abs/2003.01690; reference
 * `fra31/auto-attack`, `autoattack/autoattack.py` (`run_standard_evaluation`, `set_version`).
 *
 * Protocol:
 * 1. Every image is first predicted clean; a misclassified image counts as broken by `'clean'`
 *    and is never attacked.
 * 2. The attacks run in sequence, each only on the images still robust (the reference's
 *    `robust_flags`); an image broken by an attack is recorded as broken by it and not attacked
 *    again.
 * 3. An image is broken when the prediction rule of `scores.ts` misclassifies the attack's output:
 *    the argmax of the softmax averaged over `predictSamples` passes (K; default 100 for a
 *    stochastic model, 1 otherwise).
 * 4. The robust accuracy is the fraction of images that survive every attack: the per-image
 *    worst case over everything the run tried, with its Wilson interval.
 *
 * Versions (`fra31/auto-attack` `set_version`; budgets configurable):
 * - `'standard'` (deterministic models): APGD-CE (100 iterations), APGD-T (targeted DLR over the 9
 *   most likely other classes, 100 iterations each), Square (5000 queries). The reference's FAB-T
 *   is not implemented here; on the reference's own model zoo it breaks almost no image that
 *   APGD-T leaves robust (Croce & Hein 2020, table 2).
 * - `'rand'` (randomised defenses): APGD-CE and APGD-DLR, 100 iterations, EOT 20.
 * - Square may be added to any version (`attacks`), with its scores averaged over
 *   `squareSamples` passes (Square with EOT).
 *
 * Randomness: the attacks' own random choices (APGD's starts, Square's search) are keyed by
 * `(seed, attack, imageIds[i])`, so the same image gets the same starts in any split of the data
 * into batches; on a deterministic model a split gives exactly the same numbers. A stochastic
 * model is reseeded (`model.reseed`) from `(seed, attack, first image id of the batch)` before
 * each attack call and each prediction.
 *
 * ```ts
 * const res = await autoAttack(sap, x, y, { version: 'rand', eps: 0.1, seed: 1 });
 * res.robustAccuracy, res.interval; // headline number and its Wilson interval
 * res.attacks; // per attack: images attacked, broken, robust after it
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { wilsonInterval, type WilsonInterval } from '../metrics/accuracy';
import type { Model } from '../models/model';
import { deriveSeed } from '../seed';
import type { ProgressCallback } from '../util/progress';
import { apgd } from './apgd';
import { apgdTargeted } from './apgd_targeted';
import { averagedCorrect } from './scores';
import { square } from './square';
import { addGradientStats, zeroGradientStats, type AttackNorm, type GradientStats } from './types';
import type { EotAverage } from './gradient';
import { checkBounds, checkEps, checkImageIds, checkInputs, checkInt, checkNorm, checkSeed } from './validate';

/** AutoAttack's versions: `'standard'` for deterministic models, `'rand'` for randomised ones. */
export type AutoAttackVersion = 'standard' | 'rand';

/** The attacks the suite can run, by AutoAttack's names. */
export type SuiteAttackName = 'transfer' | 'apgd-ce' | 'apgd-dlr' | 'apgd-t' | 'square';

/** Every attack the suite can run. */
export const SUITE_ATTACKS: readonly SuiteAttackName[] = ['transfer', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'square'];

/** The attacks of each version, in the order they run. */
export const AUTOATTACK_VERSIONS: Readonly<Record<AutoAttackVersion, readonly SuiteAttackName[]>> = {
  standard: ['apgd-ce', 'apgd-t', 'square'],
  rand: ['apgd-ce', 'apgd-dlr'],
};

/** Options of `autoAttack`. */
export interface AutoAttackOptions {
  /** Radius of the threat model. Required, `>= 0`. */
  eps: number;
  /** `'standard'` or `'rand'`. Default `'rand'` for a model marked `stochastic`, else `'standard'`. */
  version?: AutoAttackVersion;
  /** The attacks to run, in order. Default the version's (`AUTOATTACK_VERSIONS`). */
  attacks?: SuiteAttackName[];
  /** `'linf'` or `'l2'` (Square: `'linf'` only). Default `'linf'`. */
  norm?: AttackNorm;
  /** Valid input range. Default `[0, 1]`. */
  bounds?: [number, number];
  /** APGD iterations per run (every APGD attack). Default 100. */
  steps?: number;
  /** APGD restarts. Default 1. */
  restarts?: number;
  /** EOT samples per APGD gradient. Default 20 for `'rand'`, 1 for `'standard'`. */
  eotSamples?: number;
  /** APGD-T's target classes (capped at classes − 1). Default 9. */
  targetClasses?: number;
  /** Square's queries per image. Default 5000. */
  squareQueries?: number;
  /** Forward passes averaged per Square score. Default `eotSamples`. */
  squareSamples?: number;
  /** Passes averaged per final prediction (K). Default 100 for a stochastic model, else 1. */
  predictSamples?: number;
  /**
   * APGD stops attacking an image once an iterate breaks it under the averaged scoring of its EOT
   * draws (`ApgdOptions.earlyStop`), so the budget goes to the images still robust. Default `true`.
   */
  earlyStop?: boolean;
  /**
   * With `earlyStop`, the averaged probability of the true class at or below which a broken image
   * stops (`ApgdOptions.stopAt`): a break just across the boundary under the attack's EOT draws is
   * often undone by the final `K`-pass prediction, so the image is attacked until the break is
   * deep. In `(0, 1]`. Default 1 (stop as soon as broken).
   */
  stopAt?: number;
  /**
   * APGD-CE's EOT average (`ApgdOptions.eotAverage`): `'probs'` follows the loss of the averaged
   * softmax, the prediction rule's own; `'loss'` the mean per-draw loss. APGD-DLR and APGD-T
   * average their per-draw losses. Default `'loss'`.
   */
  eotAverage?: EotAverage;
  /**
   * A deterministic model close to the defended one, e.g. the network under SAP without its
   * sampling (SAP keeps every activation's expectation: `E[SAP(h)] = h`). With it the suite starts
   * with `'transfer'`: APGD-CE on the surrogate (`surrogateSteps` iterations, no EOT, one pass a
   * step), its outputs judged on the model by the prediction rule; and every later APGD attack
   * starts from the transfer example of its image instead of a random point (a warm start). The
   * transfer breaks, for almost nothing, most of what the EOT attacks would break only after many
   * steps, and the EOT attacks begin next to the decision boundary. Default none.
   */
  surrogate?: Model;
  /** APGD-CE iterations on the surrogate. Default 100. */
  surrogateSteps?: number;
  /**
   * Transfer examples shared by suite runs on one surrogate (`TransferCache`): with it the transfer
   * stage is computed once per batch of images, eps and budget, on every image of `x`, seeded by
   * `transferCache.seed`, and reused by later runs with the same store and key. SAP at several
   * sampling fractions and random pruning share one surrogate (the network without its
   * randomness), so their suites share the stage. Default none (computed in each run, seeded by
   * `seed`, on the images still robust).
   */
  transferCache?: TransferCache;
  /** Images per attack call. Default 100. */
  batchSize?: number;
  /** Global indices of the images of `x`, which key the attacks' randomness. Default `0 .. n−1`. */
  imageIds?: number[];
  /** User seed. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Called with images processed (clean pass and each attack, `n` each) and the total. */
  onProgress?: ProgressCallback;
  /** Receives the gradient statistics of every APGD call. */
  onStats?: (stats: GradientStats) => void;
  /**
   * Also return `adv`, the worst-case input per image: the output of the attack that broke it, the
   * last attack's output for a robust image, the clean input for a clean-misclassified one.
   * Default `false`.
   */
  returnAdv?: boolean;
}

/**
 * A store of the suite's transfer examples (`AutoAttackOptions.transferCache`). Entries are keyed
 * by `key`, eps, norm, bounds, `surrogateSteps`, `seed` and the image ids of the batch, so a hit
 * gives exactly what computing would; the oldest entries are dropped beyond `TRANSFER_CACHE_BYTES`.
 */
export interface TransferCache {
  /** Names the surrogate: runs sharing a store and a key must pass the same surrogate. */
  key: string;
  /** Seed of the transfer stage's random starts (independent of the attacked model). */
  seed: number;
  /** The entries: start with `new Map()`. */
  store: Map<string, TransferEntry>;
}

/** One batch's transfer stage in a `TransferCache`. */
export interface TransferEntry {
  /** The examples, row-major `[n, h, w, c]`. */
  adv: Float32Array;
  /** The gradient statistics of computing them, passed to `onStats` again on every reuse (so a cell counts the same draws whichever thread computed the stage). */
  stats: GradientStats;
}

/** Bytes a `TransferCache` store keeps before it drops its oldest entries (256 MiB). */
export const TRANSFER_CACHE_BYTES = 256 * 2 ** 20;

/** What one attack of the suite did. */
export interface SuiteAttackRow {
  /** The attack's name. */
  name: SuiteAttackName;
  /** Its budget, e.g. `apgd-dlr(steps=100, eot=20)`. */
  label: string;
  /** Images it was run on (those still robust before it). */
  attacked: number;
  /** Of those, images it broke. */
  broken: number;
  /** Images robust after it (clean-correct and unbroken so far). */
  robustAfter: number;
  /** Seconds it took (attack and prediction). */
  seconds: number;
}

/** The result of `autoAttack`. */
export interface AutoAttackResult {
  /** The version run (or the one whose defaults were used). */
  version: AutoAttackVersion;
  /** The threat model's radius. */
  eps: number;
  /** Number of images. */
  n: number;
  /** Passes per final prediction (K). */
  predictSamples: number;
  /** Clean accuracy under the same prediction rule. */
  cleanAccuracy: number;
  /** Robust accuracy: images robust to every attack, over `n`. The headline number. */
  robustAccuracy: number;
  /** 95% Wilson interval of `robustAccuracy`. */
  interval: WilsonInterval;
  /** Per attack, in the order run. */
  attacks: SuiteAttackRow[];
  /** Per image: correct on the clean input. */
  cleanCorrect: boolean[];
  /** Per image: robust to every attack. */
  robust: boolean[];
  /** Per image: `'clean'` (misclassified clean), the attack that broke it, or `null` (robust). */
  brokenBy: (SuiteAttackName | 'clean' | null)[];
  /**
   * Per attack and image: correct after that attack (`true`/`false`), or `null` where it did not
   * run (the image was already broken). `robust[i]` is the minimum over the clean pass and the
   * cells that ran.
   */
  cells: Record<string, (boolean | null)[]>;
  /** The name of the attack that broke the most images (`null` when none broke any). */
  strongest: SuiteAttackName | null;
  /** With `returnAdv`: the worst-case inputs `[n, h, w, c]` (see `returnAdv`); the caller owns them. */
  adv?: tf.Tensor4D;
}

/** `AutoAttackOptions` after validation, with every default filled in. */
interface ResolvedAutoAttack {
  eps: number;
  version: AutoAttackVersion;
  attacks: SuiteAttackName[];
  norm: AttackNorm;
  bounds: [number, number];
  steps: number;
  restarts: number;
  eotSamples: number;
  targetClasses: number;
  squareQueries: number;
  squareSamples: number;
  predictSamples: number;
  batchSize: number;
  seed: number;
  earlyStop: boolean;
  stopAt: number;
  eotAverage: EotAverage;
  surrogateSteps: number;
}

/** Validates the suite's options and fills in the version's defaults. */
function resolveAutoAttack(model: Model, options: AutoAttackOptions): ResolvedAutoAttack {
  const where = 'autoAttack';
  if (!options || typeof options !== 'object') throw new Error(`${where}: options with eps are required`);
  const version = options.version ?? (model.stochastic ? 'rand' : 'standard');
  if (version !== 'standard' && version !== 'rand') throw new Error(`${where}: version must be 'standard' or 'rand', got ${JSON.stringify(options.version)}`);
  const surrogate = options.surrogate;
  if (surrogate !== undefined && typeof surrogate !== 'function') throw new Error(`${where}: surrogate must be a Model (a function from inputs to logits)`);
  if (surrogate?.stochastic) throw new Error(`${where}: the surrogate must be deterministic (its model.stochastic is true)`);
  const attacks = options.attacks ?? [...(surrogate ? (['transfer'] as SuiteAttackName[]) : []), ...AUTOATTACK_VERSIONS[version]];
  if (!Array.isArray(attacks) || attacks.length === 0) throw new Error(`${where}: attacks must be a non-empty list of ${SUITE_ATTACKS.join(', ')}`);
  if (attacks.includes('transfer') !== (surrogate !== undefined)) {
    throw new Error(surrogate ? `${where}: a surrogate is given but attacks does not include 'transfer'` : `${where}: the 'transfer' attack needs a surrogate model (options.surrogate)`);
  }
  if (attacks.includes('transfer') && attacks[0] !== 'transfer') throw new Error(`${where}: 'transfer' must come first (the later attacks start from its outputs), got ${attacks.join(', ')}`);
  for (const a of attacks) {
    if (!SUITE_ATTACKS.includes(a)) throw new Error(`${where}: unknown attack ${JSON.stringify(a)}; use ${SUITE_ATTACKS.join(', ')}`);
  }
  if (new Set(attacks).size !== attacks.length) throw new Error(`${where}: attacks must not repeat, got ${attacks.join(', ')}`);
  const tc = options.transferCache;
  if (tc !== undefined) {
    if (!surrogate) throw new Error(`${where}: transferCache needs a surrogate (options.surrogate)`);
    if (!tc || typeof tc.key !== 'string' || !(tc.store instanceof Map)) throw new Error(`${where}: transferCache must be { key: string, seed: number, store: Map }`);
    checkSeed(tc.seed, `${where} transferCache`);
  }
  const norm = checkNorm(options.norm, where);
  if (norm !== 'linf' && attacks.includes('square')) throw new Error(`${where}: Square is implemented for the L-inf norm only`);
  const eotSamples = checkInt(options.eotSamples, version === 'rand' ? 20 : 1, 'eotSamples', 1, where);
  return {
    eps: checkEps(options.eps, where),
    version,
    attacks,
    norm,
    bounds: checkBounds(options.bounds, where),
    steps: checkInt(options.steps, 100, 'steps', 1, where),
    restarts: checkInt(options.restarts, 1, 'restarts', 1, where),
    eotSamples,
    targetClasses: checkInt(options.targetClasses, 9, 'targetClasses', 1, where),
    squareQueries: checkInt(options.squareQueries, 5000, 'squareQueries', 1, where),
    squareSamples: checkInt(options.squareSamples, eotSamples, 'squareSamples', 1, where),
    predictSamples: checkInt(options.predictSamples, model.stochastic ? 100 : 1, 'predictSamples', 1, where),
    batchSize: checkInt(options.batchSize, 100, 'batchSize', 1, where),
    seed: checkSeed(options.seed, where),
    earlyStop: options.earlyStop ?? true,
    stopAt: checkStopAt(options.stopAt, where),
    eotAverage: checkEotAverage(options.eotAverage, where),
    surrogateSteps: checkInt(options.surrogateSteps, 100, 'surrogateSteps', 1, where),
  };
}

function checkEotAverage(value: unknown, where: string): EotAverage {
  const v = value ?? 'loss';
  if (v !== 'loss' && v !== 'probs') throw new Error(`${where}: eotAverage must be 'loss' or 'probs', got ${JSON.stringify(value)}`);
  return v;
}

function checkStopAt(value: unknown, where: string): number {
  const v = value ?? 1;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new Error(`${where}: stopAt must be in (0, 1], got ${String(value)}`);
  return v;
}

/** The budget label of one attack of the suite. */
function suiteAttackLabel(name: SuiteAttackName, o: Pick<ResolvedAutoAttack, 'steps' | 'restarts' | 'eotSamples' | 'targetClasses' | 'squareQueries' | 'squareSamples' | 'surrogateSteps'>, classes?: number): string {
  const eot = o.eotSamples > 1 ? `, eot=${o.eotSamples}` : '';
  const restarts = o.restarts > 1 ? `, restarts=${o.restarts}` : '';
  switch (name) {
    case 'transfer':
      return `transfer(apgd-ce on the surrogate, steps=${o.surrogateSteps})`;
    case 'apgd-ce':
    case 'apgd-dlr':
      return `${name}(steps=${o.steps}${eot}${restarts})`;
    case 'apgd-t':
      return `apgd-t(targets=${classes ? Math.min(o.targetClasses, classes - 1) : o.targetClasses}, steps=${o.steps}${eot}${restarts})`;
    case 'square':
      return `square(queries=${o.squareQueries}${o.squareSamples > 1 ? `, samples=${o.squareSamples}` : ''})`;
  }
}

/** Rows `rows` of a buffer of images shaped like `x`, as a batch `[rows.length, h, w, c]`. */
function startRows(buffer: Float32Array, rows: number[], shape: [number, number, number, number]): tf.Tensor4D {
  const d = shape[1] * shape[2] * shape[3];
  const out = new Float32Array(rows.length * d);
  rows.forEach((i, j) => out.set(buffer.subarray(i * d, (i + 1) * d), j * d));
  return tf.tensor4d(out, [rows.length, shape[1], shape[2], shape[3]]);
}

/** Runs one attack of the suite on a batch; the caller owns the result. */
function runAttack(name: SuiteAttackName, model: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: ResolvedAutoAttack, classes: number, imageIds: number[], onStats?: (s: GradientStats) => void, start?: tf.Tensor4D, surrogate?: Model): tf.Tensor4D {
  const common = { eps: o.eps, bounds: o.bounds, seed: deriveSeed(o.seed, 'autoattack', name), imageIds };
  const apgdCommon = { ...common, norm: o.norm, steps: o.steps, restarts: o.restarts, eotSamples: o.eotSamples, earlyStop: o.earlyStop, stopAt: o.stopAt, onStats, ...(start ? { start } : {}) };
  switch (name) {
    case 'transfer':
      // The whole budget on the surrogate: its kept iterate is its deepest break, which is what
      // carries over to the model.
      return apgd(surrogate!, x, y, { ...common, norm: o.norm, steps: o.surrogateSteps, loss: 'ce', onStats });
    case 'apgd-ce':
      return apgd(model, x, y, { ...apgdCommon, loss: 'ce', eotAverage: o.eotAverage });
    case 'apgd-dlr':
      return apgd(model, x, y, { ...apgdCommon, loss: 'dlr' });
    case 'apgd-t': {
      const { start: _s, ...targeted } = apgdCommon;
      return apgdTargeted(model, x, y, { ...targeted, targetClasses: Math.min(o.targetClasses, classes - 1) });
    }
    case 'square':
      return square(model, x, y, { ...common, queries: o.squareQueries, predictSamples: o.squareSamples });
  }
}

/**
 * Runs the suite (see the file comment) on `x` `[n, h, w, c]` with labels `y` `[n]`. Inputs are
 * not disposed; nothing is left allocated.
 */
export async function autoAttack(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: AutoAttackOptions): Promise<AutoAttackResult> {
  const where = 'autoAttack';
  if (typeof model !== 'function') throw new Error(`${where}: model must be a Model (a function from inputs to logits)`);
  const o = resolveAutoAttack(model, options);
  checkInputs(x, y, o.bounds, where);
  const n = x.shape[0];
  const ids = checkImageIds(options.imageIds, n, where);
  const classes = tf.tidy(() => model(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])).shape[1]);
  if (o.attacks.includes('apgd-t') && classes < 4) throw new Error(`${where}: APGD-T (targeted DLR) needs at least 4 classes, got ${classes}`);
  if (o.attacks.includes('apgd-dlr') && classes < 3) throw new Error(`${where}: APGD-DLR needs at least 3 classes, got ${classes}`);
  const labels = Array.from(y.dataSync(), (v) => Math.round(v));
  const total = n * (1 + o.attacks.length);
  let done = 0;
  options.onProgress?.(0, total);

  /** Whether the prediction rule classifies `rows` of `xs` (labels `yb`) correctly, reseeding the model first. */
  const predict = (xs: tf.Tensor4D, yb: tf.Tensor1D, rows: number[], tag: string): Promise<boolean[]> => {
    model.reseed?.(deriveSeed(o.seed, 'autoattack', tag, ids[rows[0]]));
    return averagedCorrect(model, xs, yb, o.predictSamples);
  };
  const batches = (rows: number[]): number[][] => {
    const out: number[][] = [];
    for (let s = 0; s < rows.length; s += o.batchSize) out.push(rows.slice(s, s + o.batchSize));
    return out;
  };
  const gatherRows = (rows: number[]) =>
    tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      return { xb: tf.gather(x, idx) as tf.Tensor4D, yb: tf.tensor1d(rows.map((i) => labels[i]), 'int32') };
    });

  const cleanCorrect = new Array<boolean>(n).fill(false);
  for (const rows of batches(Array.from({ length: n }, (_, i) => i))) {
    const { xb, yb } = gatherRows(rows);
    try {
      const ok = await predict(xb, yb, rows, 'clean');
      rows.forEach((i, j) => (cleanCorrect[i] = ok[j]));
    } finally {
      tf.dispose([xb, yb]);
    }
    done += rows.length;
    options.onProgress?.(done, total);
  }
  const d = x.shape[1] * x.shape[2] * x.shape[3];
  /** The transfer examples of every image of `x`, from the shared store or computed into it. */
  const sharedTransfer = (tc: TransferCache): Float32Array => {
    const key = [tc.key, o.norm, o.eps, o.bounds.join(':'), o.surrogateSteps, tc.seed, ids.join(',')].join('|');
    const hit = tc.store.get(key);
    if (hit) {
      options.onStats?.({ ...hit.stats });
      return hit.adv;
    }
    const out = new Float32Array(n * d);
    const stats = zeroGradientStats();
    // The stage's seed is the store's, so every run sharing the store computes the same examples.
    const staged = { ...o, seed: tc.seed };
    for (const rows of batches(Array.from({ length: n }, (_, i) => i))) {
      const { xb, yb } = gatherRows(rows);
      try {
        const adv = runAttack('transfer', model, xb, yb, staged, classes, rows.map((i) => ids[i]), (st) => addGradientStats(stats, st), undefined, options.surrogate);
        out.set(adv.dataSync(), rows[0] * d);
        adv.dispose();
      } finally {
        tf.dispose([xb, yb]);
      }
    }
    options.onStats?.({ ...stats });
    let bytes = out.byteLength;
    for (const v of tc.store.values()) bytes += v.adv.byteLength;
    for (const k of tc.store.keys()) {
      if (bytes <= TRANSFER_CACHE_BYTES) break;
      bytes -= tc.store.get(k)!.adv.byteLength;
      tc.store.delete(k);
    }
    tc.store.set(key, { adv: out, stats });
    return out;
  };
  let shared: Float32Array | undefined;
  const advBuffer = options.returnAdv ? Float32Array.from(x.dataSync()) : undefined;
  // The transfer examples, the warm starts of the later APGD attacks.
  let transferBuffer: Float32Array | undefined;
  const robust = cleanCorrect.slice();
  const brokenBy: (SuiteAttackName | 'clean' | null)[] = cleanCorrect.map((ok) => (ok ? null : 'clean'));
  const cells: Record<string, (boolean | null)[]> = {};
  const rows: SuiteAttackRow[] = [];
  for (const name of o.attacks) {
    const t0 = Date.now();
    const cell = new Array<boolean | null>(n).fill(null);
    // At eps 0 no attack can change an input: the clean pass is the whole evaluation.
    const open = o.eps === 0 ? [] : robust.flatMap((ok, i) => (ok ? [i] : []));
    let broken = 0;
    for (const batch of batches(open)) {
      const { xb, yb } = gatherRows(batch);
      try {
        model.reseed?.(deriveSeed(o.seed, 'autoattack', name, ids[batch[0]]));
        const warm = transferBuffer && name.startsWith('apgd') ? startRows(transferBuffer, batch, xb.shape) : undefined;
        let adv: tf.Tensor4D;
        try {
          if (name === 'transfer' && options.transferCache) {
            shared ??= sharedTransfer(options.transferCache);
            adv = startRows(shared, batch, xb.shape);
          } else {
            adv = runAttack(name, model, xb, yb, o, classes, batch.map((i) => ids[i]), options.onStats, warm, options.surrogate);
          }
        } finally {
          warm?.dispose();
        }
        let ok: boolean[];
        try {
          ok = await predict(adv, yb, batch, `${name}-predict`);
          if (name === 'transfer') {
            transferBuffer ??= Float32Array.from(x.dataSync());
            const a = adv.dataSync();
            batch.forEach((i, j) => transferBuffer!.set(a.subarray(j * d, (j + 1) * d), i * d));
          }
          if (advBuffer) {
            const a = adv.dataSync();
            batch.forEach((i, j) => advBuffer.set(a.subarray(j * d, (j + 1) * d), i * d));
          }
        } finally {
          adv.dispose();
        }
        batch.forEach((i, j) => {
          cell[i] = ok[j];
          if (!ok[j]) {
            robust[i] = false;
            brokenBy[i] = name;
            broken += 1;
          }
        });
      } finally {
        tf.dispose([xb, yb]);
      }
      done += batch.length;
      options.onProgress?.(done, total);
    }
    done += n - open.length;
    options.onProgress?.(done, total);
    cells[name] = cell;
    rows.push({
      name,
      label: suiteAttackLabel(name, o, classes),
      attacked: open.length,
      broken,
      robustAfter: open.length - broken,
      seconds: (Date.now() - t0) / 1000,
    });
  }
  const nRobust = robust.filter(Boolean).length;
  const strongestRow = rows.reduce<SuiteAttackRow | undefined>((best, r) => (r.broken > 0 && (!best || r.broken > best.broken) ? r : best), undefined);
  return {
    version: o.version,
    eps: o.eps,
    n,
    predictSamples: o.predictSamples,
    cleanAccuracy: cleanCorrect.filter(Boolean).length / n,
    robustAccuracy: nRobust / n,
    interval: wilsonInterval(nRobust, n),
    attacks: rows,
    cleanCorrect,
    robust,
    brokenBy,
    cells,
    strongest: strongestRow ? strongestRow.name : null,
    ...(advBuffer ? { adv: tf.tensor4d(advBuffer, x.shape) } : {}),
  };
}
