/**
 * Projected Gradient Descent: the one gradient loop of saplab (FGSM is this loop with one step).
 *
 * Madry, Makelov, Schmidt, Tsipras, Vladu, "Towards Deep Learning Models Resistant to Adversarial
 * Attacks", ICLR 2018, https://arxiv.org/abs/1706.06083 (random start, projected steps);
 * Kurakin, Goodfellow, Bengio, "Adversarial examples in the physical world", 2017 (iterative FGSM).
 *
 * Threat model: white-box, untargeted (or targeted), perturbations with `||x_adv - x||_inf <= eps`
 * (`norm: 'linf'`) or `||x_adv - x||_2 <= eps` (`norm: 'l2'`), inside `bounds`. With
 * `eotSamples > 1` the gradient is the EOT average over stochastic passes (the adaptive attack on
 * randomised defenses such as SAP); see `lossGradient`.
 *
 * Each step: `x ← Π(x + α · d(g))` with `g` the (EOT) loss gradient, `d(g) = sign(g)` (L-inf) or
 * `g / ||g||_2` (L2), `α = relStepsize · eps`, and `Π` the projection onto the eps-ball and the box.
 *
 * Shapes: `x` `[n, h, w, c]` float32 in `bounds`; `y` `[n]` integer labels (target labels when
 * `targeted`); returns `[n, h, w, c]`, owned by the caller.
 *
 * Defaults: `norm 'linf'`, `steps 40`, `relStepsize 2.5 / steps` (Madry et al.'s rule, which lets
 * the iterate cross the ball 2.5 times), `randomStart true`, `restarts 1`, `loss 'ce'`,
 * `eotSamples 1`, `bounds [0, 1]`, `seed DEFAULT_SEED`.
 *
 * Restarts: each restart starts from its own random point; per example the worst case is kept
 * (broken if any restart breaks it, judged on the softmax averaged over `eotSamples` passes;
 * among unbroken restarts the one with the highest loss). Restart 0 uses the same seed as a
 * single run, so adding restarts never weakens the attack on a deterministic model.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { deriveSeed } from '../seed';
import { GradientStatsAccumulator, lossGradient } from './gradient';
import { ascentDirection, projectToBall as project, randomInBall as randomPoint } from './lp_ball';
import { scoreInputs, worstCaseOfRestarts } from './scores';
import type { AttackLoss, AttackNorm, GradientAttackOptions, GradientStats } from './types';
import { checkBounds, checkClasses, checkEps, checkInputs, checkInt, checkLoss, checkNorm, checkPositive, checkSeed } from './validate';

export interface PgdOptions extends GradientAttackOptions {
  /** `'linf'` or `'l2'`. Default `'linf'`. */
  norm?: AttackNorm;
  /** Gradient steps per restart. Default 40. */
  steps?: number;
  /** Step size relative to `eps` (`α = relStepsize · eps`). Default `2.5 / steps`. */
  relStepsize?: number;
  /** Start from a uniform random point of the eps-ball (else from `x`). Default `true`. */
  randomStart?: boolean;
  /** Independent runs; the worst case per example is kept. Default 1. */
  restarts?: number;
}

/** The adversarial batch together with the gradient statistics of the run. */
export interface AttackResult {
  adv: tf.Tensor4D;
  stats: GradientStats;
}

interface ResolvedPgd {
  eps: number;
  norm: AttackNorm;
  steps: number;
  alpha: number;
  randomStart: boolean;
  restarts: number;
  loss: AttackLoss;
  targeted: boolean;
  eotSamples: number;
  bounds: [number, number];
  seed: number;
}

function resolve(options: PgdOptions, where: string): ResolvedPgd {
  if (options === undefined || options === null || typeof options !== 'object') throw new Error(`${where}: options with eps are required`);
  const eps = checkEps(options.eps, where);
  const { relStepsize, ...o } = resolvePgdOptions(options, where);
  return { eps, ...o, alpha: relStepsize * eps, bounds: checkBounds(options.bounds, where), seed: checkSeed(options.seed, where) };
}

/** PGD's options other than `eps`, `bounds`, `seed` and the callback, with their defaults filled in. */
export interface ResolvedPgdOptions {
  norm: AttackNorm;
  steps: number;
  relStepsize: number;
  randomStart: boolean;
  restarts: number;
  loss: AttackLoss;
  targeted: boolean;
  eotSamples: number;
}

