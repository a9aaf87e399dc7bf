import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, installWasmKernels, uninstallWasmKernels, wasmKernelsInstalled, WASM_KERNEL_REPLACEMENTS } from 'saplab';
import { useWasm, valuesOn, relativeError, liveCounts, FLOAT_TOLERANCE } from './backend_compare';

/** Mean softmax cross-entropy of `net` on (x, labels) and its gradient with respect to x. */
function inputGradient(net: tf.LayersModel, x: tf.Tensor4D, labels: number[], classes = 10): tf.Tensor {
  return tf.tidy(() => {
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    return tf.grad((a: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, net.apply(a, { training: false }) as tf.Tensor) as tf.Scalar)(x);
  });
}

/**
 * A small functional ResNet-like block: stride-2 'same' convolutions without activation (fused
 * linear path) + batch norm, a 1x1 stride-2 projection shortcut, add, ReLU, max pool, dense.
 */
function resBlock(seed: number, inputShape: [number, number, number]): tf.LayersModel {
  let k = 0;
  const init = () => tf.initializers.heNormal({ seed: seed + k++ });
  const conv = (x: tf.SymbolicTensor, filters: number, kernel: number, stride: number) =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor) =>
    tf.layers
      .batchNormalization({ axis: -1, movingMeanInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: seed + k++ }), movingVarianceInitializer: tf.initializers.constant({ value: 1.5 }) })
      .apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: inputShape });
  const stem = tf.layers.reLU().apply(bn(conv(input, 8, 3, 1))) as tf.SymbolicTensor;
  const main = bn(conv(tf.layers.reLU().apply(bn(conv(stem, 16, 3, 2))) as tf.SymbolicTensor, 16, 3, 1));
  const shortcut = bn(conv(stem, 16, 1, 2));
  const sum = tf.layers.reLU().apply(tf.layers.add().apply([main, shortcut]) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(sum) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(pooled) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: init() }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** Copies the weights of `net` into a fresh model built by `build` on the current backend. */
function copyOf(net: tf.LayersModel, build: () => tf.LayersModel): tf.LayersModel {
  const twin = build();
  twin.setWeights(net.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape, w.dtype)));
  return twin;
}

describe('wasm kernel installation', () => {
  beforeAll(useWasm);

  it('is installed by initBackend on wasm, idempotently', () => {
    expect(wasmKernelsInstalled()).toBe(true);
    const before = WASM_KERNEL_REPLACEMENTS.map((k) => tf.getKernel(k, 'wasm').kernelFunc);
    installWasmKernels();
    expect(WASM_KERNEL_REPLACEMENTS.map((k) => tf.getKernel(k, 'wasm').kernelFunc)).toEqual(before);
  });

  it('can be removed and put back (stock kernels restored, no filter gradient on stock wasm)', () => {
    const ours = tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc;
    uninstallWasmKernels();
    try {
      expect(wasmKernelsInstalled()).toBe(false);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc).not.toBe(ours);
    } finally {
      installWasmKernels();
    }
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc).toBe(ours);
  });

  it('leaves the cpu backend untouched', () => {
    for (const k of WASM_KERNEL_REPLACEMENTS) {
      const cpu = tf.getKernel(k, 'cpu');
      expect(cpu).toBeDefined();
      expect(cpu.backendName).toBe('cpu');
    }
  });
});

describe('end-to-end gradients on wasm', () => {
  beforeAll(useWasm);

  it('fashion CNN: the input gradient matches the cpu backend (batch 1 and 8)', async () => {
    const net = fashionCnn({ seed: 5 });
    for (const n of [1, 8]) {
      const labels = Array.from({ length: n }, (_, i) => (i * 3) % 10);
      const xData = tf.tidy(() => tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 61).dataSync());
      const [got] = await valuesOn('wasm', () => [inputGradient(net, tf.tensor4d(xData, [n, 28, 28, 1]), labels)]);
      const twin = await valuesOn('cpu', () => {
        const cpuNet = copyOf(net, () => fashionCnn({ seed: 99 }));
        const g = inputGradient(cpuNet, tf.tensor4d(xData, [n, 28, 28, 1]), labels);
        cpuNet.dispose();
        return [g];
      });
      expect(relativeError(got, twin[0])).toBeLessThan(FLOAT_TOLERANCE);
      expect(Math.max(...Array.from(got).map(Math.abs))).toBeGreaterThan(0);
    }
    net.dispose();
  });

  for (const size of [8, 9]) {
    it(`ResNet-like block (${size}x${size}, stride-2 'same' linear convs + batch norm): input and weight gradients match cpu`, async () => {
      const shape: [number, number, number] = [size, size, 3];
      const net = resBlock(7, shape);
      const xData = tf.tidy(() => tf.randomNormal([4, ...shape], 0, 1, 'float32', 71).dataSync());
      const labels = [1, 4, 7, 9];
      const grads = (model: tf.LayersModel) => {
        const x = tf.tensor4d(xData, [4, ...shape]);
        const dx = inputGradient(model, x, labels);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        const { grads: dw } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: false }) as tf.Tensor) as tf.Scalar, model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
        return [dx, ...model.trainableWeights.map((w) => dw[(w as unknown as { val: tf.Variable }).val.name])];
      };
      const got = await valuesOn('wasm', () => grads(net));
      const ref = await valuesOn('cpu', () => {
        const cpuNet = copyOf(net, () => resBlock(1000, shape));
        const out = grads(cpuNet);
        cpuNet.dispose();
        return out;
      });
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < got.length; i++) expect(relativeError(got[i], ref[i]), `gradient ${i}`).toBeLessThan(FLOAT_TOLERANCE);
      net.dispose();
    });
  }

  it('gradient computations leave no tensors or buffers behind', async () => {
    const net = fashionCnn({ seed: 5 });
    const block = resBlock(7, [9, 9, 3]);
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 81) as tf.Tensor4D;
    const xr = tf.randomUniform([4, 9, 9, 3], 0, 1, 'float32', 82) as tf.Tensor4D;
    tf.tidy(() => {
      inputGradient(net, x, [0, 1, 2, 3]);
      inputGradient(block, xr, [0, 1, 2, 3]);
    }); // warm-up
    const before = liveCounts();
    for (let i = 0; i < 3; i++) {
      const g = inputGradient(net, x, [0, 1, 2, 3]);
      const gr = inputGradient(block, xr, [0, 1, 2, 3]);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10), block.apply(xr) as tf.Tensor) as tf.Scalar);
      tf.dispose([g, gr, value, ...Object.values(grads)]);
    }
    expect(liveCounts()).toEqual(before);
    tf.dispose([x, xr]);
    net.dispose();
    block.dispose();
  });
});
