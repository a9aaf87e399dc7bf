import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { addGaussianNoise, Rng } from 'saplab';
import { expectNoLeak } from '../helpers';

describe('addGaussianNoise', () => {
  it('adds N(0, sigma^2) per element, unclipped (fixed seed, 5 standard errors)', () => {
    const sigma = 0.5;
    const x = tf.fill([50, 10, 10, 1], 0.9) as tf.Tensor4D;
    const out = addGaussianNoise(x, sigma, new Rng(4));
    const v = out.dataSync();
    const n = v.length;
    let sum = 0;
    let sq = 0;
    let above = 0;
    for (const a of v) {
      sum += a - 0.9;
      sq += (a - 0.9) ** 2;
      if (a > 1) above++;
    }
    expect(Math.abs(sum / n)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    expect(Math.abs(sq / n - sigma ** 2)).toBeLessThan(5 * Math.sqrt(2 / n) * sigma ** 2);
    expect(above).toBeGreaterThan(0); // not clipped to [0, 1]
    expect(out.shape).toEqual(x.shape);
    tf.dispose([x, out]);
  });

  it('is seeded, returns a copy at sigma 0, rejects bad sigma, leaks nothing', async () => {
    const x = tf.zeros([2, 3, 3, 1]) as tf.Tensor4D;
    const a = addGaussianNoise(x, 1, new Rng(7));
    const b = addGaussianNoise(x, 1, new Rng(7));
    const c = addGaussianNoise(x, 1, new Rng(8));
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    const zero = addGaussianNoise(x, 0, new Rng(1));
    expect(zero.arraySync()).toEqual(x.arraySync());
    expect(zero).not.toBe(x);
    for (const s of [-1, NaN, Infinity]) expect(() => addGaussianNoise(x, s, new Rng(1))).toThrow(/sigma must be a finite number >= 0/);
    await expectNoLeak(() => tf.dispose(addGaussianNoise(x, 0.3, new Rng(2))));
    tf.dispose([x, a, b, c, zero]);
  });
});
