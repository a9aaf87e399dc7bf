/**
 * The small Fashion-MNIST CNN saplab ships pretrained:
 *
 *   conv 3x3x32 + ReLU → max-pool 2 → conv 3x3x64 + ReLU → max-pool 2 → flatten
 *   → dense 128 + ReLU → dense 10 (logits)
 *
 * 225,034 parameters (320 + 18,496 + 204,928 + 1,290). Three ReLUs, so SAP acts at three places,
 * as after every ReLU in the paper. The model outputs logits; softmax is applied by the caller.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, DEFAULT_SEED } from '../seed';

/** Options of `fashionCnn`. */
export interface FashionCnnOptions {
  /** Seed of the weight initialisers. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Input shape `[h, w, c]`. Default `[28, 28, 1]`. */
  inputShape?: [number, number, number];
  /** Number of classes. Default 10. */
  classes?: number;
}

/** Number of parameters of `fashionCnn()` with the default input shape. */
export const FASHION_CNN_PARAMS = 225_034;

/** Builds the (untrained) Fashion-MNIST CNN. */
export function fashionCnn(options: FashionCnnOptions = {}): tf.Sequential {
  const seed = options.seed ?? DEFAULT_SEED;
  const init = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'init', name) });
  return tf.sequential({
    name: 'fashion_cnn',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: options.inputShape ?? [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init('conv1') }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init('conv2') }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'dense1', units: 128, activation: 'relu', kernelInitializer: init('dense1') }),
      tf.layers.dense({ name: 'logits', units: options.classes ?? 10, kernelInitializer: init('logits') }),
    ],
  });
}
