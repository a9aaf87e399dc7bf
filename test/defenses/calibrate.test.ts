import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { calibrateStrength, heldOutAccuracy, type Model } from 'saplab';

/**
 * A deterministic toy whose accuracy is a known step function of its strength: on n images with
 * labels 0, it predicts class 0 for the first round((1 - value) n) of them and class 1 after.
 */
function toy(n: number) {
  const x = tf.reshape(tf.range(0, n, 1, 'float32'), [n, 1, 1, 1]) as tf.Tensor4D;
  const y = tf.zeros([n], 'int32') as tf.Tensor1D;
  const build = (value: number): Model => {
    const m = ((xx: tf.Tensor4D) =>
      tf.tidy(() => {
        const right = tf.cast(tf.less(tf.reshape(xx, [-1]), Math.round((1 - value) * n)), 'float32');
        return tf.stack([right, tf.sub(1, right)], 1) as tf.Tensor2D;
      })) as Model;
    m.stochastic = false;
    return m;
  };
  return { x, y, build };
}

describe('calibrateStrength', () => {
  it('finds the strength whose held-out accuracy matches the target within the tolerance', () => {
    const { x, y, build } = toy(200);
    const r = calibrateStrength({ build, x, y, target: 0.7, range: [0, 1], tolerance: 0.01 });
    expect(r.matched).toBe(true);
    expect(Math.abs(r.accuracy - 0.7)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(r.value - 0.3)).toBeLessThan(0.02);
    expect(heldOutAccuracy(build(r.value), x, y, 1, 1)).toBe(r.accuracy);
    // Default tolerance: half a standard error at the target, sqrt(0.7 * 0.3 / 200) / 2 = 1.6 points.
    expect(calibrateStrength({ build, x, y, target: 0.7, range: [0, 1] }).tolerance).toBeCloseTo(Math.sqrt(0.21 / 200) / 2, 10);
    // Increasing parameter on a log scale: value = 1 - s maps to a strength falling with s.
    const inc = calibrateStrength({ build: (s) => build(1 - s / 10), x, y, target: 0.4, range: [0.01, 10], increasing: true, scale: 'log', tolerance: 0.01 });
    expect(inc.matched).toBe(true);
    expect(Math.abs(inc.value - 4)).toBeLessThan(0.2);
    tf.dispose([x, y]);
  });

  it('says when the target is out of reach instead of pretending', () => {
    const { x, y, build } = toy(100);
    const r = calibrateStrength({ build: (v) => build(0.2 + 0.5 * v), x, y, target: 0.95, range: [0, 1], tolerance: 0.01 });
    expect(r.matched).toBe(false);
    expect(r.value).toBe(0); // the weakest setting is the closest
    tf.dispose([x, y]);
  });

  it('rejects bad arguments', () => {
    const { x, y, build } = toy(10);
    expect(() => calibrateStrength({ build, x, y, target: 1.5, range: [0, 1] })).toThrow(/target accuracy must be in \[0, 1\]/);
    expect(() => calibrateStrength({ build, x, y, target: 0.5, range: [1, 0] })).toThrow(/range must be \[lo, hi\] with lo < hi/);
    expect(() => calibrateStrength({ build, x, y, target: 0.5, range: [0, 1], scale: 'log' })).toThrow(/log-scale range needs lo > 0/);
    tf.dispose([x, y]);
  });
});
