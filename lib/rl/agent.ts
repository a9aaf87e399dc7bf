/**
 * How an agent acts on a batch of observations: the greedy action of its Q-values. A stochastic
 * Q-network (SAP, random pruning) acts on the Q-values averaged over `samples` stochastic passes —
 * the paper's prediction rule (average over many passes, then argmax) applied to Q-values.
 */
import * as tf from '@tensorflow/tfjs';
import { asModel, Model } from '../models/model';

/** Options of the Q-value estimate of a (possibly stochastic) network. */
export interface QValueOptions {
  /** Stochastic passes averaged (ignored for a deterministic model). Default 100, as the paper averages 100 passes. */
  samples?: number;
  /** Reseeds a stochastic model's stream first. Default: none (the stream continues). */
  seed?: number;
}

/** Q-values `[n, actions]` averaged over `samples` passes (one pass for a deterministic model). The caller owns the result. */
export function qValues(model: tf.LayersModel | Model, x: tf.Tensor4D, options: QValueOptions = {}): tf.Tensor2D {
  const m = asModel(model);
  const samples = m.stochastic ? options.samples ?? 100 : 1;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`samples must be a positive integer, got ${options.samples}`);
  if (x.rank !== 4) throw new Error(`qValues expects observations of rank 4 [n, h, w, c], got [${x.shape}]`);
  if (options.seed !== undefined && m.reseed) m.reseed(options.seed);
  let acc = m(x);
  for (let s = 1; s < samples; s++) {
    const q = m(x);
    const next = tf.add(acc, q) as tf.Tensor2D;
    tf.dispose([acc, q]);
    acc = next;
  }
  if (samples === 1) return acc;
  const mean = tf.div(acc, samples) as tf.Tensor2D;
  acc.dispose();
  return mean;
}

/** Index of the largest value in each row of `q` (`[n, actions]` read back once); ties go to the lower action. */
export function argmaxRows(q: tf.Tensor2D): Int32Array {
  const [n, k] = q.shape;
  const v = q.dataSync();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let a = 1; a < k; a++) if (v[i * k + a] > v[i * k + best]) best = a;
    out[i] = best;
  }
  return out;
}

/** Greedy actions of the (averaged) Q-values. */
export function greedyActions(model: tf.LayersModel | Model, x: tf.Tensor4D, options: QValueOptions = {}): Int32Array {
  const q = qValues(model, x, options);
  try {
    return argmaxRows(q);
  } finally {
    q.dispose();
  }
}
