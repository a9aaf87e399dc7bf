import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { huber } from '../../lib/rl/huber';
import { expectNoLeak } from '../helpers';

describe('huber', () => {
  it('is x^2/2 inside delta and delta(|x| - delta/2) outside', () => {
    const x = tf.tensor1d([-3, -1, -0.5, 0, 0.25, 1, 2.5]);
    expect(Array.from(huber(x).dataSync())).toEqual([2.5, 0.5, 0.125, 0, 0.03125, 0.5, 2].map(Math.fround));
    const d2 = Array.from(huber(x, 2).dataSync());
    [4, 0.5, 0.125, 0, 0.03125, 0.5, 3].forEach((v, i) => expect(d2[i]).toBeCloseTo(v, 6));
    expect(() => huber(x, 0)).toThrow(/delta/);
    x.dispose();
  });

  it('has gradient clip(x, -delta, delta) and leaks nothing', async () => {
    const x = tf.tensor1d([-3, -0.5, 0.2, 4]);
    const g = await expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(huber(v)))(x), (t) => t.dispose());
    void g;
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(huber(v)))(x);
    Array.from(g2.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([-1, -0.5, 0.2, 1][i], 6));
    tf.dispose([x, g2]);
  });
});

