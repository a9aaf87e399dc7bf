/**
 * The one model type saplab's attacks, defenses and metrics work with: a function from a batch of
 * inputs `[n, h, w, c]` to logits `[n, classes]`. It may be stochastic (e.g. `withSap(...)`):
 * each call may draw fresh randomness. The caller owns the returned tensor.
 */
import * as tf from '@tensorflow/tfjs';

/** A classifier as saplab sees it: a batch of images to logits, possibly stochastic. */
export type Model = ((x: tf.Tensor4D) => tf.Tensor2D) & {
  /** `true` when two calls on the same input can differ (SAP, random pruning). */
  stochastic?: boolean;
  /**
   * `true` when every row of a batch draws its randomness independently of the other rows (SAP:
   * one mask per example), so that `k` draws on `n` examples may run as one pass on the batch
   * repeated `k` times. Not for models that draw once per call (e.g. one weight sample per pass).
   */
  independentRows?: boolean;
  /** A short name for tables and figures. */
  label?: string;
  /**
   * For stochastic models: restarts the model's random stream from `seed`, so that the sequence of
   * draws that follows is reproducible. Evaluations and attacks that take a `seed` call it.
   */
  reseed?: (seed: number) => void;
};

/** Wraps a `tf.LayersModel` (or returns a `Model` unchanged). */
export function asModel(net: tf.LayersModel | Model, label?: string): Model {
  if (typeof net === 'function') return net;
  const m: Model = (x) => net.apply(x, { training: false }) as tf.Tensor2D;
  m.stochastic = false;
  m.label = label ?? net.name;
  return m;
}

/** Batching of a forward pass over many examples. */
export interface BatchOptions {
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/** Runs `fn` over `x` in batches and concatenates the results. */
export function mapBatches(x: tf.Tensor4D, batchSize: number, fn: (xb: tf.Tensor4D, start: number) => tf.Tensor): tf.Tensor {
  const n = x.shape[0];
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const out = tf.tidy(() => fn(x.slice([start, 0, 0, 0], [size, -1, -1, -1]), start));
      parts.push(out);
    }
    return parts.length === 1 ? parts[0] : tf.tidy(() => tf.concat(parts, 0));
  } finally {
    if (parts.length > 1) parts.forEach((p) => p.dispose());
  }
}

/** Logits of a deterministic pass in batches. */
export function predictLogits(model: tf.LayersModel | Model, x: tf.Tensor4D, options: BatchOptions = {}): tf.Tensor2D {
  const m = asModel(model);
  return mapBatches(x, options.batchSize ?? 256, (xb) => m(xb)) as tf.Tensor2D;
}

/** Fraction of examples whose argmax logit equals the label (one pass; see `predictProbs` for SAP). */
export function evaluateAccuracy(model: tf.LayersModel | Model, x: tf.Tensor4D, y: tf.Tensor1D, options: BatchOptions = {}): number {
  const logits = predictLogits(model, x, options);
  const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, 'int32')), 'float32')).dataSync()[0]);
  logits.dispose();
  return acc;
}
