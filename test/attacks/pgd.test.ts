import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { pgd, pgdWithStats, type AttackLoss, type AttackNorm } from 'saplab';
import { keepWorstCase } from '../../lib/attacks/scores';
import { expectNoLeak, maxAbsDiff } from '../helpers';
import { counting, inputDropout, linearLogits, linearModel, randomInputs, randomWeights, values } from './tiny_models';

const shape: [number, number, number] = [4, 4, 1];
const d = 16;
const n = 7;
const labels = [0, 1, 2, 1, 0, 2, 1];
const model = linearModel(randomWeights(d, 3, 21), [0.1, 0, -0.1]);
const two = linearModel(randomWeights(d, 2, 22), [0.1, -0.1]);
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

function perExample(t: tf.Tensor): number[][] {
  const v = values(t);
  return Array.from({ length: t.shape[0] }, (_, i) => v.slice(i * d, (i + 1) * d));
}

describe('pgd', () => {
  const invariantCases: { norm: AttackNorm; bounds: [number, number]; eps: number; randomStart: boolean; loss: AttackLoss }[] = [
    { norm: 'linf', bounds: [0, 1], eps: 0.1, randomStart: true, loss: 'ce' },
    { norm: 'linf', bounds: [-1, 1], eps: 0.3, randomStart: true, loss: 'margin' },
    { norm: 'linf', bounds: [0, 1], eps: 0.05, randomStart: false, loss: 'dlr' },
    { norm: 'l2', bounds: [0, 1], eps: 0.8, randomStart: true, loss: 'ce' },
    { norm: 'l2', bounds: [-1, 1], eps: 2, randomStart: true, loss: 'margin' },
    { norm: 'l2', bounds: [0, 1], eps: 0.3, randomStart: false, loss: 'dlr' },
  ];
  it.each(invariantCases)('stays in the $norm ball (eps $eps) and in bounds $bounds, randomStart $randomStart, loss $loss', ({ norm, bounds, eps, randomStart, loss }) => {
    const xs = randomInputs(n, d, 5, bounds[0], bounds[1]);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = pgd(model, x, y, { eps, norm, bounds, randomStart, loss, steps: 7, restarts: 2, seed: 4 });
    expect(adv.shape).toEqual([n, ...shape]);
    expect(adv.dtype).toBe('float32');
    const a = perExample(adv);
    for (let i = 0; i < n; i++) {
      const delta = a[i].map((v, k) => v - xs[i * d + k]);
      a[i].forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(bounds[0]);
        expect(v).toBeLessThanOrEqual(bounds[1]);
      });
      if (norm === 'linf') expect(Math.max(...delta.map(Math.abs))).toBeLessThanOrEqual(eps + 1e-6);
      else expect(Math.sqrt(delta.reduce((s, v) => s + v * v, 0))).toBeLessThanOrEqual(eps * (1 + 1e-5));
    }
    tf.dispose([x, y, adv]);
  });

  it('on a two-class linear model (CE or margin), linf PGD ends at the corner x + eps * sign(w_other - w_y)', () => {
    // The loss increases along a fixed direction whose sign pattern never changes, so once the
    // steps have crossed the ball every coordinate sits on the face the sign points to.
    const xs = randomInputs(n, d, 6, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y2 = labels.map((l) => l % 2);
    const y = tf.tensor1d(y2, 'int32');
    for (const loss of ['ce', 'margin'] as const) {
      const adv = pgd(two, x, y, { eps: 0.2, steps: 10, relStepsize: 0.25, loss, seed: 9 });
      const a = perExample(adv);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < d; k++) {
          const wDiff = two.w[k][1 - y2[i]] - two.w[k][y2[i]];
          expect(a[i][k] - xs[i * d + k]).toBeCloseTo(0.2 * Math.sign(wDiff), 5);
        }
      }
      adv.dispose();
    }
    tf.dispose([x, y]);
  });

  it('targeted margin PGD reaches the target class when eps is large enough', () => {
    const xs = randomInputs(n, d, 10, 0.4, 0.6);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const targets = labels.map((l) => (l + 1) % 3);
    const t = tf.tensor1d(targets, 'int32');
    const adv = pgd(model, x, t, { eps: 0.4, steps: 30, targeted: true, loss: 'margin', seed: 2 });
    perExample(adv).forEach((a, i) => expect(argmax(linearLogits(model, a))).toBe(targets[i]));
    tf.dispose([x, t, adv]);
  });

  it('untargeted margin PGD breaks every example of the linear model at a large eps, and none at eps 0', () => {
    const xs = randomInputs(n, d, 11, 0.4, 0.6);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = pgd(model, x, y, { eps: 0.4, steps: 30, loss: 'margin' });
    perExample(adv).forEach((a, i) => expect(argmax(linearLogits(model, a))).not.toBe(labels[i]));
    const same = pgd(model, x, y, { eps: 0 });
    expect(maxAbsDiff(same, x)).toBe(0);
    tf.dispose([x, y, adv, same]);
  });

  it('same seed gives the same result, different seeds differ (random start)', () => {
    const x = tf.tensor4d(randomInputs(n, d, 12), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const opts = { eps: 0.1, steps: 2, relStepsize: 0.01 };
    const a = pgd(model, x, y, { ...opts, seed: 1 });
    const b = pgd(model, x, y, { ...opts, seed: 1 });
    const c = pgd(model, x, y, { ...opts, seed: 2 });
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    tf.dispose([x, y, a, b, c]);
  });

  it('restarts keep the worst case: every example broken by restart 0 stays broken, losses never drop', () => {
    // Small eps and few steps, so single runs leave some examples unbroken.
    const xs = randomInputs(40, d, 13, 0.2, 0.8);
    const x = tf.tensor4d(xs, [40, ...shape]);
    const ys = Array.from({ length: 40 }, (_, i) => argmax(linearLogits(model, xs.slice(i * d, (i + 1) * d))));
    const y = tf.tensor1d(ys, 'int32');
    const broken = (t: tf.Tensor) => perExample(t).map((a, i) => argmax(linearLogits(model, a)) !== ys[i]);
    const marginOf = (t: tf.Tensor) =>
      perExample(t).map((a, i) => {
        const z = linearLogits(model, a);
        return Math.max(...z.filter((_, j) => j !== ys[i])) - z[ys[i]];
      });
    const opts = { eps: 0.06, steps: 2, relStepsize: 0.3, loss: 'margin' as const, seed: 5 };
    const one = pgd(model, x, y, opts);
    const three = pgd(model, x, y, { ...opts, restarts: 3 });
    const b1 = broken(one);
    const b3 = broken(three);
    b1.forEach((v, i) => v && expect(b3[i]).toBe(true));
    const m1 = marginOf(one);
    const m3 = marginOf(three);
    m1.forEach((v, i) => !b3[i] && expect(m3[i]).toBeGreaterThanOrEqual(v - 1e-6));
    expect(b3.filter(Boolean).length).toBeGreaterThan(0);
    expect(b3.filter(Boolean).length).toBeLessThan(40);
    tf.dispose([x, y, one, three]);
  });

  it('keepWorstCase: broken beats unbroken, then the lower averaged probability of the true class; ties keep the earlier', () => {
    const adv = (v: number) => tf.fill([5, 1, 1, 1], v) as tf.Tensor4D;
    // key = broken + (1 - p_y): example 0 broken (p_y 0.2) vs unbroken; 1 unbroken vs broken;
    // 2 both broken, p_y 0.3 vs 0.1; 3 both unbroken, p_y 0.6 vs 0.9; 4 a tie.
    const best = { adv: adv(1), broken: tf.tensor1d([1, 0, 1, 0, 1], 'bool'), loss: tf.tensor1d([0, 1, 5, 3, 2]), key: tf.tensor1d([1.8, 0.5, 1.7, 0.4, 1.5]) };
    const cand = { adv: adv(2), broken: tf.tensor1d([0, 1, 1, 0, 1], 'bool'), loss: tf.tensor1d([9, 0, 9, 4, 2]), key: tf.tensor1d([0.9, 1.1, 1.9, 0.1, 1.5]) };
    const out = keepWorstCase(best, cand);
    expect(values(out.adv)).toEqual([1, 2, 2, 1, 1]);
    expect(values(out.broken)).toEqual([1, 1, 1, 0, 1]);
    expect(values(out.loss)).toEqual([0, 0, 9, 3, 2]);
    values(out.key).forEach((v, i) => expect(v).toBeCloseTo([1.8, 1.1, 1.9, 0.4, 1.5][i], 6));
    [best, cand, out].forEach((c) => tf.dispose([c.adv, c.broken, c.loss, c.key]));
  });

  it('with eotSamples, each step calls a stochastic model eotSamples times and restarts are scored with as many passes', () => {
    const x = tf.tensor4d(randomInputs(n, d, 14), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const m = counting(inputDropout(model, 0.2, 3));
    const { adv, stats } = pgdWithStats(m, x, y, { eps: 0.1, steps: 3, eotSamples: 4, restarts: 2 });
    expect(m.calls()).toBe(2 * (3 * 4 + 4));
    expect(stats.gradientCalls).toBe(6);
    expect(stats.draws).toBe(6 * 4 * n);
    tf.dispose([x, y, adv]);
  });

  it('leaves no tensors behind (restarts, EOT, both norms)', async () => {
    const x = tf.tensor4d(randomInputs(n, d, 15), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const stochastic = inputDropout(model, 0.2, 3);
    await expectNoLeak(() => pgd(stochastic, x, y, { eps: 0.1, steps: 3, eotSamples: 2, restarts: 3 }), (a) => a.dispose());
    await expectNoLeak(() => pgd(model, x, y, { eps: 0.5, norm: 'l2', steps: 3, loss: 'dlr' }), (a) => a.dispose());
    tf.dispose([x, y]);
  });
});
