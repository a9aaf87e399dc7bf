/**
 * The batch operations `BatchWorkers` can split over threads. The main thread and the workers run
 * this same code, so a split batch gives the same numbers as the whole batch: every operation is
 * a sum of per-example terms (the mean over the whole batch is formed with the *total* batch size
 * as the divisor, passed in as `scale`).
 */
import * as tf from '@tensorflow/tfjs';

/** `logits`: the model's logits. `ce-gradient`: gradient of `scale · Σ_i CE(logits_i, y_i)` w.r.t. the input. */
export type BatchOp = 'logits' | 'ce-gradient';

/**
 * Runs `op` on a slice of the batch. `y` (integer labels) and `scale` are needed by
 * `ce-gradient`. Returns a new tensor; inputs are not disposed.
 */
export function runBatchOp(net: tf.LayersModel, op: BatchOp, x: tf.Tensor4D, y?: tf.Tensor1D, scale = 1): tf.Tensor {
  return tf.tidy(() => {
    if (op === 'logits') return net.apply(x, { training: false }) as tf.Tensor;
    if (op !== 'ce-gradient') throw new Error(`unknown batch operation ${JSON.stringify(op)}`);
    if (!y) throw new Error('ce-gradient needs labels');
    const classes = net.outputs[0].shape[1] as number;
    const onehot = tf.oneHot(tf.cast(y, 'int32'), classes);
    const loss = (a: tf.Tensor) => {
      const logits = net.apply(a, { training: false }) as tf.Tensor2D;
      const ce = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1));
      return tf.mul(tf.sum(ce), scale) as tf.Scalar;
    };
    return tf.grad(loss)(x);
  });
}
