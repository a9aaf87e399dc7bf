/**
 * Per-example attack losses computed from logits, each to be *maximised* by the attacker.
 *
 * With `z` the logits, `y` the label and `t` a target label:
 *
 * | loss      | untargeted                                   | targeted                    |
 * |-----------|----------------------------------------------|-----------------------------|
 * | `ce`      | `-log softmax(z)_y`                          | `log softmax(z)_t`          |
 * | `margin`  | `max_{j != y} z_j - z_y`                     | `z_t - max_{j != t} z_j`    |
 * | `dlr`     | `-(z_y - max_{j != y} z_j) / (z_π1 - z_π3 + 1e-12)` | not supported        |
 *
 * `margin` is the Carlini–Wagner margin (no confidence clamp) used by the released EOT attack on
 * SAP; `dlr` is the Difference of Logits Ratio of Croce & Hein, "Reliable evaluation of
 * adversarial robustness with an ensemble of diverse parameter-free attacks", ICML 2020
 * (arXiv:2003.01690), where `z_π1 >= z_π2 >= ...` are the sorted logits. All three are
 * invariant to adding a constant to a row of logits, so they give the same values on
 * `log softmax(z)` (and on logs of averaged probabilities).
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackLoss } from './types';

/** The largest logit other than the one at `labels` (`[n]`). */
export function maxOtherLogit(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const mask = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]), 'bool');
    return tf.max(tf.where(mask, tf.fill(logits.shape, -Infinity), logits), 1) as tf.Tensor1D;
  });
}

/** The logit at `labels` for each row (`[n]`); differentiable in `logits`. */
export function pickLogit(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(logits, tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1])), 1) as tf.Tensor1D);
}

/**
 * The attack loss per example, `[n]`, to maximise. `y` holds true labels, or target labels
 * when `targeted` is `true`.
 */
export function attackLoss(logits: tf.Tensor2D, y: tf.Tensor1D, loss: AttackLoss = 'ce', targeted = false): tf.Tensor1D {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    switch (loss) {
      case 'ce': {
        const logp = pickLogit(tf.logSoftmax(logits) as tf.Tensor2D, y);
        return targeted ? logp : tf.neg(logp);
      }
      case 'margin': {
        const diff = tf.sub(maxOtherLogit(logits, y), pickLogit(logits, y)) as tf.Tensor1D;
        return targeted ? tf.neg(diff) : diff;
      }
      case 'dlr': {
        if (targeted) throw new Error("the targeted DLR loss needs the true labels as well; use loss 'ce' or 'margin' with targeted");
        if (classes < 3) throw new Error(`the DLR loss needs at least 3 classes, got ${classes}`);
        // The largest and third-largest logits by masking argmaxes (TF.js has no TopK gradient).
        const z1 = tf.max(logits, 1) as tf.Tensor1D;
        // (Masks are combined with `add` and `cast`, ops the gradient tape can pass through.)
        const oh1 = tf.oneHot(tf.argMax(logits, 1), classes);
        const masked1 = tf.where(tf.cast(oh1, 'bool'), tf.fill(logits.shape, -Infinity), logits) as tf.Tensor2D;
        const second = tf.cast(tf.add(oh1, tf.oneHot(tf.argMax(masked1, 1), classes)), 'bool');
        const z3 = tf.max(tf.where(second, tf.fill(logits.shape, -Infinity), logits), 1) as tf.Tensor1D;
        const num = tf.sub(pickLogit(logits, y), maxOtherLogit(logits, y));
        return tf.neg(tf.div(num, tf.add(tf.sub(z1, z3), 1e-12))) as tf.Tensor1D;
      }
      default:
        throw new Error(`unknown loss ${JSON.stringify(loss)}; use 'ce', 'margin' or 'dlr'`);
    }
  });
}

/**
 * Whether each example is "broken" by its scores `[n, classes]` (logits or probabilities):
 * untargeted, the top class differs from `y`; targeted, the top class equals `y`.
 */
export function isBroken(scores: tf.Tensor2D, y: tf.Tensor1D, targeted = false): tf.Tensor1D {
  return tf.tidy(() => {
    const hit = tf.equal(tf.argMax(scores, 1), tf.cast(y, 'int32'));
    return (targeted ? hit : tf.logicalNot(hit)) as tf.Tensor1D;
  });
}
