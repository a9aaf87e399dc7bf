/**
 * Auto-PGD (APGD): PGD with momentum and a step size that adapts itself at checkpoints.
 *
 * Croce, Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, https://arxiv.org/abs/2003.01690; reference
 * implementation `fra31/auto-attack`, `autoattack/autopgd_base.py` (`APGDAttack`).
 *
 * Threat model: white-box, untargeted or targeted, L-inf or L2 ball of radius `eps` inside
 * `bounds`. For randomised defenses AutoAttack's "rand" version runs APGD-CE and APGD-DLR with
 * `eotSamples: 20`; the EOT gradient comes from `lossGradient`. AutoAttack's APGD-T (targeted DLR
 * over the top classes) is `apgdTargeted`, built on this loop.
 *
 * Algorithm (as in the reference implementation), for `N = steps`:
 * - start: `x0 = clip(x + eps · t / ||t||)` with `t ~ U[-1, 1]^d` (L-inf, normalised by its max)
 *   or `t ~ N(0, I)` (L2); step size `η = 2 · eps` per example;
 * - step `k`: `z = Π(x_k + η · d(g_k))`, then with momentum `a = 0.75` (`a = 1` on the first step)
 *   `x_{k+1} = Π(x_k + a (z − x_k) + (1 − a)(x_k − x_{k−1}))`; `d` is `sign` (L-inf) or `g/||g||`
 *   (L2) and `Π` projects onto the ball and the box;
 * - the best point so far (highest loss) and its gradient are tracked per example;
 * - checkpoints after `p_1 = max(⌊0.22 N⌋, 1)` steps, then at intervals shrinking by
 *   `max(⌊0.03 N⌋, 1)` down to `max(⌊0.06 N⌋, 1)`. At a checkpoint the step size of an example is
 *   halved, and it restarts from its best point with the best point's gradient, when
 *   (1) the loss increased in at most `rho · w` of the `w` steps since the last checkpoint
 *   (`rho = 0.75`), or (2) its step size was not reduced at the last checkpoint and its best loss
 *   has not improved since then. For the first window the comparison starts at the loss of the
 *   starting point, as in the paper's Algorithm 1 (the reference code compares with 0 there).
 *
 * Losses: `'ce'` and `'dlr'` (the paper's pair), and `'margin'`; targeted, also the targeted DLR
 * loss (`loss: 'dlr', targeted: true` with `trueLabels`). With EOT, the loss tracked per example
 * is the mean over the finite draws, and "broken" is judged on the softmax averaged over the same
 * draws.
 *
 * Output per example: the iterate that is worst for the model under averaged scoring (see
 * `scores.ts`): a broken iterate if any, the one with the lowest averaged probability of the true
 * class among those (targeted: the highest of the target), judged on the EOT draws of each
 * iterate. (The reference returns the last broken iterate, or `x` unchanged for unbroken
 * examples.) Restarts keep the worst case by the same rule.
 *
 * Randomness: the random start of image `i` is drawn from `(seed, restart, imageIds[i])`, so any
 * split of a data set into batches gives every image the same start (a stochastic model's own
 * draws still depend on the batch it is called on).
 *
 * Shapes: `x` `[n, h, w, c]` float32 in `bounds`; `y` `[n]` integer labels (target labels when
 * `targeted`); returns `[n, h, w, c]`, owned by the caller.
 *
 * Defaults: `norm 'linf'`, `steps 100`, `restarts 1`, `rho 0.75`, `loss 'ce'`, `eotSamples 1`,
 * `bounds [0, 1]`, `seed DEFAULT_SEED`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { deriveSeed } from '../seed';
import { GradientStatsAccumulator, lossGradient, type EotAverage, type LossGradient } from './gradient';
import { ascentDirection, l2Norms, projectToBall as project } from './lp_ball';
import type { AttackResult } from './pgd';
import { worstCaseKey, worstCaseOfRestarts, type Candidate } from './scores';
import type { AttackLoss, AttackNorm, GradientAttackOptions } from './types';
import { checkBounds, checkClasses, checkEps, checkImageIds, checkInputs, checkInt, checkLoss, checkNorm, checkSeed } from './validate';

export interface ApgdOptions extends GradientAttackOptions {
  /** `'linf'` or `'l2'`. Default `'linf'`. */
  norm?: AttackNorm;
  /** Iterations per restart (`N_iter`). Default 100. */
  steps?: number;
  /** Independent runs from random starts; the worst case per example is kept. Default 1. */
  restarts?: number;
  /** Fraction of increasing steps below which the step size is halved (`rho`). Default 0.75. */
  rho?: number;
  /** With `targeted` and `loss: 'dlr'`: the true labels `[n]` (the targeted DLR loss needs both). */
  trueLabels?: tf.Tensor1D;
  /**
   * Global indices of the images of `x` in a larger data set, which key each image's random start.
   * Default `0 .. n−1`.
   */
  imageIds?: number[];
  /**
   * Stop attacking an image as soon as an iterate breaks it under averaged scoring (the softmax
   * averaged over that iterate's EOT draws): the batch shrinks as images break, which saves the
   * gradients of the rest of the budget. The image keeps that iterate. Default `false` (the
   * reference runs every image for the whole budget and may still lower the true class's
   * probability after the first break).
   */
  earlyStop?: boolean;
  /**
   * With `earlyStop`: how deep a break must be before the image stops. An image stops once its
   * kept iterate is broken and the averaged probability of its true class is at most `stopAt`
   * (targeted: the target's is at least `1 − stopAt`). An image that is only just broken under
   * its iterate's EOT draws is often classified correctly again by a fresh `K`-pass prediction;
   * attacking it further drives it deeper. In `(0, 1]`. Default 1 (stop as soon as broken).
   */
  stopAt?: number;
  /**
   * With `loss: 'ce'` and EOT: `'loss'` averages the per-draw losses (EOT as in Athalye et al.),
   * `'probs'` follows the loss of the averaged softmax, the prediction rule's own
   * (`GradientOptions.average`). Default `'loss'`.
   */
  eotAverage?: EotAverage;
  /**
   * Where the first run starts, `[n, h, w, c]` (e.g. an adversarial example crafted on a
   * surrogate model), projected onto the eps-ball and the bounds; further restarts start at random
   * points. Default: a random point of the ball.
   */
  start?: tf.Tensor4D;
}

