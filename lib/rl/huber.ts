/**
 * The Huber loss DQN minimises on the temporal-difference error (Mnih et al. 2015 clip the error
 * term to [−1, 1], which is the gradient of this loss with δ = 1):
 * `L(x) = x² / 2` for `|x| ≤ δ`, `δ · (|x| − δ / 2)` otherwise.
 */
import * as tf from '@tensorflow/tfjs';

/** Elementwise Huber loss of `x` (same shape as `x`). Default `delta` 1. */
export function huber(x: tf.Tensor, delta = 1): tf.Tensor {
  if (!(delta > 0)) throw new Error(`huber: delta must be positive, got ${delta}`);
  return tf.tidy(() => {
    const a = tf.abs(x);
    const quad = tf.minimum(a, delta);
    return tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(delta, tf.sub(a, quad)));
  });
}
