import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, predictProbs, withSap, asModel } from 'saplab';
import { predictBatchRange } from '../../lib/defenses/predict';
import { deriveSeed } from '../../lib/seed';
import { expectNoLeak, maxAbsDiff } from '../helpers';

describe('predictProbs', () => {
  const model = fashionCnn({ seed: 2 });
  const x = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 9) as tf.Tensor4D;

  it('is the softmax of one pass for a deterministic model', () => {
    const p = predictProbs(model, x, { samples: 50 });
    const ref = tf.softmax(asModel(model)(x));
    expect(maxAbsDiff(p, ref)).toBeLessThan(1e-6);
    tf.dispose([p, ref]);
  });

  it('averages softmax over stochastic passes, reproducibly with a seed, batched', () => {
    const sm = withSap(model, { seed: 1, sampleFraction: 0.2 });
    const a = predictProbs(sm, x, { samples: 8, seed: 3, batchSize: 2 });
    const b = predictProbs(sm, x, { samples: 8, seed: 3, batchSize: 5 });
    expect(a.shape).toEqual([5, 10]);
    expect(maxAbsDiff(tf.sum(a, 1), tf.ones([5]))).toBeLessThan(1e-5);
    // Batching changes which draws each example gets, so compare seeds on equal batching.
    const c = predictProbs(sm, x, { samples: 8, seed: 3, batchSize: 2 });
    expect(maxAbsDiff(a, c)).toBe(0);
    // Averaging more passes lowers the spread between two independent estimates.
    const spread = (samples: number) => {
      const p1 = predictProbs(sm, x, { samples, seed: 10 });
      const p2 = predictProbs(sm, x, { samples, seed: 20 });
      const d = tf.tidy(() => tf.mean(tf.square(tf.sub(p1, p2))).dataSync()[0]);
      tf.dispose([p1, p2]);
      return d;
    };
    expect(spread(16)).toBeLessThan(spread(1) / 4);
    tf.dispose([a, b, c]);
  });

  it('validates options and leaks nothing', async () => {
    const sm = withSap(model, { seed: 1 });
    expect(() => predictProbs(sm, x, { samples: 0 })).toThrow(/samples/);
    expect(() => predictProbs(sm, x, { batchSize: 0 })).toThrow(/batchSize/);
    await expectNoLeak(() => predictProbs(sm, x, { samples: 3, batchSize: 2 }), (t) => t.dispose());
  });
});

describe('predictBatchRange', () => {
  it('predicts each batch with the model reseeded by its index, so ranges join to the whole run', () => {
    const net = fashionCnn({ seed: 3 });
    const x = tf.randomUniform([7, 28, 28, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const m = withSap(net, { sampleFraction: 0.5, seed: 1 });
    const before = tf.memory().numTensors;
    const whole = predictBatchRange(m, x, { samples: 3, seed: 4, batchSize: 3 });
    expect(whole.shape).toEqual([7, 10]);
    // Batch 1 alone equals predictProbs of its images with the seed of batch 1.
    const b1 = tf.tidy(() => predictProbs(m, tf.slice(x, [3, 0, 0, 0], [3, -1, -1, -1]) as tf.Tensor4D, { samples: 3, seed: deriveSeed(4, 'batch', 1) }));
    expect(Array.from(tf.tidy(() => tf.slice(whole, [3, 0], [3, -1]).dataSync()))).toEqual(Array.from(b1.dataSync()));
    // Any split of the batches, in any order, joins to the whole call bit for bit.
    const tail = predictBatchRange(m, x, { samples: 3, seed: 4, batchSize: 3, first: 1 });
    const head = predictBatchRange(m, x, { samples: 3, seed: 4, batchSize: 3, first: 0, end: 1 });
    expect(tail.shape).toEqual([4, 10]);
    expect(Array.from(tf.tidy(() => tf.concat([head, tail], 0).dataSync()))).toEqual(Array.from(whole.dataSync()));
    // Another seed gives other masks; a deterministic model ignores seeds.
    const other = predictBatchRange(m, x, { samples: 3, seed: 5, batchSize: 3 });
    expect(maxAbsDiff(other, whole)).toBeGreaterThan(0);
    const dense = predictBatchRange(net, x, { batchSize: 3 });
    const dense1 = predictProbs(net, x);
    expect(maxAbsDiff(dense, dense1)).toBeLessThan(1e-6);
    tf.dispose([whole, b1, tail, head, other, dense, dense1]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    net.dispose();
  });

  it('checks its range, seed and model', () => {
    const net = fashionCnn({ seed: 3 });
    const x = tf.zeros([4, 28, 28, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => predictBatchRange(net, x, { batchSize: 2, first: 1, end: 1 })).toThrow(/batches \[1, 1\) are not a non-empty range within the 2 batches of 4 images/);
    expect(() => predictBatchRange(net, x, { batchSize: 2, end: 3 })).toThrow(/not a non-empty range/);
    expect(() => predictBatchRange(net, x, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => predictBatchRange(net, x, { seed: 1.5 })).toThrow(/seed must be an integer/);
    const noReseed = Object.assign((t: tf.Tensor4D) => net.predict(t) as tf.Tensor2D, { stochastic: true });
    expect(() => predictBatchRange(noReseed, x)).toThrow(/must support reseed/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
