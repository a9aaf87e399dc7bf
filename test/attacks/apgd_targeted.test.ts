import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { apgd, apgdTargeted, apgdTargetedWithStats, type Model } from 'saplab';
import { topOtherClasses } from '../../lib/attacks/apgd_targeted';
import { expectNoLeak } from '../helpers';
import { inputDropout, linearLogits, linearModel, randomInputs, randomWeights, values } from './tiny_models';

const shape: [number, number, number] = [4, 4, 1];
const d = 16;
const n = 8;
const classes = 5;
const model = linearModel(randomWeights(d, classes, 51), [0.1, 0, -0.1, 0.05, -0.05]);
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const perExample = (t: tf.Tensor) => {
  const v = values(t);
  return Array.from({ length: t.shape[0] }, (_, i) => v.slice(i * d, (i + 1) * d));
};
const xs = randomInputs(n, d, 52, 0.4, 0.6);
const cleanLabels = Array.from({ length: n }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
/** The classes of each example sorted by logit, the label excluded, most likely first. */
const ranked = cleanLabels.map((l, i) => {
  const z = linearLogits(model, xs.slice(i * d, (i + 1) * d));
  return [0, 1, 2, 3, 4].filter((j) => j !== l).sort((a, b) => z[b] - z[a]);
});

/** Wraps a model and records the number of rows of every call. */
function recording(base: Model): Model & { rows: number[] } {
  const rows: number[] = [];
  const m = ((x: tf.Tensor4D) => {
    rows.push(x.shape[0]);
    return base(x);
  }) as Model & { rows: number[] };
  m.stochastic = base.stochastic;
  m.rows = rows;
  return m;
}

describe('topOtherClasses', () => {
  it('ranks the classes other than the label by score, ties by class index', () => {
    const p = tf.tensor2d([
      [0.1, 0.5, 0.2, 0.2],
      [0.7, 0.1, 0.1, 0.1],
    ]);
    const y = tf.tensor1d([1, 2], 'int32');
    expect(topOtherClasses(p, y, 3)).toEqual([
      [2, 0],
      [3, 1],
      [0, 3],
    ]);
    expect(() => topOtherClasses(p, y, 4)).toThrow(/only 3 classes differ/);
    tf.dispose([p, y]);
  });
});

describe('apgd with the targeted DLR loss', () => {
  it('reaches its target class on a small linear model', () => {
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(cleanLabels, 'int32');
    // The least likely class of each example: the hardest target.
    const targets = ranked.map((r) => r[3]);
    const t = tf.tensor1d(targets, 'int32');
    const adv = apgd(model, x, t, { eps: 0.4, steps: 30, targeted: true, loss: 'dlr', trueLabels: y });
    perExample(adv).forEach((a, i) => expect(argmax(linearLogits(model, a))).toBe(targets[i]));
    // Without trueLabels the targeted DLR loss cannot be formed.
    expect(() => apgd(model, x, t, { eps: 0.4, targeted: true, loss: 'dlr' })).toThrow(/true labels/);
    tf.dispose([x, y, t, adv]);
  });
});

describe('apgdTargeted (APGD-T)', () => {
  it('with one target class misclassifies every example and puts the target above the label, inside the ball and the bounds', () => {
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(cleanLabels, 'int32');
    const eps = 0.4;
    const adv = apgdTargeted(model, x, y, { eps, steps: 30, targetClasses: 1 });
    perExample(adv).forEach((a, i) => {
      const z = linearLogits(model, a);
      expect(argmax(z)).not.toBe(cleanLabels[i]);
      expect(z[ranked[i][0]]).toBeGreaterThan(z[cleanLabels[i]]);
      a.forEach((v, k) => {
        expect(Math.abs(v - xs[i * d + k])).toBeLessThanOrEqual(eps + 1e-6);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      });
    });
    tf.dispose([x, y, adv]);
  });

  it('attacks each further target only on the examples no earlier target broke', () => {
    // At eps 0.18 only some examples break with the first target (6 of 8 with these seeds).
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(cleanLabels, 'int32');
    const steps = 5;
    const first = recording(model);
    const one = apgdTargeted(first, x, y, { eps: 0.18, steps, targetClasses: 1 });
    const brokenFirst = perExample(one).map((a, i) => argmax(linearLogits(model, a)) !== cleanLabels[i]);
    const nBroken = brokenFirst.filter(Boolean).length;
    expect(nBroken).toBeGreaterThan(0);
    expect(nBroken).toBeLessThan(n);
    const m = recording(model);
    const three = apgdTargeted(m, x, y, { eps: 0.18, steps, targetClasses: 3 });
    // One scoring pass on the clean batch, then steps + 1 gradient calls per target.
    expect(m.rows.slice(0, 1 + steps + 1)).toEqual(new Array(steps + 2).fill(n));
    expect(m.rows[steps + 2]).toBe(n - nBroken);
    // Worst case over the targets: everything the first target broke stays broken.
    const brokenThree = perExample(three).map((a, i) => argmax(linearLogits(model, a)) !== cleanLabels[i]);
    brokenFirst.forEach((b, i) => b && expect(brokenThree[i]).toBe(true));
    tf.dispose([x, y, one, three]);
  });

  it('with EOT: every gradient call averages eotSamples passes, counted in the stats', () => {
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(cleanLabels, 'int32');
    const { adv, stats } = apgdTargetedWithStats(inputDropout(model, 0.1, 3), x, y, { eps: 0.001, steps: 4, eotSamples: 3, targetClasses: 2 });
    // eps 0.001 breaks nothing, so both targets run on all n examples: 2 × (4 + 1) calls.
    expect(stats.gradientCalls).toBe(10);
    expect(stats.draws).toBe(10 * 3 * n);
    tf.dispose([x, y, adv]);
  });

  it('is seeded and rejects too many target classes', () => {
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(cleanLabels, 'int32');
    const a = apgdTargeted(model, x, y, { eps: 0.05, steps: 3, targetClasses: 2, seed: 4 });
    const b = apgdTargeted(model, x, y, { eps: 0.05, steps: 3, targetClasses: 2, seed: 4 });
    expect(values(a)).toEqual(values(b));
    expect(() => apgdTargeted(model, x, y, { eps: 0.05, targetClasses: 5 })).toThrow(/only 4 classes differ/);
    tf.dispose([x, y, a, b]);
  });

  it('leaves no tensors behind', async () => {
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(cleanLabels, 'int32');
    await expectNoLeak(() => apgdTargeted(model, x, y, { eps: 0.03, steps: 4, targetClasses: 3, restarts: 2 }), (a) => a.dispose());
    await expectNoLeak(() => apgdTargeted(inputDropout(model, 0.1, 1), x, y, { eps: 0.03, steps: 3, targetClasses: 2, eotSamples: 2 }), (a) => a.dispose());
    tf.dispose([x, y]);
  });
});
