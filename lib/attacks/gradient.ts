/**
 * The loss gradient every gradient attack uses, with Expectation over Transformation (EOT) and
 * explicit handling of non-finite gradients. This is the only place where Monte-Carlo gradients
 * are formed: `fgsm`, `pgd` and `apgd` all call `lossGradient`.
 *
 * EOT (Athalye, Engstrom, Ilyas, Kwok, "Synthesizing Robust Adversarial Examples", ICML 2018;
 * used against SAP in Athalye, Carlini, Wagner, ICML 2018, section 5.3): for a stochastic model
 * `f_θ` with random `θ`, the attacker follows `∇_x E_θ[L(f_θ(x), y)] ≈ (1/k) Σ_i ∇_x L(f_θi(x), y)`,
 * one fresh draw `θ_i` per call of `model(x)`. For a deterministic model every draw is the same,
 * so the average equals the plain gradient. The paper's own attack (Dhillon et al. 2018) is FGSM
 * with this average over 100 draws.
 *
 * Non-finite draws: SAP rescales survivors by `1 / (1 - (1 - p)^r)`, which can be huge, so a
 * draw's gradient can overflow to `Inf` or `NaN`. Per example, a draw whose gradient or loss is
 * not finite is left out of that example's average (its logits still count towards the averaged
 * probabilities if they are finite). The numbers of dropped draws and of examples with no
 * finite draw are returned per example and summed in `GradientStats`; attacks keep the previous
 * step direction for an example with no finite draw instead of taking a zero step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { attackLoss } from './losses';
import type { AttackLoss, GradientStats } from './types';
import { checkInt } from './validate';

export interface GradientOptions {
  /** Loss to maximise. Default `'ce'`. */
  loss?: AttackLoss;
  /** `y` holds target labels. Default `false`. */
  targeted?: boolean;
  /** Stochastic forward–backward passes to average. Default 1. */
  eotSamples?: number;
}

/** One EOT gradient of the attack loss. All tensors are owned by the caller (`dispose()` frees them). */
export interface LossGradient {
  /** Mean gradient over the finite draws, `[n, h, w, c]`; all zero for an example with no finite draw. */
  grad: tf.Tensor4D;
  /** Mean loss over the finite draws, `[n]`; `-Infinity` for an example with no finite draw. */
  loss: tf.Tensor1D;
  /** Softmax averaged over the draws with finite logits, `[n, classes]` (all zero if none). */
  probs: tf.Tensor2D;
  /** Finite draws per example, `[n]` float32 in `0..eotSamples`. */
  finiteDraws: tf.Tensor1D;
  /** Draws per example whose logits were not all finite, `[n]` float32. */
  nonFiniteLogits: tf.Tensor1D;
  /** `eotSamples` used. */
  samples: number;
  /** Frees every tensor above. */
  dispose(): void;
}

/**
 * The attack loss gradient with respect to `x`, averaged over `eotSamples` stochastic passes.
 * `x` `[n, h, w, c]`, `y` `[n]`. Inputs are not disposed.
 */