/** The momentum of APGD (`alpha` in the paper). */
export const APGD_MOMENTUM = 0.75;

/** APGD's options after validation and defaults: the protocol's options plus `eps`, `bounds` and `seed`. */
interface ResolvedApgd extends ResolvedApgdOptions {
  eps: number;
  bounds: [number, number];
  seed: number;
}

/** Validates APGD's options and fills in the defaults. */
export function resolveApgd(options: ApgdOptions, where: string): ResolvedApgd {
  if (options === undefined || options === null || typeof options !== 'object') throw new Error(`${where}: options with eps are required`);
  const o = resolveApgdOptions(options, where);
  return { eps: checkEps(options.eps, where), ...o, bounds: checkBounds(options.bounds, where), seed: checkSeed(options.seed, where) };
}

/** APGD's options other than `eps`, `bounds`, `seed` and the callback, with their defaults filled in. */
export interface ResolvedApgdOptions {
  norm: AttackNorm;
  steps: number;
  restarts: number;
  rho: number;
  loss: AttackLoss;
  targeted: boolean;
  eotSamples: number;
  earlyStop: boolean;
  stopAt: number;
  eotAverage: EotAverage;
}

/** The keys of `ResolvedApgdOptions`: the options a protocol may fix for APGD. */
export const APGD_OPTION_KEYS: readonly (keyof ResolvedApgdOptions)[] = ['norm', 'steps', 'restarts', 'rho', 'loss', 'targeted', 'eotSamples', 'earlyStop', 'stopAt', 'eotAverage'];

/**
 * APGD's defaults and checks, declared once: `apgd` runs on them, and configs and cost models
 * read them. Throws the error `apgd` itself would give for a bad option.
 */
