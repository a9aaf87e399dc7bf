/**
 * `predictProbs`: the prediction the paper evaluates SAP with — the softmax averaged over many
 * stochastic forward passes (100 in the authors' tutorial). Deterministic models take one pass.
 */
import * as tf from '@tensorflow/tfjs';
import { asModel, Model } from '../models/model';
import type { ProgressCallback } from '../util/progress';

/** Options of `predictProbs`. */
export interface PredictProbsOptions {
  /** Stochastic passes to average (ignored for deterministic models). Default 100. */
  samples?: number;
  /** Reseeds a stochastic model's stream first (when the model supports it). Default: none. */
  seed?: number;
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
  /** Called with (batches done, batches total). */
  onProgress?: ProgressCallback;
}

/** Averaged softmax probabilities `[n, classes]`. The caller owns the result. */
export function predictProbs(model: tf.LayersModel | Model, x: tf.Tensor4D, options: PredictProbsOptions = {}): tf.Tensor2D {
  const m = asModel(model);
  const samples = m.stochastic ? options.samples ?? 100 : 1;
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`samples must be a positive integer, got ${options.samples}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (x.rank !== 4) throw new Error(`predictProbs expects x of rank 4 [n,h,w,c], got [${x.shape}]`);
  if (options.seed !== undefined && m.reseed) m.reseed(options.seed);
  const n = x.shape[0];
  const batches = Math.ceil(n / batchSize);
  const parts: tf.Tensor2D[] = [];
  try {
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      parts.push(
        tf.tidy(() => {
          const xb = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
          let acc = tf.softmax(m(xb)) as tf.Tensor2D;
          for (let s = 1; s < samples; s++) {
            const next = tf.add(acc, tf.softmax(m(xb))) as tf.Tensor2D;
            acc.dispose();
            acc = next;
          }
          return samples === 1 ? acc : (tf.div(acc, samples) as tf.Tensor2D);
        }),
      );
      options.onProgress?.(b + 1, batches);
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}
