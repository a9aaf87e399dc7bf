/**
 * Auto-PGD (APGD): PGD with momentum and a step size that adapts itself at checkpoints.
 *
 * Croce, Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, https://arxiv.org/abs/2003.01690; reference
 * implementation `fra31/auto-attack`, `autoattack/autopgd_base.py` (`APGDAttack`).
 *
 * Threat model: white-box, untargeted (or targeted with `loss: 'ce' | 'margin'`), L-inf or L2
 * ball of radius `eps` inside `bounds`. For randomised defenses AutoAttack's "rand" version runs
 * APGD-CE and APGD-DLR with `eotSamples: 20`; the EOT gradient comes from `lossGradient`.
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
 * Losses: `'ce'` and `'dlr'` (the paper's pair), and `'margin'`. With EOT, the loss tracked per
 * example is the mean over the finite draws, and "broken" is judged on the softmax averaged over
 * the same draws.
 *
 * Output per example: the last iterate that broke it if any did, otherwise its highest-loss
 * point (the reference returns `x` unchanged for unbroken examples; the highest-loss point is the
 * more useful input to re-evaluate a stochastic model on). Restarts keep the worst case.
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
import { GradientStatsAccumulator, lossGradient, type LossGradient } from './gradient';
import { isBroken } from './losses';
import { ascentDirection, l2Norms, projectToBall as project } from './lp_ball';
import type { AttackResult } from './pgd';
import { worstCaseOfRestarts, type Candidate } from './scores';
import type { AttackLoss, AttackNorm, GradientAttackOptions } from './types';
import { checkBounds, checkClasses, checkEps, checkInputs, checkInt, checkLoss, checkNorm, checkSeed } from './validate';

export interface ApgdOptions extends GradientAttackOptions {
  /** `'linf'` or `'l2'`. Default `'linf'`. */
  norm?: AttackNorm;
  /** Iterations per restart (`N_iter`). Default 100. */
  steps?: number;
  /** Independent runs from random starts; the worst case per example is kept. Default 1. */
  restarts?: number;
  /** Fraction of increasing steps below which the step size is halved (`rho`). Default 0.75. */
  rho?: number;
}

/** The momentum of APGD (`alpha` in the paper). */
export const APGD_MOMENTUM = 0.75;

interface ResolvedApgd {
  eps: number;
  norm: AttackNorm;
  steps: number;
  restarts: number;
  rho: number;
  loss: AttackLoss;
  targeted: boolean;
  eotSamples: number;
  bounds: [number, number];
  seed: number;
}

function resolve(options: ApgdOptions, where: string): ResolvedApgd {
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
}

/** The keys of `ResolvedApgdOptions`: the options a protocol may fix for APGD. */
export const APGD_OPTION_KEYS: readonly (keyof ResolvedApgdOptions)[] = ['norm', 'steps', 'restarts', 'rho', 'loss', 'targeted', 'eotSamples'];

/**
 * APGD's defaults and checks, declared once: `apgd` runs on them, and configs and cost models
 * read them. Throws the error `apgd` itself would give for a bad option.
 */
export function resolveApgdOptions(options: Omit<ApgdOptions, 'eps'> | Partial<ApgdOptions>, where = 'apgd'): ResolvedApgdOptions {
  const rho = options.rho ?? 0.75;
  if (typeof rho !== 'number' || !(rho > 0 && rho <= 1)) throw new Error(`${where}: rho must be in (0, 1], got ${String(options.rho)}`);
  const loss = checkLoss(options.loss, where);
  const targeted = options.targeted ?? false;
  if (targeted && loss === 'dlr') throw new Error(`${where}: the targeted DLR loss is not supported; use loss 'ce' or 'margin' with targeted`);
  return {
    norm: checkNorm(options.norm, where),
    steps: checkInt(options.steps, 100, 'steps', 1, where),
    restarts: checkInt(options.restarts, 1, 'restarts', 1, where),
    rho,
    loss,
    targeted,
    eotSamples: checkInt(options.eotSamples, 1, 'eotSamples', 1, where),
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
  xBestAdv: tf.Tensor4D;
  lossBest: tf.Tensor1D;
  unbroken: tf.Tensor1D;
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

function run(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: ResolvedApgd, labelMax: number, seed: number, stats: GradientStatsAccumulator, where: string): Candidate {
  const n = x.shape[0];
  const col = (t: tf.Tensor) => tf.reshape(t, [n, 1, 1, 1]);
  const grad = (at: tf.Tensor4D) => {
    const g = lossGradient(model, at, y, { loss: o.loss, targeted: o.targeted, eotSamples: o.eotSamples });
    try {
      checkClasses(g.probs.shape[1], labelMax, o.loss, where);
    } catch (e) {
      g.dispose();
      throw e;
    }
    stats.add(g);
    return g;
  };

  const x0 = tf.tidy(() => {
    const t =
      o.norm === 'linf'
        ? tf.randomUniform(x.shape, -1, 1, 'float32', deriveSeed(seed, 'start'))
        : tf.randomNormal(x.shape, 0, 1, 'float32', deriveSeed(seed, 'start'));
    const size = o.norm === 'linf' ? tf.reshape(tf.max(tf.abs(tf.reshape(t, [n, -1])), 1), [n, 1, 1, 1]) : l2Norms(t as tf.Tensor4D);
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
    xBestAdv: tf.clone(x0),
    lossBest: tf.clone(g0.loss),
    unbroken: tf.logicalNot(isBroken(g0.probs, y, o.targeted)) as tf.Tensor1D,
    stepSize: tf.fill([n, 1, 1, 1], 2 * o.eps) as tf.Tensor4D,
    lossBestLastCheck: tf.clone(g0.loss),
    reducedLastCheck: tf.onesLike(g0.loss).cast('bool') as tf.Tensor1D,
  }));
  // Losses since the last checkpoint, preceded by the loss at the last checkpoint (or at x0).
  let history: tf.Tensor1D[] = [tf.clone(g0.loss)];
  g0.dispose();

  const { decrement, minimum } = apgdSchedule(o.steps);
  let k = apgdSchedule(o.steps).first;
  let counter = 0;
  try {
    for (let i = 0; i < o.steps; i++) {
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
          const brokenNow = isBroken(g.probs, y, o.targeted);
          const improved = tf.greater(g.loss, s.lossBest);
          return {
            grad: gradNow,
            unbroken: tf.logicalAnd(s.unbroken, tf.logicalNot(brokenNow)) as tf.Tensor1D,
            xBestAdv: tf.where(col(brokenNow), s.xAdv, s.xBestAdv) as tf.Tensor4D,
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
    return tf.tidy(() => ({
      adv: tf.where(col(s.unbroken), s.xBest, s.xBestAdv) as tf.Tensor4D,
      broken: tf.logicalNot(s.unbroken) as tf.Tensor1D,
      loss: tf.clone(s.lossBest),
    }));
  } finally {
    tf.dispose(Object.values(s));
    tf.dispose(history);
  }
}

/** APGD with its gradient statistics. */
export function apgdWithStats(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: ApgdOptions): AttackResult {
  const where = 'apgd';
  const o = resolve(options, where);
  const { labelMax } = checkInputs(x, y, o.bounds, where);
  const stats = new GradientStatsAccumulator();
  if (o.eps === 0) return { adv: tf.clone(x), stats: stats.finish() };
  try {
    const adv = worstCaseOfRestarts(o.restarts, (r) => run(model, x, y, o, labelMax, deriveSeed(o.seed, 'apgd', 'restart', r), stats, where));
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
