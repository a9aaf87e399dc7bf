/**
 * Calibration of a classifier's probabilities, as defined by Guo, Pleiss, Sun and Weinberger,
 * *On Calibration of Modern Neural Networks*, ICML 2017 (section 2).
 *
 * - confidence of an example = its top probability; it is correct when the argmax (first on
 *   ties) equals the label;
 * - `bins` equal-width bins `(lower, upper]` on [0, 1], bin m = `((m-1)/M, m/M]`; a confidence
 *   of exactly 0 goes in the first bin;
 * - ECE = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)|; MCE = max over non-empty bins of the gap;
 * - NLL = mean of −log(max(p_y, epsilon)), with `epsilon` = `NLL_EPSILON` = 1e-7 by default;
 * - Brier (multi-class) = mean over examples of Σ_k (p_k − 1[k = y])², in [0, 2].
 */
import { LabelsInput, ProbsInput, readLabels, readMatrix, rowArgMax } from './inputs';

/**
 * Default floor on the probability of the true class in the NLL: 1e-7, about float32's machine
 * epsilon (and Keras' `epsilon()`), since probabilities computed in float32 can underflow to 0.
 * It caps one example's loss at −log(1e-7) ≈ 16.1.
 */
export const NLL_EPSILON = 1e-7;

/** Options of `calibration`. */
export interface CalibrationOptions {
  /** Number of equal-width confidence bins. Default 15 (Guo et al.). */
  bins?: number;
  /** Floor applied to the true-class probability in the NLL. Default `NLL_EPSILON` (1e-7). */
  epsilon?: number;
  /** Largest accepted `|Σ_k p_k − 1|` of a row. Default 1e-3 (float32 averages of softmaxes
   * pass; logits do not). */
  sumTolerance?: number;
}

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  /** Lower edge (exclusive, except 0 for the first bin). */
  lower: number;
  /** Upper edge (inclusive). */
  upper: number;
  /** Number of examples whose confidence falls in the bin. */
  count: number;
  /** Mean confidence of those examples; `null` when the bin is empty. */
  confidence: number | null;
  /** Fraction of those examples that are correct; `null` when the bin is empty. */
  accuracy: number | null;
  /** `|accuracy − confidence|`; `null` when the bin is empty. */
  gap: number | null;
}

/** Calibration of a set of predictions: ECE, MCE, NLL, Brier and the reliability bins. */
export interface CalibrationResult {
  /** Expected calibration error, in [0, 1]. */
  ece: number;
  /** Maximum calibration error over non-empty bins, in [0, 1]. */
  mce: number;
  /** Mean negative log-likelihood of the true class (natural log, clipped at `epsilon`). */
  nll: number;
  /** Multi-class Brier score, in [0, 2]. */
  brier: number;
  /** Top-1 accuracy. */
  accuracy: number;
  /** Mean confidence. */
  confidence: number;
  /** Number of examples. */
  n: number;
  /** Number of classes. */
  classes: number;
  /** The floor used in the NLL. */
  epsilon: number;
  /** The reliability bins, lowest first (`bins` of them, empty ones included). */
  bins: CalibrationBin[];
}

/**
 * ECE, MCE, NLL, Brier score and reliability bins of probabilities `probs` `[n, classes]`
 * (a 2-D tensor or an array of rows; each row must sum to 1 within `sumTolerance`) against
 * integer labels `y` `[n]`. Computed in float64 in JavaScript; tensors are read with
 * `dataSync()` and never disposed, and no tensors are created.
 *
 * Throws on an empty input, shape mismatch, NaN/Infinity, probabilities outside [0, 1],
 * rows that do not sum to 1, labels out of range, `bins < 1` or a non-positive `epsilon`.
 */
export function calibration(probs: ProbsInput, y: LabelsInput, options: CalibrationOptions = {}): CalibrationResult {
  const numBins = options.bins ?? 15;
  const epsilon = options.epsilon ?? NLL_EPSILON;
  const sumTolerance = options.sumTolerance ?? 1e-3;
  if (!Number.isInteger(numBins) || numBins < 1) throw new Error(`calibration: bins must be an integer >= 1, got ${numBins}`);
  if (!(epsilon > 0 && epsilon < 1)) throw new Error(`calibration: epsilon must be in (0, 1), got ${epsilon}`);
  if (!(sumTolerance >= 0)) throw new Error(`calibration: sumTolerance must be >= 0, got ${sumTolerance}`);

  const m = readMatrix(probs, 'probs');
  const n = m.rows;
  const k = m.cols;
  if (n === 0) throw new Error('calibration: no examples');
  if (k < 1) throw new Error('calibration: probs has no classes');
  const labels = readLabels(y, n, k);

  const edges = Array.from({ length: numBins + 1 }, (_, i) => i / numBins);
  const count = new Float64Array(numBins);
  const confSum = new Float64Array(numBins);
  const correctSum = new Float64Array(numBins);
  let nll = 0;
  let brier = 0;
  let correctTotal = 0;
  let confTotal = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    let sq = 0;
    for (let j = 0; j < k; j++) {
      const p = m.data[i * k + j];
      if (p < 0 || p > 1) throw new Error(`calibration: probs[${i}][${j}] = ${p} is not a probability in [0, 1]`);
      rowSum += p;
      const d = p - (j === labels[i] ? 1 : 0);
      sq += d * d;
    }
    if (Math.abs(rowSum - 1) > sumTolerance) {
      throw new Error(`calibration: row ${i} of probs sums to ${rowSum}, not 1 (pass softmax probabilities, not logits)`);
    }
    brier += sq;
    nll -= Math.log(Math.max(m.data[i * k + labels[i]], epsilon));
    const pred = rowArgMax(m, i);
    const conf = m.data[i * k + pred];
    const correct = pred === labels[i] ? 1 : 0;
    const b = binIndex(conf, edges);
    count[b] += 1;
    confSum[b] += conf;
    correctSum[b] += correct;
    correctTotal += correct;
    confTotal += conf;
  }

  const bins: CalibrationBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < numBins; b++) {
    const c = count[b];
    const conf = c > 0 ? confSum[b] / c : null;
    const acc = c > 0 ? correctSum[b] / c : null;
    const gap = conf !== null && acc !== null ? Math.abs(acc - conf) : null;
    if (gap !== null) {
      ece += (c / n) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lower: edges[b], upper: edges[b + 1], count: c, confidence: conf, accuracy: acc, gap });
  }
  return {
    ece,
    mce,
    nll: nll / n,
    brier: brier / n,
    accuracy: correctTotal / n,
    confidence: confTotal / n,
    n,
    classes: k,
    epsilon,
    bins,
  };
}

/** The bin `(edges[b], edges[b+1]]` holding `c` (bin 0 also holds 0), consistent with `edges`. */
function binIndex(c: number, edges: number[]): number {
  const last = edges.length - 2;
  let b = Math.min(last, Math.max(0, Math.ceil(c * (last + 1)) - 1));
  // c * M can round across an edge (0.6 * 5 = 3.0000000000000004); settle it against the edges.
  while (b > 0 && c <= edges[b]) b--;
  while (b < last && c > edges[b + 1]) b++;
  return b;
}
