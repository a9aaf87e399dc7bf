import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { predictProbs, sampleCounts, withGaussianSmoothing, type Model } from 'saplab';
import { normalCdf } from '../../lib/metrics/normal';
import { expectNoLeak } from '../helpers';
import { binaryModel, imagesAt, NORM_W, W } from './smoothing_models';

/** A model whose logits are its input's pixels, to see the noise itself. */
const identity: Model = Object.assign((x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D, { stochastic: false });

describe('withGaussianSmoothing', () => {
  it('adds N(0, sigma^2) noise to every input element (fixed seed, 5 standard errors)', () => {
    const sigma = 0.3;
    const m = withGaussianSmoothing(identity, { sigma, seed: 3 });
    const x = tf.fill([200, 5, 5, 1], 0.5) as tf.Tensor4D;
    const out = m(x);
    const v = out.dataSync();
    const n = v.length;
    let sum = 0;
    let sq = 0;
    for (const a of v) {
      sum += a - 0.5;
      sq += (a - 0.5) ** 2;
    }
    expect(Math.abs(sum / n)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    // var of the sample variance of a normal: 2 sigma^4 / n
    expect(Math.abs(sq / n - sigma ** 2)).toBeLessThan(5 * Math.sqrt(2 / n) * sigma ** 2);
    expect(m.stochastic).toBe(true);
    expect(m.independentRows).toBe(true);
    expect(m.sigma).toBe(sigma);
    tf.dispose([x, out]);
  });

  it('same seed, same noise; fresh noise per call; reseed repeats the stream', () => {
    const x = tf.zeros([3, 2, 2, 1]) as tf.Tensor4D;
    const a = withGaussianSmoothing(identity, { sigma: 1, seed: 11 });
    const b = withGaussianSmoothing(identity, { sigma: 1, seed: 11 });
    const c = withGaussianSmoothing(identity, { sigma: 1, seed: 12 });
    const [a1, b1, c1] = [a(x).arraySync(), b(x).arraySync(), c(x).arraySync()];
    const a2 = a(x).arraySync();
    expect(a1).toEqual(b1);
    expect(a1).not.toEqual(c1);
    expect(a1).not.toEqual(a2);
    a.reseed(11);
    b.reseed(11);
    expect(a(x).arraySync()).toEqual(b(x).arraySync());
    x.dispose();
  });

  it('passes the gradient to x: for a linear base it is the base gradient', () => {
    const m = withGaussianSmoothing(binaryModel(), { sigma: 0.5, seed: 1 });
    const x = imagesAt([0.1]);
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(m(xx as tf.Tensor4D), tf.tensor1d([1, 0]))))(x);
    const gv = Array.from(g.dataSync());
    gv.forEach((v, i) => expect(v).toBeCloseTo(W[i], 6));
    tf.dispose([x, g]);
  });

  it('predictProbs averages its softmax over draws and reseeds it from its seed', () => {
    const m = withGaussianSmoothing(binaryModel(), { sigma: 0.5 });
    const x = imagesAt([0.05, -0.3]);
    const a = predictProbs(m, x, { samples: 50, seed: 2 });
    const b = predictProbs(m, x, { samples: 50, seed: 2 });
    const c = predictProbs(m, x, { samples: 50, seed: 3 });
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    const p = a.arraySync() as number[][];
    expect(p[0][0]).toBeGreaterThan(0.5); // class 0 on the positive side, class 1 on the negative
    expect(p[1][1]).toBeGreaterThan(0.5);
    tf.dispose([x, a, b, c]);
  });

  it('rejects sigma <= 0 or not finite', () => {
    for (const sigma of [0, -0.1, NaN, Infinity]) expect(() => withGaussianSmoothing(identity, { sigma })).toThrow(/sigma must be a finite number > 0/);
    expect(() => withGaussianSmoothing(identity, undefined as never)).toThrow(/sigma/);
  });

  it('leaks no tensors, also under a gradient', async () => {
    const m = withGaussianSmoothing(binaryModel(), { sigma: 0.5, seed: 1 });
    const x = imagesAt([0.1, -0.2]);
    await expectNoLeak(() => {
      tf.dispose(m(x));
      tf.dispose(tf.grad((xx: tf.Tensor) => tf.sum(m(xx as tf.Tensor4D)))(x));
    });
    x.dispose();
  });
});

describe('sampleCounts', () => {
  it('counts votes with frequency Phi(margin / (sigma ||w||)) (fixed seed, 5 standard errors)', () => {
    const sigma = 0.25;
    const ts = [0.05, 0.2, -0.1];
    const m = withGaussianSmoothing(binaryModel(), { sigma });
    const x = imagesAt(ts);
    const num = 4000;
    const counts = sampleCounts(m, x, num, { seed: 5, batchSize: 1500 });
    ts.forEach((t, i) => {
      // s = t ||w||, noise on s has sd sigma ||w||: P(class 0) = Phi(t / sigma).
      const p0 = normalCdf((t * NORM_W) / (sigma * NORM_W));
      expect(counts[i][0] + counts[i][1]).toBe(num);
      expect(Math.abs(counts[i][0] / num - p0)).toBeLessThan(5 * Math.sqrt((p0 * (1 - p0)) / num));
    });
    x.dispose();
  });

  it('gives the same counts for any batch size (rows are drawn in image-major order)', () => {
    const m = withGaussianSmoothing(binaryModel(), { sigma: 0.5 });
    const x = imagesAt([0.05, -0.02, 0.3]);
    const a = sampleCounts(m, x, 250, { seed: 9, batchSize: 1000 });
    const b = sampleCounts(m, x, 250, { seed: 9, batchSize: 77 });
    const c = sampleCounts(m, x, 250, { seed: 10, batchSize: 77 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    x.dispose();
  });

  it('reports progress, leaks nothing, rejects bad settings', async () => {
    const m = withGaussianSmoothing(binaryModel(), { sigma: 0.5 });
    const x = imagesAt([0.05, -0.02]);
    const seen: number[] = [];
    await expectNoLeak(() => sampleCounts(m, x, 30, { batchSize: 25, onProgress: (d, t) => seen.push(d / t) }));
    expect(seen).toEqual([25 / 60, 50 / 60, 1]);
    expect(() => sampleCounts(m, x, 0)).toThrow(/positive integer/);
    expect(() => sampleCounts(m, x, 10, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => sampleCounts(identity, x, 10, { seed: 1 })).toThrow(/cannot be reseeded/);
    x.dispose();
  });
});
