/** Tiny hand-built classifiers whose smoothed versions have closed forms (for the smoothing tests). */
import * as tf from '@tensorflow/tfjs';
import type { Model } from 'saplab';

/** Images are `[m, 2, 2, 1]`: four pixels around the centre 0.5. */
export const CENTRE = 0.5;

/**
 * A linear classifier `logits = (flatten(x) − 0.5) W`, `W` `[4, classes]` given by columns. Under
 * noise `N(0, σ²I)` the logit differences are Gaussian, so the class probabilities have closed forms.
 */
export function linearModel(columns: number[][]): Model {
  const classes = columns.length;
  const w = tf.keep(tf.tensor2d(Array.from({ length: 4 }, (_, i) => columns.map((c) => c[i])), [4, classes]));
  const m: Model = (x) => tf.tidy(() => tf.matMul(tf.sub(tf.reshape(x, [x.shape[0], 4]), CENTRE), w));
  m.stochastic = false;
  m.label = 'linear';
  return m;
}

/** The binary direction of the two-class model and its unit vector. */
export const W = [0.3, -0.2, 0.4, 0.1];
export const NORM_W = Math.hypot(...W);
export const U = W.map((v) => v / NORM_W);

/** Two classes: logits `[s, −s]`, `s = (x − 0.5)·w`; class 0 iff `s > 0`. */
export function binaryModel(): Model {
  return linearModel([W, W.map((v) => -v)]);
}

/** Images `0.5 + t·u` at signed L2 distance `t` from the binary model's boundary. */
export function imagesAt(ts: number[]): tf.Tensor4D {
  return tf.tensor4d(ts.flatMap((t) => U.map((u) => CENTRE + t * u)), [ts.length, 2, 2, 1]);
}

/** The exact smoothed (and base) prediction of the binary model at each image of `x`: 0 or 1. */
export function binaryDecision(x: tf.Tensor4D): number[] {
  const v = x.dataSync();
  const out: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += (v[4 * i + j] - CENTRE) * W[j];
    out.push(s > 0 ? 0 : 1);
  }
  return out;
}
