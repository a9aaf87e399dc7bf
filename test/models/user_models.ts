/** Small models built by tests the way users write them (not the shipped CNN). */
import * as tf from '@tensorflow/tfjs';

/**
 * A CNN for 28x28x1 images in [0, 255] with a softmax output and its three ReLUs written three
 * ways: a fused `activation: 'relu'` (conv1), a `ReLU` layer (after conv2) and an
 * `Activation('relu')` (after dense1). Weights from `seed`.
 */
export function threeReluModel(seed = 7, inputShape: [number, number, number] = [28, 28, 1]): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  const x = tf.input({ shape: inputShape, name: 'pixels' });
  let h = tf.layers.conv2d({ name: 'conv1', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ name: 'conv2', filters: 4, kernelSize: 3, kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'relu2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flat' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ name: 'dense1', units: 16, kernelInitializer: init(3) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ name: 'act1', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ name: 'out', units: 10, activation: 'softmax', kernelInitializer: init(4) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'three_relu' });
}

/** A model without any ReLU (tanh everywhere). */
export function noReluModel(): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 8, activation: 'tanh' }), tf.layers.dense({ units: 10 })] });
}
