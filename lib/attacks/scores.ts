/**
 * Forward-only scoring used by the attacks and by `robustAccuracy`: predictions of a possibly
 * stochastic model averaged over several passes, the attack loss on them, and the rule that
 * combines restarts (keep the worst case per example).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { attackLoss, isBroken } from './losses';
import type { AttackLoss } from './types';

/**
 * `log` of the softmax averaged over `samples` forward passes, `[n, classes]`, computed stably
 * as a log-mean-exp of the per-pass log-softmax. With one pass it is `logSoftmax(model(x))`.
 * Every attack loss gives the same value on these as on logits when `samples` is 1.
 */
export function averagedLogProbs(model: Model, x: tf.Tensor4D, samples: number): tf.Tensor2D {
  return tf.tidy(() => {
    const passes: tf.Tensor2D[] = [];
    for (let s = 0; s < samples; s++) {
      const z = model(x);
      if (z.rank !== 2 || z.shape[0] !== x.shape[0]) {
        throw new Error(`the model must return logits [n, classes] = [${x.shape[0]}, classes], got shape [${z.shape}]`);
      }
      passes.push(tf.logSoftmax(z) as tf.Tensor2D);
    }
    if (samples === 1) return passes[0];
    return tf.sub(tf.logSumExp(tf.stack(passes), 0), Math.log(samples)) as tf.Tensor2D;
  });
}

/** Per-example outcome of an attack candidate. */
export interface Scored {
  /** `[n]` bool: misclassified (untargeted) or classified as the target (targeted). */
  broken: tf.Tensor1D;
  /** `[n]` attack loss on the averaged predictions (higher is worse for the model). */
  loss: tf.Tensor1D;
}

/** Scores `x` with the averaged predictions of `samples` passes. */
export function scoreInputs(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, opts: { samples: number; loss: AttackLoss; targeted: boolean }): Scored {
  return tf.tidy(() => {
    const logp = averagedLogProbs(model, x, opts.samples);
    const loss = attackLoss(logp, y, opts.loss, opts.targeted);
    // A loss that is NaN ranks lowest.
    return { broken: isBroken(logp, y, opts.targeted), loss: tf.where(tf.isNaN(loss), -Infinity, loss) as tf.Tensor1D };
  });
}

/** A candidate adversarial batch with its per-example outcome. */
export interface Candidate extends Scored {
  adv: tf.Tensor4D;
}

/**
 * Combines two candidates per example, keeping the worst case for the model: an example counts
 * as broken if either candidate breaks it (the earlier broken one is kept), and among unbroken
 * ones the higher loss wins. Returns a new candidate; disposes neither input.
 */
export function keepWorstCase(best: Candidate, cand: Candidate): Candidate {
  return tf.tidy(() => {
    const takeBroken = tf.logicalAnd(cand.broken, tf.logicalNot(best.broken));
    const bothUnbroken = tf.logicalNot(tf.logicalOr(cand.broken, best.broken));
    const take = tf.logicalOr(takeBroken, tf.logicalAnd(bothUnbroken, tf.greater(cand.loss, best.loss))) as tf.Tensor1D;
    const n = best.adv.shape[0];
    return {
      adv: tf.where(tf.reshape(take, [n, 1, 1, 1]), cand.adv, best.adv) as tf.Tensor4D,
      broken: tf.logicalOr(best.broken, cand.broken) as tf.Tensor1D,
      loss: tf.where(take, cand.loss, best.loss) as tf.Tensor1D,
    };
  });
}

export function disposeCandidate(c: Candidate | undefined): void {
  if (c) tf.dispose([c.adv, c.broken, c.loss]);
}

/**
 * Runs `restarts` attempts and keeps, per example, the worst case for the model (see
 * `keepWorstCase`). `attempt(r)` returns a candidate whose tensors it hands over. Returns the
 * adversarial batch; the caller owns it.
 */
export function worstCaseOfRestarts(restarts: number, attempt: (r: number) => Candidate): tf.Tensor4D {
  let best: Candidate | undefined;
  try {
    for (let r = 0; r < restarts; r++) {
      const cand = attempt(r);
      if (!best) {
        best = cand;
      } else {
        const next = keepWorstCase(best, cand);
        disposeCandidate(best);
        disposeCandidate(cand);
        best = next;
      }
    }
    const adv = best!.adv;
    tf.dispose([best!.broken, best!.loss]);
    best = undefined;
    return adv;
  } finally {
    disposeCandidate(best);
  }
}
