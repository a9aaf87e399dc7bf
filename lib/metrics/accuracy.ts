/**
 * Accuracy with a Wilson score interval.
 *
 * The Wilson interval (Wilson, 1927; Newcombe, 1998, method 3) inverts the normal test of a
 * binomial proportion: for `k` successes in `n` trials, `p = k / n`,
 * `centre = (p + z²/2n) / (1 + z²/n)`, `half = z / (1 + z²/n) · sqrt(p(1 - p)/n + z²/4n²)`.
 * Unlike the Wald interval `p ± z·sqrt(p(1-p)/n)` it stays inside [0, 1] and keeps a sensible
 * width at 0% and 100% accuracy, which are common under strong attacks.
 */
import * as tf from '@tensorflow/tfjs';
import { isMatrixInput, LabelsInput, ProbsInput, readLabels, readMatrix, readVector, rowArgMax } from './inputs';

/** A Wilson score interval for a proportion. */
export interface WilsonInterval {
  /** Lower end, in [0, 1]. */
  low: number;
  /** Upper end, in [0, 1]. */
  high: number;
}

/**
 * The Wilson score interval of `successes` out of `n` trials.
 * `z` defaults to 1.96 (a 95% interval). Throws when `n <= 0`, `successes` is outside `[0, n]`
 * or an argument is not finite.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): WilsonInterval {
  if (!Number.isFinite(n) || n <= 0) throw new Error(`wilsonInterval: n must be a positive number, got ${n}`);
  if (!Number.isFinite(successes) || successes < 0 || successes > n) {
    throw new Error(`wilsonInterval: successes must be in [0, n] = [0, ${n}], got ${successes}`);
  }
  if (!Number.isFinite(z) || z <= 0) throw new Error(`wilsonInterval: z must be a positive number, got ${z}`);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p = 0 or 1 one end is exactly 0 or 1; rounding must not push it past.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/** Options of `accuracy`. */
export interface AccuracyOptions {
  /** `z` of the interval. Default 1.96 (95%). */
  z?: number;
}

/** Accuracy of a set of predictions with its Wilson interval. */
export interface AccuracyResult {
  /** Fraction of correct examples. */
  accuracy: number;
  /** Lower end of the Wilson interval. */
  low: number;
  /** Upper end of the Wilson interval. */
  high: number;
  /** Number of examples. */
  n: number;
  /** Number of correct examples. */
  correct: number;
}

/** Correctness flags `[n]`: booleans or 0/1, as a 1-D tensor or an array. */
export type CorrectInput = tf.Tensor | ArrayLike<number> | ArrayLike<boolean>;

/**
 * Accuracy and its Wilson interval.
 *
 * - `accuracy(probs, y)`: `probs` `[n, classes]` (probabilities or logits: only the argmax
 *   matters; ties go to the first class, as `tf.argMax`) against integer labels `y` `[n]`.
 * - `accuracy(correct)`: correctness flags `[n]` (booleans or 0/1), e.g. from several runs
 *   concatenated. Passing `y` with a 1-D input is an error, since flags and predicted labels
 *   cannot be told apart.
 *
 * Throws on an empty input, mismatched lengths, non-finite values or bad labels. Tensors are
 * read, never disposed, and no tensors are left behind.
 */
export function accuracy(probsOrCorrect: ProbsInput | CorrectInput, y?: LabelsInput, options: AccuracyOptions = {}): AccuracyResult {
  let n: number;
  let correct = 0;
  if (isMatrixInput(probsOrCorrect)) {
    if (y === undefined) throw new Error('accuracy: labels y are required with [n, classes] probabilities');
    const m = readMatrix(probsOrCorrect as ProbsInput, 'probs');
    n = m.rows;
    if (n === 0) throw new Error('accuracy: no examples');
    const labels = readLabels(y, n, m.cols);
    for (let i = 0; i < n; i++) if (rowArgMax(m, i) === labels[i]) correct++;
  } else {
    if (probsOrCorrect instanceof tf.Tensor && probsOrCorrect.rank !== 1) {
      throw new Error(`accuracy: expected probabilities [n, classes] or correctness flags [n], got shape [${probsOrCorrect.shape.join(', ')}]`);
    }
    if (y !== undefined) {
      throw new Error('accuracy: a 1-D input is read as correctness flags (0/1), so y must be omitted; pass [n, classes] probabilities to compare with labels');
    }
    const flags = readVector(probsOrCorrect as CorrectInput, 'correct');
    n = flags.length;
    if (n === 0) throw new Error('accuracy: no examples');
    for (let i = 0; i < n; i++) {
      const f = flags[i];
      if (f !== 0 && f !== 1) throw new Error(`accuracy: correct[${i}] = ${f}; correctness flags must be 0/1 or booleans`);
      correct += f;
    }
  }
  const { low, high } = wilsonInterval(correct, n, options.z ?? 1.96);
  return { accuracy: correct / n, low, high, n, correct };
}
