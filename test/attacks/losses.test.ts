import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attackLoss, sortedLogits } from '../../lib/attacks/losses';
import { expectNoLeak, maxAbsDiff } from '../helpers';
import { values } from './tiny_models';

// Hand-computed DLR values (Croce & Hein 2020): untargeted -(z_y - max_{j≠y} z_j) / (z_π1 - z_π3),
// targeted -(z_y - z_t) / (z_π1 - (z_π3 + z_π4) / 2), π the logits sorted in descending order.
const rows = [
  [2, 1, 0, -1],
  [0, 3, 1, 0.5],
  [1, 1, 1, 0],
];

describe('sortedLogits', () => {
  it('returns the k largest logits per row, ties counted once per class', () => {
    const z = tf.tensor2d(rows);
    const out = sortedLogits(z, 4);
    expect(out.map(values)).toEqual([
      [2, 3, 1],
      [1, 1, 1],
      [0, 0.5, 1],
      [-1, 0, 0],
    ]);
    tf.dispose([z, ...out]);
  });

  it('rejects k outside [1, classes]', () => {
    const z = tf.tensor2d(rows);
    expect(() => sortedLogits(z, 0)).toThrow(/k must be an integer in \[1, 4\]/);
    expect(() => sortedLogits(z, 5)).toThrow(/k must be an integer in \[1, 4\]/);
    z.dispose();
  });
});

describe('DLR loss', () => {
  it('untargeted: matches hand-computed values', () => {
    const z = tf.tensor2d(rows);
    const y = tf.tensor1d([0, 2, 0], 'int32');
    const out = attackLoss(z, y, 'dlr');
    // row 0: -(2 - 1) / (2 - 0) = -0.5; row 1: -(1 - 3) / (3 - 0.5) = 0.8; row 2: -(1 - 1) / (1 - 1 + 1e-12) = 0.
    const expected = [-0.5, 0.8, 0];
    values(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    tf.dispose([z, y, out]);
  });

  it('targeted: matches hand-computed values', () => {
    const z = tf.tensor2d(rows.slice(0, 2));
    const truth = tf.tensor1d([0, 2], 'int32');
    const target = tf.tensor1d([2, 1], 'int32');
    const out = attackLoss(z, target, 'dlr', true, truth);
    // row 0: -(z_0 - z_2) / (2 - (0 + (-1)) / 2) = -2 / 2.5 = -0.8
    // row 1: -(z_2 - z_1) / (3 - (0.5 + 0) / 2) = 2 / 2.75
    const expected = [-0.8, 2 / 2.75];
    expect(out.shape).toEqual([2]);
    values(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    tf.dispose([z, truth, target, out]);
  });

  it('both versions are invariant to shifting and to positively scaling a row of logits', () => {
    const z = tf.tensor2d(rows.slice(0, 2));
    const y = tf.tensor1d([0, 2], 'int32');
    const t = tf.tensor1d([3, 0], 'int32');
    const moved = tf.tidy(() => tf.add(tf.mul(z, tf.tensor2d([[7], [0.01]])), tf.tensor2d([[3], [-50]])) as tf.Tensor2D);
    for (const [a, b] of [
      [attackLoss(z, y, 'dlr'), attackLoss(moved, y, 'dlr')],
      [attackLoss(z, t, 'dlr', true, y), attackLoss(moved, t, 'dlr', true, y)],
    ]) {
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      tf.dispose([a, b]);
    }
    tf.dispose([z, y, t, moved]);
  });

  it('targeted DLR: its gradient matches a finite difference', () => {
    const z0 = [0.3, 2.1, -0.4, 1.2, 0.7];
    const y = tf.tensor1d([1], 'int32');
    const t = tf.tensor1d([3], 'int32');
    const f = (v: tf.Tensor2D) => attackLoss(v, t, 'dlr', true, y);
    const g = tf.tidy(() => values(tf.grad((v: tf.Tensor) => tf.sum(f(v as tf.Tensor2D)))(tf.tensor2d([z0]))));
    const h = 1e-2;
    for (let j = 0; j < z0.length; j++) {
      const at = (d: number) => tf.tidy(() => values(f(tf.tensor2d([z0.map((v, k) => (k === j ? v + d : v))])))[0]);
      expect(g[j]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 2);
    }
    tf.dispose([y, t]);
  });

  it('rejects the targeted version without true labels or with fewer than 4 classes', () => {
    const z = tf.tensor2d(rows);
    const y = tf.tensor1d([0, 2, 0], 'int32');
    expect(() => attackLoss(z, y, 'dlr', true)).toThrow(/needs the true labels/);
    const three = tf.tensor2d([[1, 2, 3]]);
    const one = tf.tensor1d([0], 'int32');
    expect(() => attackLoss(three, one, 'dlr', true, one)).toThrow(/at least 4 classes/);
    const two = tf.tensor2d([[1, 2]]);
    expect(() => attackLoss(two, one, 'dlr')).toThrow(/at least 3 classes/);
    tf.dispose([z, y, three, one, two]);
  });

  it('leaves no tensors behind', async () => {
    const z = tf.tensor2d(rows);
    const y = tf.tensor1d([0, 2, 0], 'int32');
    const t = tf.tensor1d([1, 1, 3], 'int32');
    await expectNoLeak(() => attackLoss(z, t, 'dlr', true, y), (o) => o.dispose());
    await expectNoLeak(() => attackLoss(z, y, 'dlr'), (o) => o.dispose());
    tf.dispose([z, y, t]);
  });
});