export function resolveApgdOptions(options: Omit<ApgdOptions, 'eps'> | Partial<ApgdOptions>, where = 'apgd'): ResolvedApgdOptions {
  const rho = options.rho ?? 0.75;
  if (typeof rho !== 'number' || !(rho > 0 && rho <= 1)) throw new Error(`${where}: rho must be in (0, 1], got ${String(options.rho)}`);
  const loss = checkLoss(options.loss, where);
  const targeted = options.targeted ?? false;
  if (targeted && loss === 'dlr' && !(options.trueLabels instanceof tf.Tensor)) {
    throw new Error(`${where}: the targeted DLR loss needs the true labels: pass trueLabels (or use apgdTargeted)`);
  }
  if (!targeted && options.trueLabels !== undefined) throw new Error(`${where}: trueLabels is only used with targeted: true and loss 'dlr'`);
  const stopAt = options.stopAt ?? 1;
  const eotAverage = options.eotAverage ?? 'loss';
  if (eotAverage !== 'loss' && eotAverage !== 'probs') throw new Error(`${where}: eotAverage must be 'loss' or 'probs', got ${JSON.stringify(options.eotAverage)}`);
  if (eotAverage === 'probs' && loss !== 'ce') throw new Error(`${where}: eotAverage 'probs' is defined for the cross-entropy loss, got loss ${JSON.stringify(loss)}`);
  if (typeof stopAt !== 'number' || !(stopAt > 0 && stopAt <= 1)) throw new Error(`${where}: stopAt must be in (0, 1], got ${String(options.stopAt)}`);
  return {
    norm: checkNorm(options.norm, where),
    steps: checkInt(options.steps, 100, 'steps', 1, where),
    restarts: checkInt(options.restarts, 1, 'restarts', 1, where),
    rho,
    loss,
    targeted,
    eotSamples: checkInt(options.eotSamples, 1, 'eotSamples', 1, where),
    earlyStop: options.earlyStop ?? false,
    stopAt,
    eotAverage,
  };
}

/** The checkpoint schedule of APGD for `steps` iterations: first window, decrement, minimum. */
export function apgdSchedule(steps: number): { first: number; decrement: number; minimum: number } {
  return {
    first: Math.max(Math.floor(0.22 * steps), 1),
    decrement: Math.max(Math.floor(0.03 * steps), 1),
    minimum: Math.max(Math.floor(0.06 * steps), 1),
  };
}

/** Iteration indices (0-based) at which APGD checks its step size, for `steps` iterations. */
export function apgdCheckpoints(steps: number): number[] {
  const { first, decrement, minimum } = apgdSchedule(steps);
  const out: number[] = [];
  let k = first;
  let counter = 0;
  for (let i = 0; i < steps; i++) {
    counter += 1;
    if (counter === k) {
      out.push(i);
      k = Math.max(k - decrement, minimum);
      counter = 0;
    }
  }
  return out;
}

type State = {
  xAdv: tf.Tensor4D;
  xAdvOld: tf.Tensor4D;
  grad: tf.Tensor4D;
  gradBest: tf.Tensor4D;
  xBest: tf.Tensor4D;
  lossBest: tf.Tensor1D;
  xKeep: tf.Tensor4D;
  keyKeep: tf.Tensor1D;
  stepSize: tf.Tensor4D;
  lossBestLastCheck: tf.Tensor1D;
  reducedLastCheck: tf.Tensor1D;
};

/** Replaces the state entries `fn` returns (computed in one `tidy`), disposing the old ones. */
function update(state: State, fn: () => Partial<State>): void {
  const next = tf.tidy(fn as () => Record<string, tf.Tensor>) as Partial<State>;
  for (const key of Object.keys(next) as (keyof State)[]) {
    const t = next[key] as tf.Tensor;
    if (state[key] !== t) state[key].dispose();
    (state as Record<string, tf.Tensor>)[key] = t;
  }
}

/**
 * The labels of one APGD run: those of the loss (`loss`, with `trueLabels` for the targeted DLR
 * loss) and those that judge success (`judge`, `judgeTargeted`). Plain APGD judges on the loss's
 * own labels; APGD-T follows a targeted loss but succeeds on any misclassification, as AutoAttack.
 */
interface ApgdLabels {
  loss: tf.Tensor1D;
  targeted: boolean;
  trueLabels?: tf.Tensor1D;
  judge: tf.Tensor1D;
  judgeTargeted: boolean;
}

