/**
 * How noisy the loss gradient of a stochastic model is, and how Expectation over Transformation
 * (EOT) averaging tames it: the variance of a `k`-sample EOT gradient for several `k`.
 *
 * For independent draws the variance of the average of `k` single-draw gradients is
 * `Var_1 / k`. SAP's rescaling `1 / (1 - (1 - p)^r)` makes single draws heavy-tailed (a rarely
 * kept unit is scaled up enormously when it is kept), so variances estimated from separate runs
 * for each `k` scatter widely. Here they are estimated from one pool of single-draw gradients by
 * batch means: the pool is split into disjoint groups of `k`, each group's mean is one `k`-sample
 * EOT gradient (exactly what `lossGradient` with `eotSamples: k` averages), and the variance is
 * taken across groups. Every `k` then sees the same draws, rare ones included.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { lossGradient } from './gradient';
import type { AttackLoss } from './types';
import { checkInt } from './validate';

/** Options of `eotGradientVariance`. */
export interface EotGradientVarianceOptions {
  /** The numbers of samples `k` to evaluate (each `>= 1`, with at least two groups: `2k <= draws`). */
  eotSamples: number[];
  /** Single-draw gradients in the pool. Default `4 · max(eotSamples)`. */
  draws?: number;
  /** Loss whose gradient is taken. Default `'ce'`. */
  loss?: AttackLoss;
}

/** Variance of the EOT gradient at each number of samples. */
export interface EotGradientVarianceResult {
  /** The `k` values, in the order given. */
  eotSamples: number[];
  /**
   * Variance of the `k`-sample EOT gradient: summed over input dimensions, averaged over
   * examples (unbiased across the `⌊draws / k⌋` groups).
   */
  variance: number[];
  /** `variance[0] · eotSamples[0] / eotSamples[i]`: what `1/k` scaling from the first `k` predicts. */
  predicted: number[];
  /** Single-draw gradients used. */
  draws: number;
}

/**
 * Variance of the EOT loss gradient of `model` at `x` (`[n, h, w, c]`, labels `y` `[n]`) for each
 * `k` in `eotSamples`, by batch means over `draws` single-draw gradients (see the file comment).
 * Zero for a deterministic model. Inputs are not disposed; no tensors are left behind.
 */
export function eotGradientVariance(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: EotGradientVarianceOptions): EotGradientVarianceResult {
  const where = 'eotGradientVariance';
  const ks = options?.eotSamples;
  if (!Array.isArray(ks) || ks.length === 0) throw new Error(`${where}: eotSamples must be a non-empty array of positive integers`);
  ks.forEach((k) => checkInt(k, 1, 'eotSamples', 1, where));
  const draws = checkInt(options.draws, 4 * Math.max(...ks), 'draws', 2, where);
  for (const k of ks) if (2 * k > draws) throw new Error(`${where}: eotSamples ${k} needs draws >= ${2 * k} (two groups), got ${draws}`);
  const n = x.shape[0];
  const pool: tf.Tensor4D[] = [];
  try {
    for (let i = 0; i < draws; i++) {
      const g = lossGradient(model, x, y, { loss: options.loss, eotSamples: 1 });
      pool.push(tf.clone(g.grad));
      g.dispose();
    }
    const variance = tf.tidy(() => {
      const all = tf.stack(pool) as tf.Tensor; // [draws, n, h, w, c]
      return ks.map((k) => {
        const groups = Math.floor(draws / k);
        const used = tf.slice(all, 0, groups * k);
        const means = tf.mean(tf.reshape(used, [groups, k, n, -1]), 1); // [groups, n, d]
        const v = tf.sum(tf.moments(means, 0).variance).dataSync()[0];
        return (v * groups) / (groups - 1) / n;
      });
    });
    return { eotSamples: [...ks], variance, predicted: ks.map((k) => (variance[0] * ks[0]) / k), draws };
  } finally {
    tf.dispose(pool);
  }
}
