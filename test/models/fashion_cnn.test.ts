import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, FASHION_CNN_PARAMS } from 'saplab';

describe('fashionCnn', () => {
  it('has the documented shape and parameter count', () => {
    const m = fashionCnn();
    expect(m.countParams()).toBe(FASHION_CNN_PARAMS);
    expect(m.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(m.outputs[0].shape).toEqual([null, 10]);
    expect(m.layers.map((l) => l.name)).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'dense1', 'logits']);
    const y = m.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    y.dispose();
  });

  it('initialises from the seed', () => {
    const a = fashionCnn({ seed: 1 }).getWeights()[0].dataSync();
    const b = fashionCnn({ seed: 1 }).getWeights()[0].dataSync();
    const c = fashionCnn({ seed: 2 }).getWeights()[0].dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
