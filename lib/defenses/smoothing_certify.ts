/**
 * Cohen, Rosenfeld & Kolter's PREDICT and CERTIFY (ICML 2019, Algorithms 1–2; `locuslab/smoothing`
 * `code/core.py`, `Smooth.predict` and `Smooth.certify`) for a `SmoothedModel` from
 * `withGaussianSmoothing`. Both are Monte-Carlo procedures with a stated failure probability
 * `alpha`; both may abstain (prediction `ABSTAIN`, radius 0).
 */
import type * as tf from '@tensorflow/tfjs';
import { deriveSeed, DEFAULT_SEED } from '../seed';
import { binomialTestTwoSided, clopperPearsonLower } from '../metrics/binomial';
import { normalQuantile } from '../metrics/normal';
import type { ProgressCallback } from '../util/progress';
import { sampleCounts, type SmoothedModel } from './smoothing';

/** The prediction of an abstaining smoothed classifier (`Smooth.ABSTAIN` in core.py). */
export const ABSTAIN = -1;

/** Options shared by `predictSmoothed` and `certify`. */
export interface SmoothingSampleOptions {
  /** Noise samples for the decision (PREDICT's `n`, CERTIFY's estimation `n`). Default 100,000 (the paper's). */
  n?: number;
  /** Failure probability. Default 0.001 (the paper's). Must be in (0, 1). */
  alpha?: number;
  /** Noisy copies per forward pass. Default 1000. */
  batchSize?: number;
  /** Seed of the noise (the model's stream is reseeded from it). Default `DEFAULT_SEED`. */
  seed?: number;
  /** Called with (forward rows done, rows total). */
  onProgress?: ProgressCallback;
}

/** Options of `certify`. */
export interface CertifyOptions extends SmoothingSampleOptions {
  /** Selection samples that pick the candidate class (`n0`). Default 100. Must be `<= n`. */
  n0?: number;
}

/** What `certify` returns, one entry per image. */
export interface CertifyResult {
  /** Certified class, or `ABSTAIN`. */
  predictions: number[];
  /** Certified L2 radius `σ Φ⁻¹(p_A_lower)`; 0 when abstaining. */
  radii: number[];
  /** One-sided Clopper–Pearson lower bound on `p_A` at level `1 − alpha`. */
  pALower: number[];
  /** Votes for the candidate class among the `n` estimation samples. */
  countsA: number[];
  /** The settings used. */
  sigma: number;
  n0: number;
  n: number;
  alpha: number;
}

function resolve(options: CertifyOptions, where: string): { n0: number; n: number; alpha: number; batchSize: number; seed: number } {
  const n = options.n ?? 100_000;
  const n0 = options.n0 ?? 100;
  const alpha = options.alpha ?? 0.001;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(n0) || n0 < 1) throw new Error(`${where}: n0 must be a positive integer, got ${n0}`);
  if (n0 > n) throw new Error(`${where}: n0 (${n0}) must not exceed n (${n})`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`${where}: alpha must be in (0, 1), got ${alpha}`);
  return { n0, n, alpha, batchSize: options.batchSize ?? 1000, seed: options.seed ?? DEFAULT_SEED };
}

function checkModel(model: SmoothedModel, where: string): number {
  if (typeof model !== 'function' || !(typeof model.sigma === 'number' && model.sigma > 0)) {
    throw new Error(`${where} expects a model from withGaussianSmoothing (with its sigma)`);
  }
  return model.sigma;
}

