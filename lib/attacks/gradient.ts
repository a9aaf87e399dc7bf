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

/** Options of `lossGradient`. */
export interface GradientOptions {
  /** Loss to maximise. Default `'ce'`. */
  loss?: AttackLoss;
  /** `y` holds target labels. Default `false`. */
  targeted?: boolean;
  /** The true labels `[n]`, needed (only) by the targeted DLR loss. */
  trueLabels?: tf.Tensor1D;
  /** Stochastic forward–backward passes to average. Default 1. */
  eotSamples?: number;
  /**
   * What the EOT average is taken of, for the cross-entropy loss. `'loss'`: the mean of the
   * per-draw losses, `E[−log p_y]` (Athalye et al.'s EOT). `'probs'`: the loss of the averaged
   * softmax, `−log E[p_y]` (targeted: `log E[p_t]`), whose gradient `−E[∇p_y] / E[p_y]` is the
   * prediction rule's own (`scores.ts`: the argmax of the averaged softmax): it weighs each draw by
   * how much it still supports the true class, where `E[−log p_y]` is dominated by draws already
   * lost. The returned `loss` is then that of the averaged softmax. Default `'loss'`.
   */
  average?: EotAverage;
  /**
   * For models whose rows draw independently (`model.independentRows`, e.g. `withSap`): several
   * draws of a small batch run as one pass of up to this many rows (the batch repeated), which is
   * faster on small batches. Default 64; 0 or 1 turns it off.
   */
  rowsPerPass?: number;
}

/** What an EOT gradient averages: the per-draw losses, or the softmax (then the loss of the average). */
export type EotAverage = 'loss' | 'probs';

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
  /** `true` when every draw's gradient, loss and logits were finite for every example (then
   * `finiteDraws` is `samples` and `nonFiniteLogits` 0 everywhere). */
  allFinite: boolean;
  /** Frees every tensor above. */
  dispose(): void;
}

/** One pass of `k` draws: per-draw gradients `[k·n, ...]`, losses `[k·n]`, logits `[k·n, classes]`. */
interface Pass {
  k: number;
  grad: tf.Tensor;
  loss: tf.Tensor;
  logits: tf.Tensor2D;
}

/** Running sums over draws. `count`/`logitCount` are uniform (numbers) until a draw is dropped. */
interface Sums {
  grad?: tf.Tensor4D;
  loss?: tf.Tensor1D;
  probs?: tf.Tensor2D;
  count: number | tf.Tensor1D;
  logitCount: number | tf.Tensor1D;
}

function addInto<T extends tf.Tensor>(old: T | undefined, next: T): T {
  if (!old) return next;
  const out = tf.add(old, next) as T;
  old.dispose();
  next.dispose();
  return out;
}

function addCount(old: number | tf.Tensor1D, next: number | tf.Tensor1D): number | tf.Tensor1D {
  if (typeof old === 'number' && typeof next === 'number') return old + next;
  const out = tf.add(old, next) as tf.Tensor1D;
  if (typeof old !== 'number') old.dispose();
  if (typeof next !== 'number') next.dispose();
  return out;
}

/** Sum over the `k` draws of a pass: `[k·n, ...rest]` → `[n, ...rest]`. */
function sumDraws(t: tf.Tensor, k: number, n: number): tf.Tensor {
  return k === 1 ? tf.clone(t) : tf.sum(tf.reshape(t, [k, n, ...t.shape.slice(1)]), 0);
}

/**
 * Adds one pass to the sums. Fast path: a pass whose summed gradient, loss and logits are finite
 * had only finite values (a sum with an Inf or NaN term is never finite), so its draws all count;
 * this costs three reductions and one scalar read. Otherwise each draw of each example is checked
 * and the non-finite ones are left out, as the module comment describes.
 */
