import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ABSTAIN, certify, smoothAdv, withGaussianSmoothing } from 'saplab';
import { softSmoothedModel } from '../../lib/attacks/smooth_adv';
import { expectNoLeak } from '../helpers';
import { binaryDecision, binaryModel, imagesAt, NORM_W } from '../defenses/smoothing_models';

const SIGMA = 0.25;

/** E[sigmoid(2 s')] for s' ~ N(s, sd²): the soft smoothed probability of class 0 (midpoint rule). */
function softProbability(s: number, sd: number): number {
  let acc = 0;
  const h = 0.001;
  for (let z = -8; z < 8; z += h) {
    const u = z + h / 2;
    acc += (h * Math.exp(-u * u / 2)) / Math.sqrt(2 * Math.PI) / (1 + Math.exp(-2 * (s + sd * u)));
  }
  return acc;
}

describe('softSmoothedModel', () => {
  it('estimates the soft smoothed probabilities E[softmax(f(x + eps))] (fixed seed, 5 standard errors)', () => {
    const ts = [0.05, -0.2];
    const m = 4000;
    const soft = softSmoothedModel(withGaussianSmoothing(binaryModel(), { sigma: SIGMA, seed: 3 }), m);
    const x = imagesAt(ts);
    const logits = soft(x);
    const p = tf.tidy(() => tf.exp(logits).arraySync()) as number[][];
    ts.forEach((t, i) => {
      const p0 = softProbability(t * NORM_W, SIGMA * NORM_W);
      expect(p[i][0] + p[i][1]).toBeCloseTo(1, 5);
      // softmax values lie in [0, 1]: their sd is at most 1/2
      expect(Math.abs(p[i][0] - p0)).toBeLessThan((5 * 0.5) / Math.sqrt(m));
    });
    expect(soft.stochastic).toBe(true);
    tf.dispose([x, logits]);
  });

  it('rejects a model that is not smoothed and bad noiseSamples', () => {
    expect(() => softSmoothedModel(binaryModel() as never)).toThrow(/withGaussianSmoothing/);
    expect(() => softSmoothedModel(withGaussianSmoothing(binaryModel(), { sigma: 1 }), 0)).toThrow(/noiseSamples must be an integer >= 1/);
  });
});

describe('smoothAdv', () => {
  const ts = [0.05, 0.1, 0.15, 0.2, -0.12, -0.2];
  const model = withGaussianSmoothing(binaryModel(), { sigma: SIGMA });
  const x = imagesAt(ts);
  const cert = certify(model, x, { n0: 100, n: 20000, alpha: 0.001, seed: 6 });

  // From x itself (randomStart false): a random start leaves a component across the boundary's
  // normal that the projection only shrinks slowly, so "just past" would not be reached in 12 steps.
  it('never flips g inside a certified radius, and does just past the true distance', () => {
    let certified = 0;
    ts.forEach((t, i) => {
      if (cert.predictions[i] === ABSTAIN) return;
      certified++;
      const xi = x.slice([i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const y = tf.tensor1d([cert.predictions[i]], 'int32');
      const inside = smoothAdv(model, xi, y, { eps: cert.radii[i], steps: 12, noiseSamples: 4, randomStart: false, seed: 1 });
      const past = smoothAdv(model, xi, y, { eps: 1.02 * Math.abs(t), steps: 12, noiseSamples: 4, randomStart: false, seed: 1 });
      expect(binaryDecision(inside)[0]).toBe(cert.predictions[i]);
      expect(binaryDecision(past)[0]).not.toBe(cert.predictions[i]);
      tf.dispose([xi, y, inside, past]);
    });
    expect(certified).toBe(ts.length);
  });

  it('stays in the L2 ball and the bounds, is seeded, leaks nothing', async () => {
    const y = tf.tensor1d(ts.map((t) => (t > 0 ? 0 : 1)), 'int32');
    const eps = 0.3;
    await expectNoLeak(() => tf.dispose(smoothAdv(model, x, y, { eps, steps: 5, seed: 2 })));
    const adv = smoothAdv(model, x, y, { eps, steps: 5, seed: 2 });
    const again = smoothAdv(model, x, y, { eps, steps: 5, seed: 2 });
    const other = smoothAdv(model, x, y, { eps, steps: 5, seed: 3 });
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.reshape(tf.sub(adv, x), [ts.length, -1])), 1)).arraySync()) as number[];
    norms.forEach((v) => expect(v).toBeLessThanOrEqual(eps * (1 + 1e-5)));
    expect(adv.min().arraySync()).toBeGreaterThanOrEqual(0);
    expect(adv.max().arraySync()).toBeLessThanOrEqual(1);
    expect(adv.arraySync()).toEqual(again.arraySync());
    expect(adv.arraySync()).not.toEqual(other.arraySync());
    tf.dispose([y, adv, again, other]);
  });

  it('rejects missing options', () => {
    const y = tf.tensor1d([0], 'int32');
    expect(() => smoothAdv(model, x, y, undefined as never)).toThrow(/eps/);
    y.dispose();
  });
});
