import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, fashionCnn } from 'saplab';
import { BenchContext, meanCrossEntropyInputGradient, WORKLOADS } from '../../lib/bench/workloads';
import { maxAbsDiff } from '../helpers';

describe('bench workloads', () => {
  it('meanCrossEntropyInputGradient of a linear model is (softmax(xW) - onehot(y)) W^T / n', () => {
    const w = tf.tensor2d([
      [1, -2, 0.5],
      [0, 1, -1],
      [2, 0, 1],
      [-1, 1, 0],
    ]);
    const model = (x: tf.Tensor4D) => tf.matMul(tf.reshape(x, [x.shape[0], 4]), w) as tf.Tensor2D;
    const x = tf.tensor4d([0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.4, 0.8], [2, 2, 2, 1]);
    const y = tf.tensor1d([2, 0], 'int32');
    const before = tf.memory().numTensors;
    const g = meanCrossEntropyInputGradient(model, x, y, 3);
    expect(tf.memory().numTensors).toBe(before + 1);
    const want = tf.tidy(() => {
      const p = tf.softmax(model(x));
      return tf.reshape(tf.div(tf.matMul(tf.sub(p, tf.oneHot(y, 3)), w, false, true), 2), [2, 2, 2, 1]);
    });
    expect(g.shape).toEqual([2, 2, 2, 1]);
    expect(maxAbsDiff(g, want)).toBeLessThan(1e-6);
    tf.dispose([g, want, w, x, y]);
  });

  it('every workload runs on a tiny batch and leaves no tensors behind', () => {
    const net = fashionCnn({ seed: 3 });
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.tensor1d([1, 7], 'int32');
    const ctx: BenchContext = { net, model: asModel(net), x, y, classes: 10, batch: 2, seed: 1 };
    const before = tf.memory().numTensors;
    for (const [name, spec] of Object.entries(WORKLOADS)) {
      expect(spec.description.length, name).toBeGreaterThan(0);
      const run = spec.make(ctx);
      run();
      run.dispose?.();
      expect(tf.memory().numTensors, name).toBe(before);
    }
    expect(Object.keys(WORKLOADS)[0]).toBe('forward');
    tf.dispose([x, y]);
    net.dispose();
  });
});
