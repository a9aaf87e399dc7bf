/**
 * Per-example attack losses computed from logits, each to be *maximised* by the attacker.
 *
 * With `z` the logits, `y` the label and `t` a target label:
 *
 * | loss      | untargeted                                   | targeted                    |
 * |-----------|----------------------------------------------|-----------------------------|
 * | `ce`      | `-log softmax(z)_y`                          | `log softmax(z)_t`          |
 * | `margin`  | `max_{j != y} z_j - z_y`                     | `z_t - max_{j != t} z_j`    |
 * | `dlr`     | `-(z_y - max_{j != y} z_j) / (z_π1 - z_π3 + 1e-12)` | `-(z_y - z_t) / (z_π1 - (z_π3 + z_π4) / 2 + 1e-12)` |
 *
 * The targeted DLR loss needs both labels: the target `t` (passed as `y` when `targeted`) and the
 * true label (`trueLabels`); it is AutoAttack's loss for APGD-T (`dlr_loss_targeted` in
 * `fra31/auto-attack`, `autopgd_base.py`) and needs at least 4 classes.
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
function maxOtherLogit(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
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
 * The `k` largest logits per row, `[n]` each, largest first (`k <= classes`). Ties count once per
 * class (`[2, 2, 1]` gives `2, 2, 1`). Built by masking successive argmaxes, because TF.js has no
 * gradient for `TopK`; the result is differentiable in `logits`.
 */
export function sortedLogits(logits: tf.Tensor2D, k: number): tf.Tensor1D[] {
  const classes = logits.shape[1];
  if (!Number.isInteger(k) || k < 1 || k > classes) throw new Error(`sortedLogits: k must be an integer in [1, ${classes}], got ${k}`);
  return tf.tidy(() => {
    const out: tf.Tensor1D[] = [];
    let taken: tf.Tensor2D | undefined;
    for (let j = 0; j < k; j++) {
      // (Masks are combined with `add` and `cast`, ops the gradient tape can pass through.)
      const masked = taken ? (tf.where(tf.cast(taken, 'bool'), tf.fill(logits.shape, -Infinity), logits) as tf.Tensor2D) : logits;
      out.push(tf.max(masked, 1) as tf.Tensor1D);
      if (j < k - 1) {
        const oh = tf.oneHot(tf.argMax(masked, 1), classes) as tf.Tensor2D;
        taken = taken ? (tf.add(taken, oh) as tf.Tensor2D) : oh;
      }
    }
    return out;
  });
}

/**
 * The attack loss per example, `[n]`, to maximise. `y` holds true labels, or target labels
 * when `targeted` is `true`; `trueLabels` (the true labels) is needed only by the targeted DLR loss.
 */
export function attackLoss(logits: tf.Tensor2D, y: tf.Tensor1D, loss: AttackLoss = 'ce', targeted = false, trueLabels?: tf.Tensor1D): tf.Tensor1D {
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
        if (targeted) {
          if (!trueLabels) throw new Error('the targeted DLR loss needs the true labels as well (trueLabels)');
          if (classes < 4) throw new Error(`the targeted DLR loss needs at least 4 classes, got ${classes}`);
          if (trueLabels.shape[0] !== logits.shape[0]) throw new Error(`trueLabels has ${trueLabels.shape[0]} labels for ${logits.shape[0]} rows of logits`);
          const [z1, , z3, z4] = sortedLogits(logits, 4);
          const num = tf.sub(pickLogit(logits, trueLabels), pickLogit(logits, y));
          const den = tf.add(tf.sub(z1, tf.mul(tf.add(z3, z4), 0.5)), 1e-12);
          return tf.neg(tf.div(num, den)) as tf.Tensor1D;
        }
        if (classes < 3) throw new Error(`the DLR loss needs at least 3 classes, got ${classes}`);
        const [z1, , z3] = sortedLogits(logits, 3);
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
