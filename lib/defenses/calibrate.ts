/**
 * Matching a defense's strength to a target clean accuracy, the way the SAP paper sets its
 * stochastic baselines (each tuned to SAP-100's clean accuracy): bisection on the strength
 * parameter, the accuracy of each candidate measured on a held-out slice with the same seed (common
 * random numbers, so the measured accuracy moves with the strength and not with the draws).
 *
 * The accuracy is assumed monotone in the parameter (non-increasing, or non-decreasing with
 * `increasing: true`) over `range`; `scale: 'log'` bisects on the log of the parameter.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/model';
import { predictProbs } from './predict';
import { DEFAULT_SEED } from '../seed';

/** Options of `calibrateStrength`. */
export interface CalibrateOptions {
  /** The defended model at strength `value` (a fresh model per call is fine). */
  build: (value: number) => Model & {
    /** Frees what the model holds (called after each evaluation). */
    dispose?: () => void;
  };
  /** Held-out images (not the evaluated ones) and labels. */
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** Clean accuracy to match, in `[0, 1]`. */
  target: number;
  /** Search interval `[lo, hi]` of the parameter. */
  range: [number, number];
  /** Accuracy grows with the parameter (e.g. a sample fraction). Default `false`. */
  increasing?: boolean;
  /** Bisect on `'linear'` (default) or `'log'` values (then `lo > 0`). */
  scale?: 'linear' | 'log';
  /**
   * Accepted |accuracy − target|. Default: half a standard error of an accuracy near the target
   * on this slice, `sqrt(t(1 − t)/n) / 2`, at least `1/n` (one image): tight enough that a
   * baseline is not left at zero strength when the target sits a point or two below it.
   */
  tolerance?: number;
  /** Softmax passes averaged per prediction of a stochastic candidate. Default 8. */
  samples?: number;
  /** Bisection steps at most. Default 14. */
  maxIterations?: number;
  /** Seed of every candidate's predictions (the same for all). Default `DEFAULT_SEED`. */
  seed?: number;
}

/** The matched parameter, its held-out accuracy, and every candidate tried. */
export interface CalibrateResult {
  value: number;
  accuracy: number;
  target: number;
  tolerance: number;
  /** `|accuracy − target| <= tolerance`. */
  matched: boolean;
  history: { value: number; accuracy: number }[];
}

/** Accuracy of `model` on `x`, `y` with `samples` averaged passes from `seed`. */
export function heldOutAccuracy(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, samples: number, seed: number): number {
  const probs = predictProbs(model, x, { samples, seed });
  const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(probs, 1), tf.cast(y, 'int32')), 'float32')).dataSync()[0]);
  probs.dispose();
  return acc;
}

/** Finds a parameter whose held-out clean accuracy matches `target` (see the file comment). */
export function calibrateStrength(options: CalibrateOptions): CalibrateResult {
  const { build, x, y, target } = options;
  if (!(typeof target === 'number' && target >= 0 && target <= 1)) throw new Error(`target accuracy must be in [0, 1], got ${target}`);
  const [lo0, hi0] = options.range ?? [];
  if (!(Number.isFinite(lo0) && Number.isFinite(hi0) && lo0 < hi0)) throw new Error(`range must be [lo, hi] with lo < hi, got ${JSON.stringify(options.range)}`);
  const scale = options.scale ?? 'linear';
  if (scale === 'log' && !(lo0 > 0)) throw new Error('a log-scale range needs lo > 0');
  const n = x.shape[0];
  if (n === 0 || y.shape[0] !== n) throw new Error(`the held-out slice needs images and as many labels, got ${n} and ${y.shape[0]}`);
  const tolerance = options.tolerance ?? Math.max(Math.sqrt((target * (1 - target)) / n) / 2, 1 / n);
  if (!(tolerance >= 0)) throw new Error(`tolerance must be >= 0, got ${tolerance}`);
  const samples = options.samples ?? 8;
  const maxIterations = options.maxIterations ?? 14;
  const seed = options.seed ?? DEFAULT_SEED;
  const history: { value: number; accuracy: number }[] = [];
  const measure = (value: number): number => {
    const m = build(value);
    try {
      const acc = heldOutAccuracy(m, x, y, samples, seed);
      history.push({ value, accuracy: acc });
      return acc;
    } finally {
      m.dispose?.();
    }
  };
  // Work in a coordinate u where accuracy falls as u grows.
  const toValue = (u: number) => (scale === 'log' ? Math.exp(u) : u);
  const sign = options.increasing ? -1 : 1;
  let a = scale === 'log' ? Math.log(lo0) : lo0;
  let b = scale === 'log' ? Math.log(hi0) : hi0;
  if (sign < 0) [a, b] = [b, a]; // from the weakest end to the strongest
  // The closest candidate; once the bisection has run, a bisection candidate within the tolerance
  // is preferred to the weakest endpoint (which was above the target, so some strength is due).
  const closest = (h: { value: number; accuracy: number }[]) => h.reduce((p, q) => (Math.abs(q.accuracy - target) < Math.abs(p.accuracy - target) ? q : p));
  const best = () => {
    const inner = history.slice(2).filter((h) => Math.abs(h.accuracy - target) <= tolerance);
    return inner.length ? closest(inner) : closest(history);
  };
  const done = (): CalibrateResult => {
    const h = best();
    return { value: h.value, accuracy: h.accuracy, target, tolerance, matched: Math.abs(h.accuracy - target) <= tolerance, history };
  };
  // The endpoints: a weakest setting at or below the target (or a strongest one at or above it)
  // is the answer; otherwise bisect, so that a target a little below the undefended accuracy
  // gives a small non-zero strength rather than none.
  const accA = measure(toValue(a));
  if (accA <= target) return done();
  const accB = measure(toValue(b));
  if (accB >= target) return done();
  for (let i = 0; i < maxIterations; i++) {
    const mid = (a + b) / 2;
    const acc = measure(toValue(mid));
    if (Math.abs(acc - target) <= tolerance) break;
    if (acc > target) a = mid;
    else b = mid;
  }
  return done();
}
