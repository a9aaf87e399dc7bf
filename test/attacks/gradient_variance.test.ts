import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { eotGradientVariance } from 'saplab';
import { expectNoLeak } from '../helpers';
import { inputDropout, linearModel, randomInputs, randomWeights } from './tiny_models';

const shape: [number, number, number] = [2, 3, 1];
const d = 6;

describe('eotGradientVariance', () => {
  const base = linearModel(randomWeights(d, 3, 21), [0.1, -0.2, 0.05]);
  const x = tf.tensor4d(randomInputs(3, d, 22), [3, ...shape]);
  const y = tf.tensor1d([0, 1, 2], 'int32');

  it('is zero for a deterministic model', () => {
    const r = eotGradientVariance(base, x, y, { eotSamples: [1, 2], draws: 8 });
    expect(r.eotSamples).toEqual([1, 2]);
    expect(r.draws).toBe(8);
    r.variance.forEach((v) => expect(v).toBeCloseTo(0, 10));
  });

  it('falls as 1/k for independent draws (input dropout on a linear model)', () => {
    const model = inputDropout(base, 0.5, 23);
    const ks = [1, 4, 16];
    const r = eotGradientVariance(model, x, y, { eotSamples: ks, draws: 2048 });
    expect(model.calls()).toBe(2048);
    expect(r.variance[0]).toBeGreaterThan(0);
    // 2048 / 16 = 128 groups: the estimate's relative standard error is about sqrt(2 / 127) = 0.13.
    ks.forEach((k, i) => {
      expect(r.predicted[i]).toBeCloseTo(r.variance[0] / k, 10);
      expect(r.variance[i] / r.predicted[i]).toBeGreaterThan(0.6);
      expect(r.variance[i] / r.predicted[i]).toBeLessThan(1.4);
    });
  });

  it('matches the closed-form variance of input dropout on a linear model', () => {
    // Two classes, the second with zero weights; label 1, 'margin' loss z_0 - z_1 = z_0 = w · (m * x) / (1 - rate).
    const w = [[1, 0], [-2, 0], [0.5, 0], [3, 0], [-1, 0], [2, 0]];
    const lin = linearModel(w, [0, 0]);
    const model = inputDropout(lin, 0.5, 24);
    const xs = tf.tensor4d([0.2, 0.4, 0.6, 0.8, 1, 0.5], [1, ...shape]);
    const ys = tf.tensor1d([1], 'int32');
    // Its gradient is w * m / (1 - rate) with rate 1/2: each dimension is 2 w_j or 0 with
    // probability 1/2, variance w_j^2, whatever x is.
    const expected = w.reduce((s, row) => s + row[0] * row[0], 0);
    const r = eotGradientVariance(model, xs, ys, { eotSamples: [1, 8], draws: 4096, loss: 'margin' });
    expect(r.variance[0] / expected).toBeGreaterThan(0.9);
    expect(r.variance[0] / expected).toBeLessThan(1.1);
    expect(r.variance[1] / (expected / 8)).toBeGreaterThan(0.75);
    expect(r.variance[1] / (expected / 8)).toBeLessThan(1.25);
    tf.dispose([xs, ys]);
  });

  it('leaves no tensors behind', async () => {
    const model = inputDropout(base, 0.3, 25);
    await expectNoLeak(() => eotGradientVariance(model, x, y, { eotSamples: [1, 2], draws: 6 }));
  });

  it('rejects bad options', () => {
    expect(() => eotGradientVariance(base, x, y, { eotSamples: [] })).toThrow(/eotSamples/);
    expect(() => eotGradientVariance(base, x, y, { eotSamples: [0] })).toThrow(/eotSamples/);
    expect(() => eotGradientVariance(base, x, y, { eotSamples: [1.5] })).toThrow(/eotSamples/);
    expect(() => eotGradientVariance(base, x, y, { eotSamples: [4], draws: 6 })).toThrow(/two groups/);
    expect(() => eotGradientVariance(base, x, y, { eotSamples: [1], draws: 1 })).toThrow(/draws/);
  });
});
