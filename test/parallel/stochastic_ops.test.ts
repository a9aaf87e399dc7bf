import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, withSap, predictProbs, lossGradient } from 'saplab';
import { eotRowsPerPass, probsSegments, slicedLossGradient, slicedProbs, streamStates } from '../../lib/parallel/stochastic_ops';
import { useWasm } from '../backend/backend_compare';

describe('stochastic_ops', () => {
  it('cuts a slice at chunk boundaries and follows lossGradient’s draws per pass', () => {
    expect(probsSegments(3, 12, 5)).toEqual([
      { chunk: 0, offset: 3, rows: 2 },
      { chunk: 1, offset: 0, rows: 5 },
      { chunk: 2, offset: 0, rows: 2 },
    ]);
    expect(probsSegments(4, 4, 5)).toEqual([]);
    expect(eotRowsPerPass(40, 3)).toBe(1);
    expect(eotRowsPerPass(8, 4)).toBe(4);
    expect(eotRowsPerPass(20, 8)).toBe(3);
    expect(eotRowsPerPass(8, 4, 0)).toBe(1);
  });

  it('two slices computed one after the other give the whole batch’s probabilities and gradient', async () => {
    await useWasm();
    const net = fashionCnn({ seed: 1 });
    const x = tf.randomUniform([9, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8], 'int32');
    const ref = predictProbs(withSap(net, { seed: 3 }), x, { samples: 2, seed: 5, batchSize: 4 });
    const refGrad = lossGradient(withSap(net, { seed: 3 }), x, y, { eotSamples: 2, rowsPerPass: 0 });
    const sap = withSap(net, { seed: 3 });
    sap.reseed(5);
    const m = { model: sap, layers: sap.sapLayers };
    const states = streamStates(sap.sapLayers);
    const before = tf.memory().numTensors;
    const parts = [[0, 6], [6, 9]].map(([lo, hi]) => tf.tidy(() => slicedProbs(m, tf.slice(x, [lo, 0, 0, 0], [hi - lo, -1, -1, -1]), 2, probsSegments(lo, hi, 4), states)));
    const joined = tf.concat(parts, 0);
    expect(Array.from(joined.dataSync())).toEqual(Array.from(ref.dataSync()));
    sap.reseed(3);
    const gStates = streamStates(sap.sapLayers);
    const grads = [[0, 5], [5, 9]].map(([lo, hi]) => {
      const xs = tf.slice(x, [lo, 0, 0, 0], [hi - lo, -1, -1, -1]);
      const ys = tf.slice(y, [lo], [hi - lo]);
      const g = slicedLossGradient(m, xs, ys, { eotSamples: 2 }, lo, gStates);
      tf.dispose([xs, ys]);
      return g;
    });
    const grad = tf.concat(grads.map((g) => g.grad), 0);
    expect(Array.from(grad.dataSync())).toEqual(Array.from(refGrad.grad.dataSync()));
    expect(sap.sapLayers.every((l) => l.rowOffset === 0)).toBe(true);
    grads.forEach((g) => g.dispose());
    tf.dispose([...parts, joined, grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, ref]);
    refGrad.dispose();
    net.dispose();
  });
});
