import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { calibration } from 'saplab';
import { NLL_EPSILON } from '../../lib/metrics/calibration';
import { expectNoLeak } from '../helpers';

// Five examples, three classes, five bins (0, .2], (.2, .4], ..., (.8, 1]. Worked by hand:
//   row  probs             y  confidence  correct  bin
//   0    [.9, .05, .05]    0  .9          yes      (.8, 1]
//   1    [.7, .2, .1]      1  .7          no       (.6, .8]
//   2    [.1, .6, .3]      1  .6 (edge)   yes      (.4, .6]
//   3    [.5, .3, .2]      0  .5          yes      (.4, .6]
//   4    [.2, .2, .6]      0  .6 (edge)   no       (.4, .6]
// bin (.4, .6]: conf (.6 + .5 + .6)/3 = .5667, acc 2/3, gap .1; (.6, .8]: gap .7; (.8, 1]: gap .1
// ECE = 3/5·.1 + 1/5·.7 + 1/5·.1 = .22, MCE = .7
// Brier rows: .015, 1.14, .26, .38, 1.04 → mean .567
const probs = [
  [0.9, 0.05, 0.05],
  [0.7, 0.2, 0.1],
  [0.1, 0.6, 0.3],
  [0.5, 0.3, 0.2],
  [0.2, 0.2, 0.6],
];
const y = [0, 1, 1, 0, 0];

