/**
 * Randomized smoothing's noise model (Cohen, Rosenfeld & Kolter, "Certified Adversarial Robustness
 * via Randomized Smoothing", ICML 2019, https://arxiv.org/abs/1902.02918; `locuslab/smoothing`,
 * `code/core.py`). The smoothed classifier is `g(x) = argmax_c P(f(x + ε) = c)`, `ε ~ N(0, σ²I)`.
 *
 * `withGaussianSmoothing(f, { sigma })` is the stochastic model `x ↦ f(x + σε)`, fresh `ε` on every
 * call: what the attacks, EOT and `predictProbs` already understand (its averaged softmax is the
 * "soft" smoothed classifier of Salman et al. 2019). Gradients flow to `x` (the noise is a
 * constant). `sampleCounts` counts the votes `f(x + σε)` per class, the Monte-Carlo core of
 * `predictSmoothed` and `certify` (see `smoothing_certify.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, deriveSeed, Rng } from '../seed';
import { asModel, type Model } from '../models/model';
import { addGaussianNoise } from '../data/gaussian_noise';
import type { ProgressCallback } from '../util/progress';

/** Options of `withGaussianSmoothing`. */
export interface GaussianSmoothingOptions {
  /** Standard deviation of the Gaussian noise on the input, `> 0` (in the units of `x`). Required. */
  sigma: number;
  /** Seed of the noise stream. Default `DEFAULT_SEED`. */
  seed?: number;
}

/** The stochastic model `x ↦ f(x + σε)` returned by `withGaussianSmoothing`. */
export type SmoothedModel = Model & {
  /** The base classifier `f`. */
  base: Model;
  /** The noise level σ. */
  sigma: number;
  /** Restarts the noise stream (and a stochastic base's stream) from `seed`. */
  reseed: (seed: number) => void;
};

/** Throws unless `sigma` is a finite number `> 0`. */
export function checkSmoothingSigma(sigma: unknown): number {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) throw new Error(`sigma must be a finite number > 0, got ${sigma}`);
  return sigma;
}

/**
 * Gaussian input noise in front of a classifier (see the file comment). Rows draw independent
 * noise, so EOT may batch several draws as one pass. Seeded: after `reseed(s)` the same calls give
 * the same numbers.
 */
export function withGaussianSmoothing(model: tf.LayersModel | Model, options: GaussianSmoothingOptions): SmoothedModel {
  const sigma = checkSmoothingSigma(options?.sigma);
  const base = asModel(model);
  let rng: Rng;
  const fn = ((x: tf.Tensor4D) => tf.tidy(() => base(addGaussianNoise(x, sigma, rng)))) as SmoothedModel;
  fn.stochastic = true;
  fn.independentRows = !base.stochastic || base.independentRows === true;
  fn.label = `gaussian-smoothing-${sigma}${base.label ? `(${base.label})` : ''}`;
  fn.base = base;
  fn.sigma = sigma;
  fn.reseed = (s: number) => {
    rng = new Rng(deriveSeed(s, 'smoothing-noise'));
    base.reseed?.(deriveSeed(s, 'smoothing-base'));
  };
  fn.reseed(options.seed ?? DEFAULT_SEED);
  return fn;
}

/** Options of `sampleCounts`. */
export interface SampleCountsOptions {
  /** Noisy copies evaluated per forward pass (rows of several images may share a pass). Default 1000. */
  batchSize?: number;
  /** Reseeds the model's noise stream first. Default: the stream continues. */
  seed?: number;
  /** Called with (rows done, rows total). */
  onProgress?: ProgressCallback;
}

/**
 * Votes of the base classifier under noise: `counts[i][c]` = how many of `num` draws of
 * `model(x_i)` (a `SmoothedModel`, or any stochastic model) have argmax `c`. `x` `[m, h, w, c]`;
 * returns `m` arrays of class counts. Nothing is disposed but what it creates.
 */
export function sampleCounts(model: Model, x: tf.Tensor4D, num: number, options: SampleCountsOptions = {}): number[][] {
  if (!Number.isInteger(num) || num < 1) throw new Error(`sampleCounts: the number of samples must be a positive integer, got ${num}`);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`sampleCounts: batchSize must be a positive integer, got ${batchSize}`);
  if (x.rank !== 4) throw new Error(`sampleCounts expects x of rank 4 [m,h,w,c], got [${x.shape}]`);
  if (options.seed !== undefined) {
    if (!model.reseed) throw new Error('sampleCounts: a seed was given but the model cannot be reseeded');
    model.reseed(options.seed);
  }
  const m = x.shape[0];
  const counts: number[][] = Array.from({ length: m }, () => []);
  const total = m * num;
  // Rows in image-major order: image 0's num copies, then image 1's, ...; a pass takes the next batchSize.
  for (let start = 0; start < total; start += batchSize) {
    const size = Math.min(batchSize, total - start);
    const owner = new Int32Array(size);
    for (let r = 0; r < size; r++) owner[r] = Math.floor((start + r) / num);
    const votes = tf.tidy(() => {
      const xs = tf.gather(x, tf.tensor1d(owner, 'int32')) as tf.Tensor4D;
      const logits = model(xs);
      if (logits.rank !== 2 || logits.shape[0] !== size) throw new Error(`the model must return logits [n, classes] = [${size}, classes], got shape [${logits.shape}]`);
      return tf.argMax(logits, 1);
    });
    const v = votes.dataSync();
    votes.dispose();
    for (let r = 0; r < size; r++) {
      const row = counts[owner[r]];
      row[v[r]] = (row[v[r]] ?? 0) + 1;
    }
    options.onProgress?.(start + size, total);
  }
  return counts.map((row) => Array.from(row, (c) => c ?? 0));
}
