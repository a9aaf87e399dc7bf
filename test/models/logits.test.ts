import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { logitsModel } from 'saplab';
import { endsInSoftmax, softmaxKind } from '../../lib/models/logits';
import { threeReluModel } from './user_models';

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): void {
  expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(tol);
}

describe('logitsModel', () => {
  it('removes a fused final softmax: softmax(logits) is the original output', () => {
    const net = threeReluModel(2);
    expect(endsInSoftmax(net)).toBe(true);
    const lm = logitsModel(net);
    expect(lm).toMatchObject({ outputs: 'probs', method: 'softmax-removed' });
    const x = tf.randomUniform([3, 28, 28, 1], 0, 255, 'float32', 9);
    tf.tidy(() => close(tf.softmax(lm.net.predict(x) as tf.Tensor2D), net.predict(x) as tf.Tensor));
    // Logits are not probabilities: rows do not sum to 1 in general.
    expect(tf.tidy(() => tf.abs(tf.sub(tf.sum(lm.net.predict(x) as tf.Tensor, 1), 1)).max().dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose(x);
  });

  it('removes an Activation("softmax") layer; leaves logits models alone; falls back to the log', () => {
    const inp = tf.input({ shape: [4] });
    const z = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(inp) as tf.SymbolicTensor;
    const p = tf.layers.activation({ activation: 'softmax' }).apply(z) as tf.SymbolicTensor;
    const withAct = tf.model({ inputs: inp, outputs: p });
    expect(softmaxKind(withAct.layers[withAct.layers.length - 1])).toBe('layer');
    const lm = logitsModel(withAct, 'auto');
    expect(lm.method).toBe('softmax-removed');
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    tf.tidy(() => close(tf.softmax(lm.net.predict(x) as tf.Tensor2D), withAct.predict(x) as tf.Tensor));
    const plain = tf.model({ inputs: inp, outputs: z });
    expect(logitsModel(plain).method).toBe('as-is');
    expect(logitsModel(plain, 'probs')).toMatchObject({ outputs: 'probs', method: 'log' });
    expect(logitsModel(withAct, 'logits').method).toBe('as-is');
    tf.dispose(x);
  });
});