export function lossGradient(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, options: GradientOptions = {}): LossGradient {
  const samples = checkInt(options.eotSamples, 1, 'eotSamples', 1, 'lossGradient');
  const loss = options.loss ?? 'ce';
  const targeted = options.targeted ?? false;
  const n = x.shape[0];
  let gradSum: tf.Tensor4D | undefined;
  let lossSum: tf.Tensor1D | undefined;
  let count: tf.Tensor1D | undefined;
  let probsSum: tf.Tensor2D | undefined;
  let logitCount: tf.Tensor1D | undefined;
  const swap = <T extends tf.Tensor>(old: T | undefined, next: T): T => {
    old?.dispose();
    return next;
  };
  try {
    for (let s = 0; s < samples; s++) {
      const draw = tf.tidy(() => {
        let logits: tf.Tensor2D | undefined;
        const f = (xx: tf.Tensor4D): tf.Tensor1D => {
          const z = model(xx);
          if (z.rank !== 2 || z.shape[0] !== n) {
            throw new Error(`the model must return logits [n, classes] = [${n}, classes], got shape [${z.shape}]`);
          }
          logits = tf.keep(z);
          return attackLoss(z, y, loss, targeted);
        };
        const { value, grad } = tf.valueAndGrad(f)(x);
        const z = logits as unknown as tf.Tensor2D;
        const rowsFinite = (t: tf.Tensor) => tf.all(tf.isFinite(tf.reshape(t, [n, -1])), 1) as tf.Tensor1D;
        const ok = tf.logicalAnd(rowsFinite(grad), tf.isFinite(value)) as tf.Tensor1D;
        const zOk = rowsFinite(z);
        const okCol = tf.reshape(ok, [n, 1, 1, 1]);
        const out = {
          grad: tf.where(okCol, grad, 0) as tf.Tensor4D,
          loss: tf.where(ok, value, 0) as tf.Tensor1D,
          ok: tf.cast(ok, 'float32') as tf.Tensor1D,
          probs: tf.where(tf.reshape(zOk, [n, 1]), tf.softmax(z), 0) as tf.Tensor2D,
          zOk: tf.cast(zOk, 'float32') as tf.Tensor1D,
        };
        z.dispose();
        return out;
      });
      if (s === 0) {
        gradSum = draw.grad;
        lossSum = draw.loss;
        count = draw.ok;
        probsSum = draw.probs;
        logitCount = draw.zOk;
      } else {
        gradSum = swap(gradSum, tf.add(gradSum!, draw.grad));
        lossSum = swap(lossSum, tf.add(lossSum!, draw.loss));
        count = swap(count, tf.add(count!, draw.ok));
        probsSum = swap(probsSum, tf.add(probsSum!, draw.probs));
        logitCount = swap(logitCount, tf.add(logitCount!, draw.zOk));
        tf.dispose([draw.grad, draw.loss, draw.ok, draw.probs, draw.zOk]);
      }
    }
    const out = tf.tidy(() => {
      const c = count!;
      const denom = tf.maximum(c, 1);
      const any = tf.greater(c, 0);
      return {
        grad: tf.div(gradSum!, tf.reshape(denom, [n, 1, 1, 1])) as tf.Tensor4D,
        loss: tf.where(any, tf.div(lossSum!, denom), -Infinity) as tf.Tensor1D,
        probs: tf.div(probsSum!, tf.reshape(tf.maximum(logitCount!, 1), [n, 1])) as tf.Tensor2D,
        finiteDraws: tf.clone(c) as tf.Tensor1D,
        nonFiniteLogits: tf.sub(samples, logitCount!) as tf.Tensor1D,
      };
    });
    return {
      ...out,
      samples,
      dispose() {
        tf.dispose([out.grad, out.loss, out.probs, out.finiteDraws, out.nonFiniteLogits]);
      },
    };
  } finally {
    for (const t of [gradSum, lossSum, count, probsSum, logitCount]) t?.dispose();
  }
}

/**
 * Sums `GradientStats` over the gradient calls of one attack on the device and reads them once
 * at the end (no per-step `dataSync`).
 */
export class GradientStatsAccumulator {
  private totals: tf.Tensor1D | undefined; // [nonFiniteDraws, noFiniteDraw, nonFiniteLogits]
  private calls = 0;
  private draws = 0;

  /** Adds one `lossGradient` result. */
  add(g: LossGradient): void {
    const n = g.finiteDraws.shape[0];
    this.calls += 1;
    this.draws += n * g.samples;
    const next = tf.tidy(() => {
      const step = tf.stack([
        tf.sum(tf.sub(g.samples, g.finiteDraws)),
        tf.sum(tf.cast(tf.equal(g.finiteDraws, 0), 'float32')),
        tf.sum(g.nonFiniteLogits),
      ]) as tf.Tensor1D;
      return this.totals ? (tf.add(this.totals, step) as tf.Tensor1D) : step;
    });
    this.totals?.dispose();
    this.totals = next;
  }

  /** Merges counts of another accumulator (e.g. of another restart) and resets it. */
  merge(other: GradientStatsAccumulator): void {
    if (!other.totals) return;
    const next = this.totals ? (tf.add(this.totals, other.totals) as tf.Tensor1D) : tf.clone(other.totals);
    this.totals?.dispose();
    this.totals = next;
    this.calls += other.calls;
    this.draws += other.draws;
    other.dispose();
  }

  /** Reads the totals (one device read) and frees the accumulator. */
  finish(): GradientStats {
    const [nonFiniteDraws, noFiniteDraw, nonFiniteLogits] = this.totals ? Array.from(this.totals.dataSync()) : [0, 0, 0];
    const stats: GradientStats = {
      gradientCalls: this.calls,
      draws: this.draws,
      nonFiniteDraws: Math.round(nonFiniteDraws),
      noFiniteDraw: Math.round(noFiniteDraw),
      nonFiniteLogits: Math.round(nonFiniteLogits),
    };
    this.dispose();
    return stats;
  }

  /** Frees the device counters. */
  dispose(): void {
    this.totals?.dispose();
    this.totals = undefined;
    this.calls = 0;
    this.draws = 0;
  }
}
