import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asModel, episodeSeeds, loadPretrained, qValues, withSap, type Model } from 'saplab';
import { argmaxRows } from '../../lib/rl/agent';
import { CatchBatch } from '../../lib/rl/catch';

let net: tf.LayersModel;
let dense: Model;
beforeAll(async () => {
  net = await loadPretrained('catch-dqn');
  dense = asModel(net, 'dense');
});
afterAll(() => net.dispose());

/** The first observations of a batch of episodes, as a tensor. */
function firstObservations(n: number, seed = 1): tf.Tensor4D {
  const env = new CatchBatch();
  return tf.tensor4d(env.reset(episodeSeeds(seed, n)), [n, 10, 5, 1]);
}

describe('qValues and greedy actions', () => {
  it('a deterministic model takes one pass; SAP averages k passes (seeded) and the average converges as k grows', () => {
    const x = firstObservations(16);
    const sap = withSap(net, { sampleFraction: 1, seed: 3 });
    const q0 = net.predict(x) as tf.Tensor;
    const before = tf.memory().numTensors;
    const q1 = qValues(dense, x, { samples: 50 });
    expect(Array.from(q1.dataSync())).toEqual(Array.from(q0.dataSync()));
    const a = qValues(sap, x, { samples: 4, seed: 9 });
    const b = qValues(sap, x, { samples: 4, seed: 9 });
    const c = qValues(sap, x, { samples: 4, seed: 10 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    // SAP is unbiased per layer, so the averaged Q-values move towards the dense ones: the error
    // of the 64-pass mean is smaller than that of a single pass.
    const err = (t: tf.Tensor) => tf.tidy(() => tf.mean(tf.abs(tf.sub(t, q0))).dataSync()[0]);
    const single = qValues(sap, x, { samples: 1, seed: 11 });
    const many = qValues(sap, x, { samples: 64, seed: 11 });
    expect(err(many)).toBeLessThan(err(single));
    tf.dispose([q1, a, b, c, single, many]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => qValues(sap, x, { samples: 0 })).toThrow(/samples/);
    tf.dispose([x, q0]);
  });

  it('argmaxRows picks the largest entry per row, ties to the lower action', () => {
    const q = tf.tensor2d([[1, 3, 2], [5, 5, 0], [-1, -2, -0.5]]);
    expect(Array.from(argmaxRows(q))).toEqual([1, 0, 2]);
    q.dispose();
  });
});

