/**
 * Training with a seeded, reproducible loop: seeded weight initialisation, seeded shuffles, Adam
 * on softmax cross-entropy, a progress bar, and test accuracy after each epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, deriveSeed, permutation, Rng } from '../seed';
import { Progress, ProgressOptions } from '../util/progress';
import { evaluateAccuracy } from './model';
import { randomCropFlip } from '../data/augment';
import { addGaussianNoise } from '../data/gaussian_noise';

/** Options of `trainClassifier`. */
export interface TrainOptions {
  /** Passes over the training set. Default 8. */
  epochs?: number;
  /** Examples per step. Default 128. */
  batchSize?: number;
  /** Adam learning rate; halved after every `decayEvery` epochs. Default 1e-3. */
  lr?: number;
  /** Epochs between learning-rate halvings. Default 3. */
  decayEvery?: number;
  /**
   * First epoch to run (later epochs continue a model saved after epoch `firstEpoch − 1`: the
   * learning-rate schedule and the shuffles depend only on the epoch number, and the optimizer
   * starts fresh each epoch, so the result equals an uninterrupted run). Default 1.
   */
  firstEpoch?: number;
  /** Seed of the shuffles. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Held-out data evaluated after each epoch. */
  validation?: { x: tf.Tensor4D; y: tf.Tensor1D };
  /** Progress display. */
  progress?: ProgressOptions;
  /** Called after each epoch; it may add fields to `log` (e.g. a robust accuracy). */
  onEpoch?: (epoch: number, log: EpochLog) => void | Promise<void>;
  /** Called before each epoch (e.g. to make the epoch's adversarial examples). */
  beforeEpoch?: (epoch: number) => void | Promise<void>;
  /**
   * Replaces a batch's inputs before the step (e.g. by adversarial examples); called inside a
   * `tf.tidy`, with the batch's training-set indices. Default: the batch as is.
   */
  batchInputs?: (xb: tf.Tensor4D, yb: tf.Tensor1D, batch: { epoch: number; step: number; indices: Int32Array }) => tf.Tensor4D;
  /** `adam` (default; a fresh Adam each epoch) or `sgd` (SGD with momentum, one optimizer throughout). */
  optimizer?: 'adam' | 'sgd';
  /** Momentum of `sgd`. Default 0.9. */
  momentum?: number;
  /** L2 weight decay: adds `weightDecay * Σ w²` over the kernels to the loss. Default 0. */
  weightDecay?: number;
  /** Learning rate of each epoch (1-based); replaces `lr` halved every `decayEvery` epochs. */
  lrSchedule?: (epoch: number) => number;
  /** Random crop after zero padding by `pad` and horizontal flip of every training batch. Default: none. */
  augment?: { pad?: number; flip?: boolean };
  /**
   * Gaussian data augmentation: every training batch gets `x + noiseSigma · ε`, `ε ~ N(0, I)`,
   * fresh and seeded per step (the training of Cohen et al. 2019's smoothed classifiers). The
   * validation data stays clean. Default 0 (none).
   */
  noiseSigma?: number;
  /**
   * Largest number of examples whose gradient is computed at once: a larger batch is split into
   * chunks whose gradients are summed into one step (batch-norm statistics are then per chunk).
   * Default: the whole batch.
   */
  microBatch?: number;
}

