import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fgsm, fgsmWithStats, type AttackLoss, type AttackNorm } from 'saplab';
import { expectNoLeak, maxAbsDiff } from '../helpers';
import { linearCeGradient, linearModel, randomInputs, randomWeights, values } from './tiny_models';

const shape: [number, number, number] = [3, 3, 1];
const d = 9;
const n = 5;

const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** The FGSM step in closed form for one example with gradient `g`. */
function expectedStep(x: number[], g: number[], eps: number, norm: AttackNorm, bounds: [number, number]): number[] {
  const len = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
  return x.map((v, k) => clip(v + (norm === 'linf' ? eps * Math.sign(g[k]) : (eps * g[k]) / len), bounds[0], bounds[1]));
}

describe('fgsm on a linear model (closed form)', () => {
  // Two classes: the CE gradient is (1 - p_y) (w_other - w_y), so its sign and direction are those
  // of w_diff = w_other - w_y; the margin loss has gradient exactly w_diff.
  const two = linearModel(randomWeights(d, 2, 1), [0.2, -0.1]);
  const three = linearModel(randomWeights(d, 3, 2), [0.2, -0.1, 0]);
  const labels = [0, 1, 1, 0, 1];
  const cases: { norm: AttackNorm; loss: AttackLoss; bounds: [number, number]; classes: 2 | 3; eps: number }[] = [
    { norm: 'linf', loss: 'ce', bounds: [0, 1], classes: 2, eps: 0.1 },
    { norm: 'linf', loss: 'margin', bounds: [0, 1], classes: 2, eps: 0.3 },
    { norm: 'linf', loss: 'ce', bounds: [-1, 1], classes: 2, eps: 0.25 },
    { norm: 'l2', loss: 'ce', bounds: [0, 1], classes: 2, eps: 0.5 },
    { norm: 'l2', loss: 'margin', bounds: [-1, 1], classes: 2, eps: 1.5 },
    { norm: 'linf', loss: 'ce', bounds: [0, 1], classes: 3, eps: 0.2 },
    { norm: 'l2', loss: 'ce', bounds: [-1, 1], classes: 3, eps: 0.7 },
  ];
  it.each(cases)('$norm, $loss, bounds $bounds, $classes classes, eps $eps', ({ norm, loss, bounds, classes, eps }) => {
    const m = classes === 2 ? two : three;
    const xs = randomInputs(n, d, 7, bounds[0], bounds[1]);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = fgsm(m, x, y, { eps, norm, loss, bounds });
    expect(adv.shape).toEqual(x.shape);
    expect(adv.dtype).toBe('float32');
    const out = values(adv);
    for (let i = 0; i < n; i++) {
      const xi = xs.slice(i * d, (i + 1) * d);
      let g: number[];
      if (loss === 'margin') {
        // 2 classes: max other logit - true logit has gradient w_other - w_y.
        g = m.w.map((row) => row[1 - labels[i]] - row[labels[i]]);
      } else {
        g = linearCeGradient(m, xi, labels[i]);
      }
      const expected = expectedStep(xi, g, eps, norm, bounds);
      expected.forEach((v, k) => expect(out[i * d + k]).toBeCloseTo(v, 5));
    }
    tf.dispose([x, y, adv]);
  });

  it('moves by exactly eps * sign(w_other - w_y) when nothing is clipped (linf)', () => {
    const xs = randomInputs(n, d, 8, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = fgsm(two, x, y, { eps: 0.2 });
    const out = values(adv);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) {
        const wDiff = two.w[k][1 - labels[i]] - two.w[k][labels[i]];
        expect(out[i * d + k] - xs[i * d + k]).toBeCloseTo(0.2 * Math.sign(wDiff), 5);
      }
    }
    tf.dispose([x, y, adv]);
  });

  it('targeted: moves towards the target class', () => {
    const xs = randomInputs(n, d, 9, 0.3, 0.7);
    const x = tf.tensor4d(xs, [n, ...shape]);
    const target = tf.tensor1d(labels.map((l) => 1 - l), 'int32');
    const adv = fgsm(two, x, target, { eps: 0.2, targeted: true, loss: 'margin' });
    const out = values(adv);
    for (let i = 0; i < n; i++) {
      const t = 1 - labels[i];
      for (let k = 0; k < d; k++) expect(out[i * d + k] - xs[i * d + k]).toBeCloseTo(0.2 * Math.sign(two.w[k][t] - two.w[k][labels[i]]), 5);
    }
    tf.dispose([x, target, adv]);
  });

  it('eps 0 returns a copy of x; the inputs stay alive', () => {
    const x = tf.tensor4d(randomInputs(n, d, 3), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const adv = fgsm(two, x, y, { eps: 0 });
    expect(adv).not.toBe(x);
    expect(maxAbsDiff(adv, x)).toBe(0);
    adv.dispose();
    expect(x.isDisposed || y.isDisposed).toBe(false);
    tf.dispose([x, y]);
  });

  it('reports gradient statistics', () => {
    const x = tf.tensor4d(randomInputs(n, d, 3), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    const { adv, stats } = fgsmWithStats(two, x, y, { eps: 0.1, eotSamples: 3 });
    expect(stats).toEqual({ gradientCalls: 1, draws: 3 * n, nonFiniteDraws: 0, noFiniteDraw: 0, nonFiniteLogits: 0 });
    tf.dispose([x, y, adv]);
  });

  it('leaves no tensors behind', async () => {
    const x = tf.tensor4d(randomInputs(n, d, 3), [n, ...shape]);
    const y = tf.tensor1d(labels, 'int32');
    await expectNoLeak(() => fgsm(three, x, y, { eps: 0.1, norm: 'l2', eotSamples: 2 }), (a) => a.dispose());
    await expectNoLeak(() => fgsm(two, x, y, { eps: 0 }), (a) => a.dispose());
    tf.dispose([x, y]);
  });
});
