import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { accuracy, wilsonInterval } from 'saplab';
import { expectNoLeak } from '../helpers';

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i matches Newcombe (1998)', (k, n, low, high) => {
    const w = wilsonInterval(k, n);
    expect(w.low).toBeCloseTo(low, 4);
    expect(w.high).toBeCloseTo(high, 4);
  });

  it('is exact at the ends and contains p', () => {
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) });
    expect(wilsonInterval(10, 10)).toEqual({ low: expect.closeTo(0.7225, 4), high: 1 });
    for (const [k, n] of [[3, 7], [50, 100], [999, 1000]]) {
      const w = wilsonInterval(k, n);
      expect(w.low).toBeLessThan(k / n);
      expect(w.high).toBeGreaterThan(k / n);
    }
  });

  it('is symmetric around 1/2 and narrows with n', () => {
    const a = wilsonInterval(30, 100);
    const b = wilsonInterval(70, 100);
    expect(a.low).toBeCloseTo(1 - b.high, 12);
    const wide = wilsonInterval(5, 10);
    const narrow = wilsonInterval(500, 1000);
    expect(narrow.high - narrow.low).toBeLessThan((wide.high - wide.low) / 5);
  });

  it('a larger z gives a wider interval', () => {
    const w95 = wilsonInterval(40, 100);
    const w99 = wilsonInterval(40, 100, 2.5758);
    expect(w99.low).toBeLessThan(w95.low);
    expect(w99.high).toBeGreaterThan(w95.high);
  });

  it('rejects bad arguments', () => {
    expect(() => wilsonInterval(1, 0)).toThrow(/n must be a positive/);
    expect(() => wilsonInterval(11, 10)).toThrow(/successes must be in \[0, n\]/);
    expect(() => wilsonInterval(-1, 10)).toThrow(/successes/);
    expect(() => wilsonInterval(NaN, 10)).toThrow(/successes/);
    expect(() => wilsonInterval(1, 10, 0)).toThrow(/z must be/);
  });
});

describe('accuracy', () => {
  const probs = [
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0.3, 0.3, 0.4],
    [0.5, 0.5, 0.0], // tie: argmax is class 0, as tf.argMax
  ];
  const y = [0, 1, 0, 0];

  it('counts argmax matches and attaches the Wilson interval', () => {
    const r = accuracy(probs, y);
    expect(r).toEqual({ accuracy: 0.75, n: 4, correct: 3, ...wilsonInterval(3, 4) });
  });

  it('gives the same on tensors (probabilities or logits) and leaks nothing', async () => {
    const p = tf.tensor2d(probs);
    const logits = tf.log(tf.add(p, 1e-6)) as tf.Tensor2D;
    const labels = tf.tensor1d(y, 'int32');
    const r = await expectNoLeak(() => accuracy(p, labels));
    expect(r.accuracy).toBe(0.75);
    expect(accuracy(logits, labels).accuracy).toBe(0.75);
    // Inputs are not disposed.
    expect(p.isDisposed || labels.isDisposed).toBe(false);
    tf.dispose([p, logits, labels]);
  });

  it('accepts correctness flags: booleans, 0/1 arrays and tensors', async () => {
    expect(accuracy([true, false, true, true]).accuracy).toBe(0.75);
    expect(accuracy(new Uint8Array([1, 1, 0, 0])).correct).toBe(2);
    const t = tf.tensor1d([1, 0, 0, 0], 'bool');
    const r = await expectNoLeak(() => accuracy(t));
    expect(r).toMatchObject({ accuracy: 0.25, n: 4, correct: 1 });
    t.dispose();
  });

  it('uses z for the interval width', () => {
    const r = accuracy([1, 1, 0, 1, 0, 1, 1, 1, 1, 1], undefined, { z: 2.5758 });
    expect(r.low).toBeCloseTo(wilsonInterval(8, 10, 2.5758).low, 12);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => accuracy(probs, [0, 1])).toThrow(/y has 2 labels but there are 4 examples/);
    expect(() => accuracy(probs)).toThrow(/labels y are required/);
    expect(() => accuracy(probs, [0, 1, 3, 0])).toThrow(/y\[2\] = 3 is not an integer label in \[0, 2\]/);
    expect(() => accuracy(probs, [0, 1, 0.5, 0])).toThrow(/not an integer label/);
    expect(() => accuracy([[0.5, NaN], [1, 0]], [0, 0])).toThrow(/NaN/);
    expect(() => accuracy([[0.5, 0.5], [1]], [0, 0])).toThrow(/ragged/);
    expect(() => accuracy([1, 0, 2])).toThrow(/correctness flags must be 0\/1/);
    expect(() => accuracy([1, 0], [1, 0])).toThrow(/y must be omitted/);
    expect(() => accuracy([])).toThrow(/no examples/);
    const t3 = tf.zeros([2, 2, 2]);
    expect(() => accuracy(t3)).toThrow(/shape \[2, 2, 2\]/);
    t3.dispose();
  });
});
