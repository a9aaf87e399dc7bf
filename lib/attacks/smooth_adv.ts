/**
 * SmoothAdv: PGD-L2 against a Gaussian-smoothed classifier (Salman, Yang, Li, Zhang, Zhang,
 * Razenshteyn, Bubeck, "Provably Robust Deep Learning via Adversarially Trained Smoothed
 * Classifiers", NeurIPS 2019, https://arxiv.org/abs/1906.04584, section 3).
 *
 * The hard smoothed classifier `g` has no useful gradient, so the attack ascends the loss of the
 * soft smoothed classifier `G(x) = E_ε[softmax(f(x + ε))]`, `ε ~ N(0, σ²I)`:
 * `L(x) = −log G(x)_y ≈ −log((1/m) Σ_i softmax(f(x + ε_i))_y)` with `m = noiseSamples` draws per
 * step. This is not the EOT average of per-draw cross-entropies (the log is outside the mean);
 * `softSmoothedModel` forms it as a model whose logits are `log Ĝ(x)`, and `pgd` (the one gradient
 * loop, through `lossGradient`) attacks that model with `norm: 'l2'` and cross-entropy.
 * `eotSamples > 1` further averages the gradients of several such estimates.
 *
 * Threat model: white-box, `‖x_adv − x‖₂ <= eps`, inside `bounds`. Shapes as `pgd`. Defaults as
 * `pgd` (steps 40, relStepsize 2.5/steps, randomStart true), plus `noiseSamples 8`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import type { SmoothedModel } from '../defenses/smoothing';
import { pgd, resolvePgdOptions, type PgdOptions, type ResolvedPgdOptions } from './pgd';
import { checkInt } from './validate';

/**
 * The soft smoothed classifier as a model: logits `log((1/m) Σ_i softmax(f(x + ε_i)))` over `m`
 * fresh noise draws of `smoothed` (a `withGaussianSmoothing` model). Cross-entropy on these logits
 * is SmoothAdv's loss. Stochastic; reseeding reseeds `smoothed`.
 */
export function softSmoothedModel(smoothed: SmoothedModel, noiseSamples = 8): Model {
  if (typeof smoothed !== 'function' || typeof smoothed.sigma !== 'number') throw new Error('softSmoothedModel expects a model from withGaussianSmoothing');
  const m = checkInt(noiseSamples, 8, 'noiseSamples', 1, 'softSmoothedModel');
  const fn: Model = (x) =>
    tf.tidy(() => {
      const n = x.shape[0];
      const xs = m === 1 ? x : (tf.concat(Array.from({ length: m }, () => x), 0) as tf.Tensor4D);
      const probs = tf.softmax(smoothed(xs));
      const mean = m === 1 ? probs : tf.mean(tf.reshape(probs, [m, n, probs.shape[1] as number]), 0);
      return tf.log(tf.maximum(mean, 1e-30)) as tf.Tensor2D;
    });
  fn.stochastic = true;
  fn.independentRows = smoothed.independentRows;
  fn.label = `soft-${smoothed.label ?? 'smoothed'}(m=${m})`;
  fn.reseed = (s: number) => smoothed.reseed(s);
  return fn;
}

/** Options of `smoothAdv`: those of `pgd` without `norm` and `loss` (L2 and cross-entropy), plus `noiseSamples`. */
export interface SmoothAdvOptions extends Omit<PgdOptions, 'norm' | 'loss'> {
  /** Noise draws `m` in each estimate of the soft classifier. Default 8. */
  noiseSamples?: number;
}

/** SmoothAdv's options other than `eps`, `bounds`, `seed` and the callback, with their defaults filled in. */
export interface ResolvedSmoothAdvOptions extends Omit<ResolvedPgdOptions, 'norm' | 'loss'> {
  noiseSamples: number;
}

/** The keys of `ResolvedSmoothAdvOptions`: the options a protocol may fix for SmoothAdv. */
export const SMOOTH_ADV_OPTION_KEYS: readonly (keyof ResolvedSmoothAdvOptions)[] = ['steps', 'relStepsize', 'randomStart', 'restarts', 'targeted', 'eotSamples', 'noiseSamples'];

/**
 * SmoothAdv's defaults and checks, declared once: `smoothAdv` runs on them, and configs, the
 * factory and cost models read them. PGD's defaults for the PGD keys, `noiseSamples` 8; `norm` and
 * `loss` are fixed (L2, cross-entropy on the soft classifier) and rejected when given.
 */
export function resolveSmoothAdvOptions(options: Omit<SmoothAdvOptions, 'eps'> | Partial<SmoothAdvOptions>, where = 'smoothAdv'): ResolvedSmoothAdvOptions {
  for (const k of ['norm', 'loss'] as const) {
    if ((options as Record<string, unknown>)[k] !== undefined) throw new Error(`${where}: ${k} is fixed (L2, cross-entropy on the soft smoothed classifier) and cannot be given`);
  }
  const { norm: _n, loss: _l, ...pgdOptions } = resolvePgdOptions({ ...options, norm: 'l2', loss: 'ce' } as PgdOptions, where);
  return { ...pgdOptions, noiseSamples: checkInt(options.noiseSamples, 8, 'noiseSamples', 1, where) };
}

/**
 * SmoothAdv's PGD-L2 on a smoothed classifier (see the file comment). Returns the adversarial
 * batch; the caller owns it. The model's noise stream is reseeded from `seed` first.
 */
export function smoothAdv(model: SmoothedModel, x: tf.Tensor4D, y: tf.Tensor1D, options: SmoothAdvOptions): tf.Tensor4D {
  if (options === undefined || options === null || typeof options !== 'object') throw new Error('smoothAdv: options with eps are required');
  const { noiseSamples } = resolveSmoothAdvOptions(options);
  const { noiseSamples: _m, ...rest } = options;
  const soft = softSmoothedModel(model, noiseSamples);
  if (rest.seed !== undefined) soft.reseed!(rest.seed);
  return pgd(soft, x, y, { ...rest, norm: 'l2', loss: 'ce' });
}