/** The keys of `ResolvedPgdOptions`: the options a protocol may fix for PGD. */
export const PGD_OPTION_KEYS: readonly (keyof ResolvedPgdOptions)[] = ['norm', 'steps', 'relStepsize', 'randomStart', 'restarts', 'loss', 'targeted', 'eotSamples'];

/**
 * PGD's defaults and checks, declared once: `pgd` runs on them, and configs, the CLI and cost
 * models read them. Throws the error `pgd` itself would give for a bad option.
 */
export function resolvePgdOptions(options: Omit<PgdOptions, 'eps'> | Partial<PgdOptions>, where = 'pgd'): ResolvedPgdOptions {
  const steps = checkInt(options.steps, 40, 'steps', 1, where);
  return {
    norm: checkNorm(options.norm, where),
    steps,
    relStepsize: checkPositive(options.relStepsize, 2.5 / steps, 'relStepsize', where),
    randomStart: options.randomStart ?? true,
    restarts: checkInt(options.restarts, 1, 'restarts', 1, where),
    loss: checkLoss(options.loss, where),
    targeted: options.targeted ?? false,
    eotSamples: checkInt(options.eotSamples, 1, 'eotSamples', 1, where),
  };
}

/** One PGD run from one starting point. */
function run(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: ResolvedPgd, labelMax: number, seed: number, stats: GradientStatsAccumulator, where: string): tf.Tensor4D {
  const n = x.shape[0];
  let xAdv = o.randomStart ? randomPoint(x, o.eps, o.norm, o.bounds, seed) : tf.clone(x);
  let prev: tf.Tensor4D | undefined;
  try {
    for (let t = 0; t < o.steps; t++) {
      const g = lossGradient(model, xAdv, y, { loss: o.loss, targeted: o.targeted, eotSamples: o.eotSamples });
      try {
        if (t === 0) checkClasses(g.probs.shape[1], labelMax, o.loss, where);
        stats.add(g);
        const [next, dir] = tf.tidy(() => {
          // An example with no finite draw keeps its previous direction.
          const d = (prev && !g.allFinite ? tf.where(tf.reshape(tf.greater(g.finiteDraws, 0), [n, 1, 1, 1]), g.grad, prev) : tf.clone(g.grad)) as tf.Tensor4D;
          const stepped = tf.add(xAdv, tf.mul(ascentDirection(d, o.norm), o.alpha)) as tf.Tensor4D;
          return [project(stepped, x, o.eps, o.norm, o.bounds), d];
        });
        xAdv.dispose();
        prev?.dispose();
        xAdv = next;
        prev = dir;
      } finally {
        g.dispose();
      }
    }
    return xAdv;
  } catch (e) {
    xAdv.dispose();
    throw e;
  } finally {
    prev?.dispose();
  }
}

/** Shared driver of `pgd` and `fgsm`: validates, runs the restarts, keeps the worst case. */
export function runPgd(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: PgdOptions, where = 'pgd'): AttackResult {
  const o = resolve(options, where);
  const { labelMax } = checkInputs(x, y, o.bounds, where);
  const stats = new GradientStatsAccumulator();
  if (o.eps === 0) return { adv: tf.clone(x), stats: stats.finish() };
  try {
    const attempt = (r: number) => run(model, x, y, o, labelMax, deriveSeed(o.seed, 'pgd', 'restart', r), stats, where);
    if (o.restarts === 1) return { adv: attempt(0), stats: stats.finish() };
    const adv = worstCaseOfRestarts(o.restarts, (r) => {
      const cand = attempt(r);
      try {
        return { adv: cand, ...scoreInputs(model, cand, y, { samples: o.eotSamples, loss: o.loss, targeted: o.targeted }) };
      } catch (e) {
        cand.dispose();
        throw e;
      }
    });
    return { adv, stats: stats.finish() };
  } finally {
    stats.dispose();
  }
}

/**
 * Projected gradient descent (see the file comment). Returns the adversarial batch; the gradient
 * statistics go to `options.onStats`.
 */
export function pgd(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: PgdOptions): tf.Tensor4D {
  const { adv, stats } = runPgd(model, x, y, options, 'pgd');
  options.onStats?.(stats);
  return adv;
}

/** `pgd` that also returns the gradient statistics of the run. */
export function pgdWithStats(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: PgdOptions): AttackResult {
  return runPgd(model, x, y, options, 'pgd');
}