/** Index of the largest entry (the first among ties, like numpy's argmax). */
function argmax(row: number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

/**
 * Cohen et al.'s PREDICT: draws `n` noisy copies of each image, takes the two most frequent base
 * predictions with counts `nA >= nB`, and returns the top class if the two-sided binomial test of
 * `nA` against `Binomial(nA + nB, 1/2)` has p-value `<= alpha`, else `ABSTAIN`.
 *
 * Guarantee (Cohen et al., Proposition 1): for each image, the probability that PREDICT returns a
 * class other than the smoothed classifier `g(x)` is at most `alpha`.
 */
export function predictSmoothed(model: SmoothedModel, x: tf.Tensor4D, options: SmoothingSampleOptions = {}): number[] {
  checkModel(model, 'predictSmoothed');
  const o = resolve({ ...options, n0: 1 }, 'predictSmoothed');
  const counts = sampleCounts(model, x, o.n, { batchSize: o.batchSize, seed: deriveSeed(o.seed, 'smoothing', 'predict'), onProgress: options.onProgress });
  return counts.map((row) => {
    const order = row.map((c, k) => [c, k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const [nA, cA] = order[0];
    const nB = order.length > 1 ? order[1][0] : 0;
    return binomialTestTwoSided(nA, nA + nB, 0.5) > o.alpha ? ABSTAIN : cA;
  });
}

/**
 * Cohen et al.'s CERTIFY: `n0` noisy copies pick the candidate class `cA` (the most frequent base
 * prediction); `n` fresh copies count its votes `nA`; `p_A_lower` is the one-sided
 * Clopper–Pearson lower bound of `nA / n` at level `1 − alpha`. If `p_A_lower < 1/2` it abstains,
 * else it returns `cA` with radius `R = σ Φ⁻¹(p_A_lower)`.
 *
 * Guarantee (Cohen et al., Theorem 1 and Proposition 2): with probability at least `1 − alpha`
 * over the noise samples, if CERTIFY returns class `cA` with radius `R` for an image `x`, then the
 * smoothed classifier `g(x') = argmax_c P(f(x' + ε) = c)`, `ε ~ N(0, σ²I)`, returns `cA` for every
 * `x'` with `‖x' − x‖₂ < R`. The guarantee is about `g`, which PREDICT estimates (and may abstain
 * on); it says nothing about the base classifier `f` or about other norms.
 */
export function certify(model: SmoothedModel, x: tf.Tensor4D, options: CertifyOptions = {}): CertifyResult {
  const sigma = checkModel(model, 'certify');
  const o = resolve(options, 'certify');
  const m = x.shape[0];
  const total = m * (o.n0 + o.n);
  const progress = options.onProgress;
  const selection = sampleCounts(model, x, o.n0, {
    batchSize: o.batchSize,
    seed: deriveSeed(o.seed, 'smoothing', 'selection'),
    onProgress: progress && ((done) => progress(done, total)),
  });
  const estimation = sampleCounts(model, x, o.n, {
    batchSize: o.batchSize,
    seed: deriveSeed(o.seed, 'smoothing', 'estimation'),
    onProgress: progress && ((done) => progress(m * o.n0 + done, total)),
  });
  const result: CertifyResult = { predictions: [], radii: [], pALower: [], countsA: [], sigma, n0: o.n0, n: o.n, alpha: o.alpha };
  for (let i = 0; i < m; i++) {
    const cA = argmax(selection[i]);
    const nA = estimation[i][cA] ?? 0;
    const pA = clopperPearsonLower(nA, o.n, o.alpha);
    const abstain = pA < 0.5;
    result.predictions.push(abstain ? ABSTAIN : cA);
    result.radii.push(abstain ? 0 : sigma * normalQuantile(pA));
    result.pALower.push(pA);
    result.countsA.push(nA);
  }
  return result;
}

/**
 * Certified accuracy at each radius: the fraction of images whose certified class is the label
 * and whose radius is at least `r` (abstentions count as errors, as in Cohen et al.).
 */
export function certifiedAccuracy(result: Pick<CertifyResult, 'predictions' | 'radii'>, y: ArrayLike<number>, radii: readonly number[]): number[] {
  const m = result.predictions.length;
  if (y.length !== m) throw new Error(`certifiedAccuracy: ${m} certificates but ${y.length} labels`);
  return radii.map((r) => {
    let ok = 0;
    for (let i = 0; i < m; i++) if (result.predictions[i] === y[i] && result.radii[i] >= r) ok++;
    return m ? ok / m : 0;
  });
}
