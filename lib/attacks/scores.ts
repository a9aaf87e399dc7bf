/**
 * How saplab scores a possibly stochastic model on (adversarial) inputs, stated once and used by
 * every attack, by `robustAccuracy` and by the `autoAttack` suite:
 *
 * - **Prediction.** The prediction on `x` is the argmax of the softmax averaged over `K` forward
 *   passes (`averagedProbs`; K = `predictSamples`, the paper's 100 for SAP, 1 for a deterministic
 *   model). An image counts as broken when that argmax differs from its label (untargeted) or
 *   equals the target (targeted).
 * - **Which iterate an attack keeps.** Within an attack, per image, the iterate kept is the worst
 *   for the model under the same averaged scoring (`worstCaseKey`): a broken iterate beats an
 *   unbroken one, and among iterates alike in that, the one with the lowest averaged probability of
 *   the true class (targeted: the highest averaged probability of the target) wins. The averages
 *   are over the attack's own draws at that iterate (its EOT samples), so an iterate is not kept
 *   because one lucky draw misclassified it (cf. `fra31/auto-attack` PR 105).
 *
 * Restarts and attack sequences combine per image with the same rule (`keepWorstCase`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { attackLoss, isBroken, pickLogit } from './losses';
import type { AttackLoss } from './types';

/** Rows per forward pass when several draws of a small batch are stacked (models with `independentRows`). */
const ROWS_PER_PASS = 64;

/**
 * Per-pass log-softmax of `samples` stochastic passes, `[samples, n, classes]`. For a model whose
 * rows draw independently (`model.independentRows`), several draws run as one pass over the
 * batch repeated (up to `rowsPerPass` rows), which is faster on small batches.
 */
function passLogProbs(model: Model, x: tf.Tensor4D, samples: number, rowsPerPass = ROWS_PER_PASS): tf.Tensor3D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const perPass = model.stochastic && model.independentRows && n > 0 ? Math.max(1, Math.min(samples, Math.floor(rowsPerPass / n))) : 1;
    const parts: tf.Tensor[] = [];
    for (let done = 0; done < samples; ) {
      const k = Math.min(perPass, samples - done);
      const xs = k === 1 ? x : (tf.concat(Array.from({ length: k }, () => x), 0) as tf.Tensor4D);
      const z = model(xs);
      if (z.rank !== 2 || z.shape[0] !== k * n) {
        throw new Error(`the model must return logits [n, classes] = [${k * n}, classes], got shape [${z.shape}]`);
      }
      parts.push(tf.reshape(tf.logSoftmax(z), [k, n, z.shape[1]]));
      done += k;
    }
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor3D;
  });
}

/**
 * `log` of the softmax averaged over `samples` forward passes, `[n, classes]`, computed stably
 * as a log-mean-exp of the per-pass log-softmax. With one pass it is `logSoftmax(model(x))`.
 * Every attack loss gives the same value on these as on logits when `samples` is 1.
 */
export function averagedLogProbs(model: Model, x: tf.Tensor4D, samples: number): tf.Tensor2D {
  return tf.tidy(() => {
    const passes = passLogProbs(model, x, samples);
    if (samples === 1) return tf.squeeze(passes, [0]) as tf.Tensor2D;
    return tf.sub(tf.logSumExp(passes, 0), Math.log(samples)) as tf.Tensor2D;
  });
}

/** The softmax averaged over `samples` forward passes, `[n, classes]` (the prediction rule's scores). */
export function averagedProbs(model: Model, x: tf.Tensor4D, samples: number): tf.Tensor2D {
  return tf.tidy(() => tf.mean(tf.exp(passLogProbs(model, x, samples)), 0) as tf.Tensor2D);
}

/**
 * The prediction rule: per example, whether the argmax of the softmax averaged over `samples`
 * passes equals `y`. Reads `n` booleans from the device.
 */
export async function averagedCorrect(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, samples: number): Promise<boolean[]> {
  const hit = tf.tidy(() => tf.equal(tf.argMax(averagedProbs(model, x, samples), 1), tf.cast(y, 'int32')));
  const data = await hit.data();
  hit.dispose();
  return Array.from(data, (v) => v !== 0);
}

