import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { withInputConventions, Model } from 'saplab';
import { applyInputConventions, checkInputConventions } from '../../lib/models/input_conventions';
import { expectNoLeak } from '../helpers';

describe('input conventions', () => {
  it('scales to [0, 255], subtracts the mean and divides by the std per channel', async () => {
    const x = tf.tensor4d([0, 0.5, 1, 0.2, 0.4, 0.6], [1, 1, 2, 3]);
    await expectNoLeak(() => applyInputConventions(x, { range: [0, 255], mean: [10, 20, 30], std: [2, 4, 5] }), (t) => t.dispose());
    const got = tf.tidy(() => applyInputConventions(x, { range: [0, 255], mean: [10, 20, 30], std: [2, 4, 5] }).arraySync()) as number[][][][];
    const want = [[[[(0 - 10) / 2, (127.5 - 20) / 4, (255 - 30) / 5], [(51 - 10) / 2, (102 - 20) / 4, (153 - 30) / 5]]]];
    got[0][0].forEach((px, i) => px.forEach((v, c) => expect(v).toBeCloseTo(want[0][0][i][c], 4)));
    x.dispose();
  });

  it('keeps eps on [0, 1]: the gradient through a [0, 255] convention is 255 times the inner one', () => {
    const inner: Model = (x) => tf.reshape(tf.sum(tf.mul(x, x)), [1, 1]) as tf.Tensor2D;
    const outer = withInputConventions(inner, { range: [0, 255] });
    const x = tf.tensor4d([0.1, 0.2], [1, 1, 2, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(outer(v as tf.Tensor4D)))(x);
    // d/dx (255x)^2 = 2 * 255^2 * x
    expect(Array.from(g.dataSync())).toEqual([2 * 255 * 255 * 0.1, 2 * 255 * 255 * 0.2].map((v) => expect.closeTo(v, 0)));
    tf.dispose([x, g]);
    expect(withInputConventions(inner, {})).toBe(inner);
  });

  it('rejects ranges and statistics it cannot apply', () => {
    expect(() => checkInputConventions({ range: [0, 2] as never })).toThrow(/\[0, 1\] or \[0, 255\]/);
    expect(() => checkInputConventions({ std: [0] })).toThrow(/std must be positive/);
    expect(() => checkInputConventions({ mean: [1, 2] }, 3)).toThrow(/2 values but the images have 3 channels/);
    expect(() => checkInputConventions({ mean: [Number.NaN] })).toThrow(/mean must be a list of numbers/);
  });
});
