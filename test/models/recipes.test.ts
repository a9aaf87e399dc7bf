import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildArchitecture, TRAIN_RECIPES, DEFAULT_RECIPE, trainClassifier } from 'saplab';
import { paperCifar10Lr } from '../../lib/models/recipes';

describe('training recipes', () => {
  it("the paper's CIFAR-10 recipe: SGD 0.9, wd 1e-4, batch 512, 150 epochs, lr 0.5 → 0.05 → 0.005, crop and flip", () => {
    const r = TRAIN_RECIPES['paper-cifar10'];
    expect(r).toMatchObject({ epochs: 150, batchSize: 512, options: { optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, augment: { pad: 4, flip: true } } });
    expect([1, 100, 101, 130, 131, 150].map(paperCifar10Lr)).toEqual([0.5, 0.5, 0.05, 0.05, 0.005, 0.005]);
    expect(DEFAULT_RECIPE.resnet20).toBe('paper-cifar10');
    expect(DEFAULT_RECIPE['fashion-cnn']).toBe('adam');
  });

  it('builds both architectures for other image shapes', () => {
    const a = buildArchitecture('resnet20', { seed: 1, inputShape: [28, 28, 1] });
    const b = buildArchitecture('fashion-cnn', { seed: 1, inputShape: [28, 28, 1] });
    expect(a.outputs[0].shape).toEqual([null, 10]);
    expect(b.inputs[0].shape).toEqual([null, 28, 28, 1]);
    a.dispose();
    b.dispose();
  });

  it('SGD with momentum and weight decay: one step moves the weights as the closed form says', async () => {
    // A linear model on one example; with momentum the first step is plain SGD: w -= lr * grad.
    const net = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 2] }), tf.layers.dense({ units: 2, useBias: false, kernelInitializer: 'zeros' })] });
    const k0 = tf.tensor2d([[0.5, -0.5], [1, 2]]);
    net.layers[1].setWeights([k0]);
    const x = tf.tensor4d([1, 2], [1, 1, 1, 2]);
    const y = tf.tensor1d([0], 'int32');
    const lr = 0.1;
    const wd = 0.01;
    await trainClassifier(net, x, y, { epochs: 1, batchSize: 1, optimizer: 'sgd', momentum: 0.9, weightDecay: wd, lrSchedule: () => lr, progress: { mode: 'off' } });
    // logits z = x K = [0.5 + 2, -0.5 + 4] = [2.5, 3.5]; p = softmax(z); dCE/dz = p - onehot(0).
    const z = [2.5, 3.5];
    const e = z.map(Math.exp);
    const p = e.map((v) => v / (e[0] + e[1]));
    const g = [p[0] - 1, p[1]];
    const k = [[0.5, -0.5], [1, 2]];
    const xs = [1, 2];
    const got = net.layers[1].getWeights()[0].arraySync() as number[][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(got[i][j]).toBeCloseTo(k[i][j] - lr * (xs[i] * g[j] + 2 * wd * k[i][j]), 5);
    tf.dispose([k0, x, y]);
    net.dispose();
  });

  it('micro-batches: summing the gradients of chunks gives the same step as the whole batch', async () => {
    const build = () => {
      const net = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
      return net;
    };
    const x = tf.randomUniform([10, 2, 2, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
    const opts = { epochs: 2, batchSize: 10, optimizer: 'sgd' as const, momentum: 0.9, weightDecay: 1e-3, lrSchedule: () => 0.5, progress: { mode: 'off' as const } };
    const whole = build();
    const chunked = build();
    const logWhole = await trainClassifier(whole, x, y, opts);
    const before = tf.memory().numTensors;
    const logChunked = await trainClassifier(chunked, x, y, { ...opts, microBatch: 3 });
    expect(tf.memory().numTensors).toBe(before);
    whole.getWeights().forEach((w, i) => expect(tf.max(tf.abs(tf.sub(w, chunked.getWeights()[i]))).dataSync()[0]).toBeLessThan(1e-5));
    expect(logChunked[1].loss).toBeCloseTo(logWhole[1].loss, 5);
    expect(logChunked[1].trainAccuracy).toBe(logWhole[1].trainAccuracy);
    tf.dispose([x, y]);
    whole.dispose();
    chunked.dispose();
  });
});