/** A uniform (L-inf) or Gaussian (L2) starting direction per image, keyed by `(seed, imageIds[i])`. */
function startNoise(shape: [number, number, number, number], norm: AttackNorm, seed: number, imageIds: number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const one: [number, number, number, number] = [1, shape[1], shape[2], shape[3]];
    const rows = imageIds.map((id) => {
      const s = deriveSeed(seed, 'start', id);
      return norm === 'linf' ? tf.randomUniform(one, -1, 1, 'float32', s) : tf.randomNormal(one, 0, 1, 'float32', s);
    });
    return (rows.length === 1 ? rows[0] : tf.concat(rows, 0)) as tf.Tensor4D;
  });
}

/** One APGD run from one random start; returns the kept iterate per image as a candidate. */
export function apgdRun(model: Model, xAll: tf.Tensor4D, labelsAll: ApgdLabels, o: ResolvedApgd, labelMax: number, seed: number, imageIds: number[], stats: GradientStatsAccumulator, where: string, start?: tf.Tensor4D): Candidate {
  const nAll = xAll.shape[0];
  // With early stopping the batch shrinks: `x`, `labels` and the state hold the active images,
  // `rows` their indices in `xAll`; retired images wait in `finished`.
  let x = xAll;
  let labels = labelsAll;
  let n = nAll;
  let rows = Array.from({ length: nAll }, (_, i) => i);
  const finished: { rows: number[]; adv: tf.Tensor4D; key: tf.Tensor1D; loss: tf.Tensor1D }[] = [];
  const col = (t: tf.Tensor) => tf.reshape(t, [-1, 1, 1, 1]);
  const grad = (at: tf.Tensor4D) => {
    const g = lossGradient(model, at, labels.loss, { loss: o.loss, targeted: labels.targeted, trueLabels: labels.trueLabels, eotSamples: o.eotSamples, average: o.eotAverage });
    try {
      checkClasses(g.probs.shape[1], labelMax, o.loss, where);
      if (o.loss === 'dlr' && labels.targeted && g.probs.shape[1] < 4) throw new Error(`${where}: the targeted DLR loss needs at least 4 classes, got ${g.probs.shape[1]}`);
    } catch (e) {
      g.dispose();
      throw e;
    }
    stats.add(g);
    return g;
  };
  const keyOf = (g: LossGradient) => worstCaseKey(g.probs, labels.judge, labels.judgeTargeted);

  const x0 = tf.tidy(() => {
    if (start) return project(start, x, o.eps, o.norm, o.bounds);
    const t = startNoise(x.shape, o.norm, seed, imageIds);
    const size = o.norm === 'linf' ? tf.reshape(tf.max(tf.abs(tf.reshape(t, [n, -1])), 1), [n, 1, 1, 1]) : l2Norms(t);
    return tf.clipByValue(tf.add(x, tf.mul(o.eps, tf.div(t, tf.add(size, 1e-12)))), o.bounds[0], o.bounds[1]) as tf.Tensor4D;
  });
  let g0: LossGradient;
  try {
    g0 = grad(x0);
  } catch (e) {
    x0.dispose();
    throw e;
  }
  const s: State = tf.tidy(() => ({
    xAdv: x0,
    xAdvOld: tf.clone(x0),
    grad: tf.clone(g0.grad),
    gradBest: tf.clone(g0.grad),
    xBest: tf.clone(x0),
    lossBest: tf.clone(g0.loss),
    xKeep: tf.clone(x0),
    keyKeep: keyOf(g0),
    stepSize: tf.fill([n, 1, 1, 1], 2 * o.eps) as tf.Tensor4D,
    lossBestLastCheck: tf.clone(g0.loss),
    reducedLastCheck: tf.onesLike(g0.loss).cast('bool') as tf.Tensor1D,
  }));
  // Losses since the last checkpoint, preceded by the loss at the last checkpoint (or at x0).
  let history: tf.Tensor1D[] = [tf.clone(g0.loss)];
  g0.dispose();

  /** Moves the images at local positions `done` out of the batch (their kept iterate is final). */
  const retire = (done: number[]) => {
    const keep = Array.from({ length: n }, (_, j) => j).filter((j) => !done.includes(j));
    const take = (t: tf.Tensor, idx: number[]) => tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32')));
    finished.push({ rows: done.map((j) => rows[j]), adv: take(s.xKeep, done) as tf.Tensor4D, key: take(s.keyKeep, done) as tf.Tensor1D, loss: take(s.lossBest, done) as tf.Tensor1D });
    for (const key of Object.keys(s) as (keyof State)[]) {
      const t = take(s[key], keep);
      s[key].dispose();
      (s as Record<string, tf.Tensor>)[key] = t;
    }
    history = history.map((h) => {
      const t = take(h, keep) as tf.Tensor1D;
      h.dispose();
      return t;
    });
    const prevX = x;
    const prevLabels = labels;
    x = take(xAll, keep.map((j) => rows[j])) as tf.Tensor4D;
    const pick = (t: tf.Tensor1D) => take(t, keep.map((j) => rows[j])) as tf.Tensor1D;
    labels = {
      loss: pick(labelsAll.loss),
      targeted: labelsAll.targeted,
      trueLabels: labelsAll.trueLabels ? pick(labelsAll.trueLabels) : undefined,
      judge: pick(labelsAll.judge),
      judgeTargeted: labelsAll.judgeTargeted,
    };
    if (prevX !== xAll) disposeLocal(prevX, prevLabels);
    rows = keep.map((j) => rows[j]);
    n = keep.length;
  };
  const disposeLocal = (xl: tf.Tensor4D, l: ApgdLabels) => tf.dispose([xl, l.loss, l.judge, ...(l.trueLabels ? [l.trueLabels] : [])]);

  const { decrement, minimum } = apgdSchedule(o.steps);
  let k = apgdSchedule(o.steps).first;
  let counter = 0;
  try {
    for (let i = 0; i < o.steps; i++) {
      if (o.earlyStop) {
        const broken = s.keyKeep.dataSync();
        // key = broken + (1 − p̄_y) (targeted: reached + p̄_t): deep enough at 2 − stopAt.
        const done = Array.from({ length: n }, (_, j) => j).filter((j) => broken[j] >= 1 && broken[j] >= 2 - o.stopAt);
        if (done.length === n) {
          retire(done);
          break;
        }
        if (done.length > 0) retire(done);
      }
      const a = i > 0 ? APGD_MOMENTUM : 1;
      update(s, () => {
        const momentum = tf.sub(s.xAdv, s.xAdvOld);
        const z = project(tf.add(s.xAdv, tf.mul(s.stepSize, ascentDirection(s.grad, o.norm))) as tf.Tensor4D, x, o.eps, o.norm, o.bounds);
        const blended = tf.add(tf.add(s.xAdv, tf.mul(tf.sub(z, s.xAdv), a)), tf.mul(momentum, 1 - a)) as tf.Tensor4D;
        return { xAdv: project(blended, x, o.eps, o.norm, o.bounds), xAdvOld: tf.clone(s.xAdv) };
      });

      const g = grad(s.xAdv);
      try {
        update(s, () => {
          const gradNow = tf.where(col(tf.greater(g.finiteDraws, 0)), g.grad, s.grad) as tf.Tensor4D;
          const keyNow = keyOf(g);
          const worse = tf.greater(keyNow, s.keyKeep);
          const improved = tf.greater(g.loss, s.lossBest);
          return {
            grad: gradNow,
            xKeep: tf.where(col(worse), s.xAdv, s.xKeep) as tf.Tensor4D,
            keyKeep: tf.where(worse, keyNow, s.keyKeep) as tf.Tensor1D,
            xBest: tf.where(col(improved), s.xAdv, s.xBest) as tf.Tensor4D,
            gradBest: tf.where(col(improved), gradNow, s.gradBest) as tf.Tensor4D,
            lossBest: tf.where(improved, g.loss, s.lossBest) as tf.Tensor1D,
          };
        });
        history.push(tf.clone(g.loss));
      } finally {
        g.dispose();
      }

      counter += 1;
      if (counter === k) {
        const window = k;
        update(s, () => {
          let increases = tf.zeros([n]) as tf.Tensor1D;
          for (let c = 1; c < history.length; c++) increases = tf.add(increases, tf.cast(tf.greater(history[c], history[c - 1]), 'float32'));
          const oscillating = tf.lessEqual(increases, window * o.rho);
          const stalled = tf.logicalAnd(tf.logicalNot(s.reducedLastCheck), tf.greaterEqual(s.lossBestLastCheck, s.lossBest));
          const reduce = tf.logicalOr(oscillating, stalled) as tf.Tensor1D;
          return {
            reducedLastCheck: reduce,
            lossBestLastCheck: tf.clone(s.lossBest),
            stepSize: tf.where(col(reduce), tf.div(s.stepSize, 2), s.stepSize) as tf.Tensor4D,
            xAdv: tf.where(col(reduce), s.xBest, s.xAdv) as tf.Tensor4D,
            grad: tf.where(col(reduce), s.gradBest, s.grad) as tf.Tensor4D,
          };
        });
        const last = history[history.length - 1];
        history.slice(0, -1).forEach((t) => t.dispose());
        history = [last];
        k = Math.max(k - decrement, minimum);
        counter = 0;
      }
    }
    if (finished.length === 0) {
      return tf.tidy(() => ({
        adv: tf.clone(s.xKeep),
        broken: tf.greaterEqual(s.keyKeep, 1) as tf.Tensor1D,
        loss: tf.clone(s.lossBest),
        key: tf.clone(s.keyKeep),
      }));
    }
    // Retired images and the rest, back in the order of `xAll`.
    const parts = n > 0 ? [...finished, { rows, adv: s.xKeep, key: s.keyKeep, loss: s.lossBest }] : finished;
    const order = parts.flatMap((p) => p.rows);
    const inverse = new Array<number>(nAll);
    order.forEach((r, j) => (inverse[r] = j));
    return tf.tidy(() => {
      const idx = tf.tensor1d(inverse, 'int32');
      const cat = <T extends tf.Tensor>(ts: T[]) => tf.gather(ts.length === 1 ? ts[0] : tf.concat(ts, 0), idx) as T;
      const key = cat(parts.map((p) => p.key));
      return { adv: cat(parts.map((p) => p.adv)), broken: tf.greaterEqual(key, 1) as tf.Tensor1D, loss: cat(parts.map((p) => p.loss)), key };
    });
  } finally {
    tf.dispose(Object.values(s));
    tf.dispose(history);
    for (const f of finished) tf.dispose([f.adv, f.key, f.loss]);
    if (x !== xAll) disposeLocal(x, labels);
  }
}

