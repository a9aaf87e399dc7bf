/**
 * Geometry of the L-inf and L2 threat models: steepest-ascent directions, projections onto the
 * eps-ball around `x` intersected with the box `bounds`, and seeded random starting points.
 * All functions are per example over `[n, h, w, c]` tensors and return new tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../seed';
import type { AttackNorm } from './types';

/** Euclidean norm of each example, shaped `[n, 1, 1, 1]` for broadcasting. */
export function l2Norms(v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.reshape(tf.sqrt(tf.sum(tf.square(tf.reshape(v, [v.shape[0], -1])), 1)), [v.shape[0], 1, 1, 1]) as tf.Tensor4D);
}

/**
 * The unit steepest-ascent direction for gradient `g`: `sign(g)` for L-inf, `g / ||g||_2` for L2
 * (zero where `g` is zero).
 */
export function ascentDirection(g: tf.Tensor4D, norm: AttackNorm): tf.Tensor4D {
  return tf.tidy(() => {
    if (norm === 'linf') return tf.sign(g);
    return tf.div(g, tf.add(l2Norms(g), 1e-12)) as tf.Tensor4D;
  });
}

/**
 * Projects `xAdv` onto `{ |xAdv - x|_norm <= eps } ∩ [lo, hi]`: L-inf by clipping each pixel,
 * L2 by rescaling `xAdv - x` to length `min(||xAdv - x||, eps)`, then clipping to `bounds`
 * (clipping can only shrink an L2 perturbation, so the result stays in the ball).
 */
export function projectToBall(xAdv: tf.Tensor4D, x: tf.Tensor4D, eps: number, norm: AttackNorm, bounds: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    let delta = tf.sub(xAdv, x) as tf.Tensor4D;
    if (norm === 'linf') {
      delta = tf.clipByValue(delta, -eps, eps);
    } else {
      const len = l2Norms(delta);
      const factor = tf.div(tf.minimum(len, eps), tf.maximum(len, 1e-12));
      delta = tf.mul(delta, factor) as tf.Tensor4D;
    }
    return tf.clipByValue(tf.add(x, delta), bounds[0], bounds[1]) as tf.Tensor4D;
  });
}

/**
 * A random point of the eps-ball around `x`, clipped to `bounds`: uniform in the L-inf box, or
 * uniform in the L2 ball (Gaussian direction, radius `eps * u^(1/d)`). Seeded by `seed`.
 */
export function randomInBall(x: tf.Tensor4D, eps: number, norm: AttackNorm, bounds: [number, number], seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    let delta: tf.Tensor4D;
    if (norm === 'linf') {
      delta = tf.randomUniform(x.shape, -eps, eps, 'float32', deriveSeed(seed, 'uniform')) as tf.Tensor4D;
    } else {
      const n = x.shape[0];
      const d = x.size / n;
      const dir = tf.randomNormal(x.shape, 0, 1, 'float32', deriveSeed(seed, 'direction')) as tf.Tensor4D;
      const u = tf.randomUniform([n, 1, 1, 1], 0, 1, 'float32', deriveSeed(seed, 'radius'));
      const radius = tf.mul(eps, tf.pow(u, 1 / d));
      delta = tf.mul(tf.div(dir, tf.add(l2Norms(dir), 1e-12)), radius) as tf.Tensor4D;
    }
    return tf.clipByValue(tf.add(x, delta), bounds[0], bounds[1]) as tf.Tensor4D;
  });
}
