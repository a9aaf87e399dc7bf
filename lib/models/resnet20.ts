/**
 * ResNet-20 for CIFAR-10 (He et al. 2016, section 4.2), the network of the paper's experiments:
 * a 3x3 conv with 16 filters, then three stages of three residual units with 16, 32 and 64
 * filters (stride 2 at the start of stages 2 and 3, 1x1 projection shortcuts there), global
 * average pooling and a dense layer to 10 logits. About 0.27M parameters.
 *
 * Each residual unit is conv-BN-ReLU-conv-BN, add, ReLU, so SAP placed after every ReLU acts
 * after both ReLUs of each unit (and after the stem's), as in the authors' tutorial.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, DEFAULT_SEED } from '../seed';

/** Options of `resnet20`. */
export interface ResNet20Options {
  /** Seed of the weight initialisers. Default `DEFAULT_SEED`. */
  seed?: number;
  /** Input shape `[h, w, c]`. Default `[32, 32, 3]`. */
  inputShape?: [number, number, number];
  /** Number of classes. Default 10. */
  classes?: number;
  /** L2 weight decay on kernels (the tutorial uses 1e-4). Default 0. */
  weightDecay?: number;
}

/** Builds the (untrained) functional ResNet-20. */
export function resnet20(options: ResNet20Options = {}): tf.LayersModel {
  const seed = options.seed ?? DEFAULT_SEED;
  let counter = 0;
  const reg = options.weightDecay ? tf.regularizers.l2({ l2: options.weightDecay }) : undefined;
  const conv = (x: tf.SymbolicTensor, filters: number, kernel: number, stride: number, name: string) =>
    tf.layers
      .conv2d({
        name,
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(seed, 'init', name, counter++) }),
        kernelRegularizer: reg,
      })
      .apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor, name: string) => tf.layers.batchNormalization({ name, axis: -1 }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor, name: string) => tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;

  const input = tf.input({ shape: options.inputShape ?? [32, 32, 3], name: 'image' });
  let x = relu(bn(conv(input, 16, 3, 1, 'stem_conv'), 'stem_bn'), 'stem_relu');
  const stages: [number, number][] = [
    [16, 1],
    [32, 2],
    [64, 2],
  ];
  stages.forEach(([filters, firstStride], s) => {
    for (let b = 0; b < 3; b++) {
      const stride = b === 0 ? firstStride : 1;
      const p = `s${s + 1}b${b + 1}`;
      let y = relu(bn(conv(x, filters, 3, stride, `${p}_conv1`), `${p}_bn1`), `${p}_relu1`);
      y = bn(conv(y, filters, 3, 1, `${p}_conv2`), `${p}_bn2`);
      const shortcut = stride !== 1 || (x.shape[3] as number) !== filters ? bn(conv(x, filters, 1, stride, `${p}_proj`), `${p}_proj_bn`) : x;
      x = relu(tf.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as tf.SymbolicTensor, `${p}_relu2`);
    }
  });
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ name: 'logits', units: options.classes ?? 10, kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'init', 'logits') }) })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ name: 'resnet20', inputs: input, outputs: logits });
}