function accumulate(sums: Sums, pass: Pass, n: number): void {
  const { k } = pass;
  const fast = tf.tidy(() => {
    const g = sumDraws(pass.grad, k, n) as tf.Tensor4D;
    const l = sumDraws(pass.loss, k, n) as tf.Tensor1D;
    const p = sumDraws(tf.softmax(pass.logits), k, n) as tf.Tensor2D;
    const check = tf.addN([tf.sum(g), tf.sum(l), tf.sum(pass.logits)]);
    return { g, l, p, check };
  });
  const finite = Number.isFinite(fast.check.dataSync()[0]);
  fast.check.dispose();
  if (finite) {
    sums.grad = addInto(sums.grad, fast.g);
    sums.loss = addInto(sums.loss, fast.l);
    sums.probs = addInto(sums.probs, fast.p);
    sums.count = addCount(sums.count, k);
    sums.logitCount = addCount(sums.logitCount, k);
    return;
  }
  tf.dispose([fast.g, fast.l, fast.p]);
  const exact = tf.tidy(() => {
    const rows = k * n;
    const rowsFinite = (t: tf.Tensor) => tf.all(tf.isFinite(tf.reshape(t, [rows, -1])), 1) as tf.Tensor1D;
    const ok = tf.logicalAnd(rowsFinite(pass.grad), tf.isFinite(pass.loss)) as tf.Tensor1D;
    const zOk = rowsFinite(pass.logits);
    const okCol = tf.reshape(ok, [rows, ...pass.grad.shape.slice(1).map(() => 1)]);
    return {
      g: sumDraws(tf.where(okCol, pass.grad, 0), k, n) as tf.Tensor4D,
      l: sumDraws(tf.where(ok, pass.loss, 0), k, n) as tf.Tensor1D,
      p: sumDraws(tf.where(tf.reshape(zOk, [rows, 1]), tf.softmax(pass.logits), 0), k, n) as tf.Tensor2D,
      c: sumDraws(tf.cast(ok, 'float32'), k, n) as tf.Tensor1D,
      zc: sumDraws(tf.cast(zOk, 'float32'), k, n) as tf.Tensor1D,
    };
  });
  sums.grad = addInto(sums.grad, exact.g);
  sums.loss = addInto(sums.loss, exact.l);
  sums.probs = addInto(sums.probs, exact.p);
  sums.count = addCount(sums.count, exact.c);
  sums.logitCount = addCount(sums.logitCount, exact.zc);
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
  const rowsPerPass = options.rowsPerPass ?? 64;
  const average = options.average ?? 'loss';
  if (average !== 'loss' && average !== 'probs') throw new Error(`lossGradient: average must be 'loss' or 'probs', got ${JSON.stringify(options.average)}`);
  if (average === 'probs' && loss !== 'ce') throw new Error(`lossGradient: average 'probs' is defined for the cross-entropy loss, got ${JSON.stringify(loss)}`);
  // With average 'probs', each draw contributes ±p_y (its gradient and value summed like a loss),
  // turned into the loss of the averaged softmax and its gradient at the end.
  const ofProbs = average === 'probs' && samples > 1;
  const perPass = model.stochastic && model.independentRows && n > 0 ? Math.max(1, Math.min(samples, Math.floor(rowsPerPass / n))) : 1;
  const sums: Sums = { count: 0, logitCount: 0 };
  try {
    for (let done = 0; done < samples; ) {
      const k = Math.min(perPass, samples - done);
      const t = tf.tidy(() => {
        const xs = k === 1 ? x : (tf.concat(Array.from({ length: k }, () => x), 0) as tf.Tensor4D);
        const ys = k === 1 ? y : (tf.concat(Array.from({ length: k }, () => y), 0) as tf.Tensor1D);
        const truth = options.trueLabels;
        const ts = !truth || k === 1 ? truth : (tf.concat(Array.from({ length: k }, () => truth), 0) as tf.Tensor1D);
        let logits: tf.Tensor2D | undefined;
        const f = (xx: tf.Tensor4D): tf.Tensor1D => {
          const z = model(xx);
          if (z.rank !== 2 || z.shape[0] !== k * n) {
            throw new Error(`the model must return logits [n, classes] = [${k * n}, classes], got shape [${z.shape}]`);
          }
          logits = tf.keep(z);
          if (ofProbs) {
            const p = tf.exp(tf.neg(attackLoss(z, ys, 'ce', false))) as tf.Tensor1D; // p_y of this draw
            return targeted ? p : tf.neg(p);
          }
          return attackLoss(z, ys, loss, targeted, ts);
        };
        const { value, grad } = tf.valueAndGrad(f)(xs);
        return { grad, loss: value, logits: logits as unknown as tf.Tensor2D };
      });
      const pass: Pass = { k, ...t };
      try {
        accumulate(sums, pass, n);
      } finally {
        tf.dispose([pass.grad, pass.loss, pass.logits]);
      }
      done += k;
    }
    const out = tf.tidy(() => {
      const { count, logitCount } = sums;
      if (typeof count === 'number' && typeof logitCount === 'number') {
        // Every draw finite (count === samples).
        return {
          grad: (samples === 1 ? tf.clone(sums.grad!) : tf.div(sums.grad!, samples)) as tf.Tensor4D,
          loss: (samples === 1 ? tf.clone(sums.loss!) : tf.div(sums.loss!, samples)) as tf.Tensor1D,
          probs: (samples === 1 ? tf.clone(sums.probs!) : tf.div(sums.probs!, samples)) as tf.Tensor2D,
          finiteDraws: tf.fill([n], samples) as tf.Tensor1D,
          nonFiniteLogits: tf.zeros([n]) as tf.Tensor1D,
        };
      }
      const c = typeof count === 'number' ? (tf.fill([n], count) as tf.Tensor1D) : count;
      const zc = typeof logitCount === 'number' ? (tf.fill([n], logitCount) as tf.Tensor1D) : logitCount;
      const denom = tf.maximum(c, 1);
      const any = tf.greater(c, 0);
      return {
        grad: tf.div(sums.grad!, tf.reshape(denom, [n, 1, 1, 1])) as tf.Tensor4D,
        loss: tf.where(any, tf.div(sums.loss!, denom), -Infinity) as tf.Tensor1D,
        probs: tf.div(sums.probs!, tf.reshape(tf.maximum(zc, 1), [n, 1])) as tf.Tensor2D,
        finiteDraws: tf.clone(c) as tf.Tensor1D,
        nonFiniteLogits: tf.sub(samples, zc) as tf.Tensor1D,
      };
    });
    if (ofProbs) {
      // out.loss is ∓E[p] over the finite draws and out.grad E[∇(∓p)]: the loss of the averaged
      // softmax is ∓log E[p] (−Infinity kept for an example with no finite draw), its gradient
      // E[∇(∓p)] / E[p].
      const fixed = tf.tidy(() => {
        const meanP = tf.abs(out.loss);
        const safe = tf.maximum(meanP, 1e-30);
        const logP = tf.log(safe);
        return {
          grad: tf.div(out.grad, tf.reshape(safe, [n, 1, 1, 1])) as tf.Tensor4D,
          loss: tf.where(tf.isFinite(out.loss), targeted ? logP : tf.neg(logP), -Infinity) as tf.Tensor1D,
        };
      });
      tf.dispose([out.grad, out.loss]);
      Object.assign(out, fixed);
    }
    const allFinite = typeof sums.count === 'number' && typeof sums.logitCount === 'number';
    return {
      ...out,
      samples,
      allFinite,
      dispose() {
        tf.dispose([out.grad, out.loss, out.probs, out.finiteDraws, out.nonFiniteLogits]);
      },
    };
  } finally {
    for (const t of [sums.grad, sums.loss, sums.probs]) t?.dispose();
    if (typeof sums.count !== 'number') sums.count.dispose();
    if (typeof sums.logitCount !== 'number') sums.logitCount.dispose();
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
    if (g.allFinite) return; // nothing to count
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