/** APGD with its gradient statistics. */
export function apgdWithStats(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: ApgdOptions): AttackResult {
  const where = 'apgd';
  const o = resolveApgd(options, where);
  const { labelMax } = checkInputs(x, y, o.bounds, where);
  const ids = checkImageIds(options.imageIds, x.shape[0], where);
  const truth = options.trueLabels;
  if (truth && (truth.rank !== 1 || truth.shape[0] !== x.shape[0])) throw new Error(`${where}: trueLabels must be [${x.shape[0]}], got [${truth.shape}]`);
  const start = options.start;
  if (start !== undefined && (!(start instanceof tf.Tensor) || start.shape.join() !== x.shape.join())) throw new Error(`${where}: start must be a tensor of the shape of x [${x.shape}], got ${start instanceof tf.Tensor ? `[${start.shape}]` : String(start)}`);
  const stats = new GradientStatsAccumulator();
  if (o.eps === 0) return { adv: tf.clone(x), stats: stats.finish() };
  const labels: ApgdLabels = { loss: y, targeted: o.targeted, trueLabels: truth, judge: y, judgeTargeted: o.targeted };
  try {
    const adv = worstCaseOfRestarts(o.restarts, (r) => apgdRun(model, x, labels, o, labelMax, deriveSeed(o.seed, 'apgd', 'restart', r), ids, stats, where, r === 0 ? start : undefined));
    return { adv, stats: stats.finish() };
  } finally {
    stats.dispose();
  }
}

/** Auto-PGD (see the file comment). Gradient statistics go to `options.onStats`. */
export function apgd(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: ApgdOptions): tf.Tensor4D {
  const { adv, stats } = apgdWithStats(model, x, y, options);
  options.onStats?.(stats);
  return adv;
}