/**
 * How bad an iterate is for the model under averaged scoring, `[n]` in `[0, 2]` (higher is
 * worse): untargeted, `broken + (1 − p̄_y)`; targeted, `reached + p̄_t`, with `p̄` the averaged
 * probabilities `probs` `[n, classes]`. Comparing keys is the "keep the broken iterate, else the
 * one with the lowest averaged probability of the true class" rule of the file comment.
 */
export function worstCaseKey(probs: tf.Tensor2D, y: tf.Tensor1D, targeted = false): tf.Tensor1D {
  return tf.tidy(() => {
    const broken = tf.cast(isBroken(probs, y, targeted), 'float32');
    const p = pickLogit(probs, y);
    return tf.add(broken, targeted ? p : tf.sub(1, p)) as tf.Tensor1D;
  });
}

/**
 * `cond ? a : b` for bool tensors of one shape, with logical ops (the WebAssembly backend's
 * `Select` kernel does not handle bool operands).
 */
export function selectBool(cond: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.logicalOr(tf.logicalAnd(cond, a), tf.logicalAnd(tf.logicalNot(cond), b)) as tf.Tensor1D);
}

/** Per-example outcome of an attack candidate. */
interface Scored {
  /** `[n]` bool: misclassified (untargeted) or classified as the target (targeted). */
  broken: tf.Tensor1D;
  /** `[n]` attack loss on the averaged predictions (higher is worse for the model). */
  loss: tf.Tensor1D;
  /** `[n]` `worstCaseKey` of the averaged predictions (higher is worse for the model). */
  key: tf.Tensor1D;
}

/** Scores `x` with the averaged predictions of `samples` passes. */
export function scoreInputs(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, opts: { samples: number; loss: AttackLoss; targeted: boolean; trueLabels?: tf.Tensor1D }): Scored {
  return tf.tidy(() => {
    const logp = averagedLogProbs(model, x, opts.samples);
    const loss = attackLoss(logp, y, opts.loss, opts.targeted, opts.trueLabels);
    // A loss that is NaN ranks lowest.
    return {
      broken: isBroken(logp, y, opts.targeted),
      loss: tf.where(tf.isNaN(loss), -Infinity, loss) as tf.Tensor1D,
      key: worstCaseKey(tf.exp(logp) as tf.Tensor2D, y, opts.targeted),
    };
  });
}

/** A candidate adversarial batch with its per-example outcome. */
export interface Candidate extends Scored {
  adv: tf.Tensor4D;
}

/**
 * Combines two candidates per example, keeping the worst case for the model by `worstCaseKey`
 * (broken beats unbroken; then the lower averaged probability of the true class). On equal keys
 * the earlier candidate stays. Returns a new candidate; disposes neither input.
 */
export function keepWorstCase(best: Candidate, cand: Candidate): Candidate {
  return tf.tidy(() => {
    const take = tf.greater(cand.key, best.key) as tf.Tensor1D;
    const n = best.adv.shape[0];
    return {
      adv: tf.where(tf.reshape(take, [n, 1, 1, 1]), cand.adv, best.adv) as tf.Tensor4D,
      broken: selectBool(take, cand.broken, best.broken),
      loss: tf.where(take, cand.loss, best.loss) as tf.Tensor1D,
      key: tf.where(take, cand.key, best.key) as tf.Tensor1D,
    };
  });
}

/** Frees the tensors of a candidate (no-op for `undefined`). */
export function disposeCandidate(c: Candidate | undefined): void {
  if (c) tf.dispose([c.adv, c.broken, c.loss, c.key]);
}

/**
 * Runs `restarts` attempts and keeps, per example, the worst case for the model (see
 * `keepWorstCase`). `attempt(r)` returns a candidate whose tensors it hands over. Returns the
 * kept candidate; the caller owns it.
 */
export function worstCaseCandidate(restarts: number, attempt: (r: number) => Candidate): Candidate {
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
    const out = best!;
    best = undefined;
    return out;
  } finally {
    disposeCandidate(best);
  }
}

/** `worstCaseCandidate` returning only the adversarial batch (the caller owns it). */
export function worstCaseOfRestarts(restarts: number, attempt: (r: number) => Candidate): tf.Tensor4D {
  const best = worstCaseCandidate(restarts, attempt);
  tf.dispose([best.broken, best.loss, best.key]);
  return best.adv;
}