/** What `trainClassifier` records after each epoch. */
export interface EpochLog {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy?: number;
  /** Accuracy under attack on a held-out slice (adversarial training). */
  robustAccuracy?: number;
  /** Clean accuracy on that held-out slice (adversarial training). */
  heldOutAccuracy?: number;
  seconds: number;
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

/** Trains `model` (outputs logits) in place on `x`, `y`; returns the per-epoch log. */
export async function trainClassifier(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, options: TrainOptions = {}): Promise<EpochLog[]> {
  const epochs = options.epochs ?? 8;
  const batchSize = options.batchSize ?? 128;
  const lr = options.lr ?? 1e-3;
  const decayEvery = options.decayEvery ?? 3;
  const seed = options.seed ?? DEFAULT_SEED;
  check(Number.isInteger(epochs) && epochs >= 1, `epochs must be a positive integer, got ${epochs}`);
  check(Number.isInteger(batchSize) && batchSize >= 1, `batchSize must be a positive integer, got ${batchSize}`);
  check(lr > 0, `lr must be positive, got ${lr}`);
  check(x.shape[0] === y.shape[0], `x has ${x.shape[0]} examples but y has ${y.shape[0]}`);
  const n = x.shape[0];
  const classes = (model.outputs[0].shape[1] as number) ?? 10;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const log: EpochLog[] = [];
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const weightDecay = options.weightDecay ?? 0;
  check(weightDecay >= 0, `weightDecay must be >= 0, got ${weightDecay}`);
  const kernels = model.trainableWeights.filter((w) => /kernel/.test(w.originalName ?? w.name)).map((w) => (w as unknown as { val: tf.Variable }).val);
  const sgd = options.optimizer === 'sgd' ? tf.train.momentum(options.lrSchedule?.(1) ?? lr, options.momentum ?? 0.9) : undefined;
  const noiseSigma = options.noiseSigma ?? 0;
  check(Number.isFinite(noiseSigma) && noiseSigma >= 0, `noiseSigma must be a finite number >= 0, got ${noiseSigma}`);
  const firstEpoch = options.firstEpoch ?? 1;
  check(Number.isInteger(firstEpoch) && firstEpoch >= 1 && firstEpoch <= epochs, `firstEpoch must be an integer in [1, epochs], got ${firstEpoch}`);
  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    const epochLr = options.lrSchedule ? options.lrSchedule(epoch) : lr * Math.pow(0.5, Math.floor((epoch - 1) / decayEvery));
    check(epochLr > 0, `learning rate of epoch ${epoch} must be positive, got ${epochLr}`);
    sgd?.setLearningRate(epochLr);
    const optimizer = sgd ?? tf.train.adam(epochLr);
    const order = permutation(n, deriveSeed(seed, 'shuffle', epoch));
    await options.beforeEpoch?.(epoch);
    const bar = new Progress(`epoch ${epoch}/${epochs}`, stepsPerEpoch, options.progress);
    const t0 = Date.now();
    let lossSum = 0;
    let correct = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const idx = order.subarray(s * batchSize, Math.min(n, (s + 1) * batchSize));
      const [lossT, correctT] = tf.tidy(() => {
        const ids = tf.tensor1d(idx, 'int32');
        const yb = tf.gather(y, ids) as tf.Tensor1D;
        const gathered = tf.gather(x, ids) as tf.Tensor4D;
        const cropped = options.augment ? randomCropFlip(gathered, { ...options.augment, seed: deriveSeed(seed, 'augment', epoch, s) }) : gathered;
        const xAug = noiseSigma > 0 ? addGaussianNoise(cropped, noiseSigma, new Rng(deriveSeed(seed, 'noise', epoch, s))) : cropped;
        const xb = options.batchInputs ? options.batchInputs(xAug, yb, { epoch, step: s, indices: idx }) : xAug;
        const len = idx.length;
        const micro = options.microBatch && options.microBatch < len ? options.microBatch : len;
        // The loss of a chunk of `size` examples, weighted so that the chunks sum to the batch's loss.
        const chunkLoss = (xm: tf.Tensor4D, ym: tf.Tensor1D, size: number, keep: (logits: tf.Tensor) => void) => {
          const logits = model.apply(xm, { training: true }) as tf.Tensor2D;
          keep(logits);
          const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(ym, 'int32'), classes), logits) as tf.Scalar;
          const full = weightDecay > 0 ? (tf.add(ce, tf.mul(weightDecay, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar) : ce;
          return size === len ? full : (tf.mul(full, size / len) as tf.Scalar);
        };
        const correctOf = (logits: tf.Tensor, ym: tf.Tensor1D) => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(ym, 'int32')), 'float32'));
        if (micro === len) {
          let logitsKept: tf.Tensor | undefined;
          const loss = optimizer.minimize(() => chunkLoss(xb, yb, len, (l) => (logitsKept = tf.keep(l))), true, vars) as tf.Scalar;
          const c = correctOf(logitsKept!, yb);
          logitsKept!.dispose();
          return [loss, c];
        }
        // Gradient accumulation: the step of the whole batch from chunks of `micro` examples
        // (batch-norm statistics are per chunk), for batches too large for the backend's memory.
        let grads: Record<string, tf.Tensor> | undefined;
        let loss: tf.Tensor = tf.scalar(0);
        let c: tf.Tensor = tf.scalar(0);
        for (let start = 0; start < len; start += micro) {
          const size = Math.min(micro, len - start);
          const [g, value, cc] = tf.tidy(() => {
            const xm = tf.slice(xb, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D;
            const ym = tf.slice(yb, [start], [size]) as tf.Tensor1D;
            let logitsKept: tf.Tensor | undefined;
            const r = tf.variableGrads(() => chunkLoss(xm, ym, size, (l) => (logitsKept = tf.keep(l))), vars);
            const cnt = correctOf(logitsKept!, ym);
            logitsKept!.dispose();
            return [r.grads, r.value, cnt] as [Record<string, tf.Tensor>, tf.Scalar, tf.Tensor];
          });
          if (grads) {
            const prev = grads;
            grads = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, tf.add(prev[k], v)]));
            tf.dispose([...Object.values(prev), ...Object.values(g)]);
          } else grads = g;
          const [l2, c2] = [tf.add(loss, value), tf.add(c, cc)];
          tf.dispose([loss, c, value, cc]);
          loss = l2;
          c = c2;
        }
        optimizer.applyGradients(Object.entries(grads!).map(([name, tensor]) => ({ name, tensor })));
        return [loss, c];
      });
      lossSum += (await lossT.data())[0] * idx.length;
      correct += (await correctT.data())[0];
      lossT.dispose();
      correctT.dispose();
      bar.update(s + 1, stepsPerEpoch, `loss ${(lossSum / Math.min(n, (s + 1) * batchSize)).toFixed(3)}`);
    }
    if (!sgd) optimizer.dispose();
    const entry: EpochLog = { epoch, loss: lossSum / n, trainAccuracy: correct / n, seconds: (Date.now() - t0) / 1000 };
    if (options.validation) entry.valAccuracy = evaluateAccuracy(model, options.validation.x, options.validation.y);
    bar.finish(`loss ${entry.loss.toFixed(4)} train acc ${(entry.trainAccuracy * 100).toFixed(2)}%` + (entry.valAccuracy !== undefined ? ` test acc ${(entry.valAccuracy * 100).toFixed(2)}%` : ''));
    await options.onEpoch?.(epoch, entry);
    log.push(entry);
  }
  if (sgd) {
    sgd.dispose();
    // tfjs's MomentumOptimizer.dispose leaves the learning-rate scalar of its SGD base behind.
    (sgd as unknown as { c?: tf.Tensor }).c?.dispose();
  }
  return log;
}
