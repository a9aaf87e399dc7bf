/**
 * The "bring your own model" example of notebook 7: a model saplab did not make, built the way a
 * Keras user would, so that every convention saplab has to detect differs from the shipped CNN:
 *
 *   input [28, 28, 1] in [0, 255] → Rescaling(1/255) → flatten → dense 256 (fused ReLU)
 *   → dense 128 → ReLU layer → dense 10 + softmax (probabilities, not logits)
 *
 * 235,146 parameters (200,960 + 32,896 + 1,290). Two ReLU sites of two kinds (a fused activation
 * and a separate `ReLU` layer), pixels on the 0–255 scale, and a softmax output.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, DEFAULT_SEED, Rng } from '../seed';

/** Options of `pixelMlp` and `trainPixelMlp`. */
export interface PixelMlpOptions {
  /** Seed of the weight initialisers and of the shuffling. Default `DEFAULT_SEED`. */
  seed?: number;
}

/** Number of parameters of `pixelMlp()`. */
export const PIXEL_MLP_PARAMS = 235_146;

/** Builds the (untrained) example MLP on [0, 255] pixels. */
export function pixelMlp(options: PixelMlpOptions = {}): tf.LayersModel {
  const seed = options.seed ?? DEFAULT_SEED;
  const init = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'pixel-mlp', name) });
  const input = tf.input({ shape: [28, 28, 1], name: 'pixels_0_255' });
  let h = tf.layers.rescaling({ scale: 1 / 255, name: 'rescale' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 256, activation: 'relu', name: 'hidden1', kernelInitializer: init('hidden1') }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 128, name: 'hidden2', kernelInitializer: init('hidden2') }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'hidden2_relu' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax', name: 'probs', kernelInitializer: init('probs') }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'pixel_mlp' });
}

/** Options of `trainPixelMlp`. */
export interface TrainPixelMlpOptions extends PixelMlpOptions {
  /** Passes over the data. Default 3. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
}

/**
 * Trains `model` (e.g. `pixelMlp()`) with Adam (learning rate 1e-3) and cross-entropy on images
 * `x` in [0, 1], which it feeds on the 0–255 scale the model expects. The order of the images is
 * one seeded permutation (no unseeded shuffling). Returns the training accuracy of each epoch.
 * Inputs are not disposed; the optimizer's state is, after training.
 */
export async function trainPixelMlp(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, options: TrainPixelMlpOptions = {}): Promise<number[]> {
  const n = x.shape[0];
  if (n !== y.shape[0]) throw new Error(`trainPixelMlp: ${n} images but ${y.shape[0]} labels`);
  const rng = new Rng(deriveSeed(options.seed ?? DEFAULT_SEED, 'pixel-mlp', 'order'));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const [x255, y1] = tf.tidy(() => {
    const idx = tf.tensor1d(order, 'int32');
    return [tf.mul(tf.gather(x, idx), 255), tf.oneHot(tf.cast(tf.gather(y, idx), 'int32'), 10)];
  });
  try {
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x255, y1, { epochs: options.epochs ?? 3, batchSize: options.batchSize ?? 64, shuffle: false, verbose: 0 });
    return (history.history.acc ?? history.history.accuracy).map(Number);
  } finally {
    tf.dispose([x255, y1]);
    model.optimizer?.dispose(); // Adam's moment estimates: not needed once trained
  }
}
