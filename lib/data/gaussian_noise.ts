/**
 * Gaussian noise on inputs: `x + sigma · ε`, `ε ~ N(0, I)`, not clipped to the data range (as in
 * Cohen, Rosenfeld & Kolter, ICML 2019, whose smoothed classifier and training both use it).
 * It serves Gaussian data augmentation (`trainClassifier`'s `noiseSigma`) and the noise of the
 * smoothed classifier (`withGaussianSmoothing`). Seeded; differentiable in `x` (the noise is a
 * constant).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../seed';
import { standardNormals } from '../defenses/activation_noise';

/**
 * `x + sigma · ε` with `ε` drawn from `rng` (one standard normal per element). `sigma` must be a
 * finite number `>= 0`. The caller owns the result; `x` is not disposed.
 */
export function addGaussianNoise<T extends tf.Tensor>(x: T, sigma: number, rng: Rng): T {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) throw new Error(`sigma must be a finite number >= 0, got ${sigma}`);
  if (sigma === 0) return tf.clone(x);
  const eps = standardNormals(x.size, rng);
  return tf.tidy(() => tf.add(x, tf.mul(tf.tensor(eps, x.shape, 'float32'), sigma))) as T;
}