describe('calibration', () => {
  it('matches a hand-computed example with empty bins and edge confidences', () => {
    const c = calibration(probs, y, { bins: 5 });
    expect(c.ece).toBeCloseTo(0.22, 12);
    expect(c.mce).toBeCloseTo(0.7, 12);
    expect(c.brier).toBeCloseTo(0.567, 12);
    expect(c.nll).toBeCloseTo(-(Math.log(0.9) + Math.log(0.2) + Math.log(0.6) + Math.log(0.5) + Math.log(0.2)) / 5, 12);
    expect(c.accuracy).toBeCloseTo(0.6, 12);
    expect(c.confidence).toBeCloseTo((0.9 + 0.7 + 0.6 + 0.5 + 0.6) / 5, 12);
    expect(c).toMatchObject({ n: 5, classes: 3, epsilon: NLL_EPSILON });
    expect(c.bins.map((b) => b.count)).toEqual([0, 0, 3, 1, 1]);
    expect(c.bins[0]).toEqual({ lower: 0, upper: 0.2, count: 0, confidence: null, accuracy: null, gap: null });
    expect(c.bins[1].accuracy).toBeNull();
    expect(c.bins[2].confidence).toBeCloseTo(1.7 / 3, 12);
    expect(c.bins[2].accuracy).toBeCloseTo(2 / 3, 12);
    expect(c.bins[2].gap).toBeCloseTo(0.1, 12);
    expect(c.bins[3]).toMatchObject({ lower: 0.6, upper: 0.8, count: 1, accuracy: 0 });
    expect(c.bins[4]).toMatchObject({ lower: 0.8, upper: 1, count: 1, accuracy: 1 });
  });

  it('uses 15 equal-width bins by default', () => {
    const c = calibration(probs, y);
    expect(c.bins).toHaveLength(15);
    expect(c.bins[0].lower).toBe(0);
    expect(c.bins[14].upper).toBe(1);
    for (const b of c.bins) expect(b.upper - b.lower).toBeCloseTo(1 / 15, 12);
    expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(5);
  });

  it('is zero for perfectly calibrated probabilities', () => {
    // Ten examples at confidence .8 of which eight are right: accuracy equals confidence.
    const p = Array.from({ length: 10 }, () => [0.8, 0.2]);
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    const c = calibration(p, labels, { bins: 10 });
    expect(c.ece).toBeCloseTo(0, 12);
    expect(c.mce).toBeCloseTo(0, 12);
    // Brier: right rows .2² + .2² = .08, wrong rows .8² + .8² = 1.28 → (8·.08 + 2·1.28)/10.
    expect(c.brier).toBeCloseTo(0.32, 12);
    expect(c.nll).toBeCloseTo(-(8 * Math.log(0.8) + 2 * Math.log(0.2)) / 10, 12);
  });

  it('is zero everywhere for confident correct one-hot predictions', () => {
    const c = calibration([[1, 0, 0], [0, 0, 1]], [0, 2]);
    expect(c).toMatchObject({ ece: 0, mce: 0, nll: 0, brier: 0, accuracy: 1 });
    expect(c.bins[14].count).toBe(2);
  });

  it('clips the true-class probability at epsilon in the NLL', () => {
    const c = calibration([[1, 0]], [1]);
    expect(c.nll).toBeCloseTo(-Math.log(NLL_EPSILON), 12);
    expect(calibration([[1, 0]], [1], { epsilon: 1e-3 }).nll).toBeCloseTo(-Math.log(1e-3), 12);
    expect(c.brier).toBe(2);
    expect(c.ece).toBe(1);
  });

  it('puts a confidence of exactly 0 in the first bin', () => {
    // Only reachable with unnormalised rows, hence the loose sumTolerance.
    const c = calibration([[0, 0]], [0], { bins: 4, sumTolerance: 1 });
    expect(c.bins.map((b) => b.count)).toEqual([1, 0, 0, 0]);
  });

  it('gives the same on float32 tensors and leaks no tensors', async () => {
    // Away from bin edges, since float32 moves .6 to .60000002.
    const p = [
      [0.91, 0.05, 0.04],
      [0.71, 0.19, 0.1],
      [0.1, 0.59, 0.31],
    ];
    const labels = [0, 1, 1];
    const ref = calibration(p, labels, { bins: 5 });
    const pt = tf.tensor2d(p);
    const yt = tf.tensor1d(labels, 'int32');
    const c = await expectNoLeak(() => calibration(pt, yt, { bins: 5 }));
    expect(c.ece).toBeCloseTo(ref.ece, 6);
    expect(c.nll).toBeCloseTo(ref.nll, 6);
    expect(c.brier).toBeCloseTo(ref.brier, 6);
    expect(c.bins.map((b) => b.count)).toEqual(ref.bins.map((b) => b.count));
    expect(pt.isDisposed).toBe(false);
    tf.dispose([pt, yt]);
  });

  it('handles softmax outputs of a real batch', async () => {
    const logits = tf.randomNormal([200, 10], 0, 3, 'float32', 7);
    const p = tf.softmax(logits) as tf.Tensor2D;
    const labels = tf.randomUniform([200], 0, 10, 'int32', 8) as tf.Tensor1D;
    const c = await expectNoLeak(() => calibration(p, labels));
    expect(c.ece).toBeGreaterThanOrEqual(0);
    expect(c.ece).toBeLessThanOrEqual(c.mce + 1e-12);
    expect(c.brier).toBeGreaterThanOrEqual(0);
    expect(c.brier).toBeLessThanOrEqual(2);
    expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(200);
    tf.dispose([logits, p, labels]);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => calibration(probs, [0, 1])).toThrow(/y has 2 labels but there are 5 examples/);
    expect(() => calibration(probs, y, { bins: 0 })).toThrow(/bins must be an integer >= 1, got 0/);
    expect(() => calibration(probs, y, { bins: 2.5 })).toThrow(/bins must be an integer/);
    expect(() => calibration(probs, y, { epsilon: 0 })).toThrow(/epsilon/);
    expect(() => calibration([[0.5, NaN]], [0])).toThrow(/NaN/);
    expect(() => calibration([[2, -1]], [0])).toThrow(/not a probability/);
    expect(() => calibration([[3, 1, 0]], [0])).toThrow(/not a probability/);
    expect(() => calibration([[0.3, 0.3]], [0])).toThrow(/sums to 0.6, not 1.*logits/);
    expect(() => calibration(probs, [0, 1, 1, 0, 3])).toThrow(/y\[4\] = 3/);
    expect(() => calibration([], [])).toThrow(/no examples/);
    const t1 = tf.tensor1d([0.5, 0.5]);
    expect(() => calibration(t1, [0])).toThrow(/2-D tensor/);
    t1.dispose();
  });
});
