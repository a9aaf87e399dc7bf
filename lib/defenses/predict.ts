/**
 * `predictProbs`: the prediction the paper evaluates SAP with — the softmax averaged over many
 * stochastic forward passes (100 in the authors' tutorial). Deterministic models take one pass.
 */
import * as tf from '@tensorflow/tfjs';
import { asModel, Model } from '../models/model';
import type { ProgressCallback } from '../util/progress';
import { checkSeed, DEFAULT_SEED, deriveSeed } from '../seed';

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

/** Options of `predictBatchRange`. */
export interface PredictBatchRangeOptions {
  /** Stochastic passes to average per batch (ignored for deterministic models). Default 100. */
  samples?: number;
  /** The run's seed; batch `b` reseeds the model with `deriveSeed(seed, 'batch', b)`. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Images per batch (the unit of randomness: it fixes the numbers, so it is part of the run). Default 256. */
  batchSize?: number;
  /** First batch to compute. Default 0. */
  first?: number;
  /** One past the last batch to compute. Default: the last batch of `x`. */
  end?: number;
  /** Called with (batches done, batches total) of the range. */
  onProgress?: ProgressCallback;
}

/**
 * `predictProbs` with the batch as the unit of randomness: `x` is cut into batches of `batchSize`
 * and batch `b` is predicted with the model reseeded by `deriveSeed(seed, 'batch', b)`, so a
 * batch's probabilities depend only on the seed and its index in the whole run. Computes batches
 * `[first, end)` only, returning their rows `[rows, classes]`: any split of the batches (over
 * threads, processes, machines; see `lib/parallel/batch_ranges.ts`) joins to the numbers of the
 * whole call. A stochastic model must support `reseed`. The caller owns the result.
 */
export function predictBatchRange(model: tf.LayersModel | Model, x: tf.Tensor4D, options: PredictBatchRangeOptions = {}): tf.Tensor2D {
  const m = asModel(model);
  const batchSize = options.batchSize ?? 256;
  const seed = checkSeed(options.seed ?? DEFAULT_SEED, 'predictBatchRange');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (x.rank !== 4) throw new Error(`predictBatchRange expects x of rank 4 [n,h,w,c], got [${x.shape}]`);
  if (m.stochastic && !m.reseed) throw new Error('predictBatchRange: a stochastic model must support reseed (each batch is seeded by its index)');
  const n = x.shape[0];
  const batches = Math.ceil(n / batchSize);
  const first = options.first ?? 0;
  const end = options.end ?? batches;
  if (!Number.isInteger(first) || !Number.isInteger(end) || first < 0 || end <= first || end > batches) throw new Error(`predictBatchRange: batches [${first}, ${end}) are not a non-empty range within the ${batches} batches of ${n} images`);
  const parts: tf.Tensor2D[] = [];
  try {
    for (let b = first; b < end; b++) {
      const start = b * batchSize;
      const xb = tf.slice(x, [start, 0, 0, 0], [Math.min(batchSize, n - start), -1, -1, -1]);
      try {
        parts.push(predictProbs(m, xb, { samples: options.samples, seed: deriveSeed(seed, 'batch', b), batchSize }));
      } finally {
        xb.dispose();
      }
      options.onProgress?.(b + 1 - first, end - first);
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}
