import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, predictProbs, withSap, asModel } from 'saplab';
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
